"""dive's efficiency, wasted bytes and inefficient-file list, quirks included.

The algorithm is dive's ``dive/filetree/efficiency.go``; ``docs/dive-compat.md``, *Efficiency*,
lists the quirks kept.

This is the dive-compatible metric behind the CI verdict and ``--json``.  It must give the same
numbers and the same row order as dive 0.13.1:

* only *leaf* nodes of each layer's own tree are visited, children first, siblings sorted;
* a whiteout's size is looked up in the stack of all earlier layers (layer 0 applied twice, as
  ``StackTreeRange(0, i-1)`` does); a deleted dir counts its whole stacked subtree, a deleted
  file counts 0 but is still an occurrence;
* a whiteout whose target is missing abandons the rest of that layer's traversal, leaving a
  path entry with ``min = -1``;
* the kept copy counts as waste; only same-path repeats are found;
* rows are ordered by Go's unstable ``sort.Sort`` on the cumulative size, then reversed.

Unlike dive, which re-stacks every earlier layer for each whiteout (O(whiteouts × files)), one
running stack is kept and advanced a layer at a time, by the dive-compatible copy-on-write engine
(:mod:`layerscope.tree.cow`) that the explorer's dive views use too.  A layer without whiteouts
(most of them) is visited and stacked in one walk (:func:`_plain_layer`): its visit reads nothing
of the stack, so the two need not be ordered; ``tests/analysis/test_dive_efficiency_fastpath.py``
holds it to the general path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter

from ..archive.gcpause import collector_paused
from ..golang.sort import sort_keyed
from ..image import Entry, Image, Layer
from ..paths import DIVE_DROPPED_PREFIX, WHITEOUT_PREFIX
from ..tree.build import build_layer_tree
from ..tree.cow import C_UNMOD, LayerOps, State, layer_ops, stack_dive, state_of_seq
from ..tree.node import Node, sorted_names
from ..tree.universe import Universe


@dataclass(slots=True)
class InefficientFile:
    """A path seen in more than one layer: dive's ``fileReference`` row."""

    path: str  # with leading "/"
    count: int
    size: int  # cumulative bytes over all occurrences (dive's "wasted" for the path)


@dataclass(slots=True)
class DiveEfficiency:
    efficiency: float
    wasted_bytes: int
    user_wasted_percent: float  # a ratio; NaN / +Inf exactly as dive
    size_bytes: int
    user_size_bytes: int
    inefficient_files: list[InefficientFile] = field(default_factory=list)


_path_of = attrgetter("path")


class _Rec:
    __slots__ = ("cum", "min", "count")

    def __init__(self) -> None:
        self.cum = 0
        self.min = -1
        self.count = 0


def _visit_layer(
    u: Universe, ops: LayerOps, stacked: State, recs: dict[str, int | _Rec], ineff: list[tuple[str, _Rec]]
) -> None:
    """Visit the layer tree's leaves children-first in sorted order (dive's traversal).

    ``ops.seq`` holds that order already (a leaf is a node without children).  A leaf's path key
    reuses its entry's path string (``path.Clean``-ed, so it equals dive's ``Node.Path()``
    without the leading slash); only whiteouts and implicit leaves build one, from the universe
    (no per-frame prefix strings: a path d directories deep must not cost O(d * length) bytes,
    tests/hardening/test_deep_path_memory.py).
    """
    code, info, own, end = stacked.code, stacked.info, stacked.own, u.end
    targets = ops.targets
    for idx, node in zip(ops.seq, ops.seq_nodes, strict=True):  # type: ignore[arg-type]
        if idx < 0 or node.children:  # entering a directory, or leaving one
            continue
        if idx in targets:  # a whiteout (every one is a key of ``targets``)
            t, path, empty = targets[idx]
            # dive joins the names with the stripped one: ".wh." alone keys "<dir>/" ("" at the root)
            key = path[1:] if node.name != WHITEOUT_PREFIX else ("" if empty else path[1:] + "/")
            if t < 0 or not code[t]:
                if key not in recs:
                    recs[key] = _Rec()  # created before dive's visitor fails: min stays -1
                return  # dive's visitor error: the rest of this layer is silently skipped
            target = info[t]
            size = sum(own[t : end[t]]) if target is not None and target.is_dir else 0
        else:
            entry = node.info
            if entry is None:
                key = u.path[idx][1:]
                size = 0
            else:
                key = entry.path
                size = entry.size
        rec = recs.get(key)
        if rec is None:
            # most paths occur once: store just the size (cum = min = size, count = 1) and
            # make a record only for the second occurrence; saves ~60 bytes a path
            recs[key] = size
            continue
        if isinstance(rec, int):
            full = _Rec()
            full.cum, full.min, full.count = rec, rec, 1
            recs[key] = rec = full
        rec.cum += size
        if rec.min < 0 or size < rec.min:
            rec.min = size
        rec.count += 1
        if rec.count == 2:
            ineff.append((key, rec))


