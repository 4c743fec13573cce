"""An independent oracle for the view model: prune the core's Node tree, ask core for sizes.

dive computes sizes on a *copy* of the tree holding only the visible nodes (dive's ``GetSize``;
``docs/dive-compat.md``, *Sizes in the file tree*).  This builds that copy directly from the core's marked
tree with plain recursion, then
uses the core's ``node_size`` on it, so the flat-array view model is checked against dive's
definition rather than against itself.
"""

from __future__ import annotations

import re

from layerscope.tree.marks import node_size
from layerscope.tree.node import Node, sorted_names


def pruned(node: Node, path: str, hidden: set[int], rx: re.Pattern[str] | None) -> Node | None:
    kids = {}
    for name in sorted_names(node.children or {}):
        child = pruned(node.children[name], f"{path}/{name}", hidden, rx)  # type: ignore[index]
        if child is not None:
            kids[name] = child
    own_ok = node.mark not in hidden and (rx is None or rx.search(path) is not None)
    if not kids and not own_ok and path:
        return None
    copy = Node(node.name, node.info)
    copy.mark = node.mark
    copy.children = kids or None
    return copy


def expected_rows(root: Node, hidden: set[int] = frozenset(), rx=None, by_size: bool = False):  # noqa: ANN001
    """[(path, mark, size)] of every visible node, in display order, nothing collapsed."""
    view = pruned(root, "", set(hidden), rx)
    out: list[tuple[str, int, int]] = []

    def walk(node: Node, path: str) -> None:
        names = sorted_names(node.children or {})
        if by_size:
            names.sort(key=lambda n: -node_size(node.children[n]))  # type: ignore[index]
        for name in names:
            child = node.children[name]  # type: ignore[index]
            out.append((f"{path}/{name}", child.mark, node_size(child)))
            walk(child, f"{path}/{name}")

    if view is not None:
        walk(view, "")
    return out
