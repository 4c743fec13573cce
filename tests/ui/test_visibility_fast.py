"""The view model's visibility pass (:func:`layerscope.ui.viewmodel._with_ancestors`) against
the definition it replaces: a node shows when anything in its range ``[i, end[i])`` qualifies,
computed here node by node from the ranges, on random trees and random qualifying sets."""

from __future__ import annotations

from bisect import bisect_left

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import walk_pre
from layerscope.ui.viewmodel import FlatTree, MaskRows, TreeView, _with_ancestors

NAMES = ["a", "b", "c", "d"]
paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=4).map("/".join)


def flat_of(spec: list[tuple[str, bool]], marks: list[int]) -> FlatTree:
    entries = [
        Entry(p, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0) if d else Entry(p, TYPE_REG, "", 3, 0o644, 0, 0, 1)
        for p, d in spec
    ]
    root = build_layer_tree(entries, accurate=True)
    for k, (_names, node) in enumerate(walk_pre(root)):
        node.mark = marks[k % len(marks)]
    return FlatTree(root)


def by_definition(ok: bytes, f: FlatTree) -> bytearray:
    return bytearray(1 if any(ok[i : f.end[i]]) else 0 for i in range(len(ok)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(paths, st.booleans()), max_size=25), st.lists(st.integers(0, 3), min_size=1), st.data())
def test_ancestors_of_qualifying_nodes_show(spec, marks, data):
    f = flat_of(spec, marks)
    ok = bytes(data.draw(st.lists(st.integers(0, 1), min_size=len(f), max_size=len(f))))
    assert _with_ancestors(ok, f) == by_definition(ok, f)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(paths, st.booleans()), max_size=25), st.lists(st.integers(0, 3), min_size=1), st.data())
def test_hiding_types_shows_what_the_definition_shows(spec, marks, data):
    f = flat_of(spec, marks)
    hidden = data.draw(st.sets(st.integers(0, 3)))
    view = TreeView(f, hidden=hidden)
    ok = bytes(0 if m in hidden else 1 for m in f.mark)
    want = by_definition(ok, f)
    want[0] = 1
    assert view.visible == want
    assert view.rows == [i for i in range(1, len(f)) if want[i]]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 1), max_size=40), st.integers(1, 5), st.data())
def test_mask_rows_are_the_list_of_set_indices(bits, block, data):
    mask = bytearray([1] + bits)  # the root's byte is set (and never a row)
    want = [i for i in range(1, len(mask)) if mask[i]]
    rows = MaskRows(mask, block)  # small blocks, so that rows span several
    assert len(rows) == len(want) and list(rows) == want and rows == want
    assert [rows[k] for k in range(len(want))] == want
    assert [rows[-k] for k in range(1, len(want) + 1)] == [want[-k] for k in range(1, len(want) + 1)]
    assert all(rows.rank(node) == bisect_left(want, node) for node in range(len(mask) + 1))
    lo, hi = data.draw(st.integers(-3, 45)), data.draw(st.integers(-3, 45))
    assert rows[lo:hi] == want[lo:hi]
    for bad in (len(want), -len(want) - 1):
        with pytest.raises(IndexError):
            rows[bad]
