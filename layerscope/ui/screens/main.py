"""The explorer: dive's four panes, the filter and search lines, and the status bar.

The screen owns the shared state — selected layer, compare mode, filter — and the panes talk to
it only through messages (:mod:`layerscope.ui.messages`); the screen answers by calling their
public methods.  A layer's tree is computed and its view built in a worker thread (exclusive,
so fast scrolling through layers only finishes the last one); the view state
(:class:`~layerscope.ui.viewmodel.ViewState`: collapsed paths, hidden types, filter, order,
cursor path) is carried over to the new tree, as dive's ``SetTreeByLayer`` does.

The package analysis runs in its own worker once the first tree is on screen, so it never delays
the first frame; ``P`` opens the Packages view (:mod:`.packages`) at any time, and choosing a
package narrows the tree to its files (a :class:`~layerscope.ui.flat_tree.PathSet` beside the
filter, in the same view state) until Esc.

Content hashes come the same way when the image was read without them (``model.late``, see
:mod:`layerscope.sources.hashes`): a worker hashes only the files the marks and Insights need,
the status bar says "hashing n/m layers…" and the tree's title "(hashing…)" meanwhile, and every
overlapping file whose hash is still to come is marked Modified (it *may* differ: never a false
Unmodified).  When they arrive the cached trees are dropped and the tree is built again (the
marks then are exactly those of a hashing read); Insights opened before waits for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from ...config import DIFF_TYPES, UISettings
from ...errors import LayerscopeError
from ...escape import terminal
from ...packages import PackageReport
from ...sources.hashes import HashingCancelled, cached_entries, from_cache, hash_layer, record_layers
from ...sources.hashes import apply as apply_hashes
from ...tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED
from ..content import layer_of
from ..keys import GLOBAL, LAYERS, TREE, bindings
from ..messages import (
    CompareModeChanged,
    FileRequested,
    FilterChanged,
    FilterSubmitted,
    LayerSelected,
    PaneStep,
    SearchSubmitted,
    TreeStateChanged,
)
from ..model import UIModel, compute_packages
from ..viewmodel import FlatTree, PathSet, Pattern, TreeView, ViewState
from ..widgets.file_tree import FileTree
from ..widgets.filter_bar import FilterBar
from ..widgets.image_details import ImageDetails, image_details_lines
from ..widgets.layer_details import LayerDetails
from ..widgets.layers import LayersPane
from ..widgets.lines_pane import LinesPane
from ..widgets.pattern_bar import PatternBar
from ..widgets.search_bar import SearchBar
from ..widgets.status_bar import StatusBar

NARROW = 90  # dive's narrow layout below this many columns
MIN_W, MIN_H = 40, 10


class MainScreen(Screen[None]):
    """Layers | Layer Details | Image Details on the left, the file tree on the right."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(GLOBAL) + [Binding("ctrl+z", "app.suspend_process", show=False)]

    def __init__(
        self, model: UIModel, settings: UISettings, *, on_first_frame: Callable[[], None] | None = None
    ) -> None:
        super().__init__()
        self.model = model
        self.settings = settings
        self._on_first_frame = on_first_frame  # told once the first frame is painted (the app's GC pause)
        self.layer_index = 0
        self.aggregated = settings.aggregated
        self.view: TreeView | None = None
        self.filter_text = ""
        self.filter_pattern: Pattern | None = None  # filter_text compiled (the filter line's last valid text)
        self.computing = False
        self._error_layers: set[tuple[int, bool]] = set()
        self.only: PathSet | None = None  # the tree narrowed to one package's files (Packages view)
        self.packages_computing = False
        self._packages_started = False
        self._packages_screen: Widget | None = None  # the open Packages view, fed when the analysis lands
        self._hashes_started = False
        self._tree_epoch = 0  # bumped when the entries' hashes change: trees built before are stale

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
        self.query_one(ImageDetails).show(image_details_lines(m.image, m.analysis, m.verdict, m.ci_source, m.ci_error))
        self._layout_for(self.size.width, self.size.height)
        self.query_one(LayersPane).focus()
        self._notify_skipped()  # before the tree: the first one is usually ready at once
        self.request_tree()

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

    def on_resize(self, event: events.Resize) -> None:
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

    def _from_worker(self, callback: Callable[..., object], *args: object) -> None:
        """Run a worker's result ``callback`` on the UI thread, unless the app is shutting down
        or this screen is gone by then (its panes are being removed: a query would fail and
        fail the worker)."""

        def if_alive() -> None:
            if self.app.is_running and self.is_attached:
                callback(*args)

        self.app.call_from_thread(if_alive)

    # ------------------------------------------------------------------ trees
    def request_tree(self) -> None:
        """Show the tree of the selected layer in the current mode (computed off the UI thread)."""
        key = (self.layer_index, self.aggregated)
        state = self.view_state()
        if self.model.trees.cached(*key) if self.view is None else self.model.trees.ready(*key):
            # the first tree, built by the loader (:func:`~layerscope.ui.app.make_loader`): shown
            # in the panes' first frame, without a worker's round trip and a frame without it;
            # later a tree the cache answers without a walk (TreeCache.ready), the same way
            flat, errors = self.model.trees.get(*key)
            self._apply_view(key, flat, TreeView.from_state(flat, state), errors, self._tree_epoch)
            return
        self.computing = True
        self._update_titles()
        self._build_view(key, state, self._tree_epoch)

    def view_state(self) -> ViewState:
        """The settings the next tree is shown with: the current view's, or the configured ones."""
        if self.view is not None:
            return self.view.state()
        s = self.settings
        return ViewState(
            hidden=frozenset(DIFF_TYPES.index(n) for n in s.hide),
            sort=s.sort,
            collapse_default=s.collapse_dir,
            filter=self.filter_pattern,
            only=self.only,
        )

    @work(thread=True, exclusive=True, group="tree")
    def _build_view(self, key: tuple[int, bool], state: ViewState, epoch: int) -> None:
        flat, errors = self.model.trees.get(*key)
        view = TreeView.from_state(flat, state)
        self._from_worker(self._apply_view, key, flat, view, errors, epoch)

    def _apply_view(
        self, key: tuple[int, bool], flat: FlatTree, view: TreeView, errors: list[str], epoch: int = 0
    ) -> None:
        if key != (self.layer_index, self.aggregated) or epoch != self._tree_epoch:
            return  # a newer request is on its way
        old = self.view
        if old is not None:  # keys pressed while the worker ran changed the state: carry it over
            view.carry_over(old)
        self.view = view
        self.computing = False
        self.query_one(FileTree).set_view(view)
        self._update_titles()
        self._update_status()
        self._prefetch(key)
        if not self._packages_started:  # the first tree is shown: the package analysis and hashes next
            self._packages_started = True
            self.packages_computing = True
            self.query_one(LayerDetails).set_packages(None, computing=True)
            self.call_after_refresh(self._after_first_frame)
        if errors and key not in self._error_layers:
            self._error_layers.add(key)
            self.notify(
                f"{len(errors)} path error(s) in this tree, e.g. unable to remove {errors[0]}: path does not exist",
                severity="warning",
                timeout=6,
            )

    def _after_first_frame(self) -> None:
        """Start the work that waits for the first frame, once it is painted (Textual runs
        this after the next refresh): the package analysis and the late hashes (their plan is
        half a second of GIL-holding work on a 130k-entry image).  Started from
        :meth:`_apply_view` directly, their threads took the GIL from the first paint itself
        and delayed the frame they were meant to follow.  The app's pause of the garbage
        collector ends first (``on_first_frame``), so the workers run with it on."""
        if self._on_first_frame is not None:
            told, self._on_first_frame = self._on_first_frame, None
            told()
        if not self.is_attached:
            return
        self._analyze_packages()
        if not self._hashes_started and self.model.late is not None:
            self._hashes_started = True
            self._compute_hashes()

    def _prefetch(self, key: tuple[int, bool]) -> None:
        """Compute the neighbouring layers' trees while the user looks at this one.

        Not while the late hashes are still to come: the trees built now would be dropped when
        they land (their marks are the placeholders'), and building them next to the hashing
        pass only adds both passes' memory at once (the peak RSS) and takes the second core
        from the hashing.  :meth:`_hashes_ready` shows the tree again, which prefetches then."""
        if self._hashing():
            return
        index, aggregated = key
        todo = [
            (i, aggregated)
            for i in (index + 1, index - 1)
            if 0 <= i < len(self.model.image.layers) and not self.model.trees.cached(i, aggregated)
        ]
        self._prefetch_trees(todo)

    @work(thread=True, exclusive=True, group="prefetch")
    def _prefetch_trees(self, todo: list[tuple[int, bool]]) -> None:
        worker = get_current_worker()  # after a pause for the frame, unless a newer key superseded it
        self.model.trees.prefetch(todo, lambda: worker.is_cancelled)

    # ------------------------------------------------------------------ late hashes
    @work(thread=True, exclusive=True, group="hashes")
    def _compute_hashes(self) -> None:
        late = self.model.late
        assert late is not None
        image = self.model.image
        worker = get_current_worker()
        error = None
        try:
            plan = late.planned()  # made here, after the first frame (unless a tree asked first)
            if plan.empty:  # nothing to hash (e.g. layers from cache records with hashes)
                late.done.set()
                self._from_worker(self._nothing_to_hash)
                if late.use_cache and self.model.content is not None:  # the records a later explain reads
                    record_layers(self.model.content, image, late.limits, lambda: worker.is_cancelled)
                return
            done = from_cache(image, plan, cached_entries) if late.use_cache else []
            todo = sorted(plan.layers.items())
            late.layers_total = len(todo)
            self._from_worker(self._update_status)
            src = self.model.content
            if todo and src is None:
                raise LayerscopeError("the layers cannot be read again from this source")
            for n, (index, part) in enumerate(todo):
                assert src is not None
                hashes = hash_layer(
                    src, image.layers[index], part, late.limits, lambda: worker.is_cancelled, record=late.use_cache
                )
                done.append((part, hashes))
                late.layers_done = n + 1
                self._from_worker(self._update_status)

            def set_all() -> None:
                for part, hashes in done:
                    apply_hashes(part, hashes)

            self.model.trees.update_entries(set_all)
        except HashingCancelled:  # the explorer is closing: nothing to show
            late.error = "cancelled"
            late.done.set()
            return
        except Exception as e:  # noqa: BLE001 - shown, never a crash: the marks stay "Modified"
            error = f"{type(e).__name__}: {e}" if not isinstance(e, LayerscopeError) else str(e)
            self.model.trees.marks_settled()
        late.error = error
        late.done.set()
        self._from_worker(self._hashes_ready, error)
        if late.use_cache and self.model.content is not None:  # full records of the other layers (docs/cache.md)
            record_layers(self.model.content, image, late.limits, lambda: worker.is_cancelled)

    def _nothing_to_hash(self) -> None:
        self._update_titles()
        self._update_status()
        if self.view is not None:  # what was held back while the hashes were pending
            self._prefetch((self.layer_index, self.aggregated))

    def _hashes_ready(self, error: str | None) -> None:
        if error is not None:
            self.notify(
                f"content hashes failed ({error}); files in more than one layer stay marked modified",
                severity="warning",
                timeout=10,
            )
            if self.view is not None:  # the trees stay: what was held back can be computed now
                self._prefetch((self.layer_index, self.aggregated))
        else:
            self._tree_epoch += 1  # trees built from the placeholders are stale
            self.request_tree()
        self._update_titles()
        self._update_status()

    def _hashing(self) -> bool:
        late = self.model.late
        return late is not None and late.pending

    # ------------------------------------------------------------------ packages
    @work(thread=True, exclusive=True, group="packages")
    def _analyze_packages(self) -> None:
        try:
            report = compute_packages(self.model.image)
        except Exception as e:  # noqa: BLE001 - shown in the view, never a crash of the explorer
            self._from_worker(self._packages_ready, None, f"{type(e).__name__}: {e}")
            return
        self._from_worker(self._packages_ready, report, None)

    def _packages_ready(self, report: PackageReport | None, error: str | None) -> None:
        self.model.packages, self.model.packages_error = report, error
        self.packages_computing = False
        self.query_one(LayerDetails).set_packages(report, computing=False)
        screen = self._packages_screen
        if screen is not None:
            from .packages import PackagesScreen

            if isinstance(screen, PackagesScreen) and screen.is_attached:
                screen.set_report(report, error)
        self._update_status()

    def action_packages(self) -> None:
        """The Packages view: every package biggest first; Enter narrows the tree to one."""
        from .packages import PackagesScreen

        screen = PackagesScreen(self.model.packages, self.model.packages_error)
        self._packages_screen = screen
        self.app.push_screen(screen, self._package_chosen)

    def _package_chosen(self, index: int | None) -> None:
        self._packages_screen = None
        report = self.model.packages
        if index is None or report is None:
            return
        p = report.packages[index]
        paths = frozenset("/" + path for path, owner in report.owner.items() if owner == index)
        self.set_only(PathSet((index, p.ecosystem, p.name, p.version), paths, f"{p.name} {p.version}"))
        last = len(self.model.image.layers) - 1
        if self.layer_index != last:  # the package's bytes are counted in the final image
            self.query_one(LayersPane).select(last)
        self.focus_tree()

    def set_only(self, only: PathSet | None) -> None:
        """Narrow the tree to ``only``'s paths (None: the whole tree again)."""
        self.only = only
        if self.view is not None:
            self.view.set_only(only)
            self.query_one(FileTree).rows_changed()
        self._update_titles()
        self._update_status()

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
        self.filter_pattern = msg.pattern
        self.query_one(FileTree).set_filter(msg.pattern)
        self._update_titles()

    def on_filter_submitted(self, msg: FilterSubmitted) -> None:
        self.focus_tree()

    def on_search_submitted(self, msg: SearchSubmitted) -> None:
        bar = self.query_one(SearchBar)
        bar.display = False
        tree = self.query_one(FileTree)
        tree.focus()
        if msg.pattern is not None:
            tree.start_search(msg.pattern)

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

    def _in_line(self, in_line: bool) -> None:
        """The priority binding steps aside while a line has focus: the line may consume the key
        (``/`` in a path regex, a printable key from the config), and the line's own binding
        (:func:`~layerscope.ui.keys.line_bindings`) calls the action again if it does not."""
        if not in_line and isinstance(self.focused, PatternBar):
            raise SkipAction()

    def action_open_filter(self, in_line: bool = False) -> None:
        self._in_line(in_line)
        bar = self.query_one(FilterBar)
        if bar.display and bar.has_focus:
            bar.display = False
            self.focus_tree()
        else:
            bar.display = True
            # At once, not through ``bar.focus()`` (which defers to a later callback): the binding
            # is a priority one (:mod:`layerscope.ui.keys`) so that keys typed right behind ctrl+f,
            # already queued, are forwarded to the bar, not the tree.
            self.set_focus(bar)
        self._update_status()

    def action_insights(self) -> None:
        """Where the waste comes from and what to change (``layerscope explain``, as a view)."""
        from .insights import InsightsScreen

        self.app.push_screen(InsightsScreen(self.model.image, self.model.late))

    def action_open_search(self, in_line: bool = False) -> None:
        self._in_line(in_line)
        bar = self.query_one(SearchBar)
        bar.display = True
        bar.value = ""
        self.set_focus(bar)  # at once, as for the filter: keys typed right behind "/" reach the bar

    def action_close_bars(self) -> None:
        search = self.query_one(SearchBar)
        if search.display:
            search.display = False
            self.focus_tree()
            return
        bar = self.query_one(FilterBar)
        if not bar.display and self.only is not None:  # back from a package to the whole tree
            self.set_only(None)
            return
        if bar.display:
            bar.value = ""  # dive: closing the filter clears it
            self.filter_text = ""
            self.filter_pattern = None
            self.query_one(FileTree).set_filter(None)
            bar.display = False
            self.focus_tree()
            self._update_titles()
            self._update_status()

    # ------------------------------------------------------------------ chrome
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
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
        if self.only is not None:
            extras.append(f"package {terminal(self.only.label)}, Esc for all files")
        if self.computing:
            extras.append("computing…")
        if self._hashing():
            extras.append("hashing…")
        if extras:
            title += " (" + ", ".join(extras) + ")"
        panes.append((tree, title))
        for widget, text in panes:
            shown = ("● " + text) if widget is focused else text
            # a package's name is image text: never read as markup (a plain Content)
            widget.border_title = Content(shown) if widget is tree and self.only is not None else shown

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
            "packages": bool(self.model.packages is not None and self.model.packages.packages),
        }
        scope = LAYERS if isinstance(focused, LayersPane) else TREE if isinstance(focused, FileTree) else None
        if isinstance(focused, LinesPane):
            scope = None
        late = self.model.late
        message = f"hashing {late.layers_done}/{late.layers_total} layers…" if late and late.pending else ""
        bar.show(scope, states, message)
