"""An independent oracle for the copy-on-write engine: both semantics on node objects.

This is the straightforward implementation the flat engine (``layerscope/tree/cow.py``) replaced:
dive's ``Stack`` / ``CompareAndMark`` and the accurate (overlayfs) stacking written directly on
:class:`~layerscope.tree.node.Node` trees, one path at a time.  It is slow (a tree key re-stacks
every layer below) and shares no stacking or marking code with the engine (not even dive's
``FileInfo.Compare``), which is why it is kept here: ``test_views.py`` and ``test_cow.py`` hold
the engine to it on every catalog image and on generated layer stacks.  It reads only the tree
builder, the node type and the whiteout names.
"""

from __future__ import annotations

from layerscope.image import Entry
from layerscope.paths import OPAQUE_PREFIX, WHITEOUT_PREFIX
from layerscope.tree.build import ensure_path
from layerscope.tree.marks import TreeKey
from layerscope.tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED, Node, get_node, sorted_names, walk_post, walk_pre

# dive 0.13.1's ``doubleWhiteoutPrefix`` (``file_tree.go``), spelled out here rather than read from
# the package: ``AddPath`` refuses to create a missing component starting with it (three dots: a
# ``.wh..wh.x`` node is created, a whiteout of ``.wh.x``).  Checked against the real dive in
# ``test_double_whiteout_names_dive.py``.
DIVE_DOUBLE_WHITEOUT = ".wh..wh.."


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
            if name.startswith(DIVE_DOUBLE_WHITEOUT):
                return
            existing = low_parent.add_child(name)
    existing.info = node.info


def stack_accurate(lower: Node, upper: Node) -> None:
    """Apply ``upper`` onto ``lower`` as overlayfs would (opaque dirs, no metadata loss).

    Deletions (whiteouts, opaque dirs) apply to the layers below, never to files of the same
    layer, so they all happen before any addition.
    """
    # a marker at the top hides nothing (the engines merge a layer's root whatever its flag)
    for names, node in walk_pre(upper):
        if _whiteout_accurate(node):
            remove_path(lower, [t for t in whiteout_target(names) if t])
        if node.opaque:
            existing = get_node(lower, list(names))
            if existing is not None:
                existing.children = None
    for names, node in walk_pre(upper):
        if _whiteout_accurate(node):
            continue
        target = ensure_path(lower, list(names))
        if node.info is not None:
            target.info = node.info
            if not node.info.is_dir:
                target.children = None  # a file replaces whatever was there (its own layer's children follow)
        elif target.info is not None and not target.info.is_dir:
            target.info = None  # an implicit parent over a lower file is a directory


def _whiteout_accurate(node: Node) -> bool:
    """A whiteout for the engines: a *member* named ``.wh.*``.  A node of that name without an entry
    (an implicit parent, and every ``.wh..wh.*`` node of an accurate tree) is a directory that
    docker and containerd create as it is."""
    return node.name.startswith(WHITEOUT_PREFIX) and not node.name.startswith(OPAQUE_PREFIX) and node.info is not None


def stack_range(trees: list[Node], start: int, stop: int, *, accurate: bool = False) -> Node:
    """dive's ``StackTreeRange``: a copy of ``trees[0]``, then layers ``start..stop`` applied."""
    tree = trees[0].copy()
    for i in range(start, stop + 1):
        if accurate:
            stack_accurate(tree, trees[i])
        else:
            stack_dive(tree, trees[i])
    return tree


def compare(lower: Entry | None, upper: Entry | None) -> int:
    """dive's ``FileInfo.Compare``: type, hash, mode, uid and gid."""
    if lower is None or upper is None:
        return (
            UNMODIFIED
            if lower is upper or (lower is None and _empty(upper)) or (upper is None and _empty(lower))
            else MODIFIED
        )
    same = (lower.typeflag, lower.hash, lower.mode, lower.uid, lower.gid) == (
        upper.typeflag,
        upper.hash,
        upper.mode,
        upper.uid,
        upper.gid,
    )
    return UNMODIFIED if same else MODIFIED


