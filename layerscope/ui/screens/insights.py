"""A modal Insights screen: why bytes are wasted and what to change (``explain`` in the TUI).

The explanation is computed in a worker thread (it walks every layer once) so opening the view
on a big image never freezes the UI; Esc or q closes it.  Duplicates and copy-ups need the
content hashes: when those are still being computed after the first frame (``late``), the view
says so and waits for them, and says why if they failed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.worker import get_current_worker

from ...analysis.explanation import Explanation, build_explanation
from ...errors import LayerscopeError
from ...image import Image
from ..model import LateHashes
from ..widgets.insights import InsightsView
from .worker_modal import WorkerModal


class InsightsScreen(WorkerModal[Explanation]):
    SHOWN_ERRORS = (Exception,)  # shown in the view, never a crash

    def __init__(self, image: Image, late: LateHashes | None = None) -> None:
        super().__init__()
        self.image = image
        self.late = late
        self.explanation: Explanation | None = None

    def compose(self) -> ComposeResult:
        yield InsightsView()

    def compute(self) -> Explanation:
        late = self.late
        if late is not None and late.pending:
            self.app.call_from_thread(self._waiting)
            worker = get_current_worker()
            while not late.done.wait(0.1):
                if worker.is_cancelled:
                    raise LayerscopeError("closed")
        if late is not None and late.error is not None:
            raise LayerscopeError(f"needs the content hashes, which failed: {late.error}")
        return build_explanation(self.image)

    def _waiting(self) -> None:
        if self.is_attached:
            self.query_one(InsightsView).message("Waiting for the content hashes (hashing layers in the background)…")

    def show_result(self, result: Explanation) -> None:
        self.explanation = result
        self.query_one(InsightsView).show(result)

    def show_error(self, error: Exception) -> None:
        if self.is_attached:
            self.query_one(InsightsView).message(f"Insights failed: {error}")
