"""The tree cache's background pass (``ui/trees.py``): it records every layer's view once, and a
tree rebuilt from a recorded view is the tree the general path builds — same presence, marks,
infos, sizes, errors — including after the entries' hashes change (``update_entries``)."""

from __future__ import annotations

import dataclasses
import random

import pytest

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.tree.marks import LayerTrees
from layerscope.ui import trees as trees_mod
from layerscope.ui.flat_tree import FlatTree
from layerscope.ui.trees import TreeCache
from layerscope.ui.viewmodel import TreeView


def f(path: str, h: int = 1, size: int = 3) -> Entry:
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, h)


def d(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)


def _image(rng: random.Random) -> Image:
    names = ["a", "b", "c", "x.y"]
    layers = []
    for i in range(rng.randint(2, 6)):
        es = []
        for _ in range(rng.randint(1, 14)):
            parts = [rng.choice(names) for _ in range(rng.randint(1, 3))]
            r = rng.random()
            if r < 0.15:
                parts[-1] = ".wh." + parts[-1]
                es.append(f("/".join(parts), 0, 0))
            elif r < 0.2:
                es.append(f("/".join(parts[:-1] + [".wh..wh..opq"]), 0, 0))
            elif r < 0.4:
                es.append(d("/".join(parts)))
            else:
                es.append(f("/".join(parts), rng.randint(1, 3), rng.randint(0, 4)))
        layers.append(Layer(i, f"l{i}", "", "", "", 0, es))
    return Image("t", "docker-archive", layers)


def rows(flat: FlatTree) -> list[tuple]:
    """Every present path with its mark, info and own size, then the sizes the pane shows
    (dive's ``GetSize`` on the view: Removed subtrees skipped), row by row and all at once."""
    view = TreeView(flat)
    shown = [(i, view.size[i]) for i in view.rows]
    present = [
        (flat.path[i], flat.mark[i], flat.info[i], flat.own[i]) for i in range(len(flat.names)) if flat.present[i]
    ]
    return [*present, shown, list(TreeView(flat).size.all())]


def keys(image: Image) -> list[tuple[int, bool]]:
    return [(i, agg) for i in range(len(image.layers)) for agg in (False, True)]


@pytest.fixture
def fast_background(monkeypatch):  # noqa: ANN201
    monkeypatch.setattr(trees_mod, "BACKGROUND_DELAY", 0.0)


def _general(image: Image, monkeypatch) -> dict:  # noqa: ANN001
    monkeypatch.setattr(trees_mod, "BACKGROUND", False)
    cache = TreeCache(LayerTrees(image, accurate=True), capacity=0)
    out = {key: (rows(cache.get(*key)[0]), cache.get(*key)[1]) for key in keys(image)}
    monkeypatch.setattr(trees_mod, "BACKGROUND", True)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_background_pass_records_every_view_exactly(seed, monkeypatch, fast_background) -> None:
    image = _image(random.Random(seed))
    want = _general(image, monkeypatch)
    cache = TreeCache(LayerTrees(image, accurate=True), capacity=1)  # nearly every get a rebuild
    cache.get(0, False)
    assert cache.background_done.wait(30)
    views = cache.views
    assert all(views.recorded(*key) for key in keys(image))
    order = keys(image)
    random.Random(seed).shuffle(order)
    for key in order:
        flat, errors = cache.get(*key)
        assert (rows(flat), errors) == want[key], key


