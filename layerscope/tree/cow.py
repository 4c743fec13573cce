"""The copy-on-write engine: stacking and diff marks, once per semantics, on flat arrays.

Every consumer that needs "the layers below, with this layer applied" goes through here: CI and
``--json`` (:mod:`layerscope.analysis.dive_efficiency`), the explorer's views
(:mod:`.views`), the report's final file list (:mod:`layerscope.report.snapshot`) and the node-tree
API (:mod:`.stack`, :mod:`.marks`).  A tree is a :class:`State` over a :class:`~.universe.Universe`
(``code[i]`` = 0 when path ``i`` is absent, else ``1 + mark``; ``info[i]`` its entry; ``own[i]``
the entry's size, 0 when absent), and a layer is its tree resolved once into universe indices in
the visit orders the rules need (:class:`LayerOps`).

**dive-compatible** (``dive/filetree/file_tree.go``; ``docs/dive-compat.md``, *Stacking* and *Diff
marks*): :func:`stack_dive` visits the upper tree children first in sorted order; a whiteout removes
its target's subtree (a missing target is a recorded path error), anything else is ``AddPath``-ed,
replacing the info of an existing node (even with an implicit parent's empty info) and keeping its
children.  The visit order is observable (``.wh.x`` sorts before ``x``, ``-x`` before ``.wh.-x``).
:func:`mark` is ``CompareAndMark``: a whiteout marks its target's subtree Removed (it stays
visible), a new path and its new parents are Added, an existing path gets :func:`compare`'s mark
while it is still Unmodified (a directory merges it with its children's marks).

**accurate** (what overlayfs shows): :func:`stack_accurate` applies a layer's deletions first
(whiteouts, and opaque directories, which drop everything lower layers put under them), then its
entries; an implicit parent never erases a real directory's metadata but turns a lower
non-directory into a directory, and a non-directory replaces the whole subtree the layers below had
there (what ``docker load`` with overlay2 and containerd's overlayfs snapshotter give,
``tests/analysis/test_accurate_engine.py``).  :func:`mark` with ``accurate=True`` also marks what
an opaque directory hides, and what a non-directory written over a directory replaces, as Removed,
and never leaves a path the layer writes Removed.  An accurate stack starts from layer 0 unpacked
once (:func:`accurate_base`: its whiteouts are no paths), not from dive's copy of its tree.

``tests/tree/oracle/`` keeps an independent node-object implementation of both semantics, and
``tests/tree/test_cow.py`` / ``test_views.py`` hold this engine to it.
"""

from __future__ import annotations

from array import array
from collections.abc import MutableSequence
from dataclasses import dataclass

from ..image import Entry
from ..paths import DIVE_DROPPED_PREFIX, WHITEOUT_PREFIX, whiteout_target_name
from .node import ADDED, MODIFIED, REMOVED, UNMODIFIED, Node, sorted_names
from .universe import Universe

# code byte = 0 (absent) or 1 + mark
C_ABSENT, C_UNMOD, C_MOD, C_ADDED, C_REMOVED = 0, 1 + UNMODIFIED, 1 + MODIFIED, 1 + ADDED, 1 + REMOVED
# translate tables over code bytes
T_REMOVE = bytes([0] + [C_REMOVED] * 255)  # present → Removed, absent stays absent
T_PRESENT = bytes([0] + [1] * 255)
T_MARK = bytes([0, UNMODIFIED, MODIFIED, ADDED, REMOVED] + [0] * 251)  # code → mark (absent → 0)
T_RESET = bytes([0] + [C_UNMOD] * 255)  # every present node Unmodified


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


@dataclass(slots=True)
class LayerOps:
    """One layer's tree as universe indices, in the visit orders the rules need."""

    # preorder: (index, node)
    pre: list[tuple[int, Node]]
    # postorder: (index, node)
    post: list[tuple[int, Node]]
    # whiteout node index → (target index or -1, target path for errors, target parts empty);
    # every whiteout node of the tree is a key (so ``i in targets`` tells a whiteout)
    targets: dict[int, tuple[int, str, bool]]
    has_deletes: bool  # whiteouts or opaque dirs
    # stack_dive's interleaved order, only for dive semantics: ``~index`` on entering a dir with
    # children, ``index`` when a node is applied (children first); ``seq_nodes`` the nodes.  Two
    # flat lists rather than a tuple a step: no tracked object per path for the collector to scan
    seq: list[int] | None = None
    seq_nodes: list[Node] | None = None
    root_opaque: bool = False  # an opaque marker at the top: the layer hides every lower path


