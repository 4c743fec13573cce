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
from typing import TYPE_CHECKING

from ..argparsing import ArgumentParser
from ..ci.rules import RULE_KEYS
from ..cli_args import add_quiet_arg, add_read_args, add_rule_args, top_count
from ..report import json_out, markdown, terminal
from ..report.compare import compare
from ..report.gates import build_config, evaluate_gates, parse_size_option
from ..report.output import append_step_summary, write_file
from .common import load_watched, read_options, run_command

if TYPE_CHECKING:
    from ..config import RunSettings


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(
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
    p.add_argument("--top", type=top_count, default=20, help="file changes to list (default 20; 0 = all)")
    p.add_argument(
        "--fold-below",
        default="10kB",
        help="markdown: fold file changes smaller than SIZE into <details> (default 10kB)",
    )
    p.add_argument("--max-increase", default=None, help="fail if HEAD grew by more than SIZE (10MB = 10,000,000 B)")
    p.add_argument("--max-increase-percent", default=None, help="fail if HEAD grew by more than P percent")
    p.add_argument("--max-size", default=None, help="fail if HEAD is bigger than SIZE")
    p.add_argument(
        "--max-package-increase",
        default=None,
        help="fail if one package grew by more than SIZE (an added package grows from 0)",
    )
    add_rule_args(
        p.add_argument_group("dive's CI rules, applied to HEAD"),
        ci_config_default=None,
        ci_config_help="apply dive's rules from this .dive-ci file to HEAD",
    )
    p.add_argument("--no-step-summary", action="store_true", help="do not append to $GITHUB_STEP_SUMMARY")
    p.add_argument(
        "--no-insights",
        action="store_true",
        help="markdown: leave out the 'where the bytes go' advice for HEAD (skips its analysis)",
    )
    reading = p.add_argument_group("reading the images")
    add_read_args(reading, select_image=False)
    add_quiet_arg(reading)
    return p


def main(argv: list[str]) -> int:
    return run_command(argv, build_parser, _run)


def _run(args: argparse.Namespace, run: RunSettings) -> int:
    gates = build_config(
        args.max_increase,
        args.max_increase_percent,
        args.max_size,
        args.ci_config,
        {k: getattr(args, k) for k in RULE_KEYS},
        max_package_increase=args.max_package_increase,
    )
    fold_below = parse_size_option("--fold-below", args.fold_below)
    from ..packages import CAPTURE

    opts = read_options(args, run, capture=CAPTURE)  # the package databases, for the package changes
    # only the snapshot of BASE is kept: its Image would sit in memory through HEAD's whole read
    base = load_watched(args.base, "base", args, opts)[0]
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
