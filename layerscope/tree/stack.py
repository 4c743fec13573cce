"""Copy-on-write stacking: apply a layer's tree on top of the layers below it.

:func:`stack_dive` is dive's ``Stack`` (``dive/filetree/file_tree.go``; ``docs/dive-compat.md``,
*Stacking*): visit the upper tree children-first in sorted order; a whiteout removes its target's
subtree (a missing target is a recorded path error), anything else is ``AddPath``-ed, replacing the
info of an existing node — even with an implicit parent's empty info — and keeping its children.
The visit order is observable (``.wh.x`` sorts before ``x``, ``-x`` before ``.wh.-x``), so it is
reproduced exactly.

:func:`stack_accurate` is what the filesystem really holds: opaque directories drop everything
lower layers put under them, and an implicit parent never erases a real directory's metadata.
"""

from __future__ import annotations

from ..image import OPAQUE_PREFIX, WHITEOUT_PREFIX
from .build import ensure_path
from .node import Node, get_node, sorted_names, walk_pre


def remove_path(root: Node, parts: list[str]) -> bool:
    """Remove the node at ``parts`` with its subtree; False if it does not exist."""
    if not parts:
        return False
    parent = get_node(root, parts[:-1])
    if parent is None or parent.children is None or parts[-1] not in parent.children:
        return False
    del parent.children[parts[-1]]
    if not parent.children:
        parent.children = None
    return True


def whiteout_target(names: list[str]) -> list[str]:
    return names[:-1] + [names[-1][len(WHITEOUT_PREFIX) :]]


def stack_dive(lower: Node, upper: Node) -> list[str]:
    """Apply ``upper`` onto ``lower`` in place; return dive's path errors.

    Walks both trees together instead of re-resolving every path from the root (dive's
    ``AddPath`` per node); the order of operations is dive's, so results are identical.
    """
    errors: list[str] = []
    if not upper.children:
        return errors
    names: list[str] = []
    # (upper dir, lower counterpart, sorted child names, position)
    stack: list[tuple[Node, Node, list[str], int]] = [(upper, lower, sorted_names(upper.children), 0)]
    while stack:
        up, low, order, i = stack[-1]
        if i == len(order):
            stack.pop()
            if stack:
                # post-order: the directory itself, after its children
                _apply(stack[-1][1], up, low, names, errors)
                names.pop()
            continue
        stack[-1] = (up, low, order, i + 1)
        name = order[i]
        child = up.children[name]  # type: ignore[index]
        if child.children:
            target = low.child(name)
            if target is None:
                target = low.add_child(name)  # dive's AddPath creates the parent implicitly
            names.append(name)
            stack.append((child, target, sorted_names(child.children), 0))
        else:
            names.append(name)
            _apply(low, child, None, names, errors)
            names.pop()
    return errors


def _apply(low_parent: Node, node: Node, existing: Node | None, names: list[str], errors: list[str]) -> None:
    """One step of dive's ``Stack`` for ``node`` (a child of ``low_parent``'s counterpart)."""
    name = node.name
    if name.startswith(WHITEOUT_PREFIX):
        target = name[len(WHITEOUT_PREFIX) :]
        children = low_parent.children
        if children is not None and target and target in children:
            del children[target]
            if not children:
                low_parent.children = None
        elif not target and not names[:-1]:
            errors.append("/")
        else:
            errors.append("/" + "/".join(names[:-1] + [target]))
        return
    if existing is None:
        existing = low_parent.child(name)
        if existing is None:
            if name.startswith(OPAQUE_PREFIX):
                return
            existing = low_parent.add_child(name)
    existing.info = node.info


def stack_accurate(lower: Node, upper: Node) -> None:
    """Apply ``upper`` onto ``lower`` as overlayfs would (opaque dirs, no metadata loss).

    Deletions (whiteouts, opaque dirs) apply to the layers below, never to files of the same
    layer, so they all happen before any addition.
    """
    for names, node in walk_pre(upper):
        if node.name.startswith(WHITEOUT_PREFIX):
            remove_path(lower, [t for t in whiteout_target(names) if t])
        elif node.opaque:
            existing = get_node(lower, list(names))
            if existing is not None:
                existing.children = None
    for names, node in walk_pre(upper):
        if node.name.startswith(WHITEOUT_PREFIX):
            continue
        target = ensure_path(lower, list(names))
        if node.info is not None:
            target.info = node.info
            if not node.info.is_dir and not node.children:
                target.children = None  # a file replaces whatever was there


def stack_range(trees: list[Node], start: int, stop: int, *, accurate: bool = False) -> Node:
    """dive's ``StackTreeRange``: a copy of ``trees[0]``, then layers ``start..stop`` applied."""
    tree = trees[0].copy()
    for i in range(start, stop + 1):
        if accurate:
            stack_accurate(tree, trees[i])
        else:
            stack_dive(tree, trees[i])
    return tree