def layer_ops(
    u: Universe, tree: Node, dive_seq: bool = False, *, with_pre: bool = True, with_post: bool = True
) -> LayerOps:
    """Resolve ``tree`` (a subset of ``u``) into :class:`LayerOps`.  ``with_pre`` / ``with_post``
    off skip lists a caller does not read (dive's efficiency walks ``seq`` only: less memory in CI)."""
    pre: list[tuple[int, Node]] = []
    post: list[tuple[int, Node]] = []
    seq: list[int] | None = [] if dive_seq else None
    seq_nodes: list[Node] | None = [] if dive_seq else None
    targets: dict[int, tuple[int, str, bool]] = {}
    has_deletes = root_opaque = tree.opaque
    if tree.children:
        add_pre = pre.append if with_pre else None
        add_post = post.append if with_post else None
        add_seq = seq.append if seq is not None else None
        add_seq_node = seq_nodes.append if seq_nodes is not None else None
        unames, uend = u.names, u.end
        kids_of: dict[int, dict[str, int]] = {}  # universe children by name, of dirs with whiteouts
        # [node, iterator over its sorted names, own index, next universe child to compare]: the
        # tree's sorted children are a subsequence of the universe's (same order), so each is
        # found by walking the universe's siblings forward, no lookup table.  A frame's iterator
        # resumes where it was left when its child's subtree is done.
        # A frame's last item is the node's ``(index, node)`` pair: ``pre`` and ``post`` hold
        # the same tuple (one allocation a node, not two: every layer's ops stay in memory).
        stack: list[list] = [[tree, iter(sorted_names(tree.children)), 0, 1, None]]
        while stack:
            frame = stack[-1]
            node, it, idx, j, here = frame
            children = node.children
            for name in it:
                while unames[j] != name:
                    j = uend[j]
                ci = j
                j = uend[j]
                ch = children[name]
                pair = (ci, ch)
                if add_pre is not None:
                    add_pre(pair)
                if name.startswith(WHITEOUT_PREFIX) and (dive_seq or ch.info is not None):
                    # dive (``dive_seq``: its semantics) takes every ``.wh.`` node for a whiteout;
                    # the engines only a member of that name.  An implicit ``.wh.x`` parent, and any
                    # ``.wh..wh.*`` node of an accurate tree, is a directory they create
                    has_deletes = True
                    stripped = whiteout_target_name(name)
                    ppath = u.path[idx]
                    if stripped:
                        kids = kids_of.get(idx)
                        if kids is None:  # one walk of the directory, not one per whiteout in it
                            kids = kids_of[idx] = _children_by_name(unames, uend, idx)
                        targets[ci] = (kids.get(stripped, -1), ppath + "/" + stripped, False)
                    else:
                        targets[ci] = (idx, ppath if idx else "/", idx == 0)
                if ch.opaque:
                    has_deletes = True
                if ch.children:
                    frame[3] = j
                    stack.append([ch, iter(sorted_names(ch.children)), ci, ci + 1, pair])
                    if add_seq is not None:
                        add_seq(~ci)
                        add_seq_node(ch)  # type: ignore[misc]
                    break
                if add_post is not None:
                    add_post(pair)
                if add_seq is not None:
                    add_seq(ci)
                    add_seq_node(ch)  # type: ignore[misc]
            else:
                stack.pop()
                if stack:
                    if add_post is not None:
                        add_post(here)
                    if add_seq is not None:
                        add_seq(idx)
                        add_seq_node(node)  # type: ignore[misc]
    return LayerOps(pre, post, targets, has_deletes, seq, seq_nodes, root_opaque)


def _children_by_name(names: list[str], end: list[int], i: int) -> dict[str, int]:
    """Universe index of every child of ``i`` by name (what :meth:`Universe.child` finds)."""
    out: dict[str, int] = {}
    j, e = i + 1, end[i]
    while j < e:
        out.setdefault(names[j], j)
        j = end[j]
    return out


