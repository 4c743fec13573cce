"""Diff marks: which files a layer (or a range of layers) added, modified or removed.

dive's ``CompareAndMark`` (``dive/filetree/file_tree.go``, ``file_node.go``): the lower tree is the
stack of the layers below, all Unmodified; the upper layer is visited children first; a whiteout
marks its target's subtree Removed (it stays visible); a new path is added and it and its new
parents are Added; an existing path gets a tentative mark from :func:`compare`, applied only while
the node is still Unmodified (a directory merges it with its children's marks).  Several upper
layers in a row keep the first non-Unmodified mark, so "deleted then re-added" stays Removed.

Compare modes (dive's ``runtime/ui/viewmodel/layer_set_state.go``; ``docs/dive-compat.md``, *Diff
marks and compare modes*): compare-layer shows layer i against layers 0..i-1, aggregated shows
layers 1..i against layer 0; layer 0 is always shown against itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..image import WHITEOUT_PREFIX, Entry, Image
from .build import add_path, build_layer_tree
from .node import ADDED, MODIFIED, REMOVED, UNMODIFIED, Node, get_node, walk_post, walk_pre
from .stack import stack_range, whiteout_target


def compare(lower: Entry | None, upper: Entry | None) -> int:
    """dive's ``FileInfo.Compare``: type, hash, mode, uid and gid; nothing else."""
    if lower is None or upper is None:
        return (
            UNMODIFIED
            if lower is upper or (lower is None and _empty(upper)) or (upper is None and _empty(lower))
            else MODIFIED
        )
    if (
        lower.typeflag == upper.typeflag
        and lower.hash == upper.hash
        and lower.mode == upper.mode
        and lower.uid == upper.uid
        and lower.gid == upper.gid
    ):
        return UNMODIFIED
    return MODIFIED


def _empty(e: Entry | None) -> bool:
    return e is None or (e.typeflag == 0 and e.hash == 0 and e.mode == 0 and e.uid == 0 and e.gid == 0)


def assign(node: Node, mark: int) -> None:
    node.mark = mark
    if mark == REMOVED and node.children:
        work = list(node.children.values())
        while work:
            n = work.pop()
            n.mark = REMOVED
            if n.children:
                work.extend(n.children.values())


def compare_and_mark(lower: Node, upper: Node, *, accurate: bool = False) -> list[str]:
    """Mark ``lower`` with ``upper``'s changes (in place); return path errors."""
    errors: list[str] = []
    if accurate:
        for names, node in walk_pre(upper):
            if node.opaque:
                target = get_node(lower, list(names))
                if target is not None and target.children:
                    for ch in target.children.values():
                        if ch.mark == UNMODIFIED:
                            assign(ch, REMOVED)
    pending: list[tuple[Node, Entry | None, int, bool]] = []  # node, upper info, mark, final
    for names, node in walk_post(upper):
        if node.name.startswith(WHITEOUT_PREFIX):
            target_names = [t for t in whiteout_target(names) if t]
            target = get_node(lower, target_names)
            if target is None:
                errors.append("/" + "/".join(target_names))
            else:
                assign(target, REMOVED)
            continue
        parts = list(names)
        existing = get_node(lower, parts)
        if existing is None:
            created = _add_tracking(lower, parts, node.info)
            for n in reversed(created):
                pending.append((n, node.info, ADDED, True))
            continue
        pending.append((existing, node.info, compare(existing.info, node.info), False))
    for target, info, mark, final in pending:
        if final:
            assign(target, mark)
        elif target.mark == UNMODIFIED:
            if not target.children:
                assign(target, mark)
            else:
                merged = mark
                for ch in target.children.values():
                    if ch.mark != merged:
                        merged = MODIFIED
                        break
                assign(target, merged)
        target.info = info
    return errors


def _add_tracking(root: Node, parts: list[str], info: Entry | None) -> list[Node]:
    """``AddPath`` that reports the nodes it created (dive marks them all Added)."""
    created: list[Node] = []
    node = root
    last = len(parts) - 1
    for i, name in enumerate(parts):
        nxt = node.child(name)
        if nxt is None:
            if name.startswith(".wh..wh."):
                return created
            nxt = node.add_child(name)
            created.append(nxt)
        node = nxt
        if i == last:
            node.info = info
    return created


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
        """The full tree for ``key`` with marks set, and the path errors met."""
        tree = stack_range(self.trees, 0, key.bottom_stop, accurate=self.accurate)
        for n in _iter_all(tree):
            n.mark = UNMODIFIED
        errors: list[str] = []
        for i in range(key.top_start, key.top_stop + 1):
            errors += compare_and_mark(tree, self.trees[i], accurate=self.accurate)
        return tree, errors


def _iter_all(root: Node):  # noqa: ANN202
    work = [root]
    while work:
        n = work.pop()
        yield n
        if n.children:
            work.extend(n.children.values())


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
