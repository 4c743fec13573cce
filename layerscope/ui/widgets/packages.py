"""The Packages view's panes: the package list (biggest first), its filter line, the coverage line.

Every name, version and database path here comes from the image, so each is made safe for the
terminal (:func:`layerscope.escape.terminal`) and drawn as a rich :class:`~rich.text.Text`, never
parsed as markup: a package called ``[bold]x`` shows as ``[bold]x``.  The list renders only the
rows on screen (Textual's line API), so a distro image's thousands of packages open at once.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...escape import terminal
from ...golang.humanize import humanize_bytes
from ...packages import Package, PackageReport
from ...regex import PathRegex
from ..messages import PackageChosen, PackageFilterChanged
from ..patterns import compile_search
from .pattern_bar import PatternBar

HEADER = Style(bold=True)
SELECTED = Style(reverse=True, bold=True)
NAME_MAX, VERSION_MAX = 40, 28  # column bounds: an image controls the lengths
LAYERS_SHOWN = 3  # rewriting layers listed in the Layer column before "…"


def safe(s: str) -> str:
    """Image text made safe to draw (control characters and raw bytes made visible)."""
    return terminal(s)


def biggest_first(packages: list[Package]) -> list[int]:
    """Indices into ``packages``, biggest first (ties by name, then ecosystem, for a stable list)."""
    return sorted(range(len(packages)), key=lambda i: (-packages[i].bytes, packages[i].name, packages[i].ecosystem))


def layer_cell(p: Package) -> str:
    """The layer that installed the package, then the layers that rewrote some of its files."""
    if p.layer is None:
        return "-"
    if not p.rewritten_by:
        return str(p.layer)
    more = ",".join(str(i) for i in p.rewritten_by[:LAYERS_SHOWN])
    return f"{p.layer}→{more}" + ("…" if len(p.rewritten_by) > LAYERS_SHOWN else "")


def coverage_text(report: PackageReport | None, error: str | None = None) -> Text:
    """The line saying how much of the image the package databases explain."""
    if error is not None:
        return Text("packages: the analysis failed: " + safe(error), style="red")
    if report is None:
        return Text("packages: computing…", style="italic")
    if not report.databases:
        return Text("no package database found: the image's files belong to no known package", style="yellow")
    owned = report.total_bytes - report.unowned.bytes
    pct = 100.0 * owned / report.total_bytes if report.total_bytes else 0.0
    t = Text()
    t.append(_count(len(report.packages), "package"), style="bold")
    verb = "explains" if len(report.packages) == 1 else "explain"
    t.append(f" {verb} {humanize_bytes(owned)} of {humanize_bytes(report.total_bytes)} ({pct:.1f}%) of the files;")
    t.append(f" {humanize_bytes(report.unowned.bytes)} in {_count(report.unowned.files, 'file')} owned by no package\n")
    for db in report.databases:
        layer = "?" if db.layer is None else str(db.layer)
        t.append(f"  {db.ecosystem:<6} {safe('/' + db.path)} (layer {layer}): ")
        t.append(f"{_count(db.packages, 'package')}, {humanize_bytes(db.bytes)} ({db.percent:.1f}%)")
        if db.partial:
            t.append(" partial", style="yellow")
        t.append("\n")
    t.rstrip()
    return t


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _fit(s: str, width: int) -> str:
    return s if len(s) <= width else s[: max(0, width - 1)] + "…"


class PackageFilterBar(PatternBar):
    """The list's filter: a smart-case regex on the package name (the search line's rules)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__("Filter packages", "regex on the package name, e.g. ^lib", compile_search, **kw)

    def pattern_valid(self, text: str, pattern: PathRegex | None) -> None:
        self.post_message(PackageFilterChanged(text, pattern))

    def entered(self, text: str) -> None:
        self.post_message(PackageChosen(None))  # the screen takes the package under the cursor


class PackageList(ScrollView, can_focus=True):
    """Name, version, ecosystem, size, files, layer: one row a package, biggest first."""

    cursor: reactive[int] = reactive(0, always_update=True)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.packages: list[Package] = []
        self.order: list[int] = []  # every package, biggest first
        self.rows: list[int] = []  # ``order`` narrowed by the filter
        self.pattern: PathRegex | None = None
        self._widths = (4, 7, 9)

    # ------------------------------------------------------------------ data
    def set_packages(self, packages: list[Package]) -> None:
        self.packages = packages
        self.order = biggest_first(packages)
        self._widths = (
            min(NAME_MAX, max([4, *(len(safe(p.name)) for p in packages)])),
            min(VERSION_MAX, max([7, *(len(safe(p.version)) for p in packages)])),
            max([9, *(len(p.ecosystem) for p in packages)]),
        )
        self._refilter()

    def set_filter(self, pattern: PathRegex | None) -> None:
        self.pattern = pattern
        self._refilter()

    def _refilter(self) -> None:
        rx = self.pattern
        ps = self.packages
        self.rows = self.order if rx is None else [i for i in self.order if rx.search(ps[i].name) is not None]
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self._resize()

    @property
    def current(self) -> int | None:
        """Index into the packages of the row under the cursor (None: no rows)."""
        return self.rows[self.cursor] if self.rows else None

    def row_text(self, row: int) -> str:
        """The plain text of a row, as drawn (for tests)."""
        return self._row(self.rows[row]).plain

    # ------------------------------------------------------------------ rendering
    def _resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)
        self.refresh()

    def on_resize(self) -> None:
        self._resize()

    def _header(self) -> Text:
        nw, vw, ew = self._widths
        return Text(f"{'Name':<{nw}}  {'Version':<{vw}}  {'Ecosystem':<{ew}}  {'Size':>7}  {'Files':>6}  Layer")

    def _row(self, i: int) -> Text:
        nw, vw, ew = self._widths
        p = self.packages[i]
        name, version = _fit(safe(p.name), nw), _fit(safe(p.version), vw)
        return Text(
            f"{name:<{nw}}  {version:<{vw}}  {p.ecosystem:<{ew}}  {humanize_bytes(p.bytes):>7}  {p.files:>6}  "
            + layer_cell(p),
            no_wrap=True,
        )

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return Strip([Segment(self._header().plain[:width].ljust(width), HEADER)])
        row = int(self.scroll_offset.y) + y - 1
        if row >= len(self.rows):
            return Strip.blank(width)
        text = self._row(self.rows[row])
        if row == self.cursor:
            text.stylize(SELECTED)
        segs = list(text.render(self.app.console))
        return Strip(segs).crop(0, width).extend_cell_length(width)

    # ------------------------------------------------------------------ cursor
    def watch_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)
        self.refresh()

    def move(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def page(self, pages: int) -> None:
        self.move(pages * max(1, self.size.height - 1))

    def on_click(self, event: Any) -> None:
        row = int(self.scroll_offset.y) + event.y - 1
        if 0 <= row < len(self.rows):
            self.cursor = row

    def key_enter(self) -> None:
        self.post_message(PackageChosen(self.current))
