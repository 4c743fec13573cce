"""A marked tree flattened once, in name order, into parallel arrays.

Walking 100k node objects for every key press is what makes a Python tree UI slow; the view
model instead works on these arrays with linear passes (children always follow their parent,
so a reverse pass visits children before parents, and ``end[i]`` skips a whole subtree).
"""

from __future__ import annotations

from ..image import Entry
from ..tree.node import Node, sorted_names


class FlatTree:
    """A marked tree in preorder (siblings by name).  Index 0 is the root, never shown."""

    __slots__ = ("names", "parent", "depth", "end", "mark", "own", "is_dir", "has_children",
                 "path", "info", "_children")

    def __init__(self, root: Node) -> None:
        names: list[str] = [""]
        parent: list[int] = [-1]
        depth: list[int] = [0]
        mark: list[int] = [root.mark]
        own: list[int] = [root.size]
        is_dir: list[bool] = [root.is_dir]
        has_children: list[bool] = [bool(root.children)]
        path: list[str] = [""]
        info: list[Entry | None] = [root.info]
        # Iterative preorder: (node index, its sorted child names, position).
        stack: list[tuple[int, Node, list[str], int]] = []
        if root.children:
            stack.append((0, root, sorted_names(root.children), 0))
        while stack:
            pidx, pnode, kids, pos = stack[-1]
            if pos == len(kids):
                stack.pop()
                continue
            stack[-1] = (pidx, pnode, kids, pos + 1)
            name = kids[pos]
            node = pnode.children[name]  # type: ignore[index]
            i = len(names)
            names.append(name)
            parent.append(pidx)
            depth.append(depth[pidx] + 1)
            mark.append(node.mark)
            nfo = node.info
            info.append(nfo)
            own.append(0 if nfo is None else nfo.size)
            is_dir.append(nfo is not None and nfo.is_dir)
            has_children.append(bool(node.children))
            path.append(path[pidx] + "/" + name)
            if node.children:
                stack.append((i, node, sorted_names(node.children), 0))
        n = len(names)
        end = list(range(1, n + 1))
        for i in range(n - 1, 0, -1):
            p = parent[i]
            if end[i] > end[p]:
                end[p] = end[i]
        self.names, self.parent, self.depth, self.end = names, parent, depth, end
        self.mark, self.own, self.is_dir, self.has_children = mark, own, is_dir, has_children
        self.path, self.info = path, info
        self._children: list[list[int]] | None = None

    def __len__(self) -> int:
        return len(self.names)

    def children(self) -> list[list[int]]:
        """Child index lists (name order), built on first use (only size order needs them)."""
        if self._children is None:
            kids: list[list[int]] = [[] for _ in self.names]
            parent = self.parent
            for i in range(1, len(parent)):
                kids[parent[i]].append(i)
            self._children = kids
        return self._children

    def find(self, path: str) -> int:
        """Index of the node at ``path`` (``/a/b``), or -1.  Binary-free: walks the children."""
        if not path or path == "/":
            return 0
        parts = [p for p in path.split("/") if p]
        i = 0
        for part in parts:
            j = i + 1
            end = self.end[i]
            found = -1
            while j < end:
                if self.names[j] == part:
                    found = j
                    break
                j = self.end[j]
            if found < 0:
                return -1
            i = found
        return i