def compact_sizes(own: MutableSequence[int]) -> MutableSequence[int]:
    """``own`` as an ``array('Q')`` when every size fits 64 bits (else the list itself).

    An array is copied with one ``memcpy`` and is no work for the garbage collector (a list of a
    million sizes is a million references it visits on every pass over it); indexing, slicing
    and the C-speed sums read it as they read a list."""
    if isinstance(own, array):
        return own
    try:
        return array("Q", own)
    except OverflowError:  # a size past 64 bits (a base-256 tar header): stays a list
        return own


class State:
    """One tree over the universe: ``code`` (0 absent, else 1 + mark), ``info``, ``own`` sizes
    (a list, or an ``array('Q')``: :func:`compact_sizes`)."""

    __slots__ = ("code", "info", "own", "errors")

    def __init__(self, code: bytearray, info: list, own: MutableSequence[int], errors: list[str] | None = None) -> None:
        self.code = code
        self.info = info
        self.own = own
        self.errors = errors if errors is not None else []

    def copy(self, reset_marks: bool = False) -> State:
        code = self.code.translate(T_RESET) if reset_marks else bytearray(self.code)
        return State(code, self.info.copy(), self.own[:], list(self.errors))

    def clear(self, s: int, e: int) -> None:
        """Delete the index range ``[s, e)`` (a subtree, or a subtree's insides)."""
        if e > s:
            k = e - s
            self.code[s:e] = bytes(k)
            self.info[s:e] = [None] * k
            own = self.own
            own[s:e] = array("Q", bytes(8 * k)) if isinstance(own, array) else [0] * k


def state_of(u: Universe, root: Node | None, pre: list[tuple[int, Node]]) -> State:
    """The tree ``root`` (resolved into ``pre`` by :func:`layer_ops`) as a :class:`State`, its
    marks kept: the starting point of a stack (a copy of layer 0, as dive's ``StackTreeRange``)."""
    n = len(u)
    code = bytearray(n)
    info: list[Entry | None] = [None] * n
    own = [0] * n
    code[0] = C_UNMOD
    if root is not None:
        code[0] = 1 + root.mark
        info[0] = root.info
        own[0] = 0 if root.info is None else root.info.size
        for i, node in pre:
            code[i] = 1 + node.mark
            nfo = node.info
            if nfo is not None:
                info[i] = nfo
                own[i] = nfo.size
    return State(code, info, own)


def state_of_seq(u: Universe, root: Node, ops: LayerOps) -> State:
    """:func:`state_of` from ``ops.seq`` (every node once at a non-negative step) instead of a
    preorder list: dive's efficiency walk then needs no ``(index, node)`` tuple per path of
    layer 0, which is usually the largest."""
    assert ops.seq is not None and ops.seq_nodes is not None
    n = len(u)
    code = bytearray(n)
    info: list[Entry | None] = [None] * n
    own = [0] * n
    code[0] = 1 + root.mark
    info[0] = root.info
    own[0] = 0 if root.info is None else root.info.size
    for i, node in zip(ops.seq, ops.seq_nodes, strict=True):
        if i >= 0:
            code[i] = 1 + node.mark
            nfo = node.info
            if nfo is not None:
                info[i] = nfo
                own[i] = nfo.size
    return State(code, info, own)


