"""Sub-commands ``diff``, ``report``, ``explain`` and ``build``: each module exposes
``main(argv) -> int``, which ``cli.main`` calls (through its ``COMMANDS`` table) with the
arguments after the command's name.

They declare the flags shared with the top level through :mod:`layerscope.cli_args`, start
the run and build their read options through :mod:`layerscope.commands.common`, call the
library and choose a renderer; see ``docs/architecture.md``."""
