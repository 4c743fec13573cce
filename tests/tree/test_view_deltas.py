"""A recorded view (``LayerViews.record``: the view kept as a delta over the stack checkpoint
below it) must rebuild to exactly the view the general path computes: same code bytes, the
very same info objects and sizes, the same path errors, for every layer in both compare modes
and both semantics, whatever order views are recorded and asked in.  The general path is held
to the independent node-tree oracle by ``test_views.py``."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as hs

from fixtures.catalog import CASES
from fixtures.imagegen import write_docker_save
from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.tree import views as views_mod
from layerscope.tree.cow import State
from layerscope.tree.marks import LayerTrees
from layerscope.tree.views import LayerViews, delta_of


def _image(layers: list[list[Entry]]) -> Image:
    return Image("t", "docker-archive", [Layer(i, f"l{i}", "", "", "", 0, list(es)) for i, es in enumerate(layers)])


def f(path: str, h: int = 1, mode: int = 0o644, size: int = 3) -> Entry:
    return Entry(path, TYPE_REG, "", size, mode, 0, 0, h)


def d(path: str, mode: int = 0o755) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, MODE_DIR | mode, 0, 0, 0)


def same(a: State, b: State, where: str) -> None:
    assert bytes(a.code) == bytes(b.code), where
    assert len(a.info) == len(b.info) and all(x is y for x, y in zip(a.info, b.info, strict=True)), where
    assert a.own == b.own, where
    assert a.errors == b.errors, where


def check(image: Image, label: str, order_seed: int = 0) -> None:
    rng = random.Random(order_seed)
    for accurate in (True, False):
        lt = LayerTrees(image, accurate=accurate)
        general = LayerViews(LayerTrees(image, accurate=accurate, trees=lt.trees), view_capacity=0)
        fast = LayerViews(LayerTrees(image, accurate=accurate, trees=lt.trees), view_capacity=0, max_checkpoints=2)
        keys = [(i, agg) for i in range(len(image.layers)) for agg in (False, True)]
        rng.shuffle(keys)
        for key in keys[: len(keys) // 2]:  # some asked (and left in the aggregated chain) first
            fast.view(*key)
        rng.shuffle(keys)
        for key in keys:
            fast.record(*key)
            assert fast.recorded(*key)
        fast.drop_aggregated_checkpoints()  # recorded views need none of the chain
        rng.shuffle(keys)
        for key in keys:
            where = f"{label} accurate={accurate} key={key}"
            want = general.view(*key)
            got = fast.view(*key)
            same(got, want, where)
            same(fast.view(*key), want, where + " (asked again)")


def test_edge_cases_rebuild_exactly() -> None:
    cases = {
        "readd": [[f("keep"), f("gone"), d("dd"), f("dd/x")], [f("new", 2), f(".wh.gone", 0), f(".wh.dd", 0)]]
        + [[f("new", 3), f("gone", 4), f("dd/y")]],
        "missing-whiteout": [[f("a")], [f(".wh.nothere", 0), f("b")]],
        "opaque": [[d("a"), f("a/x"), d("a/s"), f("a/s/t")], [d("a"), f("a/.wh..wh..opq", 0), f("a/y")], [f("a/x", 7)]],
        "layer0-whiteouts": [[f(".wh.foo", 0), f("a"), d("p"), f("p/q"), f("p/.wh..wh..opq", 0)], [f("a", 2)]],
        "root-opaque": [[f("a"), d("b"), f("b/c")], [f(".wh..wh..opq", 0), f("z")], [f("a", 5)]],
        "file-replaces-dir": [[d("a"), f("a/b"), f("a/c")], [f("a", 2)], [d("a"), f("a/z")]],
        "implicit-parents": [[f("u/v/w")], [d("u", 0o700), f("u/v/w", 2)], [f("u/v/k")]],
        # long runs (slices) beside single paths
        "runs": [[f(f"r/{i:03}") for i in range(40)], [f(f"r/{i:03}", 2) for i in range(0, 40, 3)] + [f("s/x")]],
        "empty": [[], []],
    }
    for label, layers in cases.items():
        check(_image(layers), label)


def _random_layers(rng: random.Random) -> list[list[Entry]]:
    names = ["a", "b", "c", "-d", "e.f"]
    layers = []
    for _ in range(rng.randint(1, 5)):
        entries = []
        for _ in range(rng.randint(0, 12)):
            parts = [rng.choice(names) for _ in range(rng.randint(1, 3))]
            kind = rng.random()
            if kind < 0.2:
                parts[-1] = ".wh." + parts[-1]
                entries.append(f("/".join(parts), 0, 0))
            elif kind < 0.27:
                entries.append(f("/".join(parts[:-1] + [".wh..wh..opq"]), 0, 0))
            elif kind < 0.5:
                entries.append(d("/".join(parts), rng.choice([0o755, 0o700])))
            else:
                entries.append(f("/".join(parts), rng.randint(1, 3), rng.choice([0o644, 0o600]), rng.randint(0, 3)))
        layers.append(entries)
    return layers


@settings(max_examples=80, deadline=None)
@given(hs.integers(0, 2**32 - 1))
def test_random_images_rebuild_exactly(seed: int) -> None:
    rng = random.Random(seed)
    check(_image(_random_layers(rng)), f"random-{seed}", order_seed=seed)


def test_catalog_images_rebuild_exactly(tmp_path) -> None:
    for name, spec in sorted(CASES.items()):
        p = tmp_path / f"{name}.tar"
        write_docker_save(p, spec)
        try:
            image = load_image("docker-archive", str(p), ReadOptions())
        except Exception:  # noqa: BLE001 - cases the reader refuses have no trees to show
            continue
        check(image, name)


def test_delta_holds_only_the_differences(monkeypatch) -> None:
    """Sized by the layer: a layer touching 3 paths of 200 keeps 3 infos (and short diffs stay
    single paths, long ones slices, also across chunk boundaries)."""
    monkeypatch.setattr(views_mod, "DIFF_CHUNK", 7)  # runs that straddle chunks
    base = [f(f"p/{i:03}") for i in range(200)]
    image = _image([base, [f("p/005", 2), f("p/100", 2), f("p/150", 2)], [f(f"p/{i:03}", 3) for i in range(20, 60)]])
    lv = LayerViews(LayerTrees(image, accurate=True), view_capacity=0)
    lv.record(1, False)
    lv.record(2, False)
    d1, d2 = lv._deltas[(1, False)], lv._deltas[(2, False)]
    assert d1.size() == 3 and not d1.runs and len(d1.single) == 3
    assert d2.size() == 40 and d2.runs == [(0, 40)] and not d2.single
    general = LayerViews(LayerTrees(image, accurate=True), view_capacity=0)
    same(delta_of(general.view(2, False), general._stack(1)).state(), general.view(2, False), "chunked")


def test_forget_marks_drops_the_deltas() -> None:
    image = _image([[f("a"), f("b")], [f("a", 2)]])
    lv = LayerViews(LayerTrees(image, accurate=True), view_capacity=0)
    lv.record(1, False)
    lv.record(1, True)
    assert lv.recorded(1, False) and lv.recorded(1, True)
    lv.forget_marks()
    assert not lv.recorded(1, False) and not lv.recorded(1, True)


def test_sizes_past_64_bits_stay_a_list() -> None:
    """A size no ``array('Q')`` holds (a base-256 tar header can say so) keeps the list."""
    huge = 1 << 70
    image = _image([[f("a", size=huge), f("b")], [f("b", 2, size=huge + 1)], [f("a", 3)]])
    lv = LayerViews(LayerTrees(image, accurate=True), view_capacity=0)
    assert isinstance(lv._stack(0).own, list)
    check(image, "huge sizes")


def test_patched_info_reads_like_the_list() -> None:
    base = [None, "a", "b", "c", "d"]
    p = views_mod.PatchedInfo(base, [1, 3], ["A", None])
    want = [None, "A", "b", None, "d"]
    assert list(p) == want and p.copy() == want and len(p) == 5
    assert p[-2] is None and p[-1] == "d" and p[1:4] == want[1:4]
