"""``universe.reusing``: a universe of the very same trees shares the offered index, any other
is built from its own trees, and nothing is shared once the block ends."""

from __future__ import annotations

from layerscope.image import Entry
from layerscope.tree.build import build_layer_tree
from layerscope.tree.universe import Universe, reusing


def _tree(*paths: str):  # noqa: ANN202
    return build_layer_tree([Entry(p, 0x30, "", 1, 0o644, 0, 0, 0) for p in paths])


def _arrays(u: Universe) -> tuple:
    return u.names, u.parent, u.depth, u.end, list(u.path)


def test_same_trees_share_the_offered_index() -> None:
    trees = [_tree("a/b", "c"), _tree("a/d")]
    offered = Universe(trees)
    with reusing(offered, trees):
        again = Universe(list(trees))  # another list, the same tree objects
    assert again.names is offered.names and again.end is offered.end and again.path is offered.path


def test_other_trees_are_indexed_from_themselves() -> None:
    trees = [_tree("a/b", "c"), _tree("a/d")]
    offered = Universe(trees)
    other = [trees[0], _tree("a/d", "e/f")]  # equal in part, one tree another object
    with reusing(offered, trees):
        got = Universe(other)
        shorter = Universe(trees[:1])
    assert got.names is not offered.names
    assert _arrays(got) == _arrays(Universe(other))
    assert "/e/f" in list(got.path) and "/e/f" not in list(offered.path)
    assert _arrays(shorter) == _arrays(Universe(trees[:1]))


def test_nothing_is_offered_after_the_block() -> None:
    trees = [_tree("x")]
    offered = Universe(trees)
    with reusing(offered, trees):
        pass
    assert Universe(trees).names is not offered.names
