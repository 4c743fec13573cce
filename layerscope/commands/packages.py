"""``layerscope packages IMAGE``: which package costs how much, in which layer.

Ownership comes from the image's own package databases (dpkg, apk, rpm's sqlite rpmdb, Python
``RECORD``s, npm ``package.json`` directories), read in the same single pass over the layers
(the reader's capture hook); nothing in the image is run.  Options: ``--sort size|name``,
``--ecosystem E``, ``--layer N`` (packages installed or rewritten in layer N), ``--top N``
(0 = all), ``--format text|json|csv|markdown|cyclonedx``, ``-o FILE``, and the read options of
every command.  Exit codes: 0, or 2 with one line on stderr when the input or an option is bad.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from ..argparsing import ArgumentParser
from ..cli_args import add_quiet_arg, add_read_args, top_count
from ..escape import terminal as term
from ..log import log_read, skipped_warnings
from ..packages import CAPTURE, ECOSYSTEMS, analyze_packages
from ..packages.render import Selection, render_csv, render_json, render_markdown, render_text
from ..progress import read_display
from ..report.output import emit
from ..sources import pick_source, source_for
from ..sources.archive import ReadState
from .common import read_options, run_command

if TYPE_CHECKING:
    from ..config import RunSettings

FORMATS = ("text", "json", "csv", "markdown", "cyclonedx")


def _layer_arg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid --layer {text!r}: not an integer") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"invalid --layer {text!r}: must be ≥ 0")
    return n


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="layerscope packages",
        description=(
            "Size by package: bytes each package of the image's own databases (deb, apk, rpm, "
            "python, npm) costs in the final image, the layer that installed it and the waste of "
            "its rewritten copies. Exit 0, or 2 when the input cannot be read."
        ),
    )
    p.add_argument("image", help="image archive or SOURCE://IMAGE")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--json", action="store_true", help="same as --format json")
    p.add_argument("-o", "--output", default=None, help="write to FILE instead of stdout")
    p.add_argument("--sort", choices=("size", "name"), default="size")
    p.add_argument("--ecosystem", choices=ECOSYSTEMS, default=None, help="list only this ecosystem's packages")
    p.add_argument(
        "--layer", type=_layer_arg, default=None, help="list only packages installed or rewritten in layer N"
    )
    p.add_argument(
        "--top", type=top_count, default=None, help="packages to list (default 30 in text, all otherwise; 0 = all)"
    )
    reading = p.add_argument_group("reading the image")
    add_read_args(reading)
    add_quiet_arg(reading)
    return p


def main(argv: list[str]) -> int:
    return run_command(argv, build_parser, _run)


def _run(args: argparse.Namespace, run: RunSettings) -> int:
    fmt = "json" if args.json else args.format
    picked = pick_source(args.image, args.source)
    # no content hashes: waste totals need none (copy-ups and overwrites are both superseded copies)
    opts = read_options(args, run, hash_content=False, capture=CAPTURE)
    src = source_for(*picked, opts)
    state = ReadState.start(opts)
    started = time.perf_counter()
    with read_display(f"Reading {args.image}", state, quiet=args.quiet):
        image = src.read(opts, state)
    log_read(image, time.perf_counter() - started)
    for warning in skipped_warnings(image):
        print(f"layerscope: {term(warning)}", file=sys.stderr)
    for note in image.notes:
        print(f"note: {term(note)}", file=sys.stderr)
    report = analyze_packages(image)
    top = args.top if args.top is not None else (30 if fmt == "text" else 0)
    sel = Selection(sort=args.sort, ecosystem=args.ecosystem, layer=args.layer, top=top)
    if fmt == "text":
        text = render_text(report, args.image, sel)
    elif fmt == "json":
        text = render_json(report, args.image, sel)
    elif fmt == "csv":
        text = render_csv(report, args.image, sel)
    elif fmt == "markdown":
        text = render_markdown(report, args.image, sel)
    else:
        from ..packages.cyclonedx import render_cyclonedx

        text = render_cyclonedx(report, args.image, sel)
    emit(text, args.output)
    return 0


__all__ = ["main", "build_parser"]
