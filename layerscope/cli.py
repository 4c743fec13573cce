"""Command line: flags → settings → the library → an output and an exit code.  No logic here.

Exit codes: 0 pass, 1 a CI rule or gate failed (or the rules are misconfigured, as in dive),
2 the input could not be read or the invocation is wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from . import __version__, escape
from .argparsing import ArgumentParser
from .cli_args import add_ci_args, add_config_arg, add_read_args, add_rule_args
from .errors import LayerscopeError

if TYPE_CHECKING:
    from .config import ConfigFile
    from .image import Image
    from .settings import AnalyzeArgs
    from .sources.archive import ReadOptions

# The sub-commands: name → the module whose ``main(argv) -> int`` gets the arguments after it.
# Each one parses its own flags (the shared ones from layerscope.cli_args) and reads the config.
COMMANDS: dict[str, str] = {
    "diff": "layerscope.commands.diff",
    "report": "layerscope.commands.report",
    "explain": "layerscope.commands.explain",
    "build": "layerscope.commands.build",
    "packages": "layerscope.commands.packages",
}


def build_parser(prog: str = "layerscope") -> argparse.ArgumentParser:
    """The top-level parser; its errors are one line, exit 2
    (:class:`~layerscope.argparsing.ArgumentParser`).  The flags shared with the sub-commands
    come from :mod:`layerscope.cli_args`."""
    p = ArgumentParser(
        prog=prog,
        description="Explore a container image's layers and find wasted space (a drop-in for dive).",
    )
    p.add_argument("image", nargs="?", help="image archive path, or SOURCE://IMAGE")
    add_ci_args(p.add_argument_group("CI mode and --json"))
    add_rule_args(p.add_argument_group("dive's CI rules"))
    add_read_args(p.add_argument_group("reading the image"))
    ui = p.add_argument_group("configuration and the explorer")
    add_config_arg(ui)
    ui.add_argument("--sort", choices=["name", "size"], default=None, help="file tree order in the UI")
    p.add_argument("-v", "--version", action="store_true", help="print the version")
    return p


def load_image(source: str, image_arg: str, opts: ReadOptions) -> Image:
    """The CI pipeline's reader, :func:`layerscope.sources.load_image`, imported when a run
    reads: ``layerscope --help`` and a usage error never import the archive readers."""
    from .sources import load_image as read

    return read(source, image_arg, opts)


def run_analyze(args: argparse.Namespace | AnalyzeArgs, config: ConfigFile | None = None) -> int:
    """``layerscope IMAGE``: CI mode / ``--json`` through :func:`layerscope.ci.run.run`, else
    the explorer.  ``config`` is the ``.dive.yaml`` already read (``build`` reads it for
    ``container-engine``); otherwise it is read here, once."""
    from .config import load_config
    from .settings import AnalyzeArgs, ci_settings, explore_settings, start_run
    from .sources import pick_source

    a = args if isinstance(args, AnalyzeArgs) else AnalyzeArgs.from_namespace(args)
    if not a.image:
        raise LayerscopeError("No image argument given")
    source, image_arg = pick_source(a.image, a.source_flag(os.environ))
    config = load_config(a.config) if config is None else config
    run = start_run(config)  # dive's log file is open before anything is read
    if a.batch(os.environ):
        from .ci.run import run as run_ci
        from .report.output import guard_stdout

        settings = ci_settings(a, source, image_arg, config, run, os.environ)
        with guard_stdout():  # a closed stdout never turns a FAIL into a pass (see GuardedStdout)
            return run_ci(settings, load=load_image).exit_code
    try:
        from .ui.app import explore
    except ImportError as e:  # pragma: no cover - textual is a dependency
        raise LayerscopeError(f"the interactive UI cannot start: {e}") from None
    return explore(explore_settings(a, source, image_arg, config, run))


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so Python's flush at exit prints no "Exception ignored"."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _flush_stdout() -> None:
    """Flush what stdout holds before an error line; a closed stdout is silenced, not raised."""
    try:
        sys.stdout.flush()
    except OSError:
        _silence_stdout()


def _print_version() -> int:
    """Like ``--help``: a reader that stops reading (``version | true``) is not an error."""
    from .report.output import guard_stdout

    with guard_stdout():
        print(f"layerscope {__version__}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv and argv[0] == "version":
            return _print_version()
        if argv and argv[0] in COMMANDS:
            import importlib

            command = importlib.import_module(COMMANDS[argv[0]])
            return int(command.main(argv[1:]))
        args = build_parser().parse_args(argv)
        if args.version:
            return _print_version()
        return run_analyze(args)
    except LayerscopeError as e:
        _flush_stdout()
        print(f"layerscope: {escape.terminal(str(e))}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("layerscope: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout closed outside a guarded command: the verdict is unknown, so never a pass
        _silence_stdout()
        return 2
    except MemoryError:
        print("layerscope: out of memory while reading the image (see --max-bytes / --max-entries)", file=sys.stderr)
        return 2
    except RecursionError:
        print("layerscope: input nested too deeply", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - never a traceback in a pipeline
        from .__main__ import INTERRUPTED, interrupted_by

        if interrupted_by(e):  # Ctrl+C wrapped by Python (3.11: "Error calling __set_name__")
            print("layerscope: interrupted", file=sys.stderr)
            return INTERRUPTED
        from .log import logger

        logger("layerscope.cli").error("internal error", exc_info=True)  # to dive's log file
        print(
            f"layerscope: internal error: {type(e).__name__}: {escape.terminal(' '.join(str(e).split()))}",
            file=sys.stderr,
        )
        return 2
