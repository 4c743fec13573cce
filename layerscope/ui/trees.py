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
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from ..archive.gcpause import collector_paused
from ..tree.marks import LayerTrees
from ..tree.views import LayerViews
from .flat_tree import FlatTree

# How long a prefetch waits before it builds anything.  A neighbour's tree is hundreds of
# milliseconds of GIL-holding work on a million entries; started at once, it shares the GIL with
# the UI thread drawing the tree just selected and about doubles that frame (20 GB image: a warm
# layer switch 233 -> 121 ms median).  A key pressed meanwhile cancels the prefetch before it
# starts, so holding an arrow key down builds nothing ahead.
PREFETCH_DELAY = 0.25


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
        hit = self._lookup(key)
        if hit is not None:
            return hit
        with self._build_lock:  # the tree worker and the prefetch may ask for the same key
            hit = self._lookup(key)
            if hit is not None:
                return hit
            if key != (0, False) and self.before_marks is not None:
                self.before_marks()
            views = self.views
            with collector_paused():  # see _settle: passes over the objects just built, freeing nothing
                state = views.view(*key)
                value = (FlatTree.from_state(views.universe, state), list(state.errors))
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
        _settle()
        return value

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
                self._items.clear()
            with self._views_lock:
                if self._views is not None:
                    self._views.forget_marks()

    def cached(self, index: int, aggregated: bool) -> bool:
        with self._lock:
            return (index, aggregated and index > 0) in self._items


def _settle() -> None:
    """Move what was just built (the image, its trees, the index) out of the collector's way.

    Hundreds of thousands of long-lived objects make every full garbage collection take tens
    of milliseconds — a visible stutter on a key press.  They live as long as the UI, so they
    are frozen (``gc.freeze``) instead of being traversed again and again.  While a tree is
    built the collector is paused (:func:`~layerscope.archive.gcpause.collector_paused`): after
    a freeze it counts almost nothing as long-lived, so the objects of the build itself (a
    tuple a path of the layer) set off a full pass every few thousand allocations — 282 passes,
    a third of resolving the 200k-entry layer of the 20 GB image.
    """
    gc.freeze()
