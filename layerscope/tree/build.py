"""Entries of one layer → that layer's own tree, under dive's rules (or the accurate ones).

dive's rules (``dive/filetree/file_tree.go``; ``docs/dive-compat.md``, *Layer trees*): every entry
is added by its cleaned path; missing parents are implicit nodes; the same path twice keeps the last
entry's info and the node's children; whiteouts ``.wh.x`` are ordinary nodes; any name starting
``.wh..wh..`` (the opaque marker among them; three dots, so ``.wh..wh.x`` is a whiteout node) is
dropped.  The accurate tree differs in four ways, each what ``docker load`` and containerd do
with such a tar: the opaque marker flags its directory, so stacking can hide what lower layers put
there; every other ``.wh..wh.`` member is skipped; a path *under* a ``.wh..wh.`` directory is an
ordinary path; a non-directory written after paths under it replaces them (tar order).  And a
whiteout ``.wh.x`` followed by a directory member ``x`` is dropped: it deletes nothing there.
:func:`same_in_both_views` says when a layer's dive tree can serve as its accurate tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

from ..image import Entry
from ..paths import DIVE_DROPPED_PREFIX, OPAQUE_MARKER, OPAQUE_PREFIX, WHITEOUT_PREFIX
from ..paths import parent as parent_path
from .node import Node


def add_path(root: Node, parts: list[str], info: Entry | None) -> Node | None:
    """dive's ``AddPath``: walk/create nodes, put ``info`` on the last one.

    Returns None (adding nothing further) at a missing component starting ``.wh..wh..``.
    """
    node = root
    last = len(parts) - 1
    for i, name in enumerate(parts):
        c = node.children
        nxt = None if c is None else c.get(name)
        if nxt is None:
            if name.startswith(DIVE_DROPPED_PREFIX):
                return None
            nxt = node.add_child(name)
        node = nxt
        if i == last:
            node.info = info
    return node


def ensure_path(root: Node, parts: list[str]) -> Node:
    """Find or create the node at ``parts`` without touching existing info."""
    node = root
    for name in parts:
        nxt = node.child(name)
        node = nxt if nxt is not None else node.add_child(name)
    return node


def build_layer_tree(entries: Iterable[Entry], *, accurate: bool = False) -> Node:
    """The layer's own tree.  Tar members mostly follow their directory, so the parent of the
    previous entry is remembered and most entries cost one dict operation."""
    root = Node("")
    last_dir = None
    last_node: Node | None = None
    for e in entries:
        path = e.path
        cut = path.rfind("/")
        leaf = path[cut + 1 :]
        if not leaf:
            continue
        if leaf.startswith(OPAQUE_PREFIX) and (accurate or leaf.startswith(DIVE_DROPPED_PREFIX)):
            if accurate and leaf == OPAQUE_MARKER:
                # the directory holding the marker.  A top-level one hides nothing: docker (overlay2)
                # and containerd (overlayfs) flag the layer's root opaque, which overlayfs ignores
                # (every lower path stays; docs/dive-compat.md, last section)
                if cut > 0:
                    ensure_path(root, [p for p in parent_path(path).split("/") if p]).opaque = True
                continue
            if accurate:
                # the engines write no such member, but create its parents (and paths under it
                # make it a directory of its own)
                ensure_path(root, [p for p in parent_path(path).split("/") if p])
                continue
            # dive drops any name starting ".wh..wh.." (after creating missing parents)
            add_path(root, [p for p in path.split("/") if p], e)
            continue
        if cut < 0:
            parent = root
        elif path[:cut] == last_dir and last_node is not None:
            parent = last_node
        else:
            parts = [p for p in path[:cut].split("/") if p]
            parent = root
            dropped = False
            for name in parts:
                c = parent.children
                nxt = None if c is None else c.get(name)
                if nxt is None:
                    if name.startswith(DIVE_DROPPED_PREFIX) and not accurate:
                        dropped = True  # dive drops a path under a missing ".wh..wh.." directory
                        break
                    nxt = parent.add_child(name)
                parent = nxt
            if dropped:
                last_dir = None
                continue
            last_dir, last_node = path[:cut], parent
        c = parent.children
        if c is None:
            parent.children = c = {}
        elif accurate and e.is_dir:
            w = c.get(WHITEOUT_PREFIX + leaf)
            if w is not None and w.info is not None:
                # ``.wh.x`` then ``x/`` in one tar: the engines make the whiteout a device at ``x``
                # and the directory replaces it with a plain (not opaque) one, which merges with
                # the layers below again: the whiteout deletes nothing (docker and containerd,
                # live; written the other way round, both refuse the tar)
                if w.children or w.opaque:
                    w.info = None  # it holds paths: a directory of that name, nothing more
                else:
                    del c[WHITEOUT_PREFIX + leaf]
        node = c.get(leaf)
        if node is None:
            c[leaf] = Node(leaf, e)  # add_child inlined: one call less an entry
        else:
            node.info = e
            if accurate and node.children and not e.is_dir and not leaf.startswith(WHITEOUT_PREFIX):
                # the engines unpack in tar order: a non-directory replaces the directory its tar
                # wrote before, with everything in it (a whiteout member is written at its target,
                # not at its own name: what lies under ``.wh.x`` stays)
                node.children = None
                last_dir = None
    return root


def same_in_both_views(entries: Sequence[Entry], dive_tree: Node) -> bool:
    """Whether ``build_layer_tree(entries, accurate=True)`` would equal ``dive_tree`` (dive's tree
    of the same entries): no ``.wh..wh.`` component, no non-directory with children (a tar that
    writes paths under a file; which of the two came first, only the accurate builder asks), and
    no path written twice.  The last one because tar order matters only then: ``a/f``, ``a`` (a
    file), ``a`` (a directory) leaves ``a/f`` in dive's tree but not in the accurate one, and the
    final tree cannot tell.  Every entry is one node with info in dive's tree, so "as many such
    nodes as entries" is that test without a set of a million paths."""
    # a component starting ".wh..wh." holds that text: one C-speed search over the joined paths
    # (no newline in it, so no match spans two paths) spares the exact test a layer without it
    joined = "\n".join(map(_path_of, entries))
    if OPAQUE_PREFIX in joined and any(e.path.startswith(OPAQUE_PREFIX) or _OPAQUE_PART in e.path for e in entries):
        return False
    if WHITEOUT_PREFIX in joined and _whiteout_and_dir(entries):
        return False  # the accurate builder drops a whiteout followed by a directory of its target
    with_info = 0
    stack = [dive_tree]
    while stack:
        node = stack.pop()
        info = node.info
        if info is not None:
            with_info += 1
        children = node.children
        if children:
            if info is not None and not info.is_dir:
                return False
            stack.extend(children.values())
    return with_info == len(entries)


def _whiteout_and_dir(entries: Sequence[Entry]) -> bool:
    """Whether the layer holds a whiteout ``.wh.x`` and a directory member ``x`` (in any order)."""
    targets = set()
    for e in entries:
        path = e.path
        cut = path.rfind("/")
        if path.startswith(WHITEOUT_PREFIX, cut + 1):
            targets.add(path[: cut + 1] + path[cut + 1 + len(WHITEOUT_PREFIX) :])
    return bool(targets) and any(e.is_dir and e.path in targets for e in entries)


_OPAQUE_PART = "/" + OPAQUE_PREFIX
_path_of = attrgetter("path")
