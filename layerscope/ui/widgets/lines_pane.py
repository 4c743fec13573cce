"""A read-only text pane that renders only the lines on screen.

Image Details lists every inefficient file; on a big image that is tens of thousands of rows,
and a ``Static`` re-wraps all of them on every layout pass (seconds of main-thread time that
also starves the loading worker of the GIL).  Here each line is rendered when it scrolls into
view, and cached; long lines scroll horizontally, or, with ``wrap=True``, are wrapped to the
pane's width once per text or resize (Layer Details' long commands).  Changing the text never
asks the screen for a new layout, which a ``Static`` in a scroll container does on every update.

A text need not even be made in full: :meth:`LinesPane.set_lines` takes :class:`LazyLines`, whose
lines are made when first drawn (Image Details' table: its rows cost more to format and split than
the rest of the first frame's main-thread work together).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..keys import DETAILS, bindings
from ..messages import PaneStep


class LazyLines(Sequence[Text]):
    """``n`` lines, the ``i``-th made by ``make(i)`` when asked for; ``width`` is the widest
    line's cell length (the pane's scrollable width), known without making the lines."""

    def __init__(self, n: int, make: Callable[[int], Text], width: int) -> None:
        self.n = n
        self.make = make
        self.width = width

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> Text:  # type: ignore[override]  # no slices needed
        if not 0 <= index < self.n:
            raise IndexError(index)
        return self.make(index)


class LinesPane(ScrollView, can_focus=True):
    """Scrollable text whose lines are rendered lazily (Textual's line API)."""

    BINDINGS = bindings(DETAILS)
    DEFAULT_CSS = "LinesPane { overflow-x: auto; overflow-y: auto; }"

    def __init__(self, title: str, *, wrap: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.border_title = title
        self._wrap = wrap
        self._source = Text()
        self._lines: Sequence[Text] = []
        self._strips: dict[int, Strip] = {}
        self._wrapped_at = -1

    def set_text(self, text: Text) -> None:
        self._source = text
        self._wrapped_at = -1
        self._split()

    def set_lines(self, lines: LazyLines) -> None:
        """Show ``lines`` (each made when it is first drawn); not for a wrapping pane."""
        assert not self._wrap, "a wrapping pane needs the whole text"
        self._source = Text()
        self._lines = lines
        self._strips.clear()
        self.virtual_size = Size(lines.width, len(lines))
        self.refresh()

    def _split(self) -> None:
        text = self._source
        width = self.scrollable_content_region.width
        if self._wrap and width > 0:
            lines = list(text.wrap(self.app.console, width, overflow="fold"))
            self._wrapped_at = width
        else:
            lines = list(text.split("\n", allow_blank=True))
            if lines and not lines[-1].plain and text.plain.endswith("\n"):
                lines.pop()
        self._lines = lines
        self._strips.clear()
        widest = max((line.cell_len for line in lines), default=0)
        self.virtual_size = Size(widest, len(lines))
        self.refresh()

    def on_resize(self) -> None:
        if self._wrap and self.scrollable_content_region.width != self._wrapped_at:
            self._split()

    @property
    def text(self) -> str:
        """The plain text (unwrapped), for tests and screen readers."""
        return self._source.plain.rstrip("\n") if self._wrap else "\n".join(line.plain for line in self._lines)

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


__all__ = ["LazyLines", "LinesPane", "Style"]
