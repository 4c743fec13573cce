"""The comparison as rich tables for a terminal (plain text when written to a file or a pipe).

Same content and wording as the Markdown report (see :mod:`.fmt`), laid out for a console.

No text is ever interpolated into rich markup: every styled cell is a :class:`rich.text.Text`
built from its plain string and a style, and every string from the image goes through
:func:`layerscope.escape.terminal` first (control characters made visible), so neither a
``[`` in a file name nor an empty style can turn into markup or a terminal escape.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..escape import terminal as term
from .compare import SHARED, Comparison
from .fmt import (
    estimated_delta,
    estimated_size,
    headline,
    percent,
    points,
    ratio_percent,
    short_command,
    side_size,
    signed_int,
    signed_size,
    size,
)
from .gates import GATE_FAIL, GATE_PASS, Verdict
from .packages import version_move

_STYLE = {GATE_PASS: "green", GATE_FAIL: "bold red", "skip": "blue"}
_STATUS_STYLE = {"shared": "dim", "changed": "yellow", "new": "green", "gone": "red"}


def _delta_style(n: int | float | None) -> str:
    return "" if not n else ("red" if n > 0 else "green")


def _styled(text: str, style: str) -> Text:
    """A cell in ``style`` (``""`` = plain): never markup, so an empty style is harmless."""
    return Text(text, style=style)


def _image_text(s: str) -> Text:
    """Text from the image (a path, a command, a name): control characters made visible."""
    return Text(term(s))


def _totals(cmp: Comparison) -> Table:
    t = cmp.totals
    tab = Table(title="Totals", title_justify="left")
    for name, just in (("", "left"), ("Base", "right"), ("Head", "right"), ("Δ", "right"), ("Δ%", "right")):
        tab.add_column(name, justify=just)  # type: ignore[arg-type]
    for label, key, fmt, dfmt in (
        ("Size (uncompressed)", "size", size, signed_size),
        ("Download size (compressed)", "compressed_size", size, signed_size),
        ("Layers", "layers", str, signed_int),
        ("Files", "files", str, signed_int),
        ("Wasted bytes", "wasted_bytes", size, signed_size),
    ):
        d = t[key]
        if d.estimated:  # a download size without a stored blob: labelled as the estimate it is
            b, h, dd = estimated_size(d.base, True), estimated_size(d.head, True), estimated_delta(d.delta, True)
            tab.add_row(label, b, h, _styled(dd, _delta_style(d.delta)), percent(d.percent))
            continue
        tab.add_row(label, fmt(d.base), fmt(d.head), _styled(dfmt(d.delta), _delta_style(d.delta)), percent(d.percent))
    e = t["efficiency"]
    tab.add_row("Efficiency", ratio_percent(e.base), ratio_percent(e.head), points(e), "")
    return tab


def _layers(cmp: Comparison) -> Table:
    tab = Table(title="Layers", title_justify="left")
    for name, just in (
        ("#", "right"),
        ("Status", "left"),
        ("Command", "left"),
        ("Base", "right"),
        ("Head", "right"),
        ("Δ", "right"),
    ):
        tab.add_column(name, justify=just, overflow="fold" if name == "Command" else "ellipsis")  # type: ignore[arg-type]
    for r in cmp.layers:
        idx = str(r.head.index) if r.head else f"({r.base.index})"  # type: ignore[union-attr]
        s = r.size
        tab.add_row(
            idx,
            _styled(r.status, _STATUS_STYLE.get(r.status, "")),
            _image_text(short_command(r.command)),
            side_size(r.base is not None, s.base),
            side_size(r.head is not None, s.head),
            signed_size(s.delta),
        )
    return tab


def _files(cmp: Comparison, top: int) -> Table | None:
    if not cmp.files:
        return None
    shown = cmp.files if top <= 0 else cmp.files[:top]
    title = f"File changes (top {len(shown)} of {len(cmp.files)})" if len(shown) < len(cmp.files) else "File changes"
    tab = Table(title=title, title_justify="left")
    for name, just in (("Change", "left"), ("Path", "left"), ("Base", "right"), ("Head", "right"), ("Δ", "right")):
        tab.add_column(name, justify=just, overflow="fold" if name == "Path" else "ellipsis")  # type: ignore[arg-type]
    for c in shown:
        tab.add_row(
            c.change,
            _image_text(c.path),
            side_size(c.base_size is not None, c.base_size),
            side_size(c.head_size is not None, c.head_size),
            _styled(signed_size(c.delta), _delta_style(c.delta)),
        )
    return tab


def _packages(cmp: Comparison, top: int) -> Table | Text | None:
    """Package changes, biggest |Δ| first; nothing when no package changed."""
    pk = cmp.packages
    if not pk.known:
        return Text(f"Packages: {pk.note}")
    if not pk.changes:
        return None
    shown = pk.changes if top <= 0 else pk.changes[:top]
    title = (
        f"Package changes (top {len(shown)} of {len(pk.changes)})"
        if len(shown) < len(pk.changes)
        else "Package changes"
    )
    tab = Table(title=title, title_justify="left")
    for name, just in (("Change", "left"), ("Package", "left"), ("Version", "left"), ("Δ", "right")):
        tab.add_column(name, justify=just, overflow="fold" if name != "Δ" else "ellipsis")  # type: ignore[arg-type]
    for c in shown:
        tab.add_row(
            c.kind,
            _image_text(f"{c.name} ({c.ecosystem})"),
            _image_text(version_move(c)),
            _styled(signed_size(c.delta), _delta_style(c.delta)),
        )
    return tab


def _gates(verdict: Verdict) -> Table | None:
    if not verdict.results:
        return None
    tab = Table(title="Gates", title_justify="left")
    for name, just in (("Gate", "left"), ("Limit", "right"), ("HEAD", "right"), ("Result", "left")):
        tab.add_column(name, justify=just)  # type: ignore[arg-type]
    for r in verdict.results:
        tab.add_row(
            Text(r.name),
            _image_text(r.threshold),
            _image_text(r.value),
            _styled(r.status.upper(), _STYLE.get(r.status, "")),
        )
    return tab


def render(
    cmp: Comparison,
    verdict: Verdict,
    out: TextIO,
    *,
    top: int = 20,
    color: bool | None = None,
    width: int | None = None,
) -> None:
    console = Console(
        file=out, force_terminal=color, no_color=color is False, width=width, highlight=False, soft_wrap=False
    )
    emoji, title, detail = headline(cmp, verdict)
    style = "bold red" if not verdict.passed else "bold"
    console.print(Text.assemble(f"{emoji} ", (term(title), style), f" — {term(detail)}"))
    console.print(Text(f"base: {term(cmp.base.name)}   head: {term(cmp.head.name)}"))
    console.print(_totals(cmp))
    ins = cmp.insight
    if ins.layers or ins.directories or ins.new_waste:
        console.print(Text("Where it grew", style="bold"))
        for r in ins.layers:
            console.print(
                Text(
                    f"  layer #{r.head.index} ({r.status}) {signed_size(r.size.delta)}  "  # type: ignore[union-attr]
                    f"{term(short_command(r.command, 50))}"
                )
            )
        for d, v in ins.directories:
            console.print(Text(f"  dir   {term(d)} {signed_size(v)}"))
        for w in ins.new_waste:
            console.print(Text(f"  waste {term(w.path)} ×{w.count}, {size(w.head_size)} ({signed_size(w.delta)})"))
    for tab in (_gates(verdict), _layers(cmp), _packages(cmp, top), _files(cmp, top)):
        if tab is not None:
            console.print(tab)
    for failed in verdict.failed:
        if failed.message:
            console.print(Text.assemble(("FAIL", "bold red"), f" {term(failed.name)}: {term(failed.message)}"))
    if all(r.status == SHARED for r in cmp.layers) and not cmp.files:
        console.print(Text("All layers shared; no file changes."))
