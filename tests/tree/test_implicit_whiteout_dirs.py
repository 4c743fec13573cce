"""An implicit ``.wh.x`` directory (paths under it, no member of that name), in the accurate trees:
an ordinary directory, which deletes nothing.

Seen live (private dockerd with overlay2, containerd with overlayfs;
``tests/analysis/test_accurate_real_engine_malformed.py``): a layer holding only ``.wh.a/x`` leaves
the lower ``a/f`` in place and shows ``/.wh.a`` and ``/.wh.a/x``.  The engines apply a whiteout
for a *member* named ``.wh.*``; a directory they create as a parent is none.  The waste analysis
always read it so (it looks at members); the report's final files and the explorer's accurate
trees took the node for a whiteout of ``a`` by its name.  dive does take it for one (its
``IsWhiteout`` reads the name), so the dive-compatible trees keep that rule.
"""

from __future__ import annotations

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.report.snapshot import final_files
from layerscope.tree import marks, stack
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import ADDED, UNMODIFIED, Node, walk_pre


def f(path: str, size: int = 1, h: int = 1) -> Entry:
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, h)


def d(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)


LOWER = [d("a"), f("a/f", 2, 1), f("g", 1, 2)]
UPPER = [f(".wh.a/x", 1, 3)]
ENGINE_PATHS = {"/.wh.a", "/.wh.a/x", "/a", "/a/f", "/g"}


def shape(root: Node) -> dict[str, int]:
    return {"/" + "/".join(names): node.mark for names, node in walk_pre(root)}


def image(*layers: list[Entry]) -> Image:
    return Image("x", "docker-archive", [Layer(i, str(i), "", "", "", 0, es) for i, es in enumerate(layers)])


def test_final_files_keep_what_it_would_name():
    assert final_files(image(LOWER, UPPER)) == {"/a/f": 2, "/g": 1, "/.wh.a/x": 1}


def test_stacking_and_marks_show_what_the_engines_show():
    lower = build_layer_tree(LOWER, accurate=True)
    stack.stack_accurate(lower, build_layer_tree(UPPER, accurate=True))
    assert set(shape(lower)) == ENGINE_PATHS
    marked = build_layer_tree(LOWER, accurate=True)
    assert marks.compare_and_mark(marked, build_layer_tree(UPPER, accurate=True), accurate=True) == []
    got = shape(marked)
    assert got == {"/.wh.a": ADDED, "/.wh.a/x": ADDED, "/a": UNMODIFIED, "/a/f": UNMODIFIED, "/g": UNMODIFIED}


def test_a_member_of_that_name_is_still_a_whiteout():
    upper = [f(".wh.a", 0, 0), f(".wh.a/x", 1, 3)]
    assert final_files(image(LOWER, upper)) == {"/g": 1, "/.wh.a/x": 1}
    lt = marks.LayerTrees(image(LOWER, upper), accurate=True)
    tree, errors = lt.compare(marks.TreeKey.for_layer(1, False))
    assert errors == []
    got = shape(tree)
    assert got["/a"] == got["/a/f"] == marks.REMOVED and got["/.wh.a/x"] == ADDED


def test_dive_trees_keep_dives_rule():
    """dive's ``Stack`` removes ``a`` for the implicit ``.wh.a`` node (its whiteout test is the name)."""
    lower = build_layer_tree(LOWER)
    assert stack.stack_dive(lower, build_layer_tree(UPPER)) == []
    assert "/a" not in shape(lower) and "/.wh.a/x" in shape(lower)
