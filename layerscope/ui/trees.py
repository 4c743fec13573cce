"""Marked trees for the selected layer, computed when asked for and kept in a small cache.

dive builds the tree of every layer in both compare modes before its UI starts (2·N full trees:
``Comparer.BuildCache`` in dive's ``dive/filetree/comparer.go``), which is why it needs gigabytes
and tens of seconds on big images. Here a layer's view comes from
:class:`~layerscope.tree.views.LayerViews`: flat arrays over one shared index of every path, derived
incrementally (the layer's own entries are the only work), the first time the layer is selected.
The last few are kept, so going back and forth is instant.

This is the one cache of finished trees: :class:`LayerViews` is asked to keep none of its own
(``view_capacity=0``; it still keeps the stack checkpoints new views start from), since every
view it returns is wrapped here and would otherwise be held twice.

A layer seen for the first time still walks its entries (its operations, the stack below it,
its marks: a few hundred milliseconds on a million-entry image), so a background pass does that
for every layer once, as soon as the marks are final (no late hashes, or after they landed:
:meth:`TreeCache.update_entries`): operations, stack checkpoints, and every view, each kept as a
:class:`~layerscope.tree.views.ViewDelta` — code bytes plus the layer-sized differences from
the checkpoint below.  A tree not in the LRU is then rebuilt from its delta with two list copies
(:meth:`TreeCache.get`'s fast path, which takes no build lock).  The pass works one piece at a
time, and only while no tree has been asked for during :data:`IDLE`, so it does not slow the
keys of someone stepping through the layers.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from ..archive.gcpause import collector_paused, freeze_survivors
from ..tree.cow import State
from ..tree.marks import LayerTrees
from ..tree.views import LayerViews
from .flat_tree import FlatTree

# How long a prefetch waits before it builds anything.  A neighbour's tree is hundreds of
# milliseconds of GIL-holding work on a million entries; started at once, it shares the GIL with
# the UI thread drawing the tree just selected and about doubles that frame (20 GB image: a warm
# layer switch 233 -> 121 ms median).  A key pressed meanwhile cancels the prefetch before it
# starts, so holding an arrow key down builds nothing ahead.
PREFETCH_DELAY = 0.25
# How long after the first tree the background pass starts (the first frame is drawn meanwhile).
BACKGROUND_DELAY = 0.5
# False switches the background pass off (tests of the cold path; ``LAYERSCOPE_TREE_BACKGROUND=0``
# for comparison runs).
BACKGROUND = os.environ.get("LAYERSCOPE_TREE_BACKGROUND", "1") != "0"
# The background pass works only after this long without a tree asked for: its pieces are tens
# of milliseconds of GIL-holding work each, and run between the keys of someone stepping through
# the layers they would slow every one of those keys instead of the ones after it.
IDLE = 0.25
# Trees the LRU keeps once the background pass has recorded every view (each is a universe-sized
# array of sizes and two of marks: about 8 MB at a million paths).
RECORDED_CAPACITY = 4


class TreeCache:
    """Thread-safe LRU of flattened marked trees keyed by (layer index, aggregated)."""

    def __init__(self, layer_trees: LayerTrees, capacity: int = 8) -> None:
        self.layer_trees = layer_trees
        self.capacity = capacity
        self._views: LayerViews | None = None
        self._items: OrderedDict[tuple[int, bool], tuple[FlatTree, list[str]]] = OrderedDict()
        self._lock = threading.RLock()  # the LRU itself: held only for dict operations
        self._build_lock = threading.Lock()  # one tree built at a time (LayerViews is serial anyway)
        self._views_lock = threading.Lock()
        # Run (once; it may be called again) before the first tree that compares layers is built:
        # the late hashes' plan (:meth:`~.model.LateHashes.planned`) sets the placeholders the
        # marks need.  Layer 0 alone compares nothing, so the first frame does not wait for it.
        self.before_marks: Callable[[], object] | None = None
        self._epoch = 0  # bumped by update_entries: trees and deltas from before are stale
        self._asking = 0  # get() calls under way: the background pass waits for them
        self._asked_at = 0.0  # time.monotonic() of the last get() (begun or ended)
        self._marks_final = threading.Event()  # set once marks can be recorded (see _background)
        self._background: threading.Thread | None = None
        self.background_done = threading.Event()  # the pass recorded everything (tests, benchmarks)

    @property
    def views(self) -> LayerViews:
        """The per-layer view engine (its shared index is built on first use)."""
        with self._views_lock:
            if self._views is None:
                self._views = LayerViews(self.layer_trees, view_capacity=0)  # this class caches
                _settle()
            return self._views

    def get(self, index: int, aggregated: bool) -> tuple[FlatTree, list[str]]:
        """The flattened tree for ``index`` in that mode, and the path errors met building it."""
        key = (index, aggregated and index > 0)
        self._asked_at = time.monotonic()  # a key was pressed: the background pass waits (IDLE)
        hit = self._lookup(key)
        if hit is not None:
            return hit
        with self._asked():
            value = self._rebuild(key)
            if value is None:
                value = self._build(key)
        _settle()
        self._start_background()
        return value

    def _rebuild(self, key: tuple[int, bool]) -> tuple[FlatTree, list[str]] | None:
        """The fast path: the tree from its recorded delta, without the build lock (the delta
        and the checkpoint it patches are never written to), or None when it has none."""
        views = self._views
        if views is None:
            return None
        epoch = self._epoch
        state = views.rebuilt(*key)
        if state is None:
            return None
        value = (FlatTree.from_state(views.universe, state), list(state.errors))
        self._store(key, value, epoch)
        return value

    def _build(self, key: tuple[int, bool]) -> tuple[FlatTree, list[str]]:
        with self._build_lock:  # the tree worker and the prefetch may ask for the same key
            hit = self._lookup(key)
            if hit is not None:
                return hit
            if key != (0, False) and self.before_marks is not None:
                self.before_marks()
            views = self.views
            epoch = self._epoch
            with collector_paused():  # see _settle: passes over the objects just built, freeing nothing
                state = views.view(*key)
                value = (FlatTree.from_state(views.universe, state), list(state.errors))
            self._store(key, value, epoch)
            return value

    def _store(self, key: tuple[int, bool], value: tuple[FlatTree, list[str]], epoch: int) -> None:
        with self._lock:
            if epoch != self._epoch:
                return  # built from entries update_entries has changed since: not kept
            self._items[key] = value
            self._items.move_to_end(key)
            # once every view is recorded a miss is a rebuild of milliseconds: fewer trees kept
            cap = min(self.capacity, RECORDED_CAPACITY) if self.background_done.is_set() else self.capacity
            while len(self._items) > cap:
                self._items.popitem(last=False)

    @contextmanager
    def _asked(self) -> Iterator[None]:
        with self._lock:
            self._asking += 1
        try:
            yield
        finally:
            with self._lock:
                self._asking -= 1
                self._asked_at = time.monotonic()

    def prefetch(self, keys: list[tuple[int, bool]], cancelled: Callable[[], bool]) -> None:
        """Build ``keys`` ahead (then every layer's operations), after :data:`PREFETCH_DELAY`
        and only while ``cancelled()`` is false (the worker was superseded by a newer key)."""
        time.sleep(PREFETCH_DELAY)
        for key in keys:
            if cancelled():
                return
            self.get(*key)
        if not cancelled():
            with collector_paused():
                self.views.prepare()
            _settle()

    def _lookup(self, key: tuple[int, bool]) -> tuple[FlatTree, list[str]] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def update_entries(self, change: Callable[[], None]) -> None:
        """Run ``change`` (which edits the image's entries, e.g. sets content hashes) while no
        tree is being built, then forget every tree and mark computed from the old values."""
        with self._build_lock:
            change()
            with self._lock:
                self._epoch += 1
                self._items.clear()
            with self._views_lock:
                if self._views is not None:
                    self._views.forget_marks()
        self._marks_final.set()  # the hashes have landed: the background pass records the marks
        self._start_background(restart=True)

    def marks_settled(self) -> None:
        """The late hashes will not come (hashing failed): the placeholder marks are the final
        ones, so the background pass may record them (else every switch stays on the slow path)."""
        self._marks_final.set()

    def cached(self, index: int, aggregated: bool) -> bool:
        with self._lock:
            return (index, aggregated and index > 0) in self._items

    def ready(self, index: int, aggregated: bool) -> bool:
        """Whether :meth:`get` answers without a walk: the tree is in the LRU, or recorded by
        the background pass (a rebuild: list copies, milliseconds even on a million paths), so
        the UI thread can ask for it itself instead of a worker round trip and a frame
        showing the tree as being computed."""
        key = (index, aggregated and index > 0)
        if self.cached(*key):
            return True
        views = self._views
        return views is not None and views.has_delta(*key)

    # ------------------------------------------------------------------ background pass
    def _start_background(self, restart: bool = False) -> None:
        """Start the background pass (once; again after :meth:`update_entries` when the one
        before has finished: it stops by itself on a changed epoch)."""
        if not BACKGROUND:
            return
        with self._lock:
            if self._background is not None and not restart:
                return  # a pass of an older epoch stops by itself at its next piece
            if self.before_marks is None:
                self._marks_final.set()  # no late hashes: the marks are final from the start
            self.background_done.clear()
            t = threading.Thread(
                target=_background, args=(weakref.ref(self), self._epoch), name="layerscope-trees", daemon=True
            )
            self._background = t
        t.start()

    def _step(self, epoch: int, work: Callable[[LayerViews], object]) -> bool:
        """Run one piece of the background pass under the build lock, once no tree has been asked
        for during :data:`IDLE`; False when the pass is stale (update_entries ran) and must stop."""
        while True:
            if epoch != self._epoch:
                return False
            wait = self._asked_at + IDLE - time.monotonic()
            if not self._asking and wait <= 0:
                break
            time.sleep(min(max(wait, 0.005), IDLE))
        with self._build_lock:
            if epoch != self._epoch:
                return False
            views = self.views
            with collector_paused():
                work(views)
        _settle()
        return True

    def _background_keys(self) -> list[tuple[int, bool]]:
        """Every view: the compare views nearest the last layer asked for first, the aggregated
        ones up the layers (each continues the chain from the one before, which is then
        dropped: :meth:`LayerViews.record`); the mode last asked for first."""
        n = len(self.layer_trees.trees)
        with self._lock:
            last = next(reversed(self._items), (0, False))
        compare = sorted(range(n), key=lambda k: abs(k - last[0]))
        plain = [(k, False) for k in compare]
        aggregated = [(k, True) for k in range(1, n)]
        return aggregated + plain if last[1] else plain + aggregated

    def _record(self, key: tuple[int, bool]) -> Callable[[LayerViews], object]:
        def work(views: LayerViews) -> None:
            if views.recorded(*key):
                return
            hit = self._lookup_quiet(key)  # a tree already built: its arrays are the view
            state = None
            if hit is not None and isinstance(hit[0].info, list) and isinstance(hit[0].own, (list, array)):
                state = State(hit[0].code, hit[0].info, hit[0].own, hit[1])
            views.record(*key, state=state)

        return work

    def _lookup_quiet(self, key: tuple[int, bool]) -> tuple[FlatTree, list[str]] | None:
        with self._lock:
            return self._items.get(key)


def _background(ref: weakref.ref[TreeCache], epoch: int) -> None:
    """The background pass (module level: it holds its cache only weakly between pieces, so an
    explorer that is gone is not kept alive by it).

    It starts once the marks are final (no late hashes, or they landed): the operations and
    stack checkpoints do not need the hashes, but built beside the hashing pass they would add
    their memory to its peak (the session's peak RSS), as the neighbour prefetch would."""
    time.sleep(BACKGROUND_DELAY)
    cache = ref()
    if cache is None:
        return
    final = cache._marks_final
    del cache
    while not final.wait(1.0):  # the late hashes: marks recorded now would be dropped when they land
        if ref() is None:
            return
    cache = ref()
    if cache is None:
        return
    if cache.before_marks is not None:
        cache.before_marks()
    n = len(cache.layer_trees.trees)
    todo: list[Callable[[LayerViews], object]] = [partial(LayerViews.ops, k=k) for k in range(n)]
    todo += [partial(LayerViews.stack, k=k) for k in range(max(0, n - 1))]
    todo += [cache._record(key) for key in cache._background_keys()]
    todo.append(LayerViews.drop_aggregated_checkpoints)
    todo.append(_warm_structure)
    for work in todo:
        if not cache._step(epoch, work):
            return
        del cache
        cache = ref()
        if cache is None:
            return
    cache.background_done.set()


def _warm_structure(views: LayerViews) -> None:
    """The per-image structure bytes the view model derives once (which paths have children:
    the first visibility toggle's tens of milliseconds on a million paths), made ahead."""
    FlatTree.from_state(views.universe, views.view(0, False)).shared.has_kids()


def _settle() -> None:
    """Move what was just built (the image, its trees, the index) out of the collector's way.

    Hundreds of thousands of long-lived objects make every full garbage collection take tens
    of milliseconds — a visible stutter on a key press.  They live as long as the UI, so they
    are frozen (``gc.freeze``) instead of being traversed again and again.  While a tree is
    built the collector is paused (:func:`~layerscope.archive.gcpause.collector_paused`): after
    a freeze it counts almost nothing as long-lived, so the objects of the build itself (a
    tuple a path of the layer) set off a full pass every few thousand allocations — 282 passes,
    a third of resolving the 200k-entry layer of the 20 GB image.

    The young generation is collected first: a freeze keeps whatever it finds, and garbage
    cycles another thread dropped during the pause (the collector could not free them then)
    would be frozen with it and never freed.
    """
    freeze_survivors()
