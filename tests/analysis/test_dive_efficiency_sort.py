"""dive's row order: ``dive_efficiency.sort_rows`` against the line-by-line port of Go's
``sort.Sort`` (``golang.sort``), which is what dive runs.  With distinct sizes the shortcut
(Python's sort) must give the port's order; with ties the port itself decides."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.analysis import dive_efficiency as de
from layerscope.golang.sort import sort as go_sort


def _rows(sizes: list[int]) -> list[tuple[str, de._Rec]]:
    rows = []
    for i, size in enumerate(sizes):
        rec = de._Rec()
        rec.cum, rec.min, rec.count = size, 0, 2
        rows.append((f"p{i}", rec))
    return rows


def _go_order(sizes: list[int]) -> list[str]:
    rows = _rows(sizes)
    go_sort(de._ByCum(rows))
    return [k for k, _r in rows]


def _ours(sizes: list[int]) -> list[str]:
    rows = _rows(sizes)
    de.sort_rows(rows)
    return [k for k, _r in rows]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 1 << 40), max_size=300, unique=True))
def test_distinct_sizes_sort_as_go_does(sizes: list[int]) -> None:
    assert _ours(sizes) == _go_order(sizes)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=300))
def test_tied_sizes_come_out_in_go_order(sizes: list[int]) -> None:
    assert _ours(sizes) == _go_order(sizes)


def test_ties_are_not_python_order() -> None:
    """The fallback matters: on ties Go's unstable sort differs from a stable sort."""
    sizes = [i % 3 for i in range(100)]
    stable = [f"p{i}" for i in sorted(range(100), key=lambda i: sizes[i])]
    assert _go_order(sizes) != stable
    assert _ours(sizes) == _go_order(sizes)
