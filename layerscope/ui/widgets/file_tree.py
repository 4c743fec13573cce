"""The File Tree pane: a Line API widget that draws only the rows on screen.

A Textual ``Tree`` with 100k nodes would build 100k widgets' worth of state; here the rows come
from :class:`~layerscope.ui.viewmodel.TreeView` (plain lists) and :meth:`render_line` turns the
few visible ones into text.  Line 0 is a sticky header (dive's attribute header).

Row format (dive's ``runtime/ui/view/filetree.go``): ``<perm> %11s(uid:gid) %10s(size)  `` then the
tree guide and the name (`` → target`` for links).  Added rows are green, Removed red, Modified
yellow; the cursor row is reverse + bold with its colour dropped.  Attributes are hidden when the
pane is narrower than 60 columns, as dive does.  With wrap on, long rows continue on the next lines.

The screen owns which tree is shown and calls down: :meth:`FileTree.set_view`,
:meth:`FileTree.set_filter`, :meth:`FileTree.start_search`; the pane's own keys change the view
and post :class:`~layerscope.ui.messages.TreeStateChanged` / ``FileRequested`` up.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...config import DIFF_TYPES
from ...tree.node import ADDED, MODIFIED, REMOVED
from ..format import ATTR_HEADER, NO_ATTR_HEADER, attributes
from ..keys import TREE, bindings
from ..messages import FileRequested, TreeStateChanged
from ..textual_compat import set_virtual_size_quietly
from ..viewmodel import SORT_NAME, SORT_SIZE, Pattern, TreeView

MARK_STYLES = {ADDED: Style(color="green"), REMOVED: Style(color="red"), MODIFIED: Style(color="yellow")}
CURSOR = Style(reverse=True, bold=True)
CURSOR_UNFOCUSED = Style(reverse=True)
HEADER = Style(bold=True)
ATTR_MIN_WIDTH = 60  # dive hides attributes below this pane width


class FileTree(ScrollView, can_focus=True):
    """The tree of the selected layer (all files of the stack, marked)."""

    BINDINGS = bindings(TREE)

    def __init__(self, *, show_attributes: bool = True, **kw: Any) -> None:
        super().__init__(**kw)
        self.view: TreeView | None = None
        self.show_attributes = show_attributes
        self.wrap = False
        self.search_pattern: Pattern | None = None
        self._line_starts: list[int] | None = None  # wrap: first screen line of each row

    # ------------------------------------------------------------------ state
    @property
    def attributes_shown(self) -> bool:
        return self.show_attributes and self.size.width >= ATTR_MIN_WIDTH

    def set_view(self, view: TreeView) -> None:
        """Show ``view`` (the screen's, for the selected layer)."""
        self.view = view
        self.rows_changed(scroll=True)

    def set_filter(self, pattern: Pattern | None) -> None:
        """Apply the filter line's pattern (None: no filter) to the shown view."""
        if self.view is not None:
            self.view.set_filter(pattern)
            self.rows_changed()

    def start_search(self, pattern: Pattern) -> bool:
        """Search for ``pattern`` from the cursor; ``n`` / ``N`` repeat it."""
        self.search_pattern = pattern
        return self.search(forward=True)

    def rows_changed(self, scroll: bool = True) -> None:
        """Rows changed: recompute the virtual size (and wrap map), keep the cursor in view."""
        self._line_starts = None
        if self.wrap and self.view is not None:
            self._line_starts = self._wrap_map()
        # without a screen re-layout when the scrollbar stays (every toggle would re-render every pane)
        set_virtual_size_quietly(self, Size(self.size.width, self._content_lines() + 1))
        if scroll:
            self._scroll_to_cursor()
        self.refresh()

    def _content_lines(self) -> int:
        if self.view is None:
            return 0
        if self._line_starts is not None:
            return self._line_starts[-1]
        return len(self.view.rows)

    def _row_width(self, i: int) -> int:
        v = self.view
        assert v is not None
        attrs = 34 if self.attributes_shown else 0
        return attrs + 4 * v.flat.depth[i] + len(v.label(i))

    def _wrap_map(self) -> list[int]:
        v = self.view
        assert v is not None
        width = max(1, self.size.width)
        starts = [0]
        total = 0
        for i in v.rows:
            total += max(1, -(-self._row_width(i) // width))
            starts.append(total)
        return starts

    def on_resize(self) -> None:
        self.rows_changed(scroll=True)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ------------------------------------------------------------------ rendering
    def row_text(self, row: int) -> str:
        """The full text of one row, exactly as drawn (before cropping or wrapping)."""
        v = self.view
        assert v is not None
        i = v.rows[row]
        f = v.flat
        attrs = attributes(f.info[i], f.is_dir(i), v.size[i]) if self.attributes_shown else ""
        return attrs + v.prefix(i) + v.label(i)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            text = ATTR_HEADER if self.attributes_shown else NO_ATTR_HEADER
            return Strip([Segment(text[:width].ljust(width), HEADER)])
        v = self.view
        line = int(self.scroll_offset.y) + y - 1
        if v is None or line >= self._content_lines():
            return Strip.blank(width)
        if self._line_starts is not None:
            row = bisect_right(self._line_starts, line) - 1
            sub = line - self._line_starts[row]
        else:
            row, sub = line, 0
        text = self.row_text(row)
        if self._line_starts is not None:
            text = text[sub * width : (sub + 1) * width]
        style: Style | None
        if row == v.cursor:
            style = CURSOR if self.has_focus else CURSOR_UNFOCUSED
        else:
            style = MARK_STYLES.get(v.flat.mark[v.rows[row]])
        strip = Strip([Segment(text, style)]).crop(0, width)
        return strip.extend_cell_length(width, style if row == v.cursor else None)

    def _cursor_lines(self) -> tuple[int, int]:
        v = self.view
        if v is None:
            return 0, 0
        if self._line_starts is not None and v.rows:
            return self._line_starts[v.cursor], self._line_starts[v.cursor + 1] - 1
        return v.cursor, v.cursor

    def _scroll_to_cursor(self) -> None:
        first, last = self._cursor_lines()
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if first < top:
            self.scroll_to(y=first, animate=False, immediate=True)
        elif last >= top + visible:
            self.scroll_to(y=last - visible + 1, animate=False, immediate=True)

    def _moved(self, before: tuple[int, int] | None = None) -> None:
        """The cursor moved: scroll it into view; without a scroll, repaint only the old and new
        cursor lines (a full repaint of the pane costs far more than the move itself)."""
        top = self.scroll_offset.y
        self._scroll_to_cursor()
        if before is None or self.scroll_offset.y != top:
            self.refresh()
            return
        for first, last in (before, self._cursor_lines()):
            self.refresh_lines(first + 1, last - first + 1)  # +1: line 0 is the header

    def _move(self, delta: int) -> None:
        if self.view:
            before = self._cursor_lines()
            self.view.move(delta)
            self._moved(before)

    # ------------------------------------------------------------------ actions
    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-max(1, self.size.height - 1))

    def action_page_down(self) -> None:
        self._move(max(1, self.size.height - 1))

    def action_cursor_left(self) -> None:
        if self.view:
            before = self._cursor_lines()
            self.view.to_parent()
            self._moved(before)

    def action_cursor_right(self) -> None:
        if self.view:
            self.view.enter()
            self.rows_changed()

    def action_toggle_collapse(self) -> None:
        if self.view:
            self.view.toggle_collapse()
            self.rows_changed()

    def action_toggle_collapse_all(self) -> None:
        if self.view:
            self.view.set_all_collapsed(not self.view.collapse_default)
            self.rows_changed()

    def action_toggle_sort(self) -> None:
        if self.view:
            self.view.set_sort(SORT_SIZE if self.view.sort == SORT_NAME else SORT_NAME)
            self.rows_changed()
            self.post_message(TreeStateChanged())

    def action_toggle_type(self, name: str) -> None:
        if self.view:
            self.view.toggle_hidden(DIFF_TYPES.index(name))
            self.rows_changed()
            self.post_message(TreeStateChanged())

    def action_toggle_attributes(self) -> None:
        self.show_attributes = not self.show_attributes
        self.rows_changed()
        self.post_message(TreeStateChanged())

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self.rows_changed()
        self.post_message(TreeStateChanged())

    def action_search_next(self) -> None:
        self.search(forward=True)

    def action_search_prev(self) -> None:
        self.search(forward=False)

    def search(self, forward: bool = True) -> bool:
        """Jump to the next/previous match of the current search pattern."""
        if self.view is None or self.search_pattern is None:
            return False
        found = self.view.search(self.search_pattern, forward)
        if found:
            self.rows_changed()
        else:
            self.notify(f"no match for /{self.search_pattern.pattern}/", severity="warning", timeout=3)
        return found

    def action_view_file(self) -> None:
        if self.view and self.view.current > 0:
            self.post_message(FileRequested(self.view.current_path, extract=False))

    def action_extract_file(self) -> None:
        if self.view and self.view.current > 0:
            self.post_message(FileRequested(self.view.current_path, extract=True))
