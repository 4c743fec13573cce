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
* a view computed once can be kept as a :class:`ViewDelta`: its code bytes (one a path) and the
  few infos where it differs from the stack checkpoint below it (sized by the layer, not the
  image), so asking for it again is two list copies and a few slice assignments instead of the
  marks' Python walk (:meth:`LayerViews.record`; the explorer records every layer in the
  background, :class:`~layerscope.ui.trees.TreeCache`).

The result is dive's (or the accurate) marked tree for the key; ``tests/tree/test_views.py``
checks it on every catalog image against the independent node-tree oracle in ``tests/tree/oracle``.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Iterable, MutableSequence, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import eq, is_not, itemgetter, sub
from typing import overload

from ..image import Entry
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
    accurate_base,
    compact_sizes,
    layer_ops,
    mark,
    stack_accurate,
    stack_dive,
    state_of,
)
from .marks import LayerTrees
from .universe import PathSeq, Universe

# A run of at least this many consecutive differing sizes is put back as one slice; shorter ones
# path by path (a slice per path costs more than the index).
RUN = 8
# Paths compared per step of :func:`delta_of`: each step is one C-speed pass holding the GIL, so
# a background recording lets the UI thread in between steps.
DIFF_CHUNK = 1 << 15


class PatchedInfo(Sequence):
    """A view's ``info``: its checkpoint's list, with the paths at ``idx`` (sorted) reading
    ``vals`` instead.  Nothing is copied: the explorer reads infos one row at a time, and a
    universe-sized list copy (and the collector's pass over it) was a fifth of a layer switch."""

    __slots__ = ("base", "idx", "vals")

    def __init__(self, base: Sequence, idx: Sequence[int], vals: list) -> None:
        self.base, self.idx, self.vals = base, idx, vals

    def __len__(self) -> int:
        return len(self.base)

    @overload
    def __getitem__(self, i: int) -> Entry | None: ...

    @overload
    def __getitem__(self, i: slice) -> list[Entry | None]: ...

    def __getitem__(self, i: int | slice) -> Entry | None | list[Entry | None]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.base)))]
        if i < 0:
            i += len(self.base)
        idx = self.idx
        k = bisect_left(idx, i)
        if k < len(idx) and idx[k] == i:
            return self.vals[k]
        return self.base[i]

    def copy(self) -> list:
        """The infos as a plain list (what :meth:`State.copy` makes of them)."""
        out = list(self.base)
        for i, v in zip(self.idx, self.vals, strict=True):
            out[i] = v
        return out


@dataclass(slots=True)
class ViewDelta:
    """A view as the stack checkpoint below it (``base``) plus what differs.

    ``code`` is the view's own code bytes (never written to: every state rebuilt from the delta
    shares it); its infos differ from ``base``'s at ``idx`` (sorted) only, where they are ``vals``
    (sizes ``sizes``).  :meth:`state` is then exactly the view :func:`delta_of` was given: its
    ``info`` reads through to ``base`` (:class:`PatchedInfo`), its sizes are a copy of ``base``'s
    with the differences written back (``runs`` of positions in ``idx`` as slices, the others
    one by one).
    """

    base: State
    code: bytearray
    idx: MutableSequence[int]
    vals: list
    sizes: MutableSequence[int]
    runs: list[tuple[int, int]]  # (first, last + 1) positions in idx of consecutive paths
    single: list[int]  # the other positions in idx
    errors: list[str]

    def state(self) -> State:
        own = self.base.own[:]
        idx, sizes = self.idx, self.sizes
        for a, b in self.runs:
            s = idx[a]
            own[s : s + b - a] = sizes[a:b]
        for k in self.single:
            own[idx[k]] = sizes[k]
        return State(self.code, PatchedInfo(self.base.info, idx, self.vals), own, list(self.errors))  # type: ignore[arg-type]

    def size(self) -> int:
        """Paths whose info it holds (what it costs to keep beside the code bytes)."""
        return len(self.idx)


