"""layerscope: where the bytes of a container image go."""

# Keep this module free of imports: the console script imports it before anything can catch a
# Ctrl+C (see __main__.py).
__version__ = "0.1.0"
