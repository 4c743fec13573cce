"""The flat per-layer views (``tree/views.py``, the copy-on-write engine) against the independent
node-tree oracle (``tree_oracle.py``), node for node.

Every catalog image, every layer, both compare modes, both semantics (accurate and dive):
presence, mark and FileInfo of every path, and the path errors, must be identical.  Random
images with whiteouts, opaque markers and odd names are checked the same way.
"""

from __future__ import annotations

import random

import pytest
from tree_oracle import oracle_compare

from fixtures.catalog import CASES
from fixtures.imagegen import write_docker_save
from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.tree.marks import LayerTrees, TreeKey
from layerscope.tree.node import walk_pre
from layerscope.tree.views import T_MARK, LayerViews


def expected(lt: LayerTrees, index: int, aggregated: bool) -> tuple[dict[str, tuple[int, object]], list[str]]:
    root, errors = oracle_compare(lt.trees, TreeKey.for_layer(index, aggregated), accurate=lt.accurate)
    out = {"": (root.mark, root.info)}
    for names, node in walk_pre(root):
        out["/" + "/".join(names)] = (node.mark, node.info)
    return out, errors


def actual(views: LayerViews, index: int, aggregated: bool) -> tuple[dict[str, tuple[int, object]], list[str]]:
    st = views.view(index, aggregated)
    u = views.universe
    marks = st.code.translate(T_MARK)
    out = {}
    for i in range(len(u)):
        if st.code[i]:
            out[u.path[i]] = (marks[i], st.info[i])
            assert st.own[i] == (0 if st.info[i] is None else st.info[i].size)
        else:
            assert st.info[i] is None and st.own[i] == 0
    return out, st.errors


def check_image(image: Image, label: str) -> None:
    for accurate in (True, False):
        lt = LayerTrees(image, accurate=accurate)
        for order in ("up", "down"):  # checkpoints must not depend on the order views are asked
            views = LayerViews(LayerTrees(image, accurate=accurate, trees=lt.trees), max_checkpoints=3)
            idx = list(range(len(image.layers)))
            if order == "down":
                idx.reverse()
            for i in idx:
                for aggregated in (False, True):
                    want, werr = expected(lt, i, aggregated)
                    got, gerr = actual(views, i, aggregated)
                    where = f"{label} accurate={accurate} layer={i} aggregated={aggregated}"
                    assert set(got) == set(want), where
                    for p, (m, info) in want.items():
                        assert got[p][0] == m, (where, p)
                        assert got[p][1] is info, (where, p)
                    assert gerr == werr, where


@pytest.fixture(scope="module")
def catalog_images(tmp_path_factory):
    out = tmp_path_factory.mktemp("views")
    images = {}
    for name, spec in CASES.items():
        p = out / f"{name}.tar"
        write_docker_save(p, spec)
        try:
            images[name] = load_image("docker-archive", str(p), ReadOptions())
        except Exception:  # noqa: BLE001 - cases the reader refuses have no trees to show
            continue
    return images


@pytest.mark.parametrize("name", sorted(CASES))
def test_catalog_views_match_layer_trees(catalog_images, name):
    if name not in catalog_images:
        pytest.skip("the reader refuses this case")
    check_image(catalog_images[name], name)


def _image(*layers: list[Entry]) -> Image:
    return Image("t", "docker-archive", [Layer(i, f"l{i}", "", "", "", 0, list(es)) for i, es in enumerate(layers)])


def f(path: str, h: int = 1, mode: int = 0o644, size: int = 3) -> Entry:
    return Entry(path, TYPE_REG, "", size, mode, 0, 0, h)


def d(path: str, mode: int = 0o755) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, MODE_DIR | mode, 0, 0, 0)


def test_edge_cases_match():
    cases = {
        "readd": _image(
            [f("keep"), f("gone"), d("dd"), f("dd/x")],
            [f("new", 2), f(".wh.gone", 0), f(".wh.dd", 0)],
            [f("new", 3), f("gone", 4), f("dd/y")],
        ),
        "missing-whiteout": _image([f("a")], [f(".wh.nothere", 0), f("b")]),
        "sorts-before-dot": _image([f("-x"), f("x")], [f("-x", 2), f(".wh.-x", 0), f(".wh.x", 0), f("x", 5)]),
        "whiteout-dir-children": _image([d("a"), f("a/b")], [f(".wh.a/c"), f("a/b", 2)], [f("a/.wh.b")]),
        "bare-wh": _image([d("a"), f("a/b")], [f("a/.wh.", 0)], [f(".wh.", 0)]),
        "opaque": _image(
            [d("a"), f("a/x"), d("a/s"), f("a/s/t")], [d("a"), f("a/.wh..wh..opq", 0), f("a/y")], [f("a/x", 7)]
        ),
        "layer0-whiteouts": _image([f(".wh.foo", 0), f("a"), d("p"), f("p/q"), f("p/.wh..wh..opq", 0)], [f("a", 2)]),
        "file-replaces-dir": _image([d("a"), f("a/b"), f("a/c")], [f("a", 2)], [d("a"), f("a/z")]),
        "implicit-parents": _image([f("u/v/w")], [d("u", 0o700), f("u/v/w", 2)], [f("u/v/k")]),
        "empty": _image([], []),
    }
    for label, image in cases.items():
        check_image(image, label)


def test_random_images_match():
    rng = random.Random(4)
    names = ["a", "b", "c", "-d", "e.f"]
    for case in range(60):
        layers = []
        for _ in range(rng.randint(1, 5)):
            entries = []
            for _ in range(rng.randint(0, 9)):
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
                    entries.append(f("/".join(parts), rng.randint(1, 3), rng.choice([0o644, 0o600])))
            layers.append(entries)
        check_image(_image(*layers), f"random-{case}")
