"""One index of every path of an image's layer trees: the key of the copy-on-write engine.

The **universe** is every path that occurs in any layer's own tree, flattened once in preorder
(siblings in Go's bytewise order).  Every stacked or marked tree of the image is a subset of it
(stacking and marking only ever create paths of the upper tree), so any such tree is a set of
per-index arrays (:class:`layerscope.tree.cow.State`) and a subtree is the index range
``[i, end[i])``: deleting or marking a subtree is one C-speed slice operation.

Paths are never stored as strings per node: :class:`PathSeq` builds them on demand, so memory
stays linear in the bytes of names however deep the paths (tests/hardening/test_deep_path_memory.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import gt
from typing import overload

from .node import Node, sorted_names


class PathSeq(Sequence[str]):
    """``path[i]`` (``/a/b``; the root ``""``) of a preorder index, built on demand from
    ``names`` and ``parent`` (``depth`` and ``end`` speed up iteration).

    Why not a list: one string per node holds every ancestor of a path as a string of its own,
    O(depth × length) bytes a path — 12 KB of gzip naming 16 paths 2,040 directories deep took
    the explorer's model to 1 GB (tests/hardening/test_deep_path_memory.py).  Here memory
    stays linear in the bytes of names:
    a lookup joins the names up to the nearest cached ancestor, and the cache holds at most
    ``CACHE_CHARS`` characters.  Iterating (the regex filter's scan) builds each path
    transiently from its parent's path (a directory's files in one C-speed ``map``): it keeps
    one directory path per level down to ``SHALLOW``, the current chain's paths below that up
    to ``ITER_CHARS`` characters, and joins the names below those — O(length) at a time, plus
    a constant.
    """

    __slots__ = ("_cache", "_chars", "_isdir", "depth", "end", "names", "parent")

    CACHE_CHARS = 1 << 22  # ~4 MB of cached paths, then start over
    CACHE_ENTRIES = 1 << 16
    SHALLOW = 32  # iteration keeps one path per level up to this depth: O(SHALLOW × length)
    ITER_CHARS = 1 << 22  # and below it the current chain's paths up to this many characters

    def __init__(self, names: list[str], parent: list[int], depth: list[int], end: list[int]) -> None:
        self.names, self.parent, self.depth, self.end = names, parent, depth, end
        self._isdir: bytes | None = None
        self._cache: dict[int, str] = {}
        self._chars = 0

    def __len__(self) -> int:
        return len(self.names)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.names)))]
        n = len(self.names)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("path index out of range")
        cache = self._cache
        hit = cache.get(i)
        if hit is not None:
            return hit
        if i == 0:
            return ""
        names, parent = self.names, self.parent
        parts = []
        j = i
        base = ""
        while j > 0:
            hit = cache.get(j)
            if hit is not None:
                base = hit
                break
            parts.append(names[j])
            j = parent[j]
        parts.append(base)
        parts.reverse()
        s = "/".join(parts)  # base "" gives the leading "/"
        self._remember(i, s)
        return s

    def _remember(self, i: int, s: str) -> None:
        if self._chars + len(s) > self.CACHE_CHARS or len(self._cache) >= self.CACHE_ENTRIES:
            self._cache = {}  # a new dict, not clear(): another thread may be reading the old one
            self._chars = 0
        if len(s) <= self.CACHE_CHARS:
            self._cache[i] = s
            self._chars += len(s)

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._chunks())

    def scan(self, test: Callable[[str], object]) -> bytearray:
        """``bytearray(bool(test(p)) for p in self)``, a directory's files at C speed (the
        regex filter: about as fast as over a list of prebuilt strings)."""
        out = bytearray()
        extend = out.extend
        for chunk in self._chunks():
            extend(map(bool, map(test, chunk)))
        return out

    def _chunks(self) -> Iterator[Iterable[str]]:
        """Every path in order, in runs (a directory's files come as one ``map``)."""
        names, depth, parent, end = self.names, self.depth, self.parent, self.end
        n = len(names)
        if not n:
            return
        yield ("",)
        isdir = self._dirs()
        cap, budget = self.SHALLOW, self.ITER_CHARS
        # pres[d]: path + "/" of the latest directory at depth d <= cap (at most cap + 1 strings,
        # so stale ones are harmless).  Deeper levels of the current chain:
        dn: list[str] = []  # names
        ds: list[str] = []  # paths of the top len(ds) of them, while they fit the budget
        dh: list[int] = []  # dh[k]: characters in ds[0..k]
        pres = ["/"] * (cap + 1)
        i = 1
        while i < n:
            d = depth[i]
            if d <= cap:
                if dn:
                    dn.clear()
                    ds.clear()
                    dh.clear()
                if isdir[i]:
                    p = pres[d - 1] + names[i]
                    pres[d] = p + "/"
                    yield (p,)
                    i += 1
                    continue
                # a run of files with one parent, up to the next directory: C-speed concatenation
                stop = end[parent[i]]
                j = isdir.find(1, i, stop)
                if j < 0:
                    j = stop
                yield map(pres[d - 1].__add__, names[i:j])
                i = j
                continue
            name = names[i]
            i += 1
            k = d - cap - 1
            del dn[k:]
            dn.append(name)
            h = len(ds)
            if k > h:
                # the chain's paths would exceed the budget: join the names below the deepest
                yield ((ds[h - 1] + "/" if h else pres[cap]) + "/".join(dn[h:]),)
                continue
            p = (ds[k - 1] + "/" if k else pres[cap]) + name
            if k < h:
                del ds[k:], dh[k:]
            t = (dh[-1] if dh else 0) + len(p)
            if t <= budget:
                ds.append(p)
                dh.append(t)
            yield (p,)

    def _dirs(self) -> bytes:
        """1 for every node with children (built once: ``n`` bytes)."""
        if self._isdir is None:
            end = self.end
            self._isdir = bytes(map(gt, end, range(1, len(end) + 1)))
        return self._isdir


class Universe:
    """Every path of every layer tree, in preorder with siblings sorted bytewise.

    ``names``, ``parent``, ``depth``, ``end`` (one past the subtree) and ``path`` (``/a/b``; the
    root is index 0 with path ``""``; a :class:`PathSeq`, built on demand) are shared by every
    layer's view.
    """

    names: list[str]
    parent: list[int]
    depth: list[int]
    end: list[int]
    path: PathSeq

    def __init__(self, trees: list[Node]) -> None:
        offered = _offered
        if offered is not None and _same_trees(offered[0], trees):
            # the very same tree objects, indexed already (see :func:`reusing`): share its
            # arrays, which nothing changes once built
            u = offered[1]
            self.names, self.parent, self.depth, self.end, self.path = u.names, u.parent, u.depth, u.end, u.path
            return
        # One walk over every tree at once, no merged copy: a frame holds the child dicts of
        # every tree that has this directory, and visits the union of their names in order.  A
        # merged dict per directory (or an [index, dict] pair per path) cost more than the trees'
        # own nodes on deep paths (tests/hardening/test_deep_path_memory.py, CI's bound).
        names: list[str] = [""]
        parent: list[int] = [-1]
        depth: list[int] = [0]
        end: list[int] = [1]
        levels: list[int] = [0]  # one int object per depth, shared by the paths at that depth
        roots = [t.children for t in trees if t.children]
        # (own index, the child dicts of the trees holding it, iterator over the union of their
        # names, sorted, own depth); a frame's iterator resumes where it was left, and a
        # directory's end is known on leaving it
        stack: list[tuple[int, list[dict[str, Node]], Iterator[str], int]] = [(0, roots, _union_sorted(roots), 0)]
        while stack:
            pidx, dicts, it, d = stack[-1]
            d1 = d + 1
            if d1 == len(levels):
                levels.append(d1)
            dd = levels[d1]
            single = dicts[0] if len(dicts) == 1 else None
            run: list[str] = []  # this frame's names up to the next directory, added in bulk
            add = run.append
            sub: list[dict[str, Node]] | None = None
            for name in it:
                add(name)
                if single is not None:
                    ch = single[name]
                    if ch.children:
                        sub = [ch.children]
                        break
                else:
                    # a plain loop: no generator or comprehension frame per name (a third of this
                    # walk on layers sharing their directories)
                    for x in dicts:
                        c = x.get(name)
                        if c is not None and c.children:
                            if sub is None:
                                sub = [c.children]
                            else:
                                sub.append(c.children)
                    if sub is not None:
                        break
            i = len(names)
            k = len(run)
            names += run
            parent += [pidx] * k
            depth += [dd] * k
            end += range(i + 1, i + k + 1)  # a directory's is set on leaving it
            if sub is not None:
                stack.append((i + k - 1, sub, _union_sorted(sub), dd))
            else:
                stack.pop()
                end[pidx] = len(names)
        self.names, self.parent, self.depth, self.end = names, parent, depth, end
        self.path = PathSeq(names, parent, depth, end)

    def __len__(self) -> int:
        return len(self.names)

    def child(self, i: int, name: str) -> int:
        """Universe index of child ``name`` of node ``i``, or -1."""
        names, end = self.names, self.end
        j, e = i + 1, end[i]
        while j < e:
            if names[j] == name:
                return j
            j = end[j]
        return -1

    def find(self, path: str) -> int:
        """Index of ``/a/b`` in the universe, or -1."""
        i = 0
        for part in path.split("/"):
            if part:
                i = self.child(i, part)
                if i < 0:
                    return -1
        return i


# The universe :func:`reusing` offers, with the trees it indexes (one at a time, for its block).
_offered: tuple[Sequence[Node], Universe] | None = None


@contextmanager
def reusing(universe: Universe, trees: Sequence[Node]) -> Iterator[None]:
    """Within the block, a :class:`Universe` of the very same tree objects as ``trees`` (each
    ``is`` the one at its position) shares ``universe``'s arrays instead of walking them again.

    Why: the explorer indexes its layer trees twice, once for dive's efficiency and once for its
    own views, and nearly every layer's tree is the same object in both
    (:func:`~layerscope.tree.build.same_in_both_views`); the second walk was ~70 ms of the first
    frame on a 130k-entry image.  The offer ends with the block, so it keeps nothing alive."""
    global _offered
    previous = _offered
    _offered = (trees, universe)
    try:
        yield
    finally:
        _offered = previous


def _same_trees(a: Sequence[Node], b: Sequence[Node]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _union_sorted(dicts: list[dict[str, Node]]) -> Iterator[str]:
    if len(dicts) == 1:
        return iter(sorted_names(dicts[0]))
    return iter(sorted_names(set().union(*dicts)))


__all__ = ["PathSeq", "Universe", "reusing"]
