"""The copy-on-write engine (``tree/cow.py``, through its node face ``tree/stack.py`` /
``tree/marks.py``) against the independent node-object oracle (``tree_oracle.py``) on generated
layer stacks: whiteouts (of files, dirs, missing and empty targets), opaque markers, other
``.wh..wh.`` names, files over dirs, implicit parents, and names that sort around ``.wh.``."""

from __future__ import annotations

import tree_oracle as oracle
from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry
from layerscope.tree import marks, stack
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import Node, walk_pre

NAMES = ["a", "b", "-a", ".wh.a", ".wh.b", ".wh.-a", ".wh.", ".wh..wh..opq", ".wh..wh.x", "a.b"]


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


def trees(layers: list[list[tuple[str, bool, int, int]]], accurate: bool) -> list[Node]:
    return [build_layer_tree([entry(*e) for e in layer], accurate=accurate) for layer in layers]


@settings(max_examples=300, deadline=None)
@given(stacks)
def test_stacking_matches_the_oracle_in_both_semantics(layers):
    for accurate in (False, True):
        ts = trees(layers, accurate)
        want, got = ts[0].copy(), ts[0].copy()
        for t in ts[1:]:
            if accurate:
                oracle.stack_accurate(want, t)
                stack.stack_accurate(got, t)
            else:
                assert stack.stack_dive(got, t) == oracle.stack_dive(want, t)
            assert shape(got) == shape(want), accurate
        assert shape(stack.stack_range(ts, 0, len(ts) - 1, accurate=accurate)) == shape(
            oracle.stack_range(ts, 0, len(ts) - 1, accurate=accurate)
        )


@settings(max_examples=300, deadline=None)
@given(stacks)
def test_marks_match_the_oracle_in_both_semantics(layers):
    for accurate in (False, True):
        ts = trees(layers, accurate)
        want, got = ts[0].copy(), ts[0].copy()
        for t in ts[1:]:  # several upper layers in a row, as the aggregated mode does
            assert marks.compare_and_mark(got, t, accurate=accurate) == oracle.compare_and_mark(
                want, t, accurate=accurate
            )
            assert shape(got) == shape(want), accurate


@settings(max_examples=100, deadline=None)
@given(stacks)
def test_layer_trees_compare_matches_the_oracle(layers):
    from layerscope.image import Image, Layer

    image = Image(
        "x",
        "docker-archive",
        [Layer(i, str(i), "", "", "", 0, [entry(*e) for e in layer]) for i, layer in enumerate(layers)],
    )
    for accurate in (False, True):
        lt = marks.LayerTrees(image, accurate=accurate)
        for i in range(len(layers)):
            for aggregated in (False, True):
                key = marks.TreeKey.for_layer(i, aggregated)
                got, gerr = lt.compare(key)
                want, werr = oracle.oracle_compare(lt.trees, key, accurate=accurate)
                assert (shape(got), gerr) == (shape(want), werr)


def test_whiteout_of_its_own_directory_is_the_error_dive_reports():
    """``.wh.`` alone names its own directory: dive reports it with a trailing slash when it is
    missing (over a present ``d`` it removes ``d``: ``tests/analysis/test_bare_whiteout_dive.py``)."""
    lower = build_layer_tree([entry("e/x", False, 1, 1)])
    assert stack.stack_dive(lower, build_layer_tree([entry("d/.wh.", False, 0, 0)])) == ["/d/"]
    assert stack.stack_dive(lower, build_layer_tree([entry(".wh.", False, 0, 0)])) == ["/"]


def test_opaque_marker_at_the_top_hides_nothing():
    """``.wh..wh..opq`` at the top of a layer hides no lower path: docker (overlay2) and containerd
    (overlayfs) show them all (seen live, ``tests/analysis/test_accurate_real_engine_malformed.py``;
    this test used to assert the opposite, the rule before that check).  The accurate tree used to
    grow a phantom ``.wh..wh..op`` node; it has no node for the marker."""
    upper = build_layer_tree([entry(".wh..wh..opq", False, 0, 0), entry("b", False, 1, 1)], accurate=True)
    assert not upper.opaque and set(upper.children or ()) == {"b"}
    lower = build_layer_tree([entry("a/x", False, 1, 1), entry("b", False, 2, 2)], accurate=True)
    stack.stack_accurate(lower, upper)
    assert set(shape(lower)) == {"", "/a", "/a/x", "/b"}
    marked = build_layer_tree([entry("a/x", False, 1, 1)], accurate=True)
    marks.compare_and_mark(marked, upper, accurate=True)
    got = shape(marked)
    assert got["/a"][0] == got["/a/x"][0] == marks.UNMODIFIED and got["/b"][0] == marks.ADDED