def test_update_entries_records_the_new_marks(monkeypatch, fast_background) -> None:
    image = Image(
        "t",
        "docker-archive",
        [
            Layer(0, "l0", "", "", "", 0, [d("a"), f("a/x", 1), f("a/y", 1)]),
            Layer(1, "l1", "", "", "", 0, [f("a/x", 0), f("a/y", 1)]),  # x's hash not known yet
        ],
    )
    cache = TreeCache(LayerTrees(image, accurate=True), capacity=0)
    cache.before_marks = lambda: None  # late hashes: marks are recorded only once they land
    cache.get(1, False)
    assert not cache.background_done.wait(1.0)
    assert not cache.views.recorded(1, False)
    x = cache.layer_trees.trees[1].children["a"].children["x"]

    def change() -> None:
        x.info = dataclasses.replace(x.info, hash=1)  # the late hash: same content after all

    cache.update_entries(change)
    assert cache.background_done.wait(30)
    assert cache.views.recorded(1, False)
    flat, _ = cache.get(1, False)
    i = flat.find("/a/x")
    assert flat.mark[i] == 0  # Unmodified: the mark from the new hash, not the placeholder's


def test_failed_hashes_settle_the_placeholder_marks(monkeypatch, fast_background) -> None:
    """When the late hashes fail, the placeholder marks are final: the pass records them (before
    ``marks_settled`` it waited for hashes that never come, and every switch stayed cold)."""
    image = Image(
        "t",
        "docker-archive",
        [
            Layer(0, "l0", "", "", "", 0, [d("a"), f("a/x", 1)]),
            Layer(1, "l1", "", "", "", 0, [f("a/x", 0)]),  # x's hash never arrives
        ],
    )
    cache = TreeCache(LayerTrees(image, accurate=True), capacity=0)
    cache.before_marks = lambda: None
    want = rows(cache.get(1, False)[0])
    assert not cache.background_done.wait(1.0)
    cache.marks_settled()
    assert cache.background_done.wait(30)
    assert cache.views.recorded(1, False)
    flat, _ = cache.get(1, False)
    assert rows(flat) == want
    assert flat.mark[flat.find("/a/x")] != 0  # still the placeholder's Modified


def test_update_entries_drops_what_was_recorded(monkeypatch, fast_background) -> None:
    """Marks recorded from the old hashes are not served after the entries changed."""
    image = Image(
        "t",
        "docker-archive",
        [
            Layer(0, "l0", "", "", "", 0, [d("a"), f("a/x", 1)]),
            Layer(1, "l1", "", "", "", 0, [f("a/x", 2)]),
            Layer(2, "l2", "", "", "", 0, [f("b", 2)]),
        ],
    )
    cache = TreeCache(LayerTrees(image, accurate=True), capacity=0)
    cache.get(0, False)
    assert cache.background_done.wait(30)
    assert cache.views.recorded(1, False) and cache.views.recorded(1, True)
    flat, _ = cache.get(1, False)
    assert flat.mark[flat.find("/a/x")] == 1  # Modified
    x = cache.layer_trees.trees[1].children["a"].children["x"]
    cache.update_entries(lambda: setattr(x, "info", dataclasses.replace(x.info, hash=1)))
    for key in ((1, False), (1, True), (2, True)):
        flat, _ = cache.get(*key)
        assert flat.mark[flat.find("/a/x")] == 0, key  # recomputed (or recorded again) from the new hash


@pytest.mark.parametrize("seed", range(12))
def test_pane_sizes_match_the_oracle(seed, monkeypatch, fast_background) -> None:
    """The rows and sizes the pane shows from the cache's trees (sizes in ``array('Q')``,
    infos read through to the checkpoint) are dive's, from the node-tree oracle."""
    from layerscope.tree.marks import TreeKey
    from tests.tree.tree_oracle import oracle_compare
    from tests.ui.ui_oracle import expected_rows

    image = _image(random.Random(seed))
    cache = TreeCache(LayerTrees(image, accurate=True), capacity=1)
    cache.get(0, False)
    assert cache.background_done.wait(30)
    for index, agg in keys(image):
        root, _ = oracle_compare(cache.layer_trees.trees, TreeKey.for_layer(index, agg), accurate=True)
        flat, _ = cache.get(index, agg)
        view = TreeView(flat)
        got = [(flat.path[i], flat.mark[i], view.size[i]) for i in view.rows]
        assert got == expected_rows(root), (index, agg)
