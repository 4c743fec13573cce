"""What every image-reading sub-command does the same way: start the run, build the read
options, read one side with a progress display.

The flags themselves are in :mod:`layerscope.cli_args`; the typed view of them in
:mod:`layerscope.settings`.  A sub-command's ``main(argv)`` calls :func:`start` first (the
``.dive.yaml`` is read once, and dive's log file opened, before its flags are parsed), then
:func:`read_options` with what it parsed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..settings import ReadArgs

if TYPE_CHECKING:
    from ..config import RunSettings
    from ..image import Image
    from ..report.model import Snapshot
    from ..sources.archive import ReadOptions


def run_command(
    argv: list[str],
    build_parser: Callable[[], argparse.ArgumentParser],
    body: Callable[[argparse.Namespace, RunSettings], int],
) -> int:
    """The frame of every image-reading sub-command: stdout guarded (a reader that stops reading
    never turns a failure into a pass, see :class:`~layerscope.report.output.GuardedStdout`), the
    run started before the flags are parsed (:func:`start`), then ``body`` with both."""
    from ..cli_args import parse
    from ..report.output import guard_stdout

    with guard_stdout():
        run = start()
        args = parse(build_parser(), argv)
        if isinstance(args, int):
            return args
        return body(args, run)


def start() -> RunSettings:
    """The run settings of the config file dive would find (``ignore-errors``, ``log.*``),
    with the log set up, so the command logs what it reads and any internal error."""
    from ..config import load_config
    from ..settings import start_run

    return start_run(load_config(None))


def read_options(args: argparse.Namespace, run: RunSettings, **overrides: Any) -> ReadOptions:
    """The immutable options of every read of this command (each read has its own budget)."""
    return ReadArgs.from_namespace(args).options(run, **overrides)


def load_watched(arg: str, side: str, args: argparse.Namespace, opts: ReadOptions) -> tuple[Snapshot, Image | None]:
    """Read one side with a fresh budget and counters, shown on stderr while it runs."""
    from ..progress import read_display
    from ..report.snapshot import load_side_with_image
    from ..sources.archive import ReadState

    state = ReadState.start(opts)
    with read_display(f"Reading {side} {arg}", state, quiet=args.quiet):
        return load_side_with_image(arg, side, args.source, opts, state)
