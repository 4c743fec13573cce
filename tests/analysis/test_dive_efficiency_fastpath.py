"""The speed-ups of dive's efficiency walk keep its results and leave no trace behind.

* the rows are ordered by a keyed ``sort.Interface`` (``_ByCum``) instead of ``go_sort`` with a
  key function: both must run Go's pdqsort step for step, so ties (which dive leaves in an
  algorithm-defined order) come out identically;
* a layer whose paths hold no ``.wh.`` is visited and stacked in one walk (``_plain_layer``);
  the general path (``fused=False``) is the reference on generated stacks;
* the cyclic garbage collector is paused during the walk: the caller's setting must come back,
  also when a callback raises.
"""

from __future__ import annotations

import gc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.analysis import dive_efficiency as de
from layerscope.golang.sort import go_sort, sort
from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry, Image, Layer


def _rows(cums: list[int]) -> list[tuple[str, de._Rec]]:
    rows = []
    for i, cum in enumerate(cums):
        rec = de._Rec()
        rec.cum, rec.min, rec.count = cum, cum, 2
        rows.append((f"p{i}", rec))
    return rows


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), max_size=400))
def test_keyed_interface_orders_ties_as_go_sort(cums: list[int]) -> None:
    # few distinct keys and long lists: many ties, and lengths past the 12-element insertion sort
    reference = _rows(cums)
    go_sort(reference, lambda a, b: a[1].cum < b[1].cum)
    keyed = _rows(cums)
    sort(de._ByCum(keyed))
    assert [k for k, _ in keyed] == [k for k, _ in reference]


def test_keyed_interface_on_a_descending_run_with_ties() -> None:
    # a long pattern that drives pdqsort through its reverse/partial-insertion branches
    cums = [5] * 40 + list(range(60, 0, -1)) + [5] * 40
    reference = _rows(cums)
    go_sort(reference, lambda a, b: a[1].cum < b[1].cum)
    keyed = _rows(cums)
    sort(de._ByCum(keyed))
    assert [k for k, _ in keyed] == [k for k, _ in reference]


def _image() -> Image:
    def e(path: str, size: int, h: int) -> Entry:
        return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, h)

    layers = [[e("a", 10, 1), e("b", 3, 1)], [e("a", 10, 2)]]
    return Image(
        "t", "docker-archive", [Layer(i, f"l{i}", f"l{i}/layer.tar", "", "", 13, es) for i, es in enumerate(layers)]
    )


def test_gc_paused_during_walk_and_restored() -> None:
    seen: list[bool] = []
    assert gc.isenabled()
    a = de.dive_efficiency(_image(), lambda _layer, _tree: seen.append(gc.isenabled()))
    assert seen == [False, False]
    assert gc.isenabled()
    assert a.wasted_bytes == 20 and [r.path for r in a.inefficient_files] == ["/a"]


def test_gc_left_disabled_when_the_caller_disabled_it() -> None:
    gc.disable()
    try:
        de.dive_efficiency(_image())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gc_restored_when_a_callback_raises() -> None:
    def boom(_layer: Layer, _tree: object) -> None:
        raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError):
        de.dive_efficiency(_image(), boom)
    assert gc.isenabled()


# whiteouts of files, dirs, missing targets and their own directory, names sorting around ".wh.",
# a ".wh." inside a name (not a whiteout, but the fused walk's pre-check sees it), opaque names
NAMES = ["a", "b", "-a", "a.b", "x.wh.y", ".wh.a", ".wh.b", ".wh.-a", ".wh.", ".wh..wh..opq", ".wh..wh.x"]
PLAIN = ["a", "b", "-a", "a.b", "c"]


def _entry(path: str, is_dir: bool, size: int, h: int) -> Entry:
    if is_dir:
        return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, h)


def _layer_of(names: list[str]) -> st.SearchStrategy[list[Entry]]:
    paths = st.lists(st.sampled_from(names), min_size=1, max_size=3).map("/".join)
    return st.lists(st.builds(_entry, paths, st.booleans(), st.integers(0, 7), st.integers(0, 3)), max_size=10)


# most layers plain (the fused walk), some with whiteouts (the general path), in any order
stacks = st.lists(st.one_of(_layer_of(PLAIN), _layer_of(PLAIN), _layer_of(NAMES)), min_size=1, max_size=5)


def _summary(a: de.DiveEfficiency) -> tuple:
    return (
        repr(a.efficiency),
        a.wasted_bytes,
        repr(a.user_wasted_percent),
        a.size_bytes,
        a.user_size_bytes,
        [(r.path, r.count, r.size) for r in a.inefficient_files],
    )


@settings(max_examples=400, deadline=None)
@given(stacks)
def test_fused_walk_equals_the_general_path(layers: list[list[Entry]]) -> None:
    image = Image(
        "t",
        "docker-archive",
        [Layer(i, f"l{i}", f"l{i}/layer.tar", "", "", sum(e.size for e in es), es) for i, es in enumerate(layers)],
    )
    assert _summary(de._dive_efficiency(image, None, fused=True)) == _summary(
        de._dive_efficiency(image, None, fused=False)
    )


def _image_of(layers: list[list[Entry]]) -> Image:
    return Image("t", "docker-archive", [Layer(i, f"l{i}", "m", "", "", 0, es) for i, es in enumerate(layers)])


def test_fused_walk_stacks_the_sizes_a_later_dir_whiteout_counts() -> None:
    # L0 (plain) puts d/ and d/a (5) on the stack; L1 deletes d: 0 + 5; L2 (plain) brings d back
    # as a 1-byte file.  dive's row: /d twice, 6 bytes
    layers = [
        [_entry("d", True, 0, 0), _entry("d/a", False, 5, 1)],
        [_entry(".wh.d", False, 0, 0)],
        [_entry("d", False, 1, 1)],
    ]
    for fused in (True, False):
        a = de._dive_efficiency(_image_of(layers), None, fused=fused)
        assert [(r.path, r.count, r.size) for r in a.inefficient_files] == [("/d", 2, 6)], fused


def test_fused_walk_replaces_an_implicit_parent_info() -> None:
    # L0 (plain) has d only as the implicit parent of d/a; L1 (plain) gives d a directory entry,
    # so L2's whiteout of d sees a directory and counts its subtree (5 + 2); L3 adds d again
    layers = [
        [_entry("d/a", False, 5, 1)],
        [_entry("d", True, 0, 0), _entry("d/b", False, 2, 1)],
        [_entry(".wh.d", False, 0, 0)],
        [_entry("d", False, 1, 1)],
    ]
    for fused in (True, False):
        a = de._dive_efficiency(_image_of(layers), None, fused=fused)
        assert [(r.path, r.count, r.size) for r in a.inefficient_files] == [("/d", 2, 8)], fused


def test_fused_walk_reaches_files_over_directories_and_repeats() -> None:
    # plain layers only: a dir replaced by a file of the same path, an implicit parent, repeats
    layers = [
        [_entry("d", True, 0, 0), _entry("d/a", False, 5, 1), _entry("f", False, 3, 1)],
        [_entry("d", False, 7, 2), _entry("g/h", False, 2, 1)],
        [_entry("d/a", False, 5, 3), _entry("f", False, 3, 1), _entry("g", False, 1, 1)],
    ]
    fused = de._dive_efficiency(_image_of(layers), None, fused=True)
    assert _summary(fused) == _summary(de._dive_efficiency(_image_of(layers), None, fused=False))
    assert [(r.path, r.count) for r in fused.inefficient_files] != []
