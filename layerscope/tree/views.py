"""Every layer's marked tree as flat arrays over one shared index: what the UI needs, fast.

:meth:`LayerTrees.compare <layerscope.tree.marks.LayerTrees.compare>` answers one tree key by
copying layer 0 and re-stacking every layer below, then walking node objects — O(image) Python
work per selected layer.  The UI only ever needs the marked tree *flattened*, so this module
computes the same result differently:

* the **universe** is every path that occurs in any layer's own tree, flattened once in preorder
  (siblings in Go's bytewise order).  Every stacked or marked tree of the image is a subset of it
  (stacking and marking only ever create paths of the upper tree), so a tree is a per-index
  array: ``code[i]`` = 0 when path ``i`` is absent, else ``1 + mark``; ``info[i]`` its entry;
  ``own[i]`` the entry's size.  A subtree is the index range ``[i, end[i])``, so deleting or
  marking a subtree Removed is one C-speed slice operation.
* each layer's tree is turned once into lists of operations in the exact visit orders of
  ``stack_accurate`` / ``stack_dive`` and ``compare_and_mark`` (preorder and postorder with
  universe indices, whiteout targets resolved);
* ``StackTreeRange(0, k)`` is kept as checkpoints: stack *k* is stack *k-1* plus layer *k*'s
  operations, so a compare-layer view of layer *i* is a copy of checkpoint *i-1* (list copies)
  plus ``compare_and_mark`` of layer *i* only — work proportional to that layer, not the image.
  Aggregated views chain the same way (view *i* = view *i-1* marked with layer *i*).

The result is identical to ``LayerTrees.compare`` (marks, infos, presence and path errors) in
both semantics; ``tests/tree/test_views.py`` checks that on every catalog image.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import gt

from ..image import OPAQUE_PREFIX, WHITEOUT_PREFIX, Entry
from .marks import LayerTrees, compare
from .node import ADDED, MODIFIED, REMOVED, UNMODIFIED, Node, sorted_names

# code byte = 0 (absent) or 1 + mark
C_ABSENT, C_UNMOD, C_MOD, C_ADDED, C_REMOVED = 0, 1 + UNMODIFIED, 1 + MODIFIED, 1 + ADDED, 1 + REMOVED
# translate tables over code bytes
T_REMOVE = bytes([0] + [C_REMOVED] * 255)  # present → Removed, absent stays absent
T_PRESENT = bytes([0] + [1] * 255)
T_MARK = bytes([0, UNMODIFIED, MODIFIED, ADDED, REMOVED] + [0] * 251)  # code → mark (absent → 0)
T_RESET = bytes([0] + [C_UNMOD] * 255)  # every present node Unmodified


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

    def __getitem__(self, i: int | slice) -> str | list[str]:  # type: ignore[override]
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
                    dn.clear(), ds.clear(), dh.clear()
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

    def __init__(self, trees: list[Node]) -> None:
        # Merge the trees: name → [index, children dict]
        uroot: dict[str, list] = {}
        for t in trees:
            if not t.children:
                continue
            work = [(t.children, uroot)]
            while work:
                src, dst = work.pop()
                for name, ch in src.items():
                    slot = dst.get(name)
                    if slot is None:
                        slot = dst[name] = [0, {}]
                    if ch.children:
                        work.append((ch.children, slot[1]))
        names: list[str] = [""]
        parent: list[int] = [-1]
        depth: list[int] = [0]
        stack: list[tuple[int, dict, list[str], int]] = []
        if uroot:
            stack.append((0, uroot, sorted_names(uroot), 0))
        while stack:
            pidx, kids, order, pos = stack[-1]
            if pos == len(order):
                stack.pop()
                continue
            stack[-1] = (pidx, kids, order, pos + 1)
            name = order[pos]
            slot = kids[name]
            i = len(names)
            slot[0] = i
            names.append(name)
            parent.append(pidx)
            depth.append(depth[pidx] + 1)
            if slot[1]:
                stack.append((i, slot[1], sorted_names(slot[1]), 0))
        n = len(names)
        end = list(range(1, n + 1))
        for i in range(n - 1, 0, -1):
            p = parent[i]
            if end[i] > end[p]:
                end[p] = end[i]
        self.names, self.parent, self.depth, self.end = names, parent, depth, end
        self.path = PathSeq(names, parent, depth, end)
        self._root = uroot

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


@dataclass(slots=True)
class LayerOps:
    """One layer's tree as universe indices, in the visit orders the algorithms need."""

    # preorder: (index, node)
    pre: list[tuple[int, Node]]
    # postorder: (index, node)
    post: list[tuple[int, Node]]
    # whiteout node index → (target index or -1, target path for errors, target parts empty)
    targets: dict[int, tuple[int, str, bool]]
    has_deletes: bool  # whiteouts or opaque dirs
    # stack_dive's interleaved order: (True, index, node) on entering a dir with children,
    # (False, index, node) when a node is applied (children first); only for dive semantics
    seq: list[tuple[bool, int, Node]] | None = None


