"""A top-level opaque marker (``/.wh..wh..opq``) in the accurate trees: it hides nothing.

Seen live (private dockerd with overlay2, containerd's overlayfs snapshotter; the engine test is
``tests/analysis/test_accurate_real_engine_malformed.py``): an image whose layer 1 holds
``.wh..wh..opq`` at its root still shows every path of layer 0, in ``docker export``, in a running
container's ``ls /`` and in ``ctr images mount``.  overlayfs reads the opaque flag of directories
it merges, never of a layer's root, and containerd only sets the flag.  So the accurate tree must
not flag the root, stacking keeps every lower path and the marks mark none of them Removed.  A
marker one level down (``a/.wh..wh..opq``) still makes ``a`` opaque.  The dive-compatible trees
drop every opaque marker (dive 0.13.1 does; ``tests/hardening/corpus.py`` ``opaque_at_root`` holds
our ``--json`` to the real dive on such a layer).
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


LOWER = [d("a"), f("a/x", 7, 1), f("g", 2, 2), d("e")]
UPPER = [f(".wh..wh..opq", 0, 0), f("y", 1, 3)]


def shape(root: Node) -> dict[str, int]:
    return {"/" + "/".join(names): node.mark for names, node in walk_pre(root)}


def test_the_accurate_tree_does_not_flag_the_root():
    upper = build_layer_tree(UPPER, accurate=True)
    assert not upper.opaque
    assert set(upper.children or ()) == {"y"}  # the marker is no node either
    assert build_layer_tree([f("a/.wh..wh..opq", 0, 0)], accurate=True).children["a"].opaque


def test_stacking_keeps_every_lower_path():
    lower = build_layer_tree(LOWER, accurate=True)
    stack.stack_accurate(lower, build_layer_tree(UPPER, accurate=True))
    assert set(shape(lower)) == {"/a", "/a/x", "/g", "/e", "/y"}


def test_marks_remove_nothing():
    lower = build_layer_tree(LOWER, accurate=True)
    errors = marks.compare_and_mark(lower, build_layer_tree(UPPER, accurate=True), accurate=True)
    assert errors == []
    got = shape(lower)
    assert got == {"/a": UNMODIFIED, "/a/x": UNMODIFIED, "/g": UNMODIFIED, "/e": UNMODIFIED, "/y": ADDED}


def test_layer_trees_in_both_modes_show_the_lower_paths():
    image = Image("x", "docker-archive", [Layer(0, "0", "", "", "", 0, LOWER), Layer(1, "1", "", "", "", 0, UPPER)])
    for accurate in (True, False):
        lt = marks.LayerTrees(image, accurate=accurate)
        for aggregated in (False, True):
            tree, errors = lt.compare(marks.TreeKey.for_layer(1, aggregated))
            assert errors == []
            got = shape(tree)
            assert REMOVED not in got.values(), (accurate, aggregated)
            assert set(got) == {"/a", "/a/x", "/g", "/e", "/y"}, (accurate, aggregated)


def test_a_marker_one_level_down_still_hides_its_directory():
    lower = build_layer_tree(LOWER, accurate=True)
    upper = build_layer_tree([f("a/.wh..wh..opq", 0, 0), f("a/z", 1, 4)], accurate=True)
    stack.stack_accurate(lower, upper)
    assert set(shape(lower)) == {"/a", "/a/z", "/g", "/e"}
