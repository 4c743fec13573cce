"""Directories named ``.wh..wh.*`` with children, in the accurate trees: ordinary directories.

Seen live (private dockerd with overlay2, containerd's overlayfs snapshotter; the engine test is
``tests/analysis/test_accurate_real_engine_malformed.py``): a layer holding ``.wh..wh.foo/x`` and
``a/.wh..wh.bar/sub/z`` shows ``/.wh..wh.foo``, ``/.wh..wh.foo/x``, ``/a/.wh..wh.bar``,
``/a/.wh..wh.bar/sub`` and ``/a/.wh..wh.bar/sub/z``: the engines skip the ``.wh..wh.*`` member
itself and create it as the parent of what lies under it; it deletes nothing.  The accurate marks
used to take such a node for a whiteout of ``.wh.foo`` (a path error: the explorer's "unable to
remove /.wh.foo" notice) and, as dive's ``AddPath`` does, refuse to create anything under it (the
paths the engines show were missing from the marked tree).
"""

from __future__ import annotations

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.tree import marks, stack
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import ADDED, REMOVED, UNMODIFIED, Node, walk_pre


def f(path: str, size: int = 1, h: int = 1) -> Entry:
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, h)


def d(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)


LOWER = [d("a"), f("a/f", 7, 1), f("g", 2, 2)]
UPPER = [
    d(".wh..wh.foo"),
    f(".wh..wh.foo/x", 1, 3),
    d("a"),
    d("a/.wh..wh.bar"),
    f("a/.wh..wh.bar/y", 1, 4),
    d("a/.wh..wh.bar/sub"),
    f("a/.wh..wh.bar/sub/z", 2, 5),
]
# what docker export and ctr images mount show for LOWER + UPPER
ENGINE_PATHS = {
    "/.wh..wh.foo",
    "/.wh..wh.foo/x",
    "/a",
    "/a/.wh..wh.bar",
    "/a/.wh..wh.bar/sub",
    "/a/.wh..wh.bar/sub/z",
    "/a/.wh..wh.bar/y",
    "/a/f",
    "/g",
}
NEW = ENGINE_PATHS - {"/a", "/a/f", "/g"}


def shape(root: Node) -> dict[str, int]:
    return {"/" + "/".join(names): node.mark for names, node in walk_pre(root)}


def image(lower: list[Entry], upper: list[Entry]) -> Image:
    return Image("x", "docker-archive", [Layer(0, "0", "", "", "", 0, lower), Layer(1, "1", "", "", "", 0, upper)])


def test_marks_add_what_the_engines_show_and_report_no_path_error():
    lower = build_layer_tree(LOWER, accurate=True)
    errors = marks.compare_and_mark(lower, build_layer_tree(UPPER, accurate=True), accurate=True)
    assert errors == []
    got = shape(lower)
    assert set(got) == ENGINE_PATHS
    assert {p for p, m in got.items() if m == ADDED} == NEW
    assert got["/g"] == got["/a/f"] == UNMODIFIED


def test_layer_trees_compare_has_no_path_error_in_either_mode():
    lt = marks.LayerTrees(image(LOWER, UPPER), accurate=True)
    for aggregated in (False, True):
        tree, errors = lt.compare(marks.TreeKey.for_layer(1, aggregated))
        assert errors == [], aggregated
        got = shape(tree)
        assert set(got) == ENGINE_PATHS
        assert REMOVED not in got.values()


def test_stacking_shows_what_the_engines_show():
    lower = build_layer_tree(LOWER, accurate=True)
    stack.stack_accurate(lower, build_layer_tree(UPPER, accurate=True))
    assert set(shape(lower)) == ENGINE_PATHS


def test_such_a_directory_deletes_nothing_below():
    """``.wh..wh.foo`` is not a whiteout of ``.wh.foo``; nor is ``.wh..wh..opq/`` with children a
    marker of its own (its parent's marker is, and only when written as a member of that name)."""
    # a path ``a/.wh.foo`` below: an implicit directory (a *member* of that name in layer 0 would be a
    # whiteout, which is no path of the bottom layer: test_accurate_leftovers.py)
    lower = [d("a"), f("a/f", 7, 1), f("a/.wh.foo/g", 1, 9)]
    upper = [d("a/.wh..wh.foo"), f("a/.wh..wh.foo/x", 1, 3)]
    lt = marks.LayerTrees(image(lower, upper), accurate=True)
    tree, errors = lt.compare(marks.TreeKey.for_layer(1, False))
    assert errors == []
    got = shape(tree)
    assert got["/a/f"] == got["/a/.wh.foo"] == UNMODIFIED
    assert got["/a/.wh..wh.foo"] == got["/a/.wh..wh.foo/x"] == ADDED
