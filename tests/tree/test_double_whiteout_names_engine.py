"""``.wh..wh.`` names (two dots) against ``.wh..wh..`` names (three) in the dive-compatible trees,
the flat engine held to the node-object oracle (``tree_oracle.py``) and the views to the node trees.

dive's ``AddPath`` refuses only a missing component starting ``.wh..wh..``, so ``.wh..wh.x`` is a
node -- a whiteout of ``.wh.x`` -- and paths under it are created; the real dive agrees
(``test_double_whiteout_names_dive.py``, which covers what ``--json`` and CI show).  The explorer's
dive views and diff marks have no such oracle in dive's output, so these hold the engine behind
them (``tree/cow.py``) to the oracle on stacks built from names around both prefixes.
"""

from __future__ import annotations

import tree_oracle as oracle
from hypothesis import given, settings
from hypothesis import strategies as st
from test_views import _image, check_image, d, f

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.tree import marks, stack
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import Node, walk_pre

NAMES = ["a", "-a", ".wh.a", ".wh.-a", ".wh..wh.a", ".wh..wh.-a", ".wh..wh.", ".wh..wh..a", ".wh..wh..opq", "b"]


def entry(path: str, is_dir: bool, size: int, h: int) -> Entry:
    if is_dir:
        return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)
    return Entry(path, TYPE_REG, "", size, 0o644 + h % 2, 0, 0, h)


paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join)
entries = st.lists(st.tuples(paths, st.booleans(), st.integers(0, 5), st.integers(0, 3)), max_size=8)
stacks = st.lists(entries, min_size=2, max_size=4)


def shape(root: Node) -> dict[str, tuple[int, object]]:
    out: dict[str, tuple[int, object]] = {"": (root.mark, root.info)}
    for names, node in walk_pre(root):
        out["/" + "/".join(names)] = (node.mark, node.info)
    return out


def dive_trees(layers: list[list[tuple[str, bool, int, int]]]) -> list[Node]:
    return [build_layer_tree([entry(*e) for e in layer]) for layer in layers]


def test_the_dive_tree_keeps_two_dot_names_and_drops_three_dot_ones() -> None:
    tree = build_layer_tree(
        [
            entry(".wh..wh.foo", False, 0, 0),
            entry("d/.wh..wh.bar/x", False, 1, 1),
            entry(".wh..wh..baz", False, 0, 0),
            entry("e/.wh..wh..opq", False, 0, 0),
            entry("g/.wh..wh..q/y", False, 1, 2),
        ]
    )
    got = {"/" + "/".join(names) for names, _node in walk_pre(tree)}
    # a dropped name still creates its missing parents (``e``, ``g``), as dive's AddPath does
    assert got == {"/.wh..wh.foo", "/d", "/d/.wh..wh.bar", "/d/.wh..wh.bar/x", "/e", "/g"}
    assert tree.children is not None and tree.children[".wh..wh.foo"].is_whiteout


@settings(max_examples=300, deadline=None)
@given(stacks)
def test_dive_stacking_matches_the_oracle(layers: list[list[tuple[str, bool, int, int]]]) -> None:
    ts = dive_trees(layers)
    want, got = ts[0].copy(), ts[0].copy()
    for t in ts[1:]:
        assert stack.stack_dive(got, t) == oracle.stack_dive(want, t)
        assert shape(got) == shape(want)


@settings(max_examples=300, deadline=None)
@given(stacks)
def test_dive_marks_match_the_oracle(layers: list[list[tuple[str, bool, int, int]]]) -> None:
    ts = dive_trees(layers)
    want, got = ts[0].copy(), ts[0].copy()
    for t in ts[1:]:
        assert marks.compare_and_mark(got, t, accurate=False) == oracle.compare_and_mark(want, t, accurate=False)
        assert shape(got) == shape(want)


@settings(max_examples=100, deadline=None)
@given(stacks)
def test_dive_layer_trees_compare_matches_the_oracle(layers: list[list[tuple[str, bool, int, int]]]) -> None:
    image = Image(
        "x",
        "docker-archive",
        [Layer(i, str(i), "", "", "", 0, [entry(*e) for e in layer]) for i, layer in enumerate(layers)],
    )
    lt = marks.LayerTrees(image, accurate=False)
    for i in range(len(layers)):
        for aggregated in (False, True):
            key = marks.TreeKey.for_layer(i, aggregated)
            got, gerr = lt.compare(key)
            want, werr = oracle.oracle_compare(lt.trees, key, accurate=False)
            assert (shape(got), gerr) == (shape(want), werr)


def test_the_dive_marks_add_a_two_dot_directory_and_its_child() -> None:
    """CompareAndMark ``AddPath``-s ``.wh..wh.foo/x`` (both Added) and reports the directory's own
    whiteout of the missing ``.wh.foo``; a three-dot directory's child is not added at all."""
    lower = build_layer_tree([entry("a", False, 1, 1)])
    upper = build_layer_tree(
        [entry(".wh..wh.foo", True, 0, 0), entry(".wh..wh.foo/x", False, 1, 1), entry(".wh..wh..g/y", False, 1, 1)]
    )
    errors = marks.compare_and_mark(lower, upper, accurate=False)
    got = {path: mark for path, (mark, _info) in shape(lower).items()}
    assert errors == ["/.wh.foo"]
    assert got == {"": 0, "/a": 0, "/.wh..wh.foo": 2, "/.wh..wh.foo/x": 2}


def test_views_match_the_node_trees_on_double_whiteout_names() -> None:
    cases: dict[str, Image] = {
        "file": _image([f("a")], [f(".wh..wh.foo", 0), f("a", 2)]),
        "dir": _image([f("a")], [d(".wh..wh.foo"), f(".wh..wh.foo/x"), f("a", 2)], [f(".wh..wh.foo/x", 3)]),
        "over-layer0-whiteout": _image([f(".wh.foo", 0), f("a")], [f(".wh..wh.foo", 0)], [f(".wh..wh.foo", 0)]),
        "three-dots": _image([d("d"), f("d/x")], [f("d/.wh..wh..opq", 0), f(".wh..wh..y/z"), f("d/x", 2)]),
        "bare": _image([f("a")], [d(".wh..wh."), f(".wh..wh./q")]),
    }
    for label, image in cases.items():
        check_image(image, label)