def _layer_ops(u: Universe, tree: Node, dive_seq: bool = False) -> LayerOps:
    pre: list[tuple[int, Node]] = []
    post: list[tuple[int, Node]] = []
    seq: list[tuple[bool, int, Node]] | None = [] if dive_seq else None
    targets: dict[int, tuple[int, str, bool]] = {}
    has_deletes = False
    if tree.children:
        # (node, universe slot dict of its children, sorted names, position, own index)
        stack: list[tuple[Node, dict, list[str], int, int]] = [(tree, u._root, sorted_names(tree.children), 0, 0)]
        while stack:
            node, kids, order, pos, idx = stack[-1]
            if pos == len(order):
                stack.pop()
                if stack:
                    post.append((idx, node))
                    if seq is not None:
                        seq.append((False, idx, node))
                continue
            stack[-1] = (node, kids, order, pos + 1, idx)
            name = order[pos]
            ch = node.children[name]  # type: ignore[index]
            slot = kids[name]
            ci = slot[0]
            pre.append((ci, ch))
            if name.startswith(WHITEOUT_PREFIX):
                has_deletes = True
                stripped = name[len(WHITEOUT_PREFIX) :]
                ppath = u.path[idx]
                if stripped:
                    tslot = kids.get(stripped)
                    targets[ci] = (-1 if tslot is None else tslot[0], ppath + "/" + stripped, False)
                else:
                    targets[ci] = (idx, ppath if idx else "/", idx == 0)
            if ch.opaque:
                has_deletes = True
            if ch.children:
                stack.append((ch, slot[1], sorted_names(ch.children), 0, ci))
                if seq is not None:
                    seq.append((True, ci, ch))
            else:
                post.append((ci, ch))
                if seq is not None:
                    seq.append((False, ci, ch))
    return LayerOps(pre, post, targets, has_deletes, seq)


class State:
    """One tree over the universe: ``code`` (0 absent, else 1 + mark), ``info``, ``own`` sizes."""

    __slots__ = ("code", "info", "own", "errors")

    def __init__(self, code: bytearray, info: list, own: list, errors: list[str] | None = None) -> None:
        self.code = code
        self.info = info
        self.own = own
        self.errors = errors if errors is not None else []

    def copy(self, reset_marks: bool = False) -> State:
        code = self.code.translate(T_RESET) if reset_marks else bytearray(self.code)
        return State(code, self.info.copy(), self.own.copy(), list(self.errors))

    def clear(self, s: int, e: int) -> None:
        """Delete the index range ``[s, e)`` (a subtree, or a subtree's insides)."""
        if e > s:
            k = e - s
            self.code[s:e] = bytes(k)
            self.info[s:e] = [None] * k
            self.own[s:e] = [0] * k


