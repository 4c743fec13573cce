"""A compact file-tree node and the traversals every tree algorithm shares.

Nodes hold a reference to the layer's :class:`~layerscope.image.Entry` (shared, never copied)
and a child dict only when they have children, so a 100k-file tree stays small.  Traversals
are iterative: a hostile archive with very deep paths cannot exhaust the Python stack.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..image import WHITEOUT_PREFIX, Entry

UNMODIFIED, MODIFIED, ADDED, REMOVED = 0, 1, 2, 3
DIFF_NAMES = ("unmodified", "modified", "added", "removed")


class Node:
    """One path in a tree.  ``info`` is None for an implicit parent (dive's empty FileInfo)."""

    __slots__ = ("name", "children", "info", "mark", "opaque")

    def __init__(self, name: str, info: Entry | None = None) -> None:
        self.name = name
        self.children: dict[str, Node] | None = None
        self.info = info
        self.mark = UNMODIFIED
        self.opaque = False

    @property
    def is_whiteout(self) -> bool:
        return self.name.startswith(WHITEOUT_PREFIX)

    @property
    def is_dir(self) -> bool:
        """dive's ``FileInfo.IsDir``: false for implicit parents."""
        return self.info is not None and self.info.is_dir

    @property
    def size(self) -> int:
        return 0 if self.info is None else self.info.size

    def child(self, name: str) -> Node | None:
        c = self.children
        return None if c is None else c.get(name)

    def add_child(self, name: str, info: Entry | None = None) -> Node:
        node = Node(name, info)
        if self.children is None:
            self.children = {}
        self.children[name] = node
        return node

    def copy(self) -> Node:
        """Deep copy of the structure; entries are shared (they are immutable by convention)."""
        root = Node(self.name, self.info)
        root.mark = self.mark
        root.opaque = self.opaque
        work = [(self, root)]
        while work:
            src, dst = work.pop()
            if src.children:
                dst.children = {}
                for name, ch in src.children.items():
                    n = Node(name, ch.info)
                    n.mark = ch.mark
                    n.opaque = ch.opaque
                    dst.children[name] = n
                    if ch.children:
                        work.append((ch, n))
        return root

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Node({self.name!r}, children={len(self.children or ())})"


def sorted_names(names) -> list[str]:  # noqa: ANN001
    """Go's ``sort.Strings`` order: bytewise over UTF-8 (surrogate escapes are raw bytes)."""
    names = list(names)
    if "".join(names).isascii():  # one C-speed check instead of one per name
        names.sort()
    else:
        names.sort(key=lambda n: n.encode("utf-8", "surrogateescape"))
    return names


def walk_post(root: Node) -> Iterator[tuple[list[str], Node]]:
    """Depth-first, children before their parent, siblings sorted; the root is not yielded.

    The yielded name list is reused: copy it (or join it) before the next step.
    """
    if not root.children:
        return
    names: list[str] = []
    stack = [(root, iter(sorted_names(root.children)))]
    while stack:
        node, it = stack[-1]
        name = next(it, None)
        if name is None:
            stack.pop()
            if stack:
                yield names, node
                names.pop()
            continue
        child = node.children[name]  # type: ignore[index]
        names.append(name)
        if child.children:
            stack.append((child, iter(sorted_names(child.children))))
        else:
            yield names, child
            names.pop()


def walk_pre(root: Node) -> Iterator[tuple[list[str], Node]]:
    """Depth-first, parent before children, siblings sorted; the root is not yielded."""
    names: list[str] = []
    if not root.children:
        return
    stack = [(root, iter(sorted_names(root.children)))]
    while stack:
        node, it = stack[-1]
        name = next(it, None)
        if name is None:
            stack.pop()
            if names:
                names.pop()
            continue
        child = node.children[name]  # type: ignore[index]
        names.append(name)
        yield names, child
        if child.children:
            stack.append((child, iter(sorted_names(child.children))))
        else:
            names.pop()


def get_node(root: Node, parts: list[str]) -> Node | None:
    node = root
    for p in parts:
        c = node.children
        if c is None:
            return None
        node = c.get(p)  # type: ignore[assignment]
        if node is None:
            return None
    return node


def subtree_info_size(node: Node) -> int:
    """Sum of ``FileInfo.Size`` over a node and all its descendants (dive's dir-whiteout size)."""
    total = 0
    work = [node]
    while work:
        n = work.pop()
        if n.info is not None:
            total += n.info.size
        if n.children:
            work.extend(n.children.values())
    return total
