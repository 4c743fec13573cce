"""Layer path names: the whiteout constants and the few string helpers every stage shares.

Why one module: the whiteout spelling (``.wh.x`` deletes ``x``, ``.wh..wh..opq`` makes its
directory opaque, any other ``.wh..wh.`` name is dropped; dive drops only ``.wh..wh..`` names,
:data:`DIVE_DROPPED_PREFIX`) and "the directory / last component of
an entry path" were spelled out separately by the tree builder, both stacking engines, the waste
analysis and the report's final file list.  A change of rule now happens here once.

Paths are cleaned entry paths (:attr:`layerscope.image.Entry.path`: no leading, trailing or
doubled ``/``; the root is ``""``).  Nothing here builds ancestor strings: walking up a path is
done on interned ids (:mod:`layerscope.analysis.pathids`) or universe indices, so memory stays
linear in the bytes of names (tests/hardening/test_deep_path_memory.py).
"""

from __future__ import annotations

WHITEOUT_PREFIX = ".wh."
OPAQUE_PREFIX = ".wh..wh."
OPAQUE_MARKER = ".wh..wh..opq"
DIVE_DROPPED_PREFIX = ".wh..wh.."
"""The names dive 0.13.1 drops from a layer tree (``doubleWhiteoutPrefix`` in
``dive/filetree/file_tree.go``: three dots, the opaque marker among them).  The accurate view
drops every :data:`OPAQUE_PREFIX` name instead (two dots: docker and containerd skip any
``.wh..wh.*`` member but honour ``.wh..wh..opq``), so a name such as ``.wh..wh.foo`` differs: for
dive it is an ordinary node, a whiteout of ``.wh.foo`` by its name (its target is nearly always
missing, which ends that layer's efficiency visit), and a path under it is listed like any other.
Only the dive-compatible code (tree build, ``stack_dive``, dive's marks, dive's efficiency) reads
this one (``tests/tree/test_double_whiteout_names_dive.py``, the real dive as the oracle)."""

# what one layer entry means to the layers below it (:func:`entry_kind`)
ADD, WHITEOUT, OPAQUE, DROPPED = 0, 1, 2, 3


def split(path: str) -> tuple[str, str]:
    """``("a/b", "c")`` for ``"a/b/c"``, ``("", "c")`` for ``"c"``."""
    cut = path.rfind("/")
    return ("", path) if cut < 0 else (path[:cut], path[cut + 1 :])


def parent(path: str) -> str:
    """The directory holding ``path`` (``""`` for a top-level name)."""
    cut = path.rfind("/")
    return "" if cut < 0 else path[:cut]


def leaf(path: str) -> str:
    """The last component of ``path``."""
    return path[path.rfind("/") + 1 :]


def is_whiteout(name: str) -> bool:
    """Whether a *name* (one component) is a whiteout, the opaque marker included."""
    return name.startswith(WHITEOUT_PREFIX)


def entry_kind(name: str) -> int:
    """What an entry whose last component is ``name`` does in the accurate (overlayfs) view:
    :data:`ADD`, :data:`WHITEOUT` (deletes its target), :data:`OPAQUE` (hides what lower layers
    put in its directory; at the top of a layer, nothing: the engines show every lower path) or
    :data:`DROPPED` (another ``.wh..wh.`` name, ignored)."""
    if not name.startswith(WHITEOUT_PREFIX):
        return ADD
    if name.startswith(OPAQUE_PREFIX):
        return OPAQUE if name == OPAQUE_MARKER else DROPPED
    return WHITEOUT


def whiteout_target(path: str) -> str:
    """The path a whiteout entry ``d/.wh.x`` deletes: ``d/x`` (``""``: the whiteout names
    nothing, as ``.wh.`` alone does)."""
    d, name = split(path)
    target = name[len(WHITEOUT_PREFIX) :]
    if not target:
        return ""
    return f"{d}/{target}" if d else target


def whiteout_target_name(name: str) -> str:
    """The sibling name a whiteout *name* ``.wh.x`` deletes: ``x``."""
    return name[len(WHITEOUT_PREFIX) :]


__all__ = [
    "ADD",
    "DIVE_DROPPED_PREFIX",
    "DROPPED",
    "OPAQUE",
    "OPAQUE_MARKER",
    "OPAQUE_PREFIX",
    "WHITEOUT",
    "WHITEOUT_PREFIX",
    "entry_kind",
    "is_whiteout",
    "leaf",
    "parent",
    "split",
    "whiteout_target",
    "whiteout_target_name",
]