def delta_of(view: State, base: State, candidates: Sequence[int] | None = None) -> ViewDelta:
    """``view`` as a :class:`ViewDelta` over ``base`` (both over the same universe; ``base``
    a plain state, not a rebuilt one).

    Only infos are compared: a size is always its info's (``0`` for none, else ``info.size``:
    every writer in :mod:`.cow` sets both together), so equal infos mean equal sizes.
    ``candidates`` (ascending) are the only paths that can differ, when the caller knows them
    (a compare view writes its layer's own paths only: :func:`~.cow.mark`); else every path."""
    vi, vo, bi = view.info, view.own, base.info
    n = len(vi)
    differs = bytearray()
    if candidates is None:
        for s in range(0, n, DIFF_CHUNK):  # C-speed passes, a chunk at a time (see DIFF_CHUNK)
            differs += bytes(map(is_not, vi[s : s + DIFF_CHUNK], bi[s : s + DIFF_CHUNK]))
        where: Iterable[int] = range(n)
    else:
        for s in range(0, len(candidates), DIFF_CHUNK):
            part = candidates[s : s + DIFF_CHUNK]
            differs += bytes(map(is_not, map(vi.__getitem__, part), map(bi.__getitem__, part)))
        where = candidates
    idx = compact_sizes(list(compress(where, differs)))
    vals = list(map(vi.__getitem__, idx))
    sizes = compact_sizes(list(map(vo.__getitem__, idx)))
    runs: list[tuple[int, int]] = []
    single: list[int] = []
    m = len(idx)
    # step[j] = 1 when idx[j + 1] == idx[j] + 1; runs of consecutive paths are found with
    # C-speed finds, one loop turn per run of RUN or more, or per batch of shorter ones
    step = bytes(map(eq, map(sub, idx[1:], idx[:-1]), repeat(1)))
    a = 0
    while a < m:
        z = step.find(0, a)
        b = m if z < 0 else z + 1  # the run starting at a is [a, b)
        if b - a >= RUN:
            runs.append((a, b))
            a = b
            continue
        # a batch of short runs: up to the next run of RUN or more
        c = b
        while c < m:
            nz = step.find(1, c)
            if nz < 0:
                c = m
                break
            z = step.find(0, nz)
            e = m if z < 0 else z + 1
            if e - nz >= RUN:
                c = nz
                break
            c = e
        single.extend(range(a, c))
        a = c
    return ViewDelta(base, bytearray(view.code), idx, vals, sizes, runs, single, list(view.errors))


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
        self._deltas: dict[tuple[int, bool], ViewDelta] = {}  # see record()
        self._marks_epoch = 0  # bumped by forget_marks: a delta recorded from before is not kept
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
            delta = self._deltas.get(key)
            if delta is not None:
                st = delta.state()
            else:
                st = self._compute(key)
            self._views[key] = st
            self._order.append(key)
            while len(self._order) > self.view_capacity:
                self._views.pop(self._order.pop(0), None)
            return st

    def rebuilt(self, index: int, aggregated: bool) -> State | None:
        """The view from its recorded delta, or None when it has none.  Takes no lock while it
        copies (the delta and its checkpoint are never written to), so another thread
        recording or computing a view does not hold it up."""
        delta = self._deltas.get((index, bool(aggregated) and index > 0))  # one dict read: atomic
        return None if delta is None else delta.state()

    def record(self, index: int, aggregated: bool, state: State | None = None) -> None:
        """Keep the view of ``index`` as a :class:`ViewDelta` from now on (until
        :meth:`forget_marks`): a later :meth:`view` of it costs list copies, not a walk.
        ``state`` is that view when the caller has it already (computed since the last
        :meth:`forget_marks`), so it is not computed again."""
        key = (index, bool(aggregated) and index > 0)
        with self._lock:
            if key in self._deltas or key == (0, False) and not self.ops(0).has_deletes:
                return  # that one is the stack checkpoint itself
            epoch = self._marks_epoch
            st = state if state is not None else self._views.get(key)
            if st is None:
                st = self._compute(key)
            base = self._stack(max(0, index - 1))
            # a compare view is its checkpoint with the layer's marks: only the layer's own
            # paths can differ (preorder: ascending); an aggregated one is compared throughout
            cand = None if key[1] else list(map(itemgetter(0), self.ops(index).pre))
        delta = delta_of(st, base, cand)  # outside the lock: neither state is written to any more
        with self._lock:
            if epoch == self._marks_epoch:
                self._deltas.setdefault(key, delta)
            if key[1]:
                # recording goes up the layers: the aggregated chain continues from this view
                # alone (each checkpoint kept is a universe-sized state: the session's peak RSS)
                for j in [j for j in self._agg if j != index]:
                    del self._agg[j]

    def has_delta(self, index: int, aggregated: bool) -> bool:
        """Whether :meth:`rebuilt` has a delta for that key (one dict read: no lock)."""
        return (index, bool(aggregated) and index > 0) in self._deltas

    def recorded(self, index: int, aggregated: bool) -> bool:
        """Whether :meth:`view` of that key is a rebuild from a delta (or the checkpoint itself)."""
        key = (index, bool(aggregated) and index > 0)
        with self._lock:
            if key in self._deltas:
                return True
            return key == (0, False) and 0 in self._stacks and not self.ops(0).has_deletes

    def delta_paths(self) -> int:
        """Paths held by every recorded delta (their memory, beside one code byte a path each)."""
        with self._lock:
            return sum(d.size() for d in self._deltas.values())

    def stack(self, k: int) -> None:
        """Compute the checkpoint ``StackTreeRange(0, k)`` now (contents never compare: hashes
        arriving later leave it valid)."""
        with self._lock:
            self._stack(k)

    def drop_aggregated_checkpoints(self) -> None:
        """Forget the aggregated chain's states (a universe-sized state a layer) once every
        aggregated view is recorded: the deltas rebuild them from the stack checkpoints."""
        with self._lock:
            self._agg.clear()

    def _compute(self, key: tuple[int, bool]) -> State:
        """The general path: from the checkpoints, the layer's marks walked."""
        index, aggregated = key
        if aggregated:
            return self._aggregated(index)
        if index == 0:
            if not self.ops(0).has_deletes:
                # layer 0 marked against its own copy: every node exists with the very same
                # info, so everything stays Unmodified and the view is the stack itself
                return self._stack(0)
            st = self._stack(0).copy()
            self._mark(st, 0)
            return st
        st = self._stack(index - 1).copy()
        self._mark(st, index)
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
            self._deltas.clear()
            self._marks_epoch += 1

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
        st.own = compact_sizes(st.own)  # every view and checkpoint above copies it: see compact_sizes
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
        if self.accurate:
            # layer 0 unpacked onto nothing, as the engines do (its whiteouts are no paths)
            return accurate_base(self.universe, trees[0] if trees else None, self.ops(0) if trees else None)
        return state_of(self.universe, trees[0] if trees else None, self.ops(0).pre if trees else [])

    # ------------------------------------------------------------------ the engine
    def _stack_layer(self, st: State, k: int) -> None:
        ops = self.ops(k)
        if self.accurate:
            if k == 0:
                return  # the base is layer 0 already (accurate_base): applied once, as the engines do
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
    "PatchedInfo",
    "PathSeq",
    "State",
    "ViewDelta",
    "T_MARK",
    "T_PRESENT",
    "Universe",
    "delta_of",
]
