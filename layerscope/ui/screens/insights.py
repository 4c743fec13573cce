"""A modal Insights screen: why bytes are wasted and what to change (``explain`` in the TUI).

The explanation is computed in a worker thread (it walks every layer once) so opening the view
on a big image never freezes the UI; Esc or q closes it.
"""

from __future__ import annotations

from textual.app import ComposeResult

from ...analysis.explanation import Explanation, build_explanation
from ...image import Image
from ..widgets.insights import InsightsView
from .worker_modal import WorkerModal


class InsightsScreen(WorkerModal[Explanation]):
    SHOWN_ERRORS = (Exception,)  # shown in the view, never a crash

    def __init__(self, image: Image) -> None:
        super().__init__()
        self.image = image
        self.explanation: Explanation | None = None

    def compose(self) -> ComposeResult:
        yield InsightsView()

    def compute(self) -> Explanation:
        return build_explanation(self.image)

    def show_result(self, result: Explanation) -> None:
        self.explanation = result
        self.query_one(InsightsView).show(result)

    def show_error(self, error: Exception) -> None:
        self.query_one(InsightsView).message(f"Insights failed: {error}")
