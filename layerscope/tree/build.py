"""Entries of one layer → that layer's own tree, under dive's rules (or the accurate ones).

dive's rules (reference §2.1): every entry is added by its cleaned path; missing parents are
implicit nodes; the same path twice keeps the last entry's info and the node's children;
whiteouts ``.wh.x`` are ordinary nodes; any name starting ``.wh..wh.`` (the opaque marker) is
dropped.  The accurate tree differs in one way: the opaque marker flags its directory, so
stacking can hide what lower layers put there.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..image import OPAQUE_MARKER, OPAQUE_PREFIX, Entry
from .node import Node


def add_path(root: Node, parts: list[str], info: Entry | None) -> Node | None:
    """dive's ``AddPath``: walk/create nodes, put ``info`` on the last one.

    Returns None (adding nothing further) at a missing component starting ``.wh..wh.``.
    """
    node = root
    last = len(parts) - 1
    for i, name in enumerate(parts):
        c = node.children
        nxt = None if c is None else c.get(name)
        if nxt is None:
            if name.startswith(OPAQUE_PREFIX):
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
    root = Node("")
    for e in entries:
        parts = [p for p in e.path.split("/") if p]
        if not parts:
            continue
        if accurate and parts[-1] == OPAQUE_MARKER:
            parent = ensure_path(root, parts[:-1])
            parent.opaque = True
            continue
        add_path(root, parts, e)
    return root
