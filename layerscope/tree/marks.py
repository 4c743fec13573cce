"""Diff marks and compare modes on node trees: which files a layer (or range) added, modified or removed.

The marking rules (dive's ``CompareAndMark``, and the accurate variant that honours opaque
directories) live in the copy-on-write engine (:mod:`.cow`); :func:`compare_and_mark` is their
node-tree face, like :mod:`.stack` is for stacking.

Compare modes (dive's ``runtime/ui/viewmodel/layer_set_state.go``; ``docs/dive-compat.md``, *Diff
marks and compare modes*): compare-layer shows layer i against layers 0..i-1, aggregated shows
layers 1..i against layer 0; layer 0 is always shown against itself.  :class:`TreeKey` names one
such tree, :class:`LayerTrees` holds every layer's own tree (the explorer's views start from it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..image import Image
from . import cow
from .build import add_path, build_layer_tree
from .cow import compare
from .node import ADDED, MODIFIED, REMOVED, UNMODIFIED, Node
from .stack import load, stack_range_state, store
from .universe import Universe


def compare_and_mark(lower: Node, upper: Node, *, accurate: bool = False) -> list[str]:
    """Mark ``lower`` with ``upper``'s changes (in place); return path errors."""
    u, st, nodes, (ops,) = load(lower, upper, dive=not accurate)
    cow.mark(u, st, ops, accurate=accurate)
    store(u, st, lower, nodes)
    return st.errors


@dataclass(slots=True)
class TreeKey:
    """dive's tree key: stack ``0..bottom_stop``, then mark layers ``top_start..top_stop``."""

    bottom_stop: int
    top_start: int
    top_stop: int

    @classmethod
    def for_layer(cls, index: int, aggregated: bool) -> TreeKey:
        if index == 0:
            return cls(0, 0, 0)
        return cls(0, 1, index) if aggregated else cls(index - 1, index, index)


@dataclass
class LayerTrees:
    """Each layer's own tree, built once (dive's ``trees``), in one semantics."""

    image: Image
    accurate: bool = True
    trees: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.trees:
            entries = (lambda lay: lay.entries) if self.accurate else (lambda lay: lay.dive_entries)
            self.trees = [build_layer_tree(entries(layer), accurate=self.accurate) for layer in self.image.layers]

    def compare(self, key: TreeKey) -> tuple[Node, list[str]]:
        """The full tree for ``key`` with marks set, and the path errors met (one engine run;
        the explorer uses :class:`~.views.LayerViews`, which caches and chains these)."""
        u = Universe(self.trees)
        ops = [cow.layer_ops(u, t, not self.accurate) for t in self.trees]
        st = stack_range_state(u, self.trees, ops, 0, key.bottom_stop, accurate=self.accurate)
        st.code = st.code.translate(cow.T_RESET)
        for i in range(key.top_start, key.top_stop + 1):
            cow.mark(u, st, ops[i], accurate=self.accurate)
        return store(u, st, Node(self.trees[0].name)), st.errors


def node_size(node: Node) -> int:
    """dive's ``GetSize``: a leaf's own size; a dir sums itself and its descendants, skipping
    Removed ones unless the dir itself is Removed."""
    if not node.children:
        return node.size
    total = node.size
    include_removed = node.mark == REMOVED
    work = list(node.children.values())
    while work:
        n = work.pop()
        if n.mark == REMOVED and not include_removed:
            continue
        total += n.size
        if n.children:
            work.extend(n.children.values())
    return total


__all__ = [
    "ADDED",
    "MODIFIED",
    "REMOVED",
    "UNMODIFIED",
    "LayerTrees",
    "TreeKey",
    "compare",
    "compare_and_mark",
    "node_size",
    "add_path",
]
