"""Image Details: dive's totals and inefficient-files table, and the .dive-ci verdict.

The first lines are dive's (``runtime/ui/view/image_details.go``): name, total size, potential
wasted space, the efficiency score truncated to an integer, then the ``%5s  %12s  %-s`` table in CI
order. Below them the CI rules are evaluated on the same analysis, so what ``--ci`` will say (PASS /
FAIL / SKIP with value and threshold) is visible while exploring.

The table has a row per inefficient file (thousands on a big image, one per path in the worst
case), so the pane gets it as :class:`~.lines_pane.LazyLines` (:func:`image_details_lines`): a
row is formatted when it scrolls into view, only its width is computed up front.
:func:`image_details_text` is the same text made in full.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from rich.cells import cell_len
from rich.control import strip_control_codes
from rich.text import Text

from ...analysis.dive_efficiency import DiveEfficiency, InefficientFile
from ...ci.evaluate import DIVE_RULES
from ...ci.rule import RuleResult, Status, Verdict
from ...golang.humanize import humanize_bytes
from ...golang.strconv import go_g
from ...image import Image
from .lines_pane import LazyLines, LinesPane

_STATUS_STYLE = {
    Status.PASS: "bold green",
    Status.FAIL: "bold red",
    Status.SKIP: "blue",
    Status.MISCONFIGURED: "bold red",
}


def _measured(r: RuleResult, a: DiveEfficiency) -> str:
    """The rule's figure next to its threshold, e.g. ``efficiency 0.95 (threshold ≥ 0.9)``."""
    rule = DIVE_RULES[r.key](r.threshold)
    x = rule.measure(a)
    shown = humanize_bytes(int(x)) if rule.in_bytes else go_g(x)
    return f"{rule.label} {shown} (threshold {rule.bound} {r.threshold})"


def _head(image: Image, a: DiveEfficiency) -> Text:
    """The totals and the table's header line."""
    t = Text(no_wrap=True, overflow="crop")  # table rows stay rows, as in dive

    def line(label: str, value: str) -> None:
        t.append(label, style="bold")
        t.append(f" {value}\n")

    line("Image name:", image.name)
    line("Total Image size:", humanize_bytes(a.size_bytes))
    line("Potential wasted space:", humanize_bytes(a.wasted_bytes))
    line("Image efficiency score:", f"{int(100.0 * a.efficiency)} %")
    t.append("\n")
    t.append("%5s  %12s  %-s\n" % ("Count", "Total Space", "Path"), style="bold")
    return t


def _row(count: int, size: int, path: str) -> str:
    """One row of dive's table."""
    return "%5s  %12s  %-s" % (count, humanize_bytes(size), path)


def _row_width(count: int, size: int, path: str) -> int:
    """The cell length of :func:`_row`'s line, without formatting the size: below 10¹⁵ bytes it
    is at most ``999 TB``, within the 12 columns of its field."""
    size_width = 12 if size < 10**15 else max(12, len(humanize_bytes(size)))
    return max(5, len(str(count))) + 2 + size_width + 2 + _path_width(path)


def _foot(a: DiveEfficiency, verdict: Verdict | None, ci_source: str | None, ci_error: str | None) -> Text:
    """The blank line after the table and the CI verdict."""
    t = Text(no_wrap=True, overflow="crop")
    t.append("\n")
    where = ci_source if ci_source else "defaults"
    t.append(f"CI rules ({where}):\n", style="bold")
    if ci_error:
        t.append(f"  {ci_error}\n", style="red")
    elif verdict is not None:
        for r in verdict.results:
            t.append("  ")
            t.append(f"{r.status.label:<4}", style=_STATUS_STYLE.get(r.status, ""))
            if r.status == Status.SKIP:
                t.append(f" {r.key}: disabled\n")
            elif r.status == Status.MISCONFIGURED:
                t.append(f" {r.key}: {r.message}\n")
            else:
                t.append(f" {r.key}: {_measured(r, a)}\n")
        if verdict.misconfigured:
            t.append("  CI misconfigured\n", style="bold red")
        else:
            t.append("  Result: ")
            t.append("PASS" if verdict.passed else "FAIL", style="bold green" if verdict.passed else "bold red")
            t.append("\n")
    return t


def image_details_text(
    image: Image, a: DiveEfficiency, verdict: Verdict | None, ci_source: str | None, ci_error: str | None
) -> Text:
    """The whole pane's text."""
    t = _head(image, a)
    for f in a.inefficient_files:
        t.append(_row(f.count, f.size, f.path) + "\n")
    t.append_text(_foot(a, verdict, ci_source, ci_error))
    return t


def _lines(t: Text) -> list[Text]:
    """``t``'s lines, as :class:`LinesPane` splits a text."""
    lines = list(t.split("\n", allow_blank=True))
    if lines and not lines[-1].plain and t.plain.endswith("\n"):
        lines.pop()
    return lines


def image_details_lines(
    image: Image, a: DiveEfficiency, verdict: Verdict | None, ci_source: str | None, ci_error: str | None
) -> LazyLines | Text:
    """The lines of :func:`image_details_text`, the table's rows made when drawn.  A path with a
    newline (a tar name may hold one) breaks its row in two lines: then the whole text."""
    rows = a.inefficient_files
    paths = list(map(_path_of, rows))
    # the paths joined by a printable ASCII character: one C-speed test each for a newline and
    # for "every path is printable ASCII" (20k rows: 3 ms, where a test a row took 30)
    joined = "/".join(paths)
    if "\n" in joined:
        return image_details_text(image, a, verdict, ci_source, ci_error)
    head = _lines(_head(image, a))
    foot = _lines(_foot(a, verdict, ci_source, ci_error))
    n_head, n_rows = len(head), len(rows)

    def make(i: int) -> Text:
        if i < n_head:
            return head[i]
        if i < n_head + n_rows:
            f = rows[i - n_head]
            return Text(_row(f.count, f.size, f.path), overflow="crop")  # what splitting the text gives
        return foot[i - n_head - n_rows]

    plain = joined.isascii() and joined.isprintable()
    width = max(max((line.cell_len for line in head + foot), default=0), _table_width(rows, paths, plain))
    return LazyLines(n_head + n_rows + len(foot), make, width)


def _table_width(rows: list[InefficientFile], paths: list[str], plain: bool) -> int:
    """The widest row's cell length (``paths`` are the rows' paths, ``plain`` says they are all
    printable ASCII: one cell a character).  Counts below 100000 and sizes below 10¹⁵ fill their
    columns (5 and 12) exactly, so then only the widest path matters; otherwise row by row."""
    if not rows:
        return 0
    if max(map(_count_of, rows)) < 100_000 and max(map(_size_of, rows)) < 10**15:
        return 5 + 2 + 12 + 2 + max(map(len if plain else _path_width, paths))
    return max(_row_width(f.count, f.size, f.path) for f in rows)


_path_of = attrgetter("path")
_count_of = attrgetter("count")
_size_of = attrgetter("size")


def _path_width(path: str) -> int:
    return len(path) if path.isascii() and path.isprintable() else cell_len(strip_control_codes(path))


class ImageDetails(LinesPane):
    """Whole-image totals, the inefficient files, and the CI verdict."""

    def __init__(self, **kw: Any) -> None:
        super().__init__("Image Details", **kw)

    def show(self, lines: LazyLines | Text) -> None:
        """What :func:`image_details_lines` made."""
        if isinstance(lines, Text):
            self.set_text(lines)
        else:
            self.set_lines(lines)
