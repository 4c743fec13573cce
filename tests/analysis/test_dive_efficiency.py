"""dive's efficiency walk, checked against the numbers recorded from the
real binary — no binary needed here, so these run everywhere."""

from __future__ import annotations

import math

import pytest

from fixtures.catalog import CASES, EXPECTED_DIVE
from fixtures.imagegen import write_docker_save
from layerscope.analysis.dive_efficiency import dive_efficiency, ratio
from layerscope.image import TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.sources.archive import ReadOptions, read_archive


@pytest.mark.parametrize("name", sorted(EXPECTED_DIVE))
def test_reference_table(name, tmp_path):
    p = tmp_path / "x.tar"
    write_docker_save(p, CASES[name])
    a = dive_efficiency(read_archive(str(p), "x", ReadOptions()))
    wasted, eff, rows = EXPECTED_DIVE[name]
    assert a.wasted_bytes == wasted
    assert a.efficiency == eff
    assert [(r.count, r.size, r.path) for r in a.inefficient_files] == rows


def _e(path: str, size: int = 0, *, d: bool = False, h: int = 1) -> Entry:
    mode = (1 << 31 | 0o755) if d else 0o644
    return Entry(path, TYPE_DIR if d else TYPE_REG, "", size, mode, 0, 0, 0 if d else h)


def _img(*layers: list[Entry]) -> Image:
    return Image(
        "t",
        "docker-archive",
        [
            Layer(i, f"l{i}", f"l{i}/layer.tar", "", "", sum(e.size for e in es), list(es))
            for i, es in enumerate(layers)
        ],
    )


def test_kept_copy_counts_as_waste():
    a = dive_efficiency(_img([_e("f", 100)], [_e("f", 100, h=2)]))
    assert a.wasted_bytes == 200  # dive #684: both copies
    assert a.efficiency == 100 / 200


def test_dir_whiteout_counts_stacked_subtree_but_is_one_occurrence():
    # L0: d/ + d/a(10) ; L1: d/b(5) with a real d/ entry ; L2: .wh.d -> s = 0 + 10 + 5
    a = dive_efficiency(_img([_e("d", d=True), _e("d/a", 10)], [_e("d", d=True), _e("d/b", 5)], [_e(".wh.d")]))
    # /d is a leaf only in L2's tree: one occurrence -> not inefficient
    assert a.inefficient_files == []
    # sum of mins: /d/a 10, /d/b 5, /d 15 -> 30 ; cums identical -> efficiency 1
    assert a.efficiency == 1.0


def test_implicit_parent_replaces_dir_info_before_whiteout():
    # L1 adds d/b without a dir entry: stacking gives /d dive's empty info (IsDir false), so
    # the whiteout in L2 sizes it 0 instead of the subtree.
    a = dive_efficiency(_img([_e("d", d=True), _e("d/a", 10)], [_e("d/b", 5)], [_e(".wh.d")]))
    assert a.efficiency == 1.0  # 10 + 5 + 0 over the same


def test_missing_whiteout_abandons_rest_of_layer():
    a = dive_efficiency(_img([_e("a", 1000)], [_e(".wh.nothere"), _e("z", 7)]))
    assert a.efficiency == (1000 - 1) / 1000  # 'z' never visited; '/nothere' min = -1


def test_user_wasted_percent_edges():
    assert math.isnan(dive_efficiency(_img([_e("a", 5)])).user_wasted_percent)
    inf = dive_efficiency(_img([_e("a", 5)], [], [])).user_wasted_percent
    assert inf == 0 or math.isnan(inf)
    assert ratio(3, 0) == math.inf and math.isnan(ratio(0, 0)) and ratio(1, 4) == 0.25


def test_symlinked_duplicate_layer_is_empty_for_dive():
    layer = [_e("a", 100)]
    img = _img(layer, layer)
    img.layers[1].dive_empty = True
    a = dive_efficiency(img)
    assert (a.size_bytes, a.wasted_bytes) == (100, 0)
    img.layers[1].dive_empty = False
    assert dive_efficiency(img).wasted_bytes == 200
