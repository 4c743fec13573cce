"""``layerscope report IMAGE``: one image's comparable facts; ``--format json`` is a baseline.

The usual CI use: on the main branch, ``layerscope report app.tar --format json -o base.json``
and keep ``base.json`` as an artifact; in a PR, ``layerscope diff base.json app.tar``.  The
baseline holds everything ``diff`` needs (layers, final file sizes, dive's waste figures), so
the base image itself is not needed again.
"""

from __future__ import annotations

import argparse
import io
import sys
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..argparsing import ArgumentParser
from ..cli_args import add_quiet_arg, add_read_args
from ..escape import terminal as term
from ..report.fmt import estimated_size, ratio_percent, short_command, size
from ..report.model import Snapshot, dumps_baseline
from ..report.output import emit
from .common import load_watched, read_options, run_command

if TYPE_CHECKING:
    from ..config import RunSettings


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="layerscope report",
        description=("Summarise one image; --format json writes a baseline for 'layerscope diff BASELINE HEAD'."),
    )
    p.add_argument("image", help="image archive or SOURCE://IMAGE (or a baseline .json, to re-render it)")
    p.add_argument(
        "--format",
        choices=["text", "json"],
        default=None,
        help="text or json (the baseline); default: json when -o names a .json file, else text",
    )
    p.add_argument("-o", "--output", default=None, help="write to FILE instead of stdout")
    reading = p.add_argument_group("reading the image")
    add_read_args(reading)
    add_quiet_arg(reading)
    return p


def render_text(snap: Snapshot, out: TextIO, *, color: bool | None = None, width: int | None = None) -> None:
    console = Console(file=out, force_terminal=color, no_color=color is False, width=width, highlight=False)
    console.print(Text(term(snap.name), style="bold"))
    console.print(
        f"  size {size(snap.size)} · download {estimated_size(snap.compressed_size, snap.compressed_estimated)} · "
        f"{len(snap.layers)} layers · "
        f"{snap.file_count} files · efficiency {ratio_percent(snap.efficiency)} · "
        f"wasted {size(snap.wasted_bytes)}"
    )
    if snap.packages:  # None (an old baseline) and [] (no package database) print nothing
        per: dict[str, int] = {}
        for pkg in snap.packages:
            per[pkg.ecosystem] = per.get(pkg.ecosystem, 0) + 1
        biggest = sorted(snap.packages, key=lambda p: (-p.bytes, p.name))[:3]
        console.print(
            Text(
                f"  {len(snap.packages)} packages ("
                + ", ".join(f"{term(k)} {n}" for k, n in sorted(per.items()))
                + ") · biggest: "
                + ", ".join(f"{term(p.name)} {size(p.bytes)}" for p in biggest)
            )
        )
    tab = Table(title="Layers", title_justify="left")
    for name, just in (("#", "right"), ("Size", "right"), ("Compressed", "right"), ("Command", "left")):
        tab.add_column(name, justify=just)  # type: ignore[arg-type]
    for layer in snap.layers:
        tab.add_row(
            str(layer.index),
            size(layer.size),
            estimated_size(layer.compressed_size, layer.compressed_estimated),
            Text(term(short_command(layer.command))),
        )
    console.print(tab)


def output_format(given: str | None, output: str | None) -> str:
    """``report IMAGE -o base.json`` means a baseline: the README's own workflow writes one that
    way, and a text table in a ``.json`` file would only be refused later by ``diff``."""
    if given:
        return given
    return "json" if output and output.lower().endswith(".json") else "text"


def main(argv: list[str]) -> int:
    return run_command(argv, build_parser, _run)


def _run(args: argparse.Namespace, run: RunSettings) -> int:
    from ..packages import CAPTURE

    # the package databases' content is kept in the same pass: the baseline records the packages
    snap, _image = load_watched(args.image, "image", args, read_options(args, run, capture=CAPTURE))
    if output_format(args.format, args.output) == "json":
        text = dumps_baseline(snap)
    elif args.output:
        buf = io.StringIO()
        render_text(snap, buf, color=False, width=120)
        text = buf.getvalue()
    else:
        render_text(snap, sys.stdout)
        return 0
    emit(text, args.output)
    return 0
