"""A modal Insights screen: why bytes are wasted and what to change (``explain`` in the TUI).

The explanation is computed in a worker thread (it walks every layer once) so opening the view
on a big image never freezes the UI; Esc or q closes it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from ...analysis.explanation import Explanation, build_explanation
from ...image import Image
from ..widgets.insights import InsightsView


class InsightsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "close", "Close", show=False)]

    def __init__(self, image: Image) -> None:
        super().__init__()
        self.image = image
        self.explanation: Explanation | None = None

    def compose(self) -> ComposeResult:
        yield InsightsView()

    def on_mount(self) -> None:
        self.run_worker(self._build, thread=True, exclusive=True, group="insights")

    def _build(self) -> None:
        try:
            ex = build_explanation(self.image)
        except Exception as e:  # noqa: BLE001 - shown in the view, never a crash
            self.app.call_from_thread(self.query_one(InsightsView).message, f"Insights failed: {e}")
            return
        self.explanation = ex
        self.app.call_from_thread(self.query_one(InsightsView).show, ex)

    def action_close(self) -> None:
        self.dismiss(None)