def _empty(e: Entry | None) -> bool:
    return e is None or (e.typeflag == 0 and e.hash == 0 and e.mode == 0 and e.uid == 0 and e.gid == 0)


def assign(node: Node, mark: int) -> None:
    node.mark = mark
    if mark == REMOVED and node.children:
        work = list(node.children.values())
        while work:
            n = work.pop()
            n.mark = REMOVED
            if n.children:
                work.extend(n.children.values())


def compare_and_mark(lower: Node, upper: Node, *, accurate: bool = False) -> list[str]:
    """Mark ``lower`` with ``upper``'s changes (in place); return path errors."""
    errors: list[str] = []
    if accurate:
        for names, node in walk_pre(upper):  # walk_pre skips the root: a marker at the top hides nothing
            if node.opaque:
                target = get_node(lower, list(names))
                if target is not None and target.children:
                    for ch in target.children.values():
                        if ch.mark == UNMODIFIED:
                            assign(ch, REMOVED)
    pending: list[tuple[Node, Entry | None, int, bool]] = []  # node, upper info, mark, final
    replaced: list[tuple[Node, Node]] = []  # accurate: (lower directory, the non-directory over it)
    for names, node in walk_post(upper):
        if _whiteout_accurate(node) if accurate else node.name.startswith(WHITEOUT_PREFIX):
            target_names = [t for t in whiteout_target(names) if t]
            target = get_node(lower, target_names)
            if target is None:
                errors.append("/" + "/".join(target_names))
            else:
                assign(target, REMOVED)
            continue
        parts = list(names)
        existing = get_node(lower, parts)
        if existing is None:
            created = _add_tracking(lower, parts, node.info, accurate)
            for n in reversed(created):
                pending.append((n, node.info, ADDED, True))
            continue
        if accurate and node.info is not None and not node.info.is_dir and existing.children:
            replaced.append((existing, node))
        pending.append((existing, node.info, compare(existing.info, node.info), False))
    for existing, node in replaced:  # the engines drop what a non-directory replaced
        for name, ch in (existing.children or {}).items():
            if ch.mark == UNMODIFIED and name not in (node.children or {}):
                assign(ch, REMOVED)
    for target, info, mark, final in pending:
        if final:
            assign(target, mark)
        elif target.mark == UNMODIFIED:
            if not target.children:
                assign(target, mark)
            else:
                merged = mark
                for ch in target.children.values():
                    if ch.mark != merged:
                        merged = MODIFIED
                        break
                assign(target, merged)
        target.info = info
    return errors


def _add_tracking(root: Node, parts: list[str], info: Entry | None, accurate: bool = False) -> list[Node]:
    """``AddPath`` that reports the nodes it created (dive marks them all Added); dive's refuses a
    missing ``.wh..wh..`` component, the engines create it (and any ``.wh..wh.`` one)."""
    created: list[Node] = []
    node = root
    last = len(parts) - 1
    for i, name in enumerate(parts):
        nxt = node.child(name)
        if nxt is None:
            if name.startswith(DIVE_DOUBLE_WHITEOUT) and not accurate:
                return created
            nxt = node.add_child(name)
            created.append(nxt)
        node = nxt
        if i == last:
            node.info = info
    return created


def _iter_all(root: Node):  # noqa: ANN202
    work = [root]
    while work:
        n = work.pop()
        yield n
        if n.children:
            work.extend(n.children.values())


def oracle_compare(trees: list[Node], key: TreeKey, *, accurate: bool) -> tuple[Node, list[str]]:
    """``LayerTrees.compare`` on node objects: the full tree for ``key``, marks set, path errors."""
    tree = stack_range(trees, 0, key.bottom_stop, accurate=accurate)
    for n in _iter_all(tree):
        n.mark = UNMODIFIED
    errors: list[str] = []
    for i in range(key.top_start, key.top_stop + 1):
        errors += compare_and_mark(tree, trees[i], accurate=accurate)
    return tree, errors
