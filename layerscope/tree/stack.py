"""Copy-on-write stacking on node trees, through the one engine (:mod:`.cow`).

The rules (dive's ``Stack``, and the accurate overlayfs view) live in :mod:`.cow` only; this
module is the node-object face of them, for callers that hold :class:`~.node.Node` trees (tests,
the corpus comparison with dive, ``LayerTrees.compare``).  A call resolves the trees into a small
:class:`~.universe.Universe`, runs the engine, and writes the result back into the lower tree
(its surviving nodes are kept, so references into it stay valid).  The hot paths (CI, the
explorer, reports) call the engine on their own universe and never come through here.
"""

from __future__ import annotations

from . import cow
from .node import Node
from .universe import Universe


def load(lower: Node, *uppers: Node, dive: bool) -> tuple[Universe, cow.State, dict[int, Node], list[cow.LayerOps]]:
    """``lower`` as a :class:`~.cow.State` (marks kept) over a universe of it and ``uppers``,
    the lower nodes by universe index, and each upper tree's :class:`~.cow.LayerOps`."""
    u = Universe([lower, *uppers])
    pre = cow.layer_ops(u, lower).pre
    st = cow.state_of(u, lower, pre)
    nodes = dict(pre)
    nodes[0] = lower
    return u, st, nodes, [cow.layer_ops(u, t, dive) for t in uppers]


def store(u: Universe, st: cow.State, root: Node, nodes: dict[int, Node] | None = None) -> Node:
    """Write the tree ``st`` into ``root``: present paths become nodes (``nodes[i]`` reused when
    given), with their info and mark; absent ones are dropped."""
    code, info = st.code, st.info
    names, parent = u.names, u.parent
    nodes = nodes or {}
    for n in nodes.values():
        n.children = None
    root.children = None
    root.info = info[0]
    root.mark = code[0] - 1
    made: dict[int, Node] = {0: root}
    for i in range(1, len(u)):
        c = code[i]
        if not c:
            continue
        kept = nodes.get(i)
        n = Node(names[i]) if kept is None else kept
        n.info = info[i]
        n.mark = c - 1
        p = made[parent[i]]
        if p.children is None:
            p.children = {}
        p.children[names[i]] = n
        made[i] = n
    return root


def stack_dive(lower: Node, upper: Node) -> list[str]:
    """Apply ``upper`` onto ``lower`` in place (dive's ``Stack``); return dive's path errors."""
    u, st, nodes, (ops,) = load(lower, upper, dive=True)
    errors = cow.stack_dive(u, st, ops)
    store(u, st, lower, nodes)
    return errors


def stack_accurate(lower: Node, upper: Node) -> None:
    """Apply ``upper`` onto ``lower`` in place as overlayfs would (opaque dirs, no metadata loss)."""
    u, st, nodes, (ops,) = load(lower, upper, dive=False)
    cow.stack_accurate(u, st, ops)
    store(u, st, lower, nodes)


def stack_range_state(
    u: Universe, trees: list[Node], ops: list[cow.LayerOps], start: int, stop: int, *, accurate: bool
) -> cow.State:
    """dive's ``StackTreeRange`` on the engine: a copy of ``trees[0]``, then layers ``start..stop``.
    Accurate: layer 0 unpacked once (:func:`~.cow.accurate_base`), then layers ``1..stop``."""
    if accurate:
        st = cow.accurate_base(u, trees[0], ops[0])
        for i in range(max(start, 1), stop + 1):
            cow.stack_accurate(u, st, ops[i])
        return st
    st = cow.state_of(u, trees[0], ops[0].pre)
    for i in range(start, stop + 1):
        cow.stack_dive(u, st, ops[i])
    return st


def stack_range(trees: list[Node], start: int, stop: int, *, accurate: bool = False) -> Node:
    """dive's ``StackTreeRange``: a copy of ``trees[0]``, then layers ``start..stop`` applied."""
    u = Universe(trees)
    ops = [cow.layer_ops(u, t, not accurate) for t in trees]
    st = stack_range_state(u, trees, ops, start, stop, accurate=accurate)
    return store(u, st, Node(trees[0].name))