def _may_whiteout(entries: list[Entry]) -> bool:
    """Whether any entry's path could hold a whiteout name: one C-speed search over the joined
    paths (``.wh.`` holds no newline, so no match spans two paths).  A false positive only
    sends the layer down the general path."""
    return WHITEOUT_PREFIX in "\n".join(map(_path_of, entries))


def _plain_layer(
    u: Universe, tree: Node, stacked: State, recs: dict[str, int | _Rec], ineff: list[tuple[str, _Rec]]
) -> None:
    """:func:`_visit_layer` then :func:`~layerscope.tree.cow.stack_dive` of a layer without
    whiteouts, in one walk over its tree and without resolving it into a
    :class:`~layerscope.tree.cow.LayerOps`.

    Exact because without whiteouts the visit reads nothing of the stack, and stacking such a
    layer only creates its missing paths and sets the info of every one, so the order of those
    writes does not matter.  Leaves are reached in the visit's order (children first, siblings
    sorted), so the records and the inefficient list come out in the same order.  The walk is
    :func:`~layerscope.tree.cow.layer_ops`' (the tree's sorted children are a subsequence of
    the universe's)."""
    if not tree.children:
        return
    code, info, own = stacked.code, stacked.info, stacked.own
    unames, uend, upath = u.names, u.end, u.path
    stack: list[list] = [[tree, iter(sorted_names(tree.children)), 1]]
    while stack:
        frame = stack[-1]
        node, it, j = frame
        children = node.children
        for name in it:
            while unames[j] != name:
                j = uend[j]
            ci = j
            j = uend[j]
            ch = children[name]
            nfo = ch.info
            sub = ch.children
            if code[ci] or sub or not name.startswith(DIVE_DROPPED_PREFIX):  # stack_dive's AddPath
                code[ci] = code[ci] or C_UNMOD
                info[ci] = nfo
                own[ci] = 0 if nfo is None else nfo.size
            if sub:
                frame[2] = j
                stack.append([ch, iter(sorted_names(sub)), ci + 1])
                break
            if nfo is None:  # an implicit leaf
                key = upath[ci][1:]
                size = 0
            else:
                key = nfo.path
                size = nfo.size
            rec = recs.get(key)  # from here on as in _visit_layer
            if rec is None:
                recs[key] = size
                continue
            if isinstance(rec, int):
                full = _Rec()
                full.cum, full.min, full.count = rec, rec, 1
                recs[key] = rec = full
            rec.cum += size
            if rec.min < 0 or size < rec.min:
                rec.min = size
            rec.count += 1
            if rec.count == 2:
                ineff.append((key, rec))
        else:
            stack.pop()


class _ByCum:
    """Go's ``sort.Interface`` over the inefficient rows, keyed by their cumulative size.

    The keys sit in a list swapped in step with the rows, so ``Less`` is one list compare (not a
    call through a key function): the pdqsort port does ~40 ``Less`` calls a row."""

    __slots__ = ("less", "rows", "swap")

    def __init__(self, rows: list[tuple[str, _Rec]]) -> None:
        keys = [rec.cum for _key, rec in rows]
        self.rows = rows

        def less(i: int, j: int) -> bool:
            return keys[i] < keys[j]

        def swap(i: int, j: int) -> None:
            keys[i], keys[j] = keys[j], keys[i]
            rows[i], rows[j] = rows[j], rows[i]

        self.less = less
        self.swap = swap

    def len(self) -> int:
        return len(self.rows)


def sort_rows(rows: list[tuple[str, _Rec]]) -> None:
    """Go's ``sort.Sort`` of the rows by cumulative size, in place (ties: see golang/sort.py).

    When no two sizes are equal the sorted order is the only one there is, whatever the
    algorithm, so Python's sort gives Go's answer at C speed (5x faster on 5,000 rows); only
    ties need the pdqsort port to come out in dive's order."""
    keys = [rec.cum for _key, rec in rows]
    if len(set(keys)) == len(keys):
        rows.sort(key=_cum_of)
    else:
        sort_keyed(keys, rows)  # = golang.sort.sort(_ByCum(rows)), same order, ~2x faster


