"""Command line: flags → settings → the library → an output and an exit code.  No logic here.

Exit codes: 0 pass, 1 a CI rule or gate failed (or the rules are misconfigured, as in dive),
2 the input could not be read or the invocation is wrong.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time

from . import __version__, escape
from .archive.decompress import Limits
from .argparsing import ArgumentParser, positive_count, positive_size
from .errors import LayerscopeError
from .sources import load_image, pick_source
from .sources.archive import ReadOptions

FORMATS = ("dive", "junit", "github", "markdown")  # CI output formats (ci/formats.py renders them)

GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}


_size_arg = positive_size  # the --max-bytes type (also used by the sub-commands)
_count_arg = positive_count  # the --max-entries type


def build_parser(prog: str = "layerscope") -> argparse.ArgumentParser:
    """The top-level parser (``prog`` is ``layerscope build`` when ``build`` reuses it); its
    errors are one line, exit 2 (:class:`~layerscope.argparsing.ArgumentParser`)."""
    p = ArgumentParser(
        prog=prog,
        description="Explore a container image's layers and find wasted space (a drop-in for dive).",
    )
    p.add_argument("image", nargs="?", help="image archive path, or SOURCE://IMAGE")
    p.add_argument(
        "--source", default=os.environ.get("DIVE_SOURCE"), help="docker-archive (docker-tar), docker, podman, registry"
    )
    p.add_argument("--ci", action="store_true", help="skip the UI; evaluate CI rules (also CI=true)")
    p.add_argument("--ci-config", default=".dive-ci", help="rules file (default: .dive-ci in the cwd)")
    p.add_argument("--lowestEfficiency", "--lowest-efficiency", dest="lowestEfficiency", default=None)
    p.add_argument("--highestWastedBytes", "--highest-wasted-bytes", dest="highestWastedBytes", default=None)
    p.add_argument(
        "--highestUserWastedPercent", "--highest-user-wasted-percent", dest="highestUserWastedPercent", default=None
    )
    p.add_argument("-j", "--json", dest="json_path", default=None, help="write dive's JSON export to FILE")
    p.add_argument(
        "-i",
        "--ignore-errors",
        action="store_true",
        help="skip layers that cannot be parsed, with a warning (also ignore-errors / DIVE_IGNORE_ERRORS)",
    )
    p.add_argument("--config", default=None, help=".dive.yaml configuration file")
    p.add_argument(
        "--image", dest="image_select", default=None, help="pick an image of a multi-image archive (name:tag)"
    )
    p.add_argument("--platform", default=None, help="os/arch[/variant] to pick from a multi-platform index")
    p.add_argument("--no-verify", action="store_true", help="do not verify blob digests")
    p.add_argument("--max-bytes", type=_size_arg, default=None, help="cap on total uncompressed bytes (default 64GiB)")
    p.add_argument("--max-entries", type=_count_arg, default=None, help="cap on total tar entries (default 10M)")
    p.add_argument("--sort", choices=["name", "size"], default=None, help="file tree order in the UI")
    p.add_argument("--insecure", action="store_true", help="registry source: plain http (no TLS)")
    p.add_argument(
        "--cache",
        dest="cache",
        action="store_true",
        default=True,
        help="registry source: use the blob cache in ~/.cache/layerscope (default)",
    )
    p.add_argument("--no-cache", dest="cache", action="store_false", help="registry source: no blob cache")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="dive",
        help="CI output: dive's text (default), junit XML, dive's text + GitHub annotations, "
        "or the markdown summary; other than dive implies --ci",
    )
    p.add_argument("-v", "--version", action="store_true", help="print the version")
    return p


def limits_from_args(args: argparse.Namespace) -> Limits:
    """``--max-bytes`` / ``--max-entries`` over the defaults (the limits of each single read)."""
    given = {k: v for k in ("max_bytes", "max_entries") if (v := getattr(args, k, None)) is not None}
    return Limits(**given)


def ci_enabled(flag: bool) -> bool:
    return flag or os.environ.get("CI", "") in GO_TRUE


def _read_options(args: argparse.Namespace) -> ReadOptions:
    limits = limits_from_args(args)
    return ReadOptions(
        image=args.image_select,
        platform=args.platform,
        verify=not args.no_verify,
        limits=limits,
        insecure=getattr(args, "insecure", False),
        cache=getattr(args, "cache", True),
    )


def _apply_run_settings(args: argparse.Namespace, opts: ReadOptions) -> ReadOptions:
    """dive's ``log.*`` (the log file is opened here, before anything is read) and
    ``ignore-errors`` (``-i``, the config key or ``DIVE_IGNORE_ERRORS``)."""
    from . import log
    from .config import load_run_settings

    run = load_run_settings(args.config)
    log.configure(run.log)
    ignore = bool(getattr(args, "ignore_errors", False)) or run.ignore_errors
    return dataclasses.replace(opts, ignore_errors=ignore) if ignore else opts


def _configure_log() -> None:
    """dive's ``log.*`` for the sub-commands too (from the config file dive would find and the
    environment), so ``diff`` / ``report`` / ``explain`` log what they read and any internal error."""
    from . import log
    from .config import load_run_settings

    log.configure(load_run_settings(None).log)


def run_analyze(args: argparse.Namespace) -> int:
    if not args.image:
        raise LayerscopeError("No image argument given")
    source, image_arg = pick_source(args.image, args.source)
    opts = _apply_run_settings(args, _read_options(args))
    ci = ci_enabled(args.ci) or args.format != "dive"
    if args.json_path or ci:
        opts = dataclasses.replace(opts, hash_content=False)  # CI mode and dive's JSON never use them
        from .report.output import guard_stdout

        with guard_stdout():  # a closed stdout never turns a FAIL into a pass (see GuardedStdout)
            return _run_ci(args, source, image_arg, opts, ci)
    return run_ui(args, source, image_arg, opts)


def _run_ci(args: argparse.Namespace, source: str, image_arg: str, opts: ReadOptions, ci: bool) -> int:
    """CI mode or ``--json``: dive's text on stdout, then the verdict's exit code."""
    from .ci.render import title

    out = sys.stdout
    if ci and not args.json_path and args.format not in ("dive", "github"):
        import io

        out = io.StringIO()  # junit / markdown replace dive's text (see ci/formats.py)
    if args.json_path:
        from .report.output import writes_to_stdout

        if writes_to_stdout(args.json_path):
            out = sys.stderr  # `--json -`: stdout carries the JSON alone, so it parses
    from .analysis.dive_efficiency import dive_efficiency
    from .ci import render
    from .ci.evaluate import evaluate
    from .ci.rules import RULE_KEYS, load_rules
    from .config import find_config

    config_path = find_config(args.config)
    if config_path:
        out.write(f"Using config file: {config_path}\n")  # dive prints this first, on stdout
    rules = None
    if ci:
        flags = {k: getattr(args, k) for k in RULE_KEYS}
        rules = load_rules(args.ci_config, flags)
        out.write(render.config_line(rules.source))
    out.write(render.preamble(source, image_arg))
    out.flush()
    from . import log

    started = time.perf_counter()
    image = load_image(source, image_arg, opts)
    log.log_read(image, time.perf_counter() - started)
    for note in image.notes:
        print(f"note: {escape.terminal(note)}", file=sys.stderr)
    for warning in log.skipped_warnings(image):
        print(f"layerscope: {escape.terminal(warning)}", file=sys.stderr)
    if args.json_path:
        from .export import dive_json

        out.write(title("Analyzing image...") + "\n")
        out.write(title(f"Exporting image to '{args.json_path}'...") + "\n")
        dive_json.export(args.json_path, image)  # errors: one LayerscopeError line, exit 2
        return 0
    analysis = dive_efficiency(image)
    assert rules is not None
    verdict = evaluate(rules, analysis)
    out.write(render.analysis_lines(analysis))
    out.write(render.report(analysis, verdict))
    from .ci.formats import finish_ci

    return finish_ci(args.format, image, analysis, verdict, rules, sys.stdout)


def run_ui(args: argparse.Namespace, source: str, image_arg: str, opts: ReadOptions) -> int:
    try:
        from .ui.app import run as run_app
    except ImportError as e:  # pragma: no cover - textual is a dependency
        raise LayerscopeError(f"the interactive UI cannot start: {e}") from None
    return run_app(args, source, image_arg, opts)


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
        if argv and argv[0] in ("diff", "report", "build", "explain"):
            import importlib

            command = importlib.import_module(f"layerscope.commands.{argv[0]}")
            if argv[0] != "build":  # build hands its own flags to the analysis, which sets the log up
                _configure_log()
            return command.main(argv[1:])
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
        logging.getLogger("layerscope.cli").error("internal error", exc_info=True)  # to dive's log file
        print(
            f"layerscope: internal error: {type(e).__name__}: {escape.terminal(' '.join(str(e).split()))}",
            file=sys.stderr,
        )
        return 2
