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
from layerscope.tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED, Node, get_node, walk_post, walk_pre

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

    dive's ``Stack`` call for call: every node of ``upper`` children first (siblings sorted), a
    whiteout ``RemovePath(node.Path())``, anything else ``AddPath(node.Path(), info)``, each path
    resolved from the root again.  ``Path()`` strips ``.wh.`` from the node's own name only, so
    ``d/.wh.`` is ``/d/`` (``GetNode`` skips the empty name: ``d`` itself) and ``.wh.`` at the top
    is ``/``, the root, which ``Remove`` refuses (an error).
    """
    errors: list[str] = []
    for names, node in walk_post(upper):
        name = node.name
        if not name.startswith(WHITEOUT_PREFIX):
            _add_tracking(lower, list(names), node.info)  # dive's AddPath (what it creates unused)
            continue
        path = "/" + "/".join(names[:-1] + [name[len(WHITEOUT_PREFIX) :]])
        parts = [p for p in path.split("/") if p]
        if not parts or not remove_path(lower, parts):  # no parts: the tree root, never removed
            errors.append(path.replace("//", "/"))
    return errors


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
            # no path itself, but its directory is created (itself, when it holds an opaque marker)
            ensure_path(lower, list(names if node.opaque else names[:-1]))
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
    """dive's ``StackTreeRange``: a copy of ``trees[0]``, then layers ``start..stop`` applied.
    Accurate: layer 0 applied once onto nothing (the engines' bottom layer), then ``1..stop``."""
    if accurate:
        tree = Node(trees[0].name)
        tree.info = trees[0].info
        for i in range(0, stop + 1):
            stack_accurate(tree, trees[i])
        return tree
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
    before: dict[int, int] = {}  # accurate: each lower node's mark before this layer (by id)
    if accurate:
        before = {id(n): n.mark for n in _iter_all(lower)}
        for names, node in walk_pre(upper):  # walk_pre skips the root: a marker at the top hides nothing
            if node.opaque:
                target = get_node(lower, list(names))
                if target is not None and target.children:
                    for ch in target.children.values():  # hidden whatever its mark (aggregated views)
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
            if accurate:  # the engines create the whiteout's directory (Added when new)
                holder = lower
                for name in names if node.opaque else names[:-1]:
                    nxt = holder.child(name)
                    if nxt is None:
                        nxt = holder.add_child(name)
                        pending.append((nxt, None, ADDED, True))
                    holder = nxt
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
            if name not in (node.children or {}):  # whatever its mark (aggregated views)
                assign(ch, REMOVED)
    for target, info, mark, final in pending:
        if not final and accurate and target.mark == REMOVED:
            # deleted by this layer and written again: it exists, so not Removed but the mark it
            # had before (removed by a layer below, aggregated, it stays Removed: dive's rule)
            target.mark = before.get(id(target), REMOVED)
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