# ---------------------------------------------------------------------- accurate semantics
def stack_accurate(u: Universe, st: State, ops: LayerOps) -> None:
    """Apply a layer onto ``st`` as overlayfs would (opaque dirs, no metadata loss).

    Deletions (whiteouts, opaque dirs) apply to the layers below, never to files of the same
    layer, so they all happen before any addition.  A whiteout is never a path of its own (its
    directory is), and one whose target the layer writes afterwards as a directory is not in the
    accurate tree at all (``build_layer_tree``).
    """
    code, info, own = st.code, st.info, st.own
    end, parent = u.end, u.parent
    targets = ops.targets  # every whiteout of the layer, by index: one dict test, not a startswith
    if ops.has_deletes:
        if ops.root_opaque:
            st.clear(1, end[0])
        for i, node in ops.pre:
            if i in targets:
                t, _path, empty = targets[i]
                if t >= 0 and not empty and code[t]:
                    st.clear(t, end[t])
            if node.opaque and code[i]:  # a ``.wh..wh.*`` directory holding a marker is opaque too
                st.clear(i + 1, end[i])
    for i, node in ops.pre:
        if i in targets:
            # no path of its own, but the engines create its directory, even when that is a
            # whiteout member too (``.wh.a`` and ``.wh.a/.wh.b``: a plain directory ``.wh.a``);
            # one holding an opaque marker is that (opaque) directory itself
            p = i if node.opaque else parent[i]
            while not code[p]:
                code[p] = C_UNMOD
                p = parent[p]
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
            if not nfo.is_dir and end[i] > i + 1:
                # a non-directory replaces whatever the layers below had under it; entries of its
                # own layer under it (a malformed tar) come after it in ``pre`` and stay
                st.clear(i + 1, end[i])
        else:
            lower = info[i]
            if lower is not None and not lower.is_dir:
                # an implicit parent over a lower non-directory: the engines create a directory
                # there (in the layer's own diff), which hides the file in the merged view
                info[i] = None
                own[i] = 0


def accurate_base(u: Universe, root: Node | None, ops: LayerOps | None) -> State:
    """Layer 0 as the engines unpack it: where every accurate stack starts.

    dive's ``StackTreeRange`` starts from a copy of layer 0's tree (:func:`state_of`, whiteout
    nodes included) and applies layer 0 once more.  docker and containerd unpack the bottom layer
    once, onto nothing: its whiteouts delete nothing and are no paths (the directories holding
    them are), and its opaque markers hide nothing.  Without deletions that is the tree itself
    (:func:`state_of`, the fast path)."""
    if root is None or ops is None:
        return state_of(u, None, [])
    if not ops.has_deletes:
        return state_of(u, root, ops.pre)
    st = state_of(u, None, [])
    stack_accurate(u, st, ops)
    st.code[0] = 1 + root.mark
    st.info[0] = root.info
    st.own[0] = 0 if root.info is None else root.info.size
    return st


# ---------------------------------------------------------------------- dive semantics
def stack_dive(u: Universe, st: State, ops: LayerOps) -> list[str]:
    """dive's ``Stack`` of one layer onto ``st``: every node children first, siblings sorted; a
    whiteout is ``RemovePath`` of its target's subtree, anything else ``AddPath``.  Returns dive's
    path errors (whiteouts whose target is missing, ``.wh.`` at the root).

    Two consequences of following those calls exactly (``docs/dive-compat.md``, *Stacking*):

    * in dive a missing directory is created by the first path ``AddPath``-ed under it (with its
      missing parents), not when the walk enters it.  A ``.wh.x`` directory holding only
      whiteouts is never created: dive applies that directory itself as a whiteout of ``x``;
    * ``.wh.`` alone is ``RemovePath("<dir>/")``, which removes the directory it is in with its
      whole subtree (the paths of the layer visited before it too); the paths after it bring the
      directory back, an implicit node until its own entry is applied.  At the root it is dive's
      "cannot remove the tree root" error.
    """
    code, info, own = st.code, st.info, st.own
    end = u.end
    errors: list[str] = []
    targets = ops.targets  # every whiteout of the layer, by index: one dict test, not a startswith
    # A directory the walk enters is created at once, and remembered in ``fresh`` when it was
    # missing: that is dive's tree as soon as a path is added under it, and its own entry
    # (applied when the walk leaves it) adds it anyway.  Only the two rare steps that can tell
    # the difference (a whiteout, see :func:`_dive_whiteout`) ask whether dive has it yet; no
    # extra work a path.
    fresh: set[int] = set()
    assert ops.seq is not None and ops.seq_nodes is not None
    for i, node in zip(ops.seq, ops.seq_nodes, strict=True):
        if i < 0:
            i = ~i
            if not code[i]:
                code[i] = C_UNMOD
                fresh.add(i)
            continue
        if i in targets:
            _dive_whiteout(st, end, targets[i], i, node, fresh, errors)
            continue
        if not code[i]:
            if node.name.startswith(DIVE_DROPPED_PREFIX):
                continue
            code[i] = C_UNMOD
        nfo = node.info
        info[i] = nfo
        own[i] = 0 if nfo is None else nfo.size
    return errors


