"""Sub-commands ``diff``, ``report``, ``explain`` and ``build``: each module exposes
``main(argv) -> int``, which ``cli.main`` calls with the arguments after the command's name.

They parse their own flags (the read options shared with the top level come from
:func:`layerscope.commands.diff.add_read_options`), call the library and choose a renderer;
see ``docs/architecture.md``."""
