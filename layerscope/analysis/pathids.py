"""Paths interned as small integers: ``(parent id, component) → id``, the root ``""`` is 0.

Why: an analysis that keys facts by full path strings and also needs a path's *ancestors* ends up
holding one string per ancestor: a path ``d`` directories deep and ``L`` bytes long costs O(d·L)
bytes (12 KB of gzip naming 16 paths 2,040 directories deep drove ``explain`` and ``report`` to
1 GB; tests/hardening/test_deep_path_memory.py).  An id per ``(parent, component)`` pair costs O(1)
plus the component's own bytes, so memory and time stay linear in the bytes of member names, which
the reader bounds.  Ancestors are reached through :attr:`PathIds.parent`, never as strings.

Paths are the cleaned entry paths of :class:`~layerscope.image.Entry` (no leading, trailing
or doubled ``/``), so a path and its chain of ids correspond one to one.
"""

from __future__ import annotations

ROOT = 0


class PathIds:
    """The interning table.  Ids are dense (0 .. len-1) and never reused."""

    __slots__ = ("_ids", "parent", "_dir", "_dir_id")

    def __init__(self) -> None:
        self._ids: dict[tuple[int, str], int] = {}
        self.parent: list[int] = [-1]  # parent[id]; the root has none
        # one-entry memo of the last directory resolved: tar members mostly follow their
        # directory, so most lookups cost one dict operation instead of a walk from the root
        self._dir = ""
        self._dir_id = ROOT

    def child(self, node: int, name: str) -> int | None:
        return self._ids.get((node, name))

    def _walk(self, path: str, create: bool) -> int | None:
        node = ROOT
        ids = self._ids
        for name in path.split("/"):
            key = (node, name)
            nxt = ids.get(key)
            if nxt is None:
                if not create:
                    return None
                nxt = ids[key] = len(self.parent)
                self.parent.append(node)
            node = nxt
        return node

    def get(self, path: str, create: bool = False) -> int | None:
        """The id of ``path`` (``""`` is the root); None if absent and not ``create``."""
        if not path:
            return ROOT
        cut = path.rfind("/")
        if cut < 0:
            parent = ROOT
        else:
            d = path[:cut]
            if d == self._dir:
                parent = self._dir_id
            else:
                found = self._walk(d, create)
                if found is None:
                    return None
                parent = found
                self._dir, self._dir_id = d, parent
        key = (parent, path[cut + 1 :])
        node = self._ids.get(key)
        if node is None and create:
            node = self._ids[key] = len(self.parent)
            self.parent.append(parent)
        return node

    def add(self, path: str) -> int:
        """The id of ``path``, interning it and its missing ancestors."""
        return self.get(path, True)  # type: ignore[return-value]
