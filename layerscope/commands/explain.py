"""``layerscope explain IMAGE``: why bytes are wasted, which layers did it, and what to change.

dive says *how much* is wasted; this says *why*, attributing every removable byte to one kind
(deleted later, overwritten later, metadata-only copy-up, package-manager caches, toolchain,
duplicated content, and a softer "likely unneeded" hint), with the layer that wrote the bytes,
the layer that made them dead and a concrete fix.  dive's own figures are shown beside
layerscope's accurate ones, clearly labelled.

Options: ``--json`` (or ``--format json``) prints the same data as JSON; ``--top N`` limits the
offender list (0 = all); ``--ignore GLOB`` (repeatable) and the ``layerscope.ignore`` list of
``--ci-config`` (default ``.dive-ci`` when present) exclude paths from the waste figures.
Exit codes: 0, or 2 with one line on stderr when the input or an option is bad.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import TYPE_CHECKING

from ..analysis.explanation import Explanation, build_explanation, to_json
from ..analysis.globs import GlobError, PathGlobs
from ..analysis.insights import DEAD_KINDS, KIND_TITLES, KINDS, UNNEEDED, command_of
from ..argparsing import ArgumentParser
from ..cli_args import add_quiet_arg, add_read_args, top_count
from ..errors import ConfigError
from ..escape import terminal as term
from ..golang.humanize import humanize_bytes
from ..golang.strconv import go_percent
from ..log import log_read, skipped_warnings
from ..progress import read_display
from ..report.output import emit
from ..sources import pick_source, source_for
from ..sources.archive import ReadState
from .common import read_options, run_command

if TYPE_CHECKING:
    from ..config import RunSettings


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="layerscope explain",
        description=(
            "Explain an image's wasted bytes: kind, layers and a concrete fix for each. "
            "Exit 0, or 2 when the input cannot be read."
        ),
    )
    p.add_argument("image", help="image archive or SOURCE://IMAGE")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--json", action="store_true", help="same as --format json")
    p.add_argument("-o", "--output", default=None, help="write to FILE instead of stdout")
    p.add_argument(
        "--top", type=top_count, default=None, help="offender groups to list (default 10 in text, all in JSON; 0 = all)"
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="GLOB",
        help="exclude paths from the waste figures (repeatable; .gitignore-style globs)",
    )
    p.add_argument(
        "--ci-config",
        default=None,
        help="read `layerscope: ignore:` globs from this .dive-ci (default: .dive-ci if present)",
    )
    reading = p.add_argument_group("reading the image")
    add_read_args(reading)
    add_quiet_arg(reading)
    return p


def _ignore_globs(args: argparse.Namespace) -> PathGlobs:
    from ..ci.extra_rules import parse_section
    from ..ci.rules import load_rules

    patterns = list(args.ignore)
    path = args.ci_config
    if path is None and os.path.isfile(".dive-ci"):
        path = ".dive-ci"
    if path is not None:
        if not os.path.isfile(path):
            raise ConfigError(f"explain: --ci-config {path}: no such file")
        rules = load_rules(path, {})
        section = parse_section(rules.extra)
        if section is not None:
            problem = section.problems.get("ignore") or section.problems.get("layerscope")
            if problem:
                raise ConfigError(f"explain: {path}: layerscope.ignore: {problem}")
            patterns += section.ignore
    try:
        return PathGlobs(patterns)
    except GlobError as e:
        raise ConfigError(f"explain: --ignore: {e}") from None


def _pct(part: int, whole: int) -> str:
    return "0 %" if whole <= 0 else f"{go_percent(100.0 * part / whole)} %"


def _layer(ex: Explanation, index: int | None) -> str:
    if index is None:
        return ""
    cmd = " ".join(command_of(ex.image, index).split())
    if len(cmd) > 70:
        cmd = cmd[:69] + "…"
    return f"layer {index} ({term(cmd)})"


def render_text(ex: Explanation, top: int = 10) -> str:
    """The one-screen summary, then the offender groups with their fixes.  Every string from
    the image goes through :func:`layerscope.escape.terminal`: a file name cannot drive the
    terminal (ESC, OSC) or forge a line."""
    acc, ins = ex.accurate, ex.insights
    lines = [f"layerscope explain: {term(ex.image.name)}"]
    dl = f"{humanize_bytes(ex.download.size)}" + ("" if ex.download.exact else " (estimated)")
    lines.append(
        f"  {humanize_bytes(acc.total_bytes)} stored in {len(ex.layers)} layers · download {dl} · "
        f"{ex.final_files} files in the final image"
    )
    lines.append("")
    lines.append(
        f"  dive 0.13.1 figures (used by CI):  wasted {humanize_bytes(ex.dive.wasted_bytes)} "
        f"({ex.dive.wasted_bytes} bytes) · efficiency {go_percent(ex.dive.efficiency * 100)} %"
    )
    lines.append(
        f"  layerscope accurate figures:       dead {humanize_bytes(acc.wasted_bytes)} "
        f"({acc.wasted_bytes} bytes, {_pct(acc.wasted_bytes, acc.total_bytes)} of stored bytes) · "
        f"efficiency {go_percent(acc.efficiency * 100)} %"
    )
    lines.append("    dead = stored bytes no file of the final image needs (the kept copy is not waste;")
    lines.append("    directory deletes and opaque directories count). dive counts the kept copy too.")
    lines.append(
        f"  removable in total (dead + caches + toolchain + duplicates): {humanize_bytes(ins.removable_bytes)}"
    )
    if acc.ignored_bytes:
        lines.append(
            f"  ignored by globs ({term(', '.join(ex.ignore))}): {humanize_bytes(acc.ignored_bytes)} dead bytes"
        )
    if not ins.hashed:
        lines.append("  note: no content hashes; copy-ups count as overwrites and duplicates are not searched")
    lines.append("")
    lines.append(f"  {'Waste by kind':34} {'bytes':>10} {'files':>8}")
    for k in KINDS:
        b, n = ins.totals[k]
        tag = "dead" if k in DEAD_KINDS else ("hint" if k == UNNEEDED else "in final image")
        lines.append(f"  {KIND_TITLES[k]:34} {humanize_bytes(b):>10} {n:>8}   {tag}")
    lines.append("")
    groups = ins.groups if top <= 0 else ins.groups[:top]
    if not groups:
        lines.append("  Nothing to remove: every stored byte is used by the final image.")
        return "\n".join(lines) + "\n"
    more = len(ins.groups) - len(groups)
    lines.append("  Top offenders" + (f" ({more} more groups: --top 0)" if more > 0 else ""))
    for rank, g in enumerate(groups, 1):
        what = KIND_TITLES[g.kind] + (f": {term(g.rule)}" if g.rule else "")
        lines.append(f"  {rank:2}. {humanize_bytes(g.bytes):>8}  {what}  ({g.files} file{'s' if g.files != 1 else ''})")
        where = f"written in {_layer(ex, g.layer)}"
        if g.killer == g.layer:
            where += ", twice in the same layer"
        elif g.killer is not None:
            where += f"; made dead in {_layer(ex, g.killer)}"
        lines.append(f"      {where}")
        for a, b, n in g.top_anchors(3):
            extra = f" ({n} files)" if n > 1 else ""
            lines.append(f"      {humanize_bytes(b):>8}  {term(a)}{extra}")
        for d in sorted(g.details)[:2]:
            lines.append(f"      {term(d)}")
        if g.packages:
            shown = ", ".join(f"{term(p.name)} {humanize_bytes(p.bytes)}" for p in g.packages[:5])
            others = f" (+{len(g.packages) - 5} more)" if len(g.packages) > 5 else ""
            lines.append(f"      packages: {shown}{others}")
        lines.append(f"      fix: {term(g.fix)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    return run_command(argv, build_parser, _run)


def _run(args: argparse.Namespace, run: RunSettings) -> int:
    ignore = _ignore_globs(args)
    picked = pick_source(args.image, args.source)  # a bad --source is reported before the options
    from ..packages import CAPTURE

    # copy-up and duplicate detection compare content: hash it; the package databases name the
    # packages behind the toolchain and docs findings
    opts = read_options(args, run, hash_content=True, capture=CAPTURE)
    src = source_for(*picked, opts)
    state = ReadState.start(opts)
    started = time.perf_counter()
    with read_display(f"Reading {args.image}", state, quiet=args.quiet):
        image = src.read(opts, state)
    log_read(image, time.perf_counter() - started)
    for warning in skipped_warnings(image):  # ignore-errors: say which layers were shown empty
        print(f"layerscope: {term(warning)}", file=sys.stderr)
    for note in image.notes:
        print(f"note: {term(note)}", file=sys.stderr)
    ex = build_explanation(image, ignore)
    if args.json or args.format == "json":
        text = json.dumps(to_json(ex, args.top or 0), indent=2, ensure_ascii=False) + "\n"
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    else:
        text = render_text(ex, 10 if args.top is None else args.top)
    emit(text, args.output)
    return 0


__all__ = ["main", "build_parser", "render_text"]
