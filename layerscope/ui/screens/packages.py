"""The Packages view (``P``): every package of the image's databases, biggest first, with a filter.

It opens at once, whether or not the package analysis has finished: the main screen computes it
in a worker after the first frame and hands it over with :meth:`PackagesScreen.set_report` (until
then the view says "packages: computing…").  Typing filters the list (a smart-case regex on the
name); Enter closes the view with the package under the cursor, and the main screen narrows the
file tree to that package's files; Esc closes it without a choice.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ...packages import PackageReport
from ..messages import PackageChosen, PackageFilterChanged
from ..widgets.packages import PackageFilterBar, PackageList, coverage_text

HELP = "▏type a regex to filter by name ▏↑/↓ PgUp/PgDn move ▏Enter show its files in the tree ▏Esc close ▏"


class PackagesScreen(ModalScreen[int | None]):
    """Dismissed with the chosen package's index into ``PackageReport.packages``, or None."""

    DEFAULT_CSS = """
    PackagesScreen { align: center middle; }
    #packages-box { width: 92%; height: 90%; border: round $accent; background: $surface; }
    #packages-coverage { height: auto; max-height: 8; padding: 0 1; }
    PackageFilterBar { height: 3; border: round $accent; }
    PackageFilterBar.-invalid { border: round $error; }
    PackageList { height: 1fr; scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; }
    #packages-help { height: 1; background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
    ]

    def __init__(self, report: PackageReport | None, error: str | None = None) -> None:
        super().__init__()
        self.report = report
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="packages-box"):
            yield Static(coverage_text(self.report, self.error), id="packages-coverage", markup=False)
            yield PackageFilterBar(id="packages-filter")
            yield PackageList(id="packages-list")
            yield Static(HELP, id="packages-help", markup=False)

    def on_mount(self) -> None:
        self.query_one("#packages-box").border_title = "Packages"
        if self.report is not None:
            self.query_one(PackageList).set_packages(self.report.packages)
        self.query_one(PackageFilterBar).focus()

    def set_report(self, report: PackageReport | None, error: str | None = None) -> None:
        """The analysis arrived (or failed) while the view was open."""
        self.report, self.error = report, error
        self.query_one("#packages-coverage", Static).update(coverage_text(report, error))
        if report is not None:
            packages = self.query_one(PackageList)
            packages.set_packages(report.packages)
            packages.set_filter(self.query_one(PackageFilterBar).pattern)

    @property
    def coverage(self) -> str:
        """The coverage line's plain text (for tests)."""
        return str(self.query_one("#packages-coverage", Static).content)

    # ------------------------------------------------------------------ messages and keys
    def on_package_filter_changed(self, msg: PackageFilterChanged) -> None:
        self.query_one(PackageList).set_filter(msg.pattern)

    def on_package_chosen(self, msg: PackageChosen) -> None:
        index = msg.index if msg.index is not None else self.query_one(PackageList).current
        if index is not None:
            self.dismiss(index)

    def action_move(self, delta: int) -> None:
        self.query_one(PackageList).move(delta)

    def action_page(self, pages: int) -> None:
        self.query_one(PackageList).page(pages)

    def action_close(self) -> None:
        self.dismiss(None)
