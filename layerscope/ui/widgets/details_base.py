"""A scrollable text pane of the left column (shared by Layer Details and Image Details).

Both panes are read-only text that may be longer than their third of the screen: they scroll
with up/down/pgup/pgdn and pass left/right on as "next/previous pane", as in dive.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..keys import DETAILS, bindings
from ..messages import PaneStep


class DetailsPane(VerticalScroll, can_focus=True):
    """Text that scrolls; subclasses build the text."""

    BINDINGS = bindings(DETAILS)

    def __init__(self, title: str, **kw) -> None:  # noqa: ANN003
        super().__init__(**kw)
        self.border_title = title
        self._body = Static("", markup=False)

    def compose(self):  # noqa: ANN201
        yield self._body

    def set_text(self, text: Text) -> None:
        self._body.update(text)

    @property
    def text(self) -> str:
        """The plain text shown (for tests and screen readers)."""
        content = self._body.content
        return content.plain if isinstance(content, Text) else str(content)

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
