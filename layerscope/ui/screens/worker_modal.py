"""The shape the file viewer and Insights share: a modal that fills itself from a worker thread.

Both open at once with a placeholder, compute what they show off the UI thread (reading a
layer again, walking every layer), then show the result — or, for the errors a user can act
on, one line saying why — and close on Esc or q.  A subclass says what to compute
(:meth:`WorkerModal.compute`), which errors are shown rather than crash the explorer
(:attr:`WorkerModal.SHOWN_ERRORS`), and how to show each outcome.
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual import work
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

Result = TypeVar("Result")


class WorkerModal(ModalScreen[None], Generic[Result]):
    """Esc / q closes; on mount :meth:`compute` runs in a thread, then :meth:`show_result`."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", show=False)]
    SHOWN_ERRORS: ClassVar[tuple[type[Exception], ...]] = ()  # anything else is a crash

    def on_mount(self) -> None:
        self._run()

    @work(thread=True, exclusive=True, group="modal")
    def _run(self) -> None:
        try:
            result = self.compute()
        except self.SHOWN_ERRORS as e:
            self.app.call_from_thread(self.show_error, e)
            return
        self.app.call_from_thread(self.show_result, result)

    def compute(self) -> Result:
        """What the screen shows; runs in a worker thread, so it must not touch widgets."""
        raise NotImplementedError

    def show_result(self, result: Result) -> None:
        """Show what :meth:`compute` returned (on the UI thread)."""
        raise NotImplementedError

    def show_error(self, error: Exception) -> None:
        """Show why :meth:`compute` failed with one of :attr:`SHOWN_ERRORS` (on the UI thread)."""
        raise NotImplementedError

    def action_close(self) -> None:
        self.dismiss(None)
