"""Every layer's marked tree as flat arrays over one shared index: what the UI needs, fast.

The explorer needs, for any layer and compare mode, the marked tree *flattened*.  This module
answers those tree keys with the copy-on-write engine (:mod:`.cow`) over one
:class:`~.universe.Universe` of every path of the image:

* each layer's tree is resolved once into :class:`~.cow.LayerOps` (universe indices in the visit
  orders of the stacking and marking rules, whiteout targets resolved);
* ``StackTreeRange(0, k)`` is kept as checkpoints: stack *k* is stack *k-1* plus layer *k*'s
  operations, so a compare-layer view of layer *i* is a copy of checkpoint *i-1* (list copies)
  plus the marks of layer *i* only — work proportional to that layer, not the image.
  Aggregated views chain the same way (view *i* = view *i-1* marked with layer *i*).

The result is dive's (or the accurate) marked tree for the key; ``tests/tree/test_views.py``
checks it on every catalog image against the independent node-tree oracle in ``tests/tree/oracle``.
"""

from __future__ import annotations

import threading

from .cow import (
    C_ABSENT,
    C_ADDED,
    C_MOD,
    C_REMOVED,
    C_UNMOD,
    T_MARK,
    T_PRESENT,
    LayerOps,
    State,
    layer_ops,
    mark,
    stack_accurate,
    stack_dive,
    state_of,
)
from .marks import LayerTrees
from .universe import PathSeq, Universe


class LayerViews:
    """The marked tree of any layer in either compare mode, as :class:`State` arrays.

    Thread-safe; results are cached (a few views, and the stack checkpoints they start from).
    """

    def __init__(self, layer_trees: LayerTrees, *, view_capacity: int = 8, max_checkpoints: int = 24) -> None:
        self.layer_trees = layer_trees
        self.accurate = layer_trees.accurate
        self.universe = Universe(layer_trees.trees)
        self._ops: dict[int, LayerOps] = {}
        self._stacks: dict[int, State] = {}  # StackTreeRange(0, k), all Unmodified
        self._agg: dict[int, State] = {}  # aggregated view of layer k
        self._views: dict[tuple[int, bool], State] = {}
        self._order: list[tuple[int, bool]] = []
        self.view_capacity = view_capacity
        self.max_checkpoints = max_checkpoints
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.layer_trees.trees)

    # ------------------------------------------------------------------ public
    def view(self, index: int, aggregated: bool) -> State:
        """dive's tree for layer ``index`` (compare-layer or aggregated), marks set."""
        key = (index, bool(aggregated) and index > 0)
        with self._lock:
            hit = self._views.get(key)
            if hit is not None:
                self._order.remove(key)
                self._order.append(key)
                return hit
            if key[1]:
                st = self._aggregated(index)
            elif index == 0:
                if not self.ops(0).has_deletes:
                    # layer 0 marked against its own copy: every node exists with the very same
                    # info, so everything stays Unmodified and the view is the stack itself
                    st = self._stack(0)
                else:
                    st = self._stack(0).copy()
                    self._mark(st, 0)
            else:
                st = self._stack(index - 1).copy()
                self._mark(st, index)
            self._views[key] = st
            self._order.append(key)
            while len(self._order) > self.view_capacity:
                self._views.pop(self._order.pop(0), None)
            return st

    def prepare(self) -> None:
        """Resolve every layer's operations now (small: proportional to each layer's own
        entries), so a layer selected later only pays for applying them."""
        for k in range(len(self.layer_trees.trees)):
            with self._lock:
                self.ops(k)

    def cached(self, index: int, aggregated: bool) -> bool:
        with self._lock:
            return (index, bool(aggregated) and index > 0) in self._views

    def forget_marks(self) -> None:
        """Drop every state whose marks are computed (views, aggregated checkpoints), for when
        the entries' content hashes changed (the explorer hashes after its first frame).  The
        stacks and operations never compare content, so they stay."""
        with self._lock:
            self._views.clear()
            self._order.clear()
            self._agg.clear()

    # ------------------------------------------------------------------ checkpoints
    def ops(self, k: int) -> LayerOps:
        o = self._ops.get(k)
        if o is None:
            u = self.universe
            o = self._ops[k] = layer_ops(u, self.layer_trees.trees[k], not self.accurate)
        return o

    def _remember(self, store: dict[int, State], k: int, st: State) -> None:
        store[k] = st
        if len(store) > self.max_checkpoints:
            # keep 0 and the newest; drop the oldest other checkpoint
            for old in list(store):
                if old not in (0, k):
                    del store[old]
                    break

    def _stack(self, k: int) -> State:
        """``StackTreeRange(trees, 0, k)`` (layer 0 applied twice, as dive does)."""
        st = self._stacks.get(k)
        if st is not None:
            return st
        below = [j for j in self._stacks if j < k]
        if below:
            j = max(below)
            st = self._stacks[j].copy()
        else:
            j = -1
            st = self._copy_of_layer0()
        for layer in range(j + 1, k + 1):
            self._stack_layer(st, layer)
        self._remember(self._stacks, k, st)
        return st

    def _aggregated(self, k: int) -> State:
        """Aggregated view of layer ``k`` ≥ 1: stack 0..0, then mark layers 1..k in turn."""
        st = self._agg.get(k)
        if st is not None:
            return st
        below = [j for j in self._agg if j < k]
        if below:
            j = max(below)
            st = self._agg[j].copy()
        else:
            j = 0
            st = self._stack(0).copy()
        for layer in range(j + 1, k + 1):
            self._mark(st, layer)
            if layer < k and len(self._agg) < self.max_checkpoints:
                self._agg[layer] = st.copy()
        self._remember(self._agg, k, st)
        return st

    def _copy_of_layer0(self) -> State:
        trees = self.layer_trees.trees
        return state_of(self.universe, trees[0] if trees else None, self.ops(0).pre if trees else [])

    # ------------------------------------------------------------------ the engine
    def _stack_layer(self, st: State, k: int) -> None:
        ops = self.ops(k)
        if self.accurate:
            if k == 0 and not ops.has_deletes:
                return  # layer 0 on its own copy changes nothing without deletions
            stack_accurate(self.universe, st, ops)
        else:
            stack_dive(self.universe, st, ops)  # path errors of stacking are not shown (dive's too)

    def _mark(self, st: State, k: int) -> None:
        """``compare_and_mark(st, trees[k])`` in place; path errors are appended to ``st``."""
        mark(self.universe, st, self.ops(k), accurate=self.accurate)


__all__ = [  # the engine's names are re-exported for the views' readers (ui.flat_tree)
    "C_ABSENT",
    "C_ADDED",
    "C_MOD",
    "C_REMOVED",
    "C_UNMOD",
    "LayerViews",
    "PathSeq",
    "State",
    "T_MARK",
    "T_PRESENT",
    "Universe",
]
