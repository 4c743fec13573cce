"""The Layers pane: one row per layer with dive's compare bar, size and command.

Row format (dive's ``runtime/ui/view/layer.go``): a 2-column compare bar, a space, ``%7s  %s`` of
the humanized size and the command (``FROM <id>`` for layer 0).  The bar is green for the layers
stacked below the shown tree and magenta for the layers whose changes are marked.  Below 90 columns
only the index is shown, as dive does.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...golang.humanize import humanize_bytes
from ...image import Image
from ...tree.marks import TreeKey
from ..format import one_line
from ..keys import LAYERS, bindings
from ..messages import CompareModeChanged, LayerSelected, PaneStep

BOTTOM = Style(bgcolor="green")
TOP = Style(bgcolor="magenta")
HEADER = Style(bold=True)
SELECTED = Style(reverse=True, bold=True)


class LayersPane(ScrollView, can_focus=True):
    """Layer list with a sticky header line; the cursor selects the layer shown in the tree."""

    BINDINGS = bindings(LAYERS)
    cursor: reactive[int] = reactive(0, always_update=True)

    def __init__(self, image: Image, aggregated: bool, **kw: Any) -> None:
        super().__init__(**kw)
        self.image = image
        self.aggregated = aggregated
        self.narrow = False
        self.border_title = "Layers"
        self._rows = [self._row_text(i) for i in range(len(image.layers))]

    def _row_text(self, i: int) -> str:
        layer = self.image.layers[i]
        command = f"FROM {layer.id[:15]}" if i == 0 else one_line(layer.command)
        return "%7s  %s" % (humanize_bytes(layer.size), command)

    def on_mount(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows) + 1)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows) + 1)

    # ------------------------------------------------------------------ rendering
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            text = "Layer" if self.narrow else "Cmp   Size  Command"
            return Strip([Segment(text[:width].ljust(width), HEADER)])
        i = int(self.scroll_offset.y) + y - 1
        if i >= len(self._rows):
            return Strip.blank(width)
        key = TreeKey.for_layer(self.cursor, self.aggregated)
        bar_style = None
        if key.top_start <= i <= key.top_stop:
            bar_style = TOP
        elif i <= key.bottom_stop:
            bar_style = BOTTOM
        if self.narrow:
            segs = [Segment("%-4d" % i, SELECTED if i == self.cursor else None)]
        else:
            text = self._rows[i]
            segs = [Segment("  ", bar_style), Segment(" "), Segment(text, SELECTED if i == self.cursor else None)]
        return Strip(segs).crop(0, width).extend_cell_length(width)

    # ------------------------------------------------------------------ cursor
    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        if old != new:
            self.post_message(LayerSelected(new))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def select(self, index: int) -> None:
        self.cursor = max(0, min(len(self._rows) - 1, index))

    def action_cursor_up(self) -> None:
        self.select(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.select(self.cursor + 1)

    def action_page_up(self) -> None:
        self.select(self.cursor - (self.size.height + 1))

    def action_page_down(self) -> None:
        self.select(self.cursor + (self.size.height + 1))

    def action_cursor_left(self) -> None:
        self.post_message(PaneStep(-1))

    def action_cursor_right(self) -> None:
        self.post_message(PaneStep(1))

    def action_compare_layer(self) -> None:
        self.set_aggregated(False)

    def action_compare_all(self) -> None:
        self.set_aggregated(True)

    def set_aggregated(self, aggregated: bool) -> None:
        if aggregated != self.aggregated:
            self.aggregated = aggregated
            self.refresh()
            self.post_message(CompareModeChanged(aggregated))
