"""Marked trees for the selected layer, computed when asked for and kept in a small cache.

dive builds the tree of every layer in both compare modes before its UI starts (2·N full
trees, reference §2.5), which is why it needs gigabytes and tens of seconds on big images.
Here a layer's tree is computed the first time it is selected (in a worker thread), flattened
for the view model, and the last few are kept, so going back and forth is instant.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from ..tree.marks import LayerTrees, TreeKey
from .viewmodel import FlatTree


class TreeCache:
    """Thread-safe LRU of flattened marked trees keyed by (layer index, aggregated)."""

    def __init__(self, layer_trees: LayerTrees, capacity: int = 6) -> None:
        self.layer_trees = layer_trees
        self.capacity = capacity
        self._items: OrderedDict[tuple[int, bool], tuple[FlatTree, list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, index: int, aggregated: bool) -> tuple[FlatTree, list[str]]:
        """The flattened tree for ``index`` in that mode, and the path errors met building it."""
        key = (index, aggregated and index > 0)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        root, errors = self.layer_trees.compare(TreeKey.for_layer(index, aggregated))
        value = (FlatTree(root), errors)
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return value

    def cached(self, index: int, aggregated: bool) -> bool:
        with self._lock:
            return (index, aggregated and index > 0) in self._items
