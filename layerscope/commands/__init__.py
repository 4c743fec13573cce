"""Sub-commands (``layerscope diff``, ``layerscope report``): each exposes ``main(argv) -> int``."""
