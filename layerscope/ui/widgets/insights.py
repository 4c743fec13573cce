"""The Insights view: ``explain``'s summary and offender groups, as a scrollable Rich table.

It renders an :class:`~layerscope.analysis.explanation.Explanation` and nothing else, so the
TUI, ``layerscope explain`` and its JSON always show the same numbers.
"""

from __future__ import annotations

from rich.console import Group as RichGroup
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...analysis.explanation import Explanation
from ...analysis.insights import DEAD_KINDS, KIND_TITLES, KINDS, UNNEEDED
from ...golang.humanize import humanize_bytes


def render_insights(ex: Explanation, top: int = 20) -> RichGroup:
    acc, ins = ex.accurate, ex.insights
    head = Text.from_markup(
        f"[b]Insights[/b]  {escape(ex.image.name)}\n"
        f"dive (CI): wasted [b]{humanize_bytes(ex.dive.wasted_bytes)}[/b] · "
        f"layerscope: dead [b]{humanize_bytes(acc.wasted_bytes)}[/b] "
        f"(no final file needs them) · removable [b]{humanize_bytes(ins.removable_bytes)}[/b] · "
        f"download {humanize_bytes(ex.download.size)}{'' if ex.download.exact else ' (est.)'}"
    )
    kinds = Table(title="Waste by kind", title_justify="left", expand=False)
    kinds.add_column("Kind")
    kinds.add_column("Bytes", justify="right")
    kinds.add_column("Files", justify="right")
    kinds.add_column("")
    for k in KINDS:
        b, n = ins.totals[k]
        tag = "dead" if k in DEAD_KINDS else ("hint" if k == UNNEEDED else "in image")
        kinds.add_row(KIND_TITLES[k], humanize_bytes(b), str(n), tag, style="dim" if b == 0 else "")
    groups = Table(title="Top offenders", title_justify="left", expand=True)
    groups.add_column("#", justify="right")
    groups.add_column("Bytes", justify="right")
    groups.add_column("What / where / fix", ratio=1)
    for rank, g in enumerate(ins.groups[:top], 1):
        what = KIND_TITLES[g.kind] + (f": {g.rule}" if g.rule else "")
        where = f"layer {g.layer}" + ("" if g.killer is None else f" → dead in layer {g.killer}")
        paths = ", ".join(escape(a) for a, _b, _n in g.top_anchors(3))
        groups.add_row(
            str(rank),
            humanize_bytes(g.bytes),
            Text.from_markup(f"[b]{escape(what)}[/b] ({where})\n{paths}\n[i]{escape(g.fix)}[/i]"),
        )
    if not ins.groups:
        groups.add_row("", "", "Nothing to remove: every stored byte is used by the final image.")
    return RichGroup(head, Text(""), kinds, Text(""), groups)


class InsightsView(VerticalScroll):
    """Scrollable container; call :meth:`show` with an explanation, :meth:`message` otherwise."""

    DEFAULT_CSS = "InsightsView { height: 1fr; } InsightsView > Static { width: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Static("Analysing waste…", id="insights-body")

    def show(self, ex: Explanation) -> None:
        self.query_one("#insights-body", Static).update(render_insights(ex))

    def message(self, text: str) -> None:
        self.query_one("#insights-body", Static).update(text)
