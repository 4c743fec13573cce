"""A read-only text pane that renders only the lines on screen.

Image Details lists every inefficient file; on a big image that is tens of thousands of rows,
and a ``Static`` re-wraps all of them on every layout pass (seconds of main-thread time that
also starves the loading worker of the GIL).  Here each line is rendered when it scrolls into
view, and cached; long lines scroll horizontally instead of wrapping.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..keys import DETAILS, bindings
from ..messages import PaneStep


class LinesPane(ScrollView, can_focus=True):
    """Scrollable text whose lines are rendered lazily (Textual's line API)."""

    BINDINGS = bindings(DETAILS)
    DEFAULT_CSS = "LinesPane { overflow-x: auto; overflow-y: auto; }"

    def __init__(self, title: str, **kw) -> None:  # noqa: ANN003
        super().__init__(**kw)
        self.border_title = title
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}

    def set_text(self, text: Text) -> None:
        self._lines = list(text.split("\n", allow_blank=True))
        if self._lines and not self._lines[-1].plain and text.plain.endswith("\n"):
            self._lines.pop()
        self._strips.clear()
        width = max((line.cell_len for line in self._lines), default=0)
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    @property
    def text(self) -> str:
        """The plain text shown (for tests and screen readers)."""
        return "\n".join(line.plain for line in self._lines)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            segments = list(self._lines[index].render(self.app.console))
            strip = Strip(segments).apply_style(base) if segments else Strip([Segment("", base)])
            self._strips[index] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def action_cursor_up(self) -> None:
        self.scroll_up(animate=False)

    def action_cursor_down(self) -> None:
        self.scroll_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_cursor_left(self) -> None:
        self.post_message(PaneStep(-1))

    def action_cursor_right(self) -> None:
        self.post_message(PaneStep(1))


__all__ = ["LinesPane", "Style"]
