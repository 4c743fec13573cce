"""``state_of_seq`` (dive's efficiency walk starts its stack from a layer's dive visit order) builds
the same :class:`State` as ``state_of`` from the preorder list, on generated layer stacks with
whiteouts, opaque and ``.wh..wh.`` names, files over dirs, implicit parents and marks set."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry
from layerscope.tree.build import build_layer_tree
from layerscope.tree.cow import layer_ops, state_of, state_of_seq
from layerscope.tree.node import walk_pre
from layerscope.tree.universe import Universe

NAMES = ["a", "b", "-a", ".wh.a", ".wh.b", ".wh.-a", ".wh.", ".wh..wh..opq", ".wh..wh.x", "a.b"]


def entry(path: str, is_dir: bool, size: int, h: int) -> Entry:
    if is_dir:
        return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, h)


paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join)
entries = st.lists(st.tuples(paths, st.booleans(), st.integers(0, 5), st.integers(0, 3)), max_size=10)
stacks = st.lists(entries, min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(stacks, st.integers(0, 3))
def test_state_of_seq_equals_state_of(layers: list[list[tuple[str, bool, int, int]]], seed: int) -> None:
    ts = [build_layer_tree([entry(*e) for e in layer]) for layer in layers]
    for k, t in enumerate(ts):  # marks carried over too (a stack starts from a marked tree)
        t.mark = (seed + k) % 4
        for n, (names, node) in enumerate(walk_pre(t)):
            node.mark = (seed + n + len(names)) % 4
    u = Universe(ts)
    for t in ts:
        ops = layer_ops(u, t, True)
        want = state_of(u, t, ops.pre)
        got = state_of_seq(u, t, ops)
        assert bytes(got.code) == bytes(want.code)
        assert [id(x) for x in got.info] == [id(x) for x in want.info]
        assert got.own == want.own
        assert got.errors == want.errors == []
