"""layerscope: where the bytes of a container image go."""

__version__ = "0.1.0"