class LayerViews:
    """The marked tree of any layer in either compare mode, as :class:`State` arrays.

    Thread-safe; results are cached (a few views, and the stack checkpoints they start from).
    """

    def __init__(self, layer_trees: LayerTrees, *, view_capacity: int = 8, max_checkpoints: int = 24) -> None:
        self.layer_trees = layer_trees
        self.accurate = layer_trees.accurate
        self.universe = Universe(layer_trees.trees)
        self._ops: dict[int, LayerOps] = {}
        self._stacks: dict[int, State] = {}  # StackTreeRange(0, k), all Unmodified
        self._agg: dict[int, State] = {}  # aggregated view of layer k
        self._views: dict[tuple[int, bool], State] = {}
        self._order: list[tuple[int, bool]] = []
        self.view_capacity = view_capacity
        self.max_checkpoints = max_checkpoints
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.layer_trees.trees)

    # ------------------------------------------------------------------ public
    def view(self, index: int, aggregated: bool) -> State:
        """dive's tree for layer ``index`` (compare-layer or aggregated), marks set."""
        key = (index, bool(aggregated) and index > 0)
        with self._lock:
            hit = self._views.get(key)
            if hit is not None:
                self._order.remove(key)
                self._order.append(key)
                return hit
            if key[1]:
                st = self._aggregated(index)
            elif index == 0:
                if not self.ops(0).has_deletes:
                    # layer 0 marked against its own copy: every node exists with the very same
                    # info, so everything stays Unmodified and the view is the stack itself
                    st = self._stack(0)
                else:
                    st = self._stack(0).copy()
                    self._mark(st, 0)
            else:
                st = self._stack(index - 1).copy()
                self._mark(st, index)
            self._views[key] = st
            self._order.append(key)
            while len(self._order) > self.view_capacity:
                self._views.pop(self._order.pop(0), None)
            return st

    def prepare(self) -> None:
        """Resolve every layer's operations now (small: proportional to each layer's own
        entries), so a layer selected later only pays for applying them."""
        for k in range(len(self.layer_trees.trees)):
            with self._lock:
                self.ops(k)

    def cached(self, index: int, aggregated: bool) -> bool:
        with self._lock:
            return (index, bool(aggregated) and index > 0) in self._views

    # ------------------------------------------------------------------ checkpoints
    def ops(self, k: int) -> LayerOps:
        o = self._ops.get(k)
        if o is None:
            u = self.universe
            o = self._ops[k] = _layer_ops(u, self.layer_trees.trees[k], not self.accurate)
            if len(self._ops) == len(self.layer_trees.trees):
                u._root = {}  # every layer is resolved: the name lookup is no longer needed
        return o

    def _remember(self, store: dict[int, State], k: int, st: State) -> None:
        store[k] = st
        if len(store) > self.max_checkpoints:
            # keep 0 and the newest; drop the oldest other checkpoint
            for old in list(store):
                if old not in (0, k):
                    del store[old]
                    break

    def _stack(self, k: int) -> State:
        """``StackTreeRange(trees, 0, k)`` (layer 0 applied twice, as dive does)."""
        st = self._stacks.get(k)
        if st is not None:
            return st
        below = [j for j in self._stacks if j < k]
        if below:
            j = max(below)
            st = self._stacks[j].copy()
        else:
            j = -1
            st = self._copy_of_layer0()
        for layer in range(j + 1, k + 1):
            self._stack_layer(st, layer)
        self._remember(self._stacks, k, st)
        return st

    def _aggregated(self, k: int) -> State:
        """Aggregated view of layer ``k`` ≥ 1: stack 0..0, then mark layers 1..k in turn."""
        st = self._agg.get(k)
        if st is not None:
            return st
        below = [j for j in self._agg if j < k]
        if below:
            j = max(below)
            st = self._agg[j].copy()
        else:
            j = 0
            st = self._stack(0).copy()
        for layer in range(j + 1, k + 1):
            self._mark(st, layer)
            if layer < k and len(self._agg) < self.max_checkpoints:
                self._agg[layer] = st.copy()
        self._remember(self._agg, k, st)
        return st

    def _copy_of_layer0(self) -> State:
        n = len(self.universe)
        code = bytearray(n)
        info: list[Entry | None] = [None] * n
        own = [0] * n
        code[0] = C_UNMOD
        root = self.layer_trees.trees[0] if self.layer_trees.trees else None
        if root is not None:
            info[0] = root.info
            own[0] = 0 if root.info is None else root.info.size
            for i, node in self.ops(0).pre:
                code[i] = C_UNMOD
                nfo = node.info
                if nfo is not None:
                    info[i] = nfo
                    own[i] = nfo.size
        return State(code, info, own)

    # ------------------------------------------------------------------ stacking
    def _stack_layer(self, st: State, k: int) -> None:
        ops = self.ops(k)
        if k == 0 and not ops.has_deletes and self.accurate:
            return  # layer 0 on its own copy changes nothing without deletions
        if self.accurate:
            self._stack_accurate(st, ops)
        else:
            self._stack_dive(st, ops)

    def _stack_accurate(self, st: State, ops: LayerOps) -> None:
        code, info, own = st.code, st.info, st.own
        end, parent = self.universe.end, self.universe.parent
        if ops.has_deletes:
            for i, node in ops.pre:
                if node.name.startswith(WHITEOUT_PREFIX):
                    t, _path, empty = ops.targets[i]
                    if t >= 0 and not empty and code[t]:
                        st.clear(t, end[t])
                elif node.opaque and code[i]:
                    st.clear(i + 1, end[i])
        for i, node in ops.pre:
            if node.name.startswith(WHITEOUT_PREFIX):
                continue
            if not code[i]:
                p = i
                while not code[p]:
                    code[p] = C_UNMOD
                    p = parent[p]
            nfo = node.info
            if nfo is not None:
                info[i] = nfo
                own[i] = nfo.size
                if not nfo.is_dir and not node.children and end[i] > i + 1:
                    st.clear(i + 1, end[i])

    def _stack_dive(self, st: State, ops: LayerOps) -> None:
        """``stack_dive`` on arrays: children first; an upper dir creates its lower counterpart
        when it is entered, and is applied after its children."""
        code, info, own = st.code, st.info, st.own
        end = self.universe.end
        assert ops.seq is not None
        for enter, i, node in ops.seq:
            if enter:
                if not code[i]:
                    code[i] = C_UNMOD  # AddPath creates the dir (its parent exists: we are in it)
                continue
            name = node.name
            if name.startswith(WHITEOUT_PREFIX):
                t, _path, empty = ops.targets[i]
                if not empty and name != WHITEOUT_PREFIX and t >= 0 and code[t]:
                    st.clear(t, end[t])
                continue
            if not code[i]:
                if name.startswith(OPAQUE_PREFIX):
                    continue
                code[i] = C_UNMOD
            nfo = node.info
            info[i] = nfo
            own[i] = 0 if nfo is None else nfo.size

    # ------------------------------------------------------------------ marking
    def _mark(self, st: State, k: int) -> None:
        """``compare_and_mark(st, trees[k])`` in place; path errors are appended to ``st``."""
        ops = self.ops(k)
        code, info, own = st.code, st.info, st.own
        u = self.universe
        end, parent, names = u.end, u.parent, u.names
        errors = st.errors
        if self.accurate and ops.has_deletes:
            for i, node in ops.pre:
                if node.opaque and code[i]:
                    j, e = i + 1, end[i]
                    while j < e:
                        if code[j] == C_UNMOD:
                            code[j : end[j]] = code[j : end[j]].translate(T_REMOVE)
                        j = end[j]
        pending: list[tuple[int, Entry | None, int, bool]] = []
        append = pending.append
        for i, node in ops.post:
            if node.name.startswith(WHITEOUT_PREFIX):
                t, path, _empty = ops.targets[i]
                if t < 0 or not code[t]:
                    errors.append(path)
                else:
                    code[t : end[t]] = code[t : end[t]].translate(T_REMOVE)
                continue
            nfo = node.info
            if code[i]:
                append((i, nfo, compare(info[i], nfo), False))
                continue
            # _add_tracking: create the missing chain top-down, stopping at a ".wh..wh." name
            chain = []
            p = i
            while not code[p]:
                chain.append(p)
                p = parent[p]
            created = []
            for c in reversed(chain):
                if names[c].startswith(OPAQUE_PREFIX):
                    break
                code[c] = C_UNMOD
                created.append(c)
            if created and created[-1] == i:
                info[i] = nfo
                own[i] = 0 if nfo is None else nfo.size
            for c in reversed(created):
                append((c, nfo, ADDED, True))
        for i, nfo, mark, final in pending:
            if final:
                code[i] = 1 + mark
            elif code[i] == C_UNMOD:
                e = end[i]
                j = i + 1
                merged = mark
                while j < e:
                    c = code[j]
                    if c:
                        if c - 1 != merged:
                            merged = MODIFIED
                            break
                    j = end[j]
                code[i] = 1 + merged
            info[i] = nfo
            own[i] = 0 if nfo is None else nfo.size


__all__ = [
    "C_ABSENT",
    "C_ADDED",
    "C_MOD",
    "C_REMOVED",
    "C_UNMOD",
    "LayerViews",
    "PathSeq",
    "State",
    "T_MARK",
    "T_PRESENT",
    "Universe",
]
