"""A marked tree as parallel arrays over a preorder index: what the view model works on.

Walking 100k node objects for every key press is what makes a Python tree UI slow; the view
model instead works on these arrays with C-speed operations (``bytes.translate``,
``bytearray.find``, slices, ``itertools``).  Children always follow their parent and ``end[i]``
is one past ``i``'s subtree, so a subtree is the index range ``[i, end[i])``.

Two ways to get one:

* :meth:`FlatTree.from_state` — a layer's view from :class:`~layerscope.tree.views.LayerViews`:
  the index is the image's *universe* (every path of every layer, shared by all views), and
  ``present`` says which paths this layer's tree holds;
* ``FlatTree(root)`` — any marked :class:`~layerscope.tree.node.Node` tree, flattened (every
  node present).  Kept for tests and small trees.

Index 0 is the root, never shown.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import MutableSequence, Sequence
from operator import gt

from ..image import Entry
from ..regex import PathRegex
from ..tree.node import REMOVED, Node, sorted_names
from ..tree.views import C_REMOVED, T_MARK, T_PRESENT, PathSeq, State, Universe


class PathSet:
    """A fixed set of full paths (``/a/b``) the tree is narrowed to: the files of one package.

    It stands beside the regex filter in :meth:`_Shared.matches` (same cache, same one C-speed
    pass over the shared paths), so the view model treats both alike; ``key`` names the set
    (a package's identity), so its match bytes are computed once per image."""

    __slots__ = ("key", "label", "paths")

    def __init__(self, key: tuple, paths: frozenset[str], label: str = "") -> None:
        self.key = ("paths", *key)
        self.paths = paths
        self.label = label  # what the tree's title says it is narrowed to (image text: escape it)


class _Shared:
    """The structure arrays (shared by every view of one image) and caches that go with them."""

    __slots__ = ("names", "parent", "depth", "end", "path", "filters", "_has_kids")

    def __init__(self, names, parent, depth, end, path: PathSeq) -> None:  # noqa: ANN001
        self.names, self.parent, self.depth, self.end, self.path = names, parent, depth, end, path
        self.filters: dict[tuple, bytearray] = {}  # PathRegex.key (or re key) → match byte per path
        self._has_kids: bytes | None = None

    def has_kids(self) -> bytes:
        """1 for every index whose range holds more than itself (a directory of some view):
        the only nodes visibility can turn on for a descendant's sake.  Once per image."""
        if self._has_kids is None:
            self._has_kids = bytes(map(gt, self.end, range(1, len(self.end) + 1)))
        return self._has_kids

    def matches(self, rx: PathRegex | PathSet | re.Pattern[str]) -> bytearray:
        """1 for every path the regex finds a match in (cached: paths are the same in every view).

        Iterating ``PathSeq`` builds each path transiently, O(length) at a time, and RE2 scans
        them in bounded batches (:meth:`PathRegex.scan`).  A compiled ``re`` pattern (code's
        own, never a user's: those are RE2) is tried path by path."""
        key = rx.key if isinstance(rx, (PathRegex, PathSet)) else (rx.pattern, rx.flags, "re")
        hit = self.filters.get(key)
        if hit is None:
            if len(self.filters) > 4:
                self.filters.clear()
            if isinstance(rx, PathRegex):
                scan = rx.scan(self.path)
            else:
                scan = self.path.scan(rx.paths.__contains__ if isinstance(rx, PathSet) else rx.search)
            hit = self.filters[key] = scan
        return hit


_SHARED: dict[int, _Shared] = {}


class FlatTree:
    """One marked tree over a preorder index: structure (shared) plus this tree's arrays."""

    __slots__ = (
        "names",
        "parent",
        "depth",
        "end",
        "path",
        "code",
        "mark",
        "present",
        "info",
        "own",
        "shared",
        "_children",
        "_removed",
    )
    # read as a plain sequence of path strings (PathSeq builds each one on demand)
    path: Sequence[str]

    def __init__(self, root: Node | None = None) -> None:
        if root is None:
            return
        names: list[str] = [""]
        parent: list[int] = [-1]
        depth: list[int] = [0]
        code = bytearray([1 + root.mark])
        own: list[int] = [root.size]
        info: list[Entry | None] = [root.info]
        # (parent index, its children, their names in order, next position)
        stack: list[tuple[int, dict[str, Node], list[str], int]] = []
        if root.children:
            stack.append((0, root.children, sorted_names(root.children), 0))
        while stack:
            pidx, children, kids, pos = stack[-1]
            if pos == len(kids):
                stack.pop()
                continue
            stack[-1] = (pidx, children, kids, pos + 1)
            name = kids[pos]
            node = children[name]
            i = len(names)
            names.append(name)
            parent.append(pidx)
            depth.append(depth[pidx] + 1)
            code.append(1 + node.mark)
            nfo = node.info
            info.append(nfo)
            own.append(0 if nfo is None else nfo.size)
            if node.children:
                stack.append((i, node.children, sorted_names(node.children), 0))
        n = len(names)
        end = list(range(1, n + 1))
        for i in range(n - 1, 0, -1):
            p = parent[i]
            if end[i] > end[p]:
                end[p] = end[i]
        # paths on demand: a list of full strings costs O(depth × length) a path
        # (tests/hardening/test_deep_path_memory.py)
        self._init(_Shared(names, parent, depth, end, PathSeq(names, parent, depth, end)), code, info, own)

    @classmethod
    def from_state(cls, universe: Universe, state: State) -> FlatTree:
        """A layer's view: the universe's structure, ``state``'s presence, marks and infos."""
        shared = _SHARED.get(id(universe))
        if shared is None or shared.names is not universe.names:
            _SHARED.clear()  # one image at a time
            shared = _SHARED[id(universe)] = _Shared(
                universe.names, universe.parent, universe.depth, universe.end, universe.path
            )
        self = cls.__new__(cls)
        self._init(shared, state.code, state.info, state.own)
        return self

    def _init(self, shared: _Shared, code: bytearray, info: Sequence, own: Sequence[int]) -> None:
        self.shared = shared
        self.names, self.parent, self.depth, self.end, self.path = (
            shared.names,
            shared.parent,
            shared.depth,
            shared.end,
            shared.path,
        )
        self.code = code
        self.mark = code.translate(T_MARK)
        self.present = code.translate(T_PRESENT)
        self.present[0] = 1
        self.info = info
        self.own = own
        self._children: list[list[int]] | None = None
        self._removed: tuple[Sequence[int], bytearray] | None = None

    def __len__(self) -> int:
        return len(self.names)

    # ------------------------------------------------------------------ queries
    def has_children(self, i: int) -> bool:
        """Whether node ``i`` has children in this tree."""
        return self.present.find(1, i + 1, self.end[i]) >= 0

    def is_dir(self, i: int) -> bool:
        """dive's ``FileInfo.IsDir`` (false for implicit parents)."""
        nfo = self.info[i]
        return nfo is not None and nfo.is_dir

    def children(self) -> list[list[int]]:
        """Child index lists of present nodes (name order), built on first use (size order)."""
        if self._children is None:
            kids: list[list[int]] = [[] for _ in self.names]
            parent, present = self.parent, self.present
            for i in range(1, len(parent)):
                if present[i]:
                    kids[parent[i]].append(i)
            self._children = kids
        return self._children

    def removed_info(self) -> tuple[Sequence[int], bytearray]:
        """Sizes with every Removed subtree zeroed, and a flag for nodes inside one.

        dive's ``GetSize`` skips Removed nodes (and what is below them) unless the directory
        itself is Removed; with these, a directory's size is a C-speed sum over its range.
        """
        if self._removed is None:
            code, end = self.code, self.end
            under = bytearray(len(code))
            own_nr: Sequence[int] = self.own
            i = code.find(C_REMOVED)
            if i >= 0:
                # a copy of the same kind (an array('Q') copies with one memcpy, see cow.compact_sizes)
                nr: MutableSequence[int] = self.own[:] if isinstance(self.own, array) else list(self.own)
                while i >= 0:
                    e = end[i]
                    under[i:e] = b"\x01" * (e - i)
                    nr[i:e] = array("Q", bytes(8 * (e - i))) if isinstance(nr, array) else [0] * (e - i)
                    i = code.find(C_REMOVED, e)
                own_nr = nr
            self._removed = (own_nr, under)
        return self._removed

    def find(self, path: str) -> int:
        """Index of the node at ``path`` (``/a/b``) in this tree, or -1."""
        if not path or path == "/":
            return 0
        names, end, present = self.names, self.end, self.present
        i = 0
        for part in path.split("/"):
            if not part:
                continue
            j, e = i + 1, end[i]
            found = -1
            while j < e:
                if names[j] == part:
                    found = j
                    break
                j = end[j]
            if found < 0 or not present[found]:
                return -1
            i = found
        return i


__all__ = ["FlatTree", "PathSet", "REMOVED"]
