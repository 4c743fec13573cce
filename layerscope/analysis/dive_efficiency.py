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
running stack is kept and advanced a layer at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..golang.sort import go_sort
from ..image import Image, Layer
from ..tree.build import build_layer_tree
from ..tree.node import Node, get_node, sorted_names, subtree_info_size
from ..tree.stack import stack_dive


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


class _Rec:
    __slots__ = ("cum", "min", "count")

    def __init__(self) -> None:
        self.cum = 0
        self.min = -1
        self.count = 0


def _visit_layer(tree: Node, stacked: Node, recs: dict[str, int | _Rec], ineff: list[tuple[str, _Rec]]) -> None:
    """Visit the layer tree's leaves children-first in sorted order (dive's traversal).

    A leaf's path key reuses its entry's path string (``path.Clean``-ed, so it equals dive's
    ``Node.Path()`` without the leading slash); only whiteouts and implicit leaves build one.
    """
    if not tree.children:
        return
    # the names from the root to the directory being visited; a key is joined from them only
    # when one is needed (whiteouts, implicit leaves): a frame holding its own prefix string
    # made one path d directories deep cost O(d * length) bytes
    # (tests/hardening/test_deep_path_memory.py)
    parts: list[str] = []
    stack: list[tuple[Node, list[str], int]] = [(tree, sorted_names(tree.children), 0)]
    while stack:
        node, order, i = stack[-1]
        if i == len(order):
            stack.pop()
            if parts:
                parts.pop()
            continue
        stack[-1] = (node, order, i + 1)
        name = order[i]
        child = node.children[name]  # type: ignore[index]
        if child.children:
            stack.append((child, sorted_names(child.children), 0))
            parts.append(name)
            continue
        if name.startswith(".wh."):
            parts.append(name[4:])
            key = "/".join(parts)
            target = get_node(stacked, [p for p in parts if p])
            parts.pop()
            if target is None:
                if key not in recs:
                    recs[key] = _Rec()  # created before dive's visitor fails: min stays -1
                return  # dive's visitor error: the rest of this layer is silently skipped
            size = subtree_info_size(target) if target.is_dir else 0
        else:
            info = child.info
            if info is None:
                parts.append(name)
                key = "/".join(parts)
                parts.pop()
                size = 0
            else:
                key = info.path
                size = info.size
        rec = recs.get(key)
        if rec is None:
            # most paths occur once: store just the size (cum = min = size, count = 1) and
            # make a record only for the second occurrence; saves ~60 bytes a path
            recs[key] = size
            continue
        if type(rec) is int:
            full = _Rec()
            full.cum, full.min, full.count = rec, rec, 1
            recs[key] = rec = full
        rec.cum += size
        if rec.min < 0 or size < rec.min:
            rec.min = size
        rec.count += 1
        if rec.count == 2:
            ineff.append((key, rec))


def dive_efficiency(image: Image, on_layer_tree: Callable[[Layer, Node], None] | None = None) -> DiveEfficiency:
    """dive's analysis of ``image``.  ``on_layer_tree(layer, tree)`` sees each layer's own tree
    (before it is stacked), so an exporter that needs those trees does not build them again."""
    recs: dict[str, int | _Rec] = {}
    ineff: list[tuple[str, _Rec]] = []
    stacked: Node | None = None
    for layer in image.layers:
        tree = build_layer_tree(layer.dive_entries)
        if on_layer_tree is not None:
            on_layer_tree(layer, tree)
        if stacked is None:
            # StackTreeRange(0, -1): layer 0 alone.  Stacking layer 0 onto itself changes no
            # structure unless it holds whiteouts, so the copy is only needed then.
            has_whiteout = any(e.path.rpartition("/")[2].startswith(".wh.") for e in layer.dive_entries)
            stacked = tree.copy() if has_whiteout else tree
        _visit_layer(tree, stacked, recs, ineff)
        stack_dive(stacked, tree)  # becomes StackTreeRange(0, i) for the next layer
    min_sum = 0
    cum_sum = 0
    for rec in recs.values():
        if type(rec) is int:
            min_sum += rec
            cum_sum += rec
        else:
            min_sum += rec.min
            cum_sum += rec.cum
    score = 1.0 if cum_sum == 0 else float(min_sum) / float(cum_sum)
    go_sort(ineff, lambda a, b: a[1].cum < b[1].cum)
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


def ratio(a: int, b: int) -> float:
    """Go float64 division: x/0 is ±Inf, 0/0 is NaN."""
    fa, fb = float(a), float(b)
    if fb == 0.0:
        if fa == 0.0:
            return float("nan")
        return float("inf") if fa > 0 else float("-inf")
    return fa / fb