def _dive_whiteout(
    st: State, end: list[int], target: tuple[int, str, bool], i: int, node: Node, fresh: set[int], errors: list[str]
) -> None:
    """One whiteout step of :func:`stack_dive` (``RemovePath(node.Path())``).

    A directory in ``fresh`` was made by the walk, not (yet) by dive, where a directory exists
    once a path is ``AddPath``-ed under it.  That matters twice.  A ``.wh.x`` directory is
    applied as a whiteout of ``x``, never added itself, so it stays only if a path was added
    under it (:func:`_adds_under`).  And ``.wh.`` alone (``RemovePath("<dir>/")``: its directory
    itself) finds its directory only if dive has it: the paths visited before it in that
    directory sort before ``.wh.``, so none is a whiteout, and a present one means dive's
    ``AddPath`` made it; so does any path added under ``.wh.`` itself when it is a directory.
    When ``.wh.`` removes its directory the walk is still in it: the directory is made again as
    the walk made it (the paths after ``.wh.`` add it back)."""
    code = st.code
    if node.children and i in fresh and not _adds_under(node):
        st.clear(i, end[i])  # a ``.wh.x`` directory nothing was added under: never created
    t, path, empty = target
    if node.name != WHITEOUT_PREFIX:
        if t >= 0 and code[t]:
            st.clear(t, end[t])
        else:
            errors.append(path)
        return
    # ".wh." alone names its own directory: dive reports "<dir>/" ("/" at the root, never removed)
    if (
        empty
        or not code[t]
        or (
            t in fresh
            and code.count(0, t + 1, end[t]) == end[t] - t - 1
            and not (node.children and _adds_under(node, after_bare=False))
        )
    ):
        errors.append("/" if empty else path + "/")
        return
    st.clear(t, end[t])
    code[t] = C_UNMOD
    fresh.add(t)


def _adds_under(node: Node, *, after_bare: bool = True) -> bool:
    """Whether dive's ``Stack`` adds a path under the ``.wh.*`` directory ``node``: a node not
    named ``.wh.*`` anywhere below it (every other one is a whiteout).  ``after_bare``: only
    below the children after its own ``.wh.`` when it has one (that one removes it whenever dive
    has it by then), so whether it is still there when the walk leaves it."""
    kids = node.children or {}
    order = sorted_names(kids)
    if after_bare and WHITEOUT_PREFIX in kids:
        order = order[order.index(WHITEOUT_PREFIX) + 1 :]
    work = [kids[n] for n in order]
    while work:
        n = work.pop()
        if not n.name.startswith(WHITEOUT_PREFIX):
            return True
        if n.children:
            work.extend(n.children.values())
    return False


