"""The explorer: dive's four panes, the filter and search lines, and the status bar.

The screen owns the shared state — selected layer, compare mode, filter — and the panes talk to
it only through messages (:mod:`layerscope.ui.messages`).  A layer's tree is computed and its
view built in a worker thread (exclusive, so fast scrolling through layers only finishes the
last one); the view state (collapsed paths, hidden types, filter, order, cursor path) is
carried over to the new tree, as dive's ``SetTreeByLayer`` does.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from ...config import DIFF_TYPES, UISettings
from ...errors import LayerscopeError
from ...tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED
from ..content import layer_of
from ..keys import GLOBAL, LAYERS, TREE, bindings
from ..messages import (
    CompareModeChanged,
    FileRequested,
    FilterChanged,
    LayerSelected,
    PaneStep,
    SearchSubmitted,
    TreeStateChanged,
)
from ..model import UIModel
from ..viewmodel import FlatTree, TreeView, compile_filter
from ..widgets.file_tree import FileTree
from ..widgets.filter_bar import FilterBar
from ..widgets.image_details import ImageDetails, image_details_text
from ..widgets.layer_details import LayerDetails
from ..widgets.layers import LayersPane
from ..widgets.lines_pane import LinesPane
from ..widgets.search_bar import SearchBar, compile_search
from ..widgets.status_bar import StatusBar

NARROW = 90  # dive's narrow layout below this many columns
MIN_W, MIN_H = 40, 10


class MainScreen(Screen[None]):
    """Layers | Layer Details | Image Details on the left, the file tree on the right."""

    BINDINGS = bindings(GLOBAL) + [Binding("ctrl+z", "app.suspend_process", show=False)]

    def __init__(self, model: UIModel, settings: UISettings) -> None:
        super().__init__()
        self.model = model
        self.settings = settings
        self.layer_index = 0
        self.aggregated = settings.aggregated
        self.view: TreeView | None = None
        self.filter_text = ""
        self.computing = False
        self._error_layers: set[tuple[int, bool]] = set()

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        image = self.model.image
        with Container(id="main"):
            with Horizontal(id="panes"):
                with Vertical(id="left"):
                    yield LayersPane(image, self.aggregated, id="layers")
                    yield LayerDetails(image, id="layer-details")
                    yield ImageDetails(id="image-details")
                yield FileTree(show_attributes=self.settings.show_attributes, id="tree")
            yield FilterBar(id="filter")
            yield SearchBar(id="search")
            yield StatusBar(self.settings.keybindings, id="status")
        yield Static("", id="too-small", markup=False)

    def on_mount(self) -> None:
        m = self.model
        self.query_one(LayerDetails).show_layer(0)
        self.query_one(ImageDetails).set_text(
            image_details_text(m.image, m.analysis, m.verdict, m.ci_source, m.ci_error)
        )
        self._layout_for(self.size.width, self.size.height)
        self.query_one(LayersPane).focus()
        self.request_tree()
        self._notify_skipped()

    def _notify_skipped(self) -> None:
        """Under ignore-errors, say which layers could not be parsed (Layer Details says why)."""
        skipped = self.model.image.skipped_layers
        if skipped:
            which = ", ".join(str(layer.index) for layer in skipped)
            self.notify(
                f"{len(skipped)} layer(s) could not be parsed and are shown empty (ignore-errors): "
                f"layer {which}; see Layer Details",
                severity="warning",
                timeout=10,
            )

    def on_resize(self, event) -> None:  # noqa: ANN001
        self._layout_for(event.size.width, event.size.height)

    def _layout_for(self, width: int, height: int) -> None:
        small = width < MIN_W or height < MIN_H
        self.set_class(small, "-too-small")
        if small:
            self.query_one("#too-small", Static).update(
                f"Terminal too small ({width}×{height}): layerscope needs at least {MIN_W}×{MIN_H}."
            )
        narrow = width < NARROW
        self.set_class(narrow, "-narrow")
        w = self.settings.pane_width  # honoured (dive reads it but always splits 50/50)
        self.query_one("#left").styles.width = 10 if narrow else f"{round((1 - w) * 100)}%"
        self.query_one("#tree").styles.width = "1fr" if narrow else f"{round(w * 100)}%"
        layers = self.query_one(LayersPane)
        if layers.narrow != narrow:
            layers.narrow = narrow
            layers.refresh()

    # ------------------------------------------------------------------ trees
    def request_tree(self) -> None:
        """Show the tree of the selected layer in the current mode (computed off the UI thread)."""
        key = (self.layer_index, self.aggregated)
        snapshot = self._state_snapshot()
        self.computing = True
        self._update_titles()
        self.run_worker(lambda: self._build_view(key, snapshot), thread=True, exclusive=True, group="tree")

    def _state_snapshot(self) -> dict:
        v = self.view
        if v is None:
            s = self.settings
            hidden = {DIFF_TYPES.index(n) for n in s.hide}
            return {
                "hidden": hidden,
                "sort": s.sort,
                "collapse_default": s.collapse_dir,
                "collapsed": {},
                "path": "",
                "cursor": 0,
                "filter": self._compiled_filter(),
            }
        return {
            "hidden": set(v.hidden),
            "sort": v.sort,
            "collapse_default": v.collapse_default,
            "collapsed": dict(v.collapsed),
            "path": v.current_path,
            "cursor": v.cursor,
            "filter": v.filter,
        }

    def _build_view(self, key: tuple[int, bool], snap: dict) -> None:
        flat, errors = self.model.trees.get(*key)
        view = TreeView(
            flat,
            hidden=snap["hidden"],
            sort=snap["sort"],
            collapse_default=snap["collapse_default"],
            expanded=snap["collapsed"],
        )
        if snap["filter"] is not None:
            view.set_filter(snap["filter"])
        view.cursor = snap["cursor"]
        view._place_cursor(-1)
        if snap["path"]:
            i = flat.find(snap["path"])
            if i > 0 and view.visible[i]:
                view._place_cursor(i)
        self.app.call_from_thread(self._apply_view, key, flat, view, errors)

    def _apply_view(self, key: tuple[int, bool], flat: FlatTree, view: TreeView, errors: list[str]) -> None:
        if key != (self.layer_index, self.aggregated):
            return  # a newer request is on its way
        old = self.view
        if old is not None:  # keys pressed while the worker ran changed the state: carry it over
            if (
                old.hidden != view.hidden
                or old.filter is not view.filter
                or old.sort != view.sort
                or old.collapse_default != view.collapse_default
            ):
                view.adopt_state(old)
            else:
                view.collapsed = old.collapsed
        self.view = view
        self.computing = False
        self.query_one(FileTree).set_view(view)
        self._update_titles()
        self._update_status()
        self._prefetch(key)
        if errors and key not in self._error_layers:
            self._error_layers.add(key)
            self.notify(
                f"{len(errors)} path error(s) in this tree, e.g. unable to remove {errors[0]}: path does not exist",
                severity="warning",
                timeout=6,
            )

    def _prefetch(self, key: tuple[int, bool]) -> None:
        """Compute the neighbouring layers' trees while the user looks at this one."""
        index, aggregated = key
        todo = [
            (i, aggregated)
            for i in (index + 1, index - 1)
            if 0 <= i < len(self.model.image.layers) and not self.model.trees.cached(i, aggregated)
        ]

        def work() -> None:
            for k in todo:
                self.model.trees.get(*k)
            self.model.trees.views.prepare()  # then every other layer's operations

        self.run_worker(work, thread=True, exclusive=True, group="prefetch")

    # ------------------------------------------------------------------ messages from panes
    def on_layer_selected(self, msg: LayerSelected) -> None:
        self.layer_index = msg.index
        self.query_one(LayerDetails).show_layer(msg.index)
        self.request_tree()

    def on_compare_mode_changed(self, msg: CompareModeChanged) -> None:
        self.aggregated = msg.aggregated
        self.request_tree()
        self._update_status()

    def on_pane_step(self, msg: PaneStep) -> None:
        order: list[Widget] = [self.query_one(LayersPane), self.query_one(LayerDetails), self.query_one(ImageDetails)]
        focused = self.focused
        i = order.index(focused) if focused in order else 0
        order[(i + msg.delta) % len(order)].focus()

    def on_tree_state_changed(self, msg: TreeStateChanged) -> None:
        self._update_titles()
        self._update_status()

    def on_filter_changed(self, msg: FilterChanged) -> None:
        self.filter_text = msg.text
        if self.view is not None:
            self.view.set_filter(self._compiled_filter())
            self.query_one(FileTree)._changed()
        self._update_titles()

    def _compiled_filter(self) -> re.Pattern[str] | None:
        try:
            return compile_filter(self.filter_text)
        except re.error:
            return self.view.filter if self.view is not None else None

    def on_search_submitted(self, msg: SearchSubmitted) -> None:
        bar = self.query_one(SearchBar)
        bar.display = False
        tree = self.query_one(FileTree)
        tree.focus()
        try:
            pattern = compile_search(msg.text)
        except re.error:
            return
        if pattern is None:
            return
        tree.search_pattern = pattern
        tree.search(forward=True)

    def on_file_requested(self, msg: FileRequested) -> None:
        from .extract import ExtractScreen
        from .file_view import FileViewScreen

        view = self.view
        if view is None:
            return
        entry = view.flat.info[view.current]
        if entry is None:
            self.notify("an implicit directory has no tar entry of its own", severity="warning")
            return
        if self.model.content is None:
            self.notify("file content is not available for this source", severity="warning")
            return
        try:
            layer = layer_of(self.model.image, entry, self.layer_index)
        except LayerscopeError as e:
            self.notify(str(e), severity="warning")
            return
        image, content = self.model.image, self.model.content
        if msg.extract:
            self.app.push_screen(ExtractScreen(image, content, layer, entry), self._extracted)
        else:
            self.app.push_screen(FileViewScreen(image, content, layer, entry))

    def _extracted(self, written: str | None) -> None:
        if written:
            self.notify(f"extracted to {written}", timeout=5)

    # ------------------------------------------------------------------ global actions
    def focus_tree(self) -> None:
        self.query_one(FileTree).focus()

    def action_toggle_view(self) -> None:
        if isinstance(self.focused, FileTree):
            self.query_one(LayersPane).focus()
        else:
            self.focus_tree()

    def action_open_filter(self) -> None:
        bar = self.query_one(FilterBar)
        if bar.display and bar.has_focus:
            bar.display = False
            self.focus_tree()
        else:
            bar.display = True
            bar.focus()
        self._update_status()

    def action_insights(self) -> None:
        """Where the waste comes from and what to change (``layerscope explain``, as a view)."""
        from .insights import InsightsScreen

        self.app.push_screen(InsightsScreen(self.model.image))

    def action_open_search(self) -> None:
        bar = self.query_one(SearchBar)
        bar.display = True
        bar.value = ""
        bar.focus()

    def action_close_bars(self) -> None:
        search = self.query_one(SearchBar)
        if search.display:
            search.display = False
            self.focus_tree()
            return
        bar = self.query_one(FilterBar)
        if bar.display:
            bar.value = ""  # dive: closing the filter clears it
            self.filter_text = ""
            if self.view is not None:
                self.view.set_filter(None)
                self.query_one(FileTree)._changed()
            bar.display = False
            self.focus_tree()
            self._update_titles()
            self._update_status()

    # ------------------------------------------------------------------ chrome
    def on_descendant_focus(self, event) -> None:  # noqa: ANN001
        self._update_titles()
        self._update_status()

    def _update_titles(self) -> None:
        focused = self.focused
        panes: list[tuple[Widget, str]] = [
            (self.query_one(LayersPane), "Layers"),
            (self.query_one(LayerDetails), "Layer Details"),
            (self.query_one(ImageDetails), "Image Details"),
        ]
        tree = self.query_one(FileTree)
        title = "Aggregated Layer Contents" if self.aggregated and self.layer_index > 0 else "Current Layer Contents"
        if self.aggregated and self.layer_index == 0:
            title = "Aggregated Layer Contents"
        extras = []
        if self.view is not None and self.view.sort == "size":
            extras.append("by size")
        if self.filter_text.strip():
            extras.append(f"filter /{self.filter_text.strip()}/")
        if self.computing:
            extras.append("computing…")
        if extras:
            title += " (" + ", ".join(extras) + ")"
        panes.append((tree, title))
        for widget, text in panes:
            widget.border_title = ("● " + text) if widget is focused else text

    def _update_status(self) -> None:
        focused = self.focused
        bar = self.query_one(StatusBar)
        if isinstance(focused, FilterBar):
            bar.show(None, {"filter": True}, "Type to filter the file tree")
            return
        if isinstance(focused, SearchBar):
            bar.show(None, {}, "Type a path regex, Enter to jump, n/N for next/previous")
            return
        tree = self.query_one(FileTree)
        v = self.view
        hidden = v.hidden if v is not None else set()
        states: dict[str, bool | str] = {
            "filter": self.query_one(FilterBar).display,
            "layer": not self.aggregated,
            "aggregated": self.aggregated,
            "added": ADDED not in hidden,
            "removed": REMOVED not in hidden,
            "modified": MODIFIED not in hidden,
            "unmodified": UNMODIFIED not in hidden,
            "attributes": tree.show_attributes,
            "wrap": tree.wrap,
            "sort": v.sort if v is not None else self.settings.sort,
        }
        scope = LAYERS if isinstance(focused, LayersPane) else TREE if isinstance(focused, FileTree) else None
        if isinstance(focused, LinesPane):
            scope = None
        bar.show(scope, states)