def _cum_of(row: tuple[str, _Rec]) -> int:
    return row[1].cum


def dive_efficiency(
    image: Image,
    on_layer_tree: Callable[[Layer, Node], None] | None = None,
    on_universe: Callable[[Universe], None] | None = None,
) -> DiveEfficiency:
    """dive's analysis of ``image``.  ``on_layer_tree(layer, tree)`` sees each layer's own tree,
    so an exporter that needs those trees does not build them again; ``on_universe`` the index
    of those trees (the explorer's views reuse it: :func:`~layerscope.tree.universe.reusing`).

    The cyclic garbage collector is paused while the trees are built and walked: they are
    acyclic, so a collection frees nothing, yet each one rescans every node built so far
    (10-20% of this function on a 30k-entry image).  The caller's setting is restored."""
    with collector_paused():
        return _dive_efficiency(image, on_layer_tree, on_universe=on_universe)


def _dive_efficiency(
    image: Image,
    on_layer_tree: Callable[[Layer, Node], None] | None,
    fused: bool = True,
    on_universe: Callable[[Universe], None] | None = None,
) -> DiveEfficiency:
    """``fused`` off sends every layer down the general path (the property tests compare)."""
    trees: list[Node | None] = []
    for layer in image.layers:
        tree = build_layer_tree(layer.dive_entries)
        if on_layer_tree is not None:
            on_layer_tree(layer, tree)
        trees.append(tree)
    recs: dict[str, int | _Rec] = {}
    ineff: list[tuple[str, _Rec]] = []
    if trees:
        u = Universe(trees)  # type: ignore[arg-type]  # no None yet
        if on_universe is not None:
            on_universe(u)
        stacked: State | None = None
        last = len(trees) - 1
        for k, layer in enumerate(image.layers):
            t = trees[k]
            assert t is not None
            # a tree is let go once walked (its nodes live on in ``ops`` until the next layer's
            # replace them), so the trees do not all outlive the walk next to the growing records
            trees[k] = None
            if fused and not _may_whiteout(layer.dive_entries):
                if stacked is None:  # layer 0: applying it twice is applying it once (no whiteouts)
                    stacked = _root_state(u, t)
                _plain_layer(u, t, stacked, recs, ineff)
                continue
            ops = layer_ops(u, t, True, with_pre=False, with_post=False)  # one layer at a time
            if stacked is None:
                stacked = state_of_seq(u, t, ops)  # StackTreeRange(0, -1): layer 0 alone
            _visit_layer(u, ops, stacked, recs, ineff)
            if k < last:  # nothing reads the stack after the last layer's visit
                stack_dive(u, stacked, ops)  # becomes StackTreeRange(0, k) for the next layer
            del ops
    min_sum = 0
    cum_sum = 0
    for rec in recs.values():
        if isinstance(rec, int):
            min_sum += rec
            cum_sum += rec
        else:
            min_sum += rec.min
            cum_sum += rec.cum
    score = 1.0 if cum_sum == 0 else float(min_sum) / float(cum_sum)
    sort_rows(ineff)
    rows = [InefficientFile("/" + path, rec.count, rec.cum) for path, rec in reversed(ineff)]
    wasted = sum(r.size for r in rows)
    user = image.user_size
    return DiveEfficiency(
        efficiency=score,
        wasted_bytes=wasted,
        user_wasted_percent=ratio(wasted, user),
        size_bytes=image.size,
        user_size_bytes=user,
        inefficient_files=rows,
    )


def _root_state(u: Universe, root: Node) -> State:
    """An empty stack holding only ``root``, as :func:`~layerscope.tree.cow.state_of` starts."""
    n = len(u)
    st = State(bytearray(n), [None] * n, [0] * n)
    st.code[0] = 1 + root.mark
    st.info[0] = root.info
    st.own[0] = 0 if root.info is None else root.info.size
    return st


def ratio(a: int, b: int) -> float:
    """Go float64 division: x/0 is ±Inf, 0/0 is NaN."""
    fa, fb = float(a), float(b)
    if fb == 0.0:
        if fa == 0.0:
            return float("nan")
        return float("inf") if fa > 0 else float("-inf")
    return fa / fb