# ---------------------------------------------------------------------- diff marks (both)
def mark(u: Universe, st: State, ops: LayerOps, *, accurate: bool) -> None:
    """dive's ``CompareAndMark`` of one layer onto ``st`` in place; path errors are appended to
    ``st.errors``.  ``accurate`` also marks what the layer's opaque directories hide, and what its
    non-directories replace, Removed (whatever mark it had), and lets the engines decide the rest:
    a path the layer writes is never left Removed, and a whiteout's directory is created."""
    code, info, own = st.code, st.info, st.own
    end, parent, names = u.end, u.parent, u.names
    errors = st.errors
    before: bytes | None = None  # accurate: the marks before this layer's deletions (one memcpy)
    if accurate and ops.has_deletes:
        before = bytes(code)
        opaque = [i for i, node in ops.pre if node.opaque and code[i]]
        if ops.root_opaque:
            opaque.insert(0, 0)
        for i in opaque:
            # what an opaque directory hides from the layers below is Removed, whatever its mark
            # (an aggregated view's Added or Modified path is gone from the container too)
            code[i + 1 : end[i]] = code[i + 1 : end[i]].translate(T_REMOVE)
    # Two deferred passes, after every whiteout of the layer has been applied: first the nodes
    # AddPath created (Added, with the info of the node whose path created them), then the
    # existing paths' marks in post order (a directory's merge reads its children's final marks).
    # All creations can go first: a node is created (absent) before it is ever compared
    # (present), a directory's children all precede it in post order, and nothing in the walk
    # makes a node absent again -- the order dive's single pass gives, without a tuple a node.
    made: list[int] = []
    made_info: list[Entry | None] = []
    pend: list[int] = []  # existing paths, in post order, with their new info and compare() mark
    pend_info: list[Entry | None] = []
    pend_mark: list[int] = []
    replaced: list[tuple[int, Node]] = []  # accurate: non-directories written over a lower directory
    targets = ops.targets  # every whiteout of the layer, by index: one dict test, not a startswith
    for i, node in ops.post:
        if i in targets:
            t, path, _empty = targets[i]
            if t < 0 or not code[t]:
                errors.append(path)
            else:
                code[t : end[t]] = code[t : end[t]].translate(T_REMOVE)
            if accurate:  # its directory is created, even a whiteout member (see stack_accurate)
                p = i if node.opaque else parent[i]
                while not code[p]:
                    code[p] = C_UNMOD
                    made.append(p)
                    made_info.append(None)
                    p = parent[p]
            continue
        nfo = node.info
        if code[i]:
            lower = info[i]
            if lower is None or nfo is None:
                m = compare(lower, nfo)
            elif (  # compare(), inlined: the one call per existing path was a tenth of the walk
                lower.typeflag == nfo.typeflag
                and lower.hash == nfo.hash
                and lower.mode == nfo.mode
                and lower.uid == nfo.uid
                and lower.gid == nfo.gid
            ):
                m = UNMODIFIED
            else:
                m = MODIFIED
            if accurate and end[i] > i + 1 and nfo is not None and not nfo.is_dir:
                replaced.append((i, node))
            pend.append(i)
            pend_info.append(nfo)
            pend_mark.append(m)
            continue
        p = parent[i]
        if code[p]:
            # the common case: a new path under an existing directory creates itself alone
            if accurate or not names[i].startswith(DIVE_DROPPED_PREFIX):
                code[i] = C_UNMOD
                made.append(i)
                made_info.append(nfo)
            continue
        # AddPath, tracking what it creates: the missing chain top-down, stopping at a
        # ".wh..wh.." name (dive's AddPath; the engines create it); dive marks every created node Added
        chain = [i, p]
        p = parent[p]
        while not code[p]:
            chain.append(p)
            p = parent[p]
        for c in reversed(chain):
            if not accurate and names[c].startswith(DIVE_DROPPED_PREFIX):
                break
            code[c] = C_UNMOD
            made.append(c)
            made_info.append(nfo)
    for i, node in replaced:
        # the engines replace the lower directory, with everything in it (a symlink over /var/run,
        # a file over a directory); paths its own tar wrote under it (malformed) stay.  Whatever
        # their mark: an aggregated view's Added path there is gone from the container too
        kids = node.children or {}
        j, e = i + 1, end[i]
        while j < e:
            if code[j] and names[j] not in kids:
                code[j : end[j]] = code[j : end[j]].translate(T_REMOVE)
            j = end[j]
    for i, nfo in zip(made, made_info, strict=True):
        code[i] = C_ADDED
        info[i] = nfo
        own[i] = 0 if nfo is None else nfo.size
    for i, nfo, m in zip(pend, pend_info, pend_mark, strict=True):
        c = code[i]
        if c == C_REMOVED and before is not None and before[i] != C_REMOVED:
            # accurate: removed by this layer's own deletions (a whiteout, an opaque directory) and
            # written again by it, so it exists in the container: not Removed (dive's "first mark
            # stays" would keep it so).  It takes the mark it had before them, an Unmodified one
            # compared as any rewrite.  (Removed by a layer below, in an aggregated view, it stays
            # Removed: dive's rule, which tests/tree/test_marks.py and tests/ui hold the view to.)
            code[i] = c = before[i]
        if c == C_UNMOD:
            e = end[i]
            j = i + 1
            merged = m
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
    "T_MARK",
    "T_PRESENT",
    "T_REMOVE",
    "T_RESET",
    "LayerOps",
    "State",
    "accurate_base",
    "compact_sizes",
    "compare",
    "layer_ops",
    "mark",
    "stack_accurate",
    "stack_dive",
    "state_of",
    "state_of_seq",
]
