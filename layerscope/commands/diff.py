"""``layerscope diff BASE HEAD``: a size-regression report for two images, with gates.

Either side is any image source the CLI accepts, or a baseline JSON written by
``layerscope report IMAGE --format json``.  Exit codes: 0 ok, 1 a gate failed, 2 an input
could not be read or an option is invalid (raised as :class:`LayerscopeError`, which the CLI
prints as one line).  Every option is validated before an image is read, and nothing is
written until the whole report is ready.
"""

from __future__ import annotations

import argparse
import io
import os
import sys

from ..argparsing import ArgumentParser
from ..ci.rules import RULE_KEYS
from ..image import Image
from ..progress import read_display
from ..report import json_out, markdown, terminal
from ..report.compare import compare
from ..report.gates import build_config, evaluate_gates, parse_size_option
from ..report.model import Snapshot
from ..report.output import append_step_summary, guard_stdout, write_file
from ..report.snapshot import load_side_with_image
from ..sources.archive import ReadOptions, ReadState

_Parser = ArgumentParser  # one line and exit 2 on a usage error, as every command


def _top(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid --top {text!r}: not an integer") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"invalid --top {text!r}: must be ≥ 0 (0 shows all)")
    return n


def add_read_options(p: argparse.ArgumentParser) -> None:
    from ..cli import _count_arg, _size_arg

    p.add_argument("--source", default=None, help="image source for arguments without a SOURCE:// prefix")
    p.add_argument("--platform", default=None, help="os/arch[/variant] to pick from a multi-platform index")
    p.add_argument("--no-verify", action="store_true", help="do not verify blob digests")
    p.add_argument(
        "--max-bytes",
        type=_size_arg,
        default=None,
        help="cap on the uncompressed bytes of each image read (default 64GiB)",
    )
    p.add_argument(
        "--max-entries", type=_count_arg, default=None, help="cap on the tar entries of each image read (default 10M)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display on stderr while reading")
    p.add_argument(
        "-i",
        "--ignore-errors",
        action="store_true",
        help="show a layer that cannot be parsed as empty (with a warning) instead of stopping; "
        "also the ignore-errors key of .dive.yaml and DIVE_IGNORE_ERRORS",
    )


def read_options(args: argparse.Namespace, **overrides: object) -> ReadOptions:
    """The immutable options of every read of this command (each read has its own budget)."""
    from ..cli import limits_from_args
    from ..config import load_run_settings

    ignore = bool(getattr(args, "ignore_errors", False)) or load_run_settings(None).ignore_errors
    return ReadOptions(
        platform=args.platform,
        verify=not args.no_verify,
        limits=limits_from_args(args),
        ignore_errors=ignore,
        **overrides,
    )  # type: ignore[arg-type]


def load_watched(arg: str, side: str, args: argparse.Namespace, opts: ReadOptions) -> tuple[Snapshot, Image | None]:
    """Read one side with a fresh budget and counters, shown on stderr while it runs."""
    state = ReadState.start(opts)
    with read_display(f"Reading {side} {arg}", state, quiet=args.quiet):
        return load_side_with_image(arg, side, args.source, opts, state)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="layerscope diff",
        description=(
            "Compare two images (or a baseline JSON and an image): layers, files, totals, gates. "
            "Exit 0 ok, 1 a gate failed, 2 an input could not be read."
        ),
    )
    p.add_argument("base", help="BASE: image archive, SOURCE://IMAGE, or baseline .json")
    p.add_argument("head", help="HEAD: image archive, SOURCE://IMAGE, or baseline .json")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.add_argument("-o", "--output", default=None, help="write the report to FILE instead of stdout")
    p.add_argument("--top", type=_top, default=20, help="file changes to list (default 20; 0 = all)")
    p.add_argument(
        "--fold-below",
        default="10kB",
        help="markdown: fold file changes smaller than SIZE into <details> (default 10kB)",
    )
    p.add_argument("--max-increase", default=None, help="fail if HEAD grew by more than SIZE (10MB = 10,000,000 B)")
    p.add_argument("--max-increase-percent", default=None, help="fail if HEAD grew by more than P percent")
    p.add_argument("--max-size", default=None, help="fail if HEAD is bigger than SIZE")
    p.add_argument("--ci-config", default=None, help="apply dive's rules from this .dive-ci file to HEAD")
    p.add_argument("--lowestEfficiency", "--lowest-efficiency", dest="lowestEfficiency", default=None)
    p.add_argument("--highestWastedBytes", "--highest-wasted-bytes", dest="highestWastedBytes", default=None)
    p.add_argument(
        "--highestUserWastedPercent", "--highest-user-wasted-percent", dest="highestUserWastedPercent", default=None
    )
    p.add_argument("--no-step-summary", action="store_true", help="do not append to $GITHUB_STEP_SUMMARY")
    p.add_argument(
        "--no-insights",
        action="store_true",
        help="markdown: leave out the 'where the bytes go' advice for HEAD (skips its analysis)",
    )
    add_read_options(p)
    return p


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code of ``--help`` (argparse would exit the process)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)


def main(argv: list[str]) -> int:
    """Run with stdout guarded: a reader that stops reading never changes the exit code
    into a pass (see :class:`~layerscope.report.output.GuardedStdout`)."""
    with guard_stdout():
        return _main(argv)


def _main(argv: list[str]) -> int:
    args = parse(build_parser(), argv)
    if isinstance(args, int):
        return args
    gates = build_config(
        args.max_increase,
        args.max_increase_percent,
        args.max_size,
        args.ci_config,
        {k: getattr(args, k) for k in RULE_KEYS},
    )
    fold_below = parse_size_option("--fold-below", args.fold_below)
    opts = read_options(args)
    base, _base_image = load_watched(args.base, "base", args, opts)
    head, head_image = load_watched(args.head, "head", args, opts)
    cmp = compare(base, head)
    verdict = evaluate_gates(gates, cmp)

    md = markdown.render(cmp, verdict, top=args.top, fold_below=fold_below)
    wants_md = args.format == "markdown" or (not args.no_step_summary and os.environ.get("GITHUB_STEP_SUMMARY"))
    if head_image is not None and wants_md and not args.no_insights:
        # advice needs the files themselves: only a live HEAD image (not a baseline) has them
        from ..analysis.explanation import build_explanation
        from ..report.insights import markdown_section

        md = md.rstrip("\n") + "\n\n" + markdown_section(build_explanation(head_image))
    if args.format == "markdown":
        text = md
    elif args.format == "json":
        text = json_out.render(cmp, verdict, top=args.top)
    elif args.output:
        buf = io.StringIO()
        terminal.render(cmp, verdict, buf, top=args.top, color=False, width=120)
        text = buf.getvalue()
    else:
        text = None
    if args.output:
        write_file(args.output, text)  # type: ignore[arg-type]
    elif text is not None:
        sys.stdout.write(text)
    else:
        terminal.render(cmp, verdict, sys.stdout, top=args.top)
    sys.stdout.flush()
    if not args.no_step_summary:
        append_step_summary(md)
    return verdict.exit_code


__all__ = ["main", "build_parser"]
