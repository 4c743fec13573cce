"""Tests for ``golang.sort.sort_keyed``, the specialised pdqsort over (keys, rows) lists.

``sort_keyed`` must order ties exactly as the generic line-by-line port (``golang.sort.sort``)
does, since that port is what reproduces dive's (Go 1.24's) tie order.  So the oracle here is the
generic port run on the same Interface, plus Go's own output in ``gosort_oracle.json`` (the cases
``test_sort.py`` checks the generic port against).  Inputs are tie-heavy on purpose, and a
McIlroy "antiqsort" adversary (run against the generic port) builds inputs that exhaust pdqsort's
bad-pivot limit, so ``break_patterns`` and ``heap_sort`` are compared too, not only the common path.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.golang import sort as gosort
from layerscope.golang.sort import sort_keyed


class _KeyedInterface:
    """The generic port's view of the same sort: Less on keys, Swap on keys and tags together."""

    def __init__(self, keys: list[int]) -> None:
        self.keys = keys = list(keys)
        self.tags = tags = list(range(len(keys)))

        def less(i: int, j: int) -> bool:
            return keys[i] < keys[j]

        def swap(i: int, j: int) -> None:
            keys[i], keys[j] = keys[j], keys[i]
            tags[i], tags[j] = tags[j], tags[i]

        self.less = less
        self.swap = swap

    def len(self) -> int:
        return len(self.keys)


def generic_tags(keys: list[int]) -> list[int]:
    data = _KeyedInterface(keys)
    gosort.sort(data)
    return data.tags


def keyed_tags(keys: list[int]) -> list[int]:
    k = list(keys)
    tags = list(range(len(k)))
    sort_keyed(k, tags)
    assert k == [keys[t] for t in tags], "keys and rows were not swapped together"
    return tags


def make_keys(pattern: str, n: int, distinct: int, seed: int) -> list[int]:
    rnd = random.Random(seed)
    if pattern == "random":
        return [rnd.randrange(distinct) for _ in range(n)]
    if pattern == "sorted":
        return sorted(rnd.randrange(distinct) for _ in range(n))
    if pattern == "reversed":
        return sorted((rnd.randrange(distinct) for _ in range(n)), reverse=True)
    if pattern == "sawtooth":
        return [i % distinct for i in range(n)]
    if pattern == "organpipe":
        return [min(i, n - 1 - i) % distinct for i in range(n)]
    if pattern == "nearlysorted":
        keys = sorted(rnd.randrange(distinct) for _ in range(n))
        for _ in range(rnd.randrange(1, 6)):
            if n >= 2:
                x, y = rnd.randrange(n), rnd.randrange(n)
                keys[x], keys[y] = keys[y], keys[x]
        return keys
    if pattern == "descsamples":
        # Random ties, but the nine ninther samples strictly decreasing: decreasingHint on an
        # unsorted range, so the reversal and the partialInsertionSort after it both matter.
        keys = [rnd.randrange(distinct) for _ in range(n)]
        q = n // 4
        if n >= 50:
            samples = [x + o for x in (q, 2 * q, 3 * q) for o in (-1, 0, 1)]
            for rank, at in enumerate(samples):
                keys[at] = distinct + len(samples) - rank
        return keys
    assert pattern == "adversary"
    return adversary_keys(n, max(1, n // max(distinct, 1)))


def adversary_keys(n: int, tie_every: int) -> list[int]:
    """McIlroy's antiqsort against the generic port: keys that make its pivots bad, with ties.

    Every item starts as "gas" (bigger than any frozen item); when two gas items are compared one
    is frozen to the next value, and ``tie_every`` consecutive freezes share a value.  The answers
    are consistent with the keys returned, so sorting those keys repeats the same bad pivots."""
    val: list[int | None] = [None] * n
    pos = list(range(n))
    state = {"next": 0, "candidate": 0}

    class Adversary:
        def len(self) -> int:
            return n

        def less(self, i: int, j: int) -> bool:
            x, y = pos[i], pos[j]
            if val[x] is None and val[y] is None:
                z = x if x == state["candidate"] else y
                val[z] = state["next"] // tie_every
                state["next"] += 1
            vx, vy = val[x], val[y]
            if vx is None:
                state["candidate"] = x
                return False
            if vy is None:
                state["candidate"] = y
                return True
            return vx < vy

        def swap(self, i: int, j: int) -> None:
            pos[i], pos[j] = pos[j], pos[i]

    gosort.sort(Adversary())
    top = state["next"] // tie_every + 1
    return [top if v is None else v for v in val]


def generic_paths(keys: list[int], monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Which of the generic port's rarer helpers sorting `keys` runs (and how often)."""
    seen: Counter = Counter()
    with monkeypatch.context() as m:
        for name in ("heap_sort", "break_patterns", "partition_equal", "reverse_range", "partial_insertion_sort"):
            real = getattr(gosort, name)

            def spy(*args, _real=real, _name=name):
                seen[_name] += 1
                result = _real(*args)
                if _name == "partial_insertion_sort":  # (data, a, b): did it shift, did it finish
                    seen[(_name, args[2] - args[1] >= 50, result)] += 1
                return result

            m.setattr(gosort, name, spy)
        generic_tags(keys)
    return seen


# --- the specialised sort is the generic port --------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=3), max_size=400))
def test_few_distinct_keys_same_permutation(keys):
    assert keyed_tags(keys) == generic_tags(keys)


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=5000),
    distinct=st.integers(min_value=1, max_value=60),
    pattern=st.sampled_from(
        ["random", "sorted", "reversed", "sawtooth", "organpipe", "nearlysorted", "descsamples", "adversary"]
    ),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_patterns_up_to_5000_same_permutation(n, distinct, pattern, seed):
    keys = make_keys(pattern, n, distinct, seed)
    assert keyed_tags(keys) == generic_tags(keys)


@pytest.mark.parametrize(("n", "tie_every"), [(1000, 2), (1000, 5), (3000, 2), (3000, 3), (3000, 5)])
def test_limit_exhausted_break_patterns_and_heap_sort_same_permutation(n, tie_every, monkeypatch):
    keys = adversary_keys(n, tie_every)
    assert len(set(keys)) < n  # ties, so heap_sort's tie order is checked
    paths = generic_paths(keys, monkeypatch)
    assert paths["heap_sort"] >= 1 and paths["break_patterns"] >= 1, paths
    assert keyed_tags(keys) == generic_tags(keys)


def test_every_rare_path_is_compared(monkeypatch):
    # The property tests only prove what they exercise: fixed inputs that reach each helper.
    cases = [
        make_keys("reversed", 400, 3, 1),  # ties: partition_equal after a reversed start
        make_keys("reversed", 400, 10**6, 1),  # decreasingHint -> reverse_range
        make_keys("descsamples", 400, 5, 1),  # ... then partial_insertion_sort on unsorted data
        make_keys("sorted", 400, 5, 2),  # partial_insertion_sort returns True
        make_keys("sorted", 30, 5, 2),  # ... on a range too short to shift
        make_keys("nearlysorted", 400, 50, 3),  # partial_insertion_sort shifts
        make_keys("random", 2000, 4, 4),  # partition_equal
        adversary_keys(3000, 2),  # break_patterns, heap_sort
    ]
    seen: Counter = Counter()
    for keys in cases:
        seen += generic_paths(keys, monkeypatch)
        assert keyed_tags(keys) == generic_tags(keys)
    assert {"heap_sort", "break_patterns", "partition_equal", "reverse_range"} <= set(seen)
    for long_enough_to_shift in (False, True):
        for sorted_now in (False, True):
            assert ("partial_insertion_sort", long_enough_to_shift, sorted_now) in seen, seen


# --- Go's own answers -------------------------------------------------------------

_ORACLE = json.loads(Path(__file__).with_name("gosort_oracle.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", _ORACLE["cases"], ids=[c["name"] for c in _ORACLE["cases"]])
def test_matches_go_sort_sort(case):
    assert keyed_tags(case["keys"]) == case["tags"]


# --- the entry point --------------------------------------------------------------


def test_rows_of_any_type_follow_their_keys():
    keys = [3, 1, 2, 1, 0, 3, 2, 2, 1, 0, 0, 3, 1, 2, 3]
    rows = [(f"/f{i}", object()) for i in range(len(keys))]
    before = list(zip(keys, rows, strict=True))
    k = list(keys)
    sort_keyed(k, rows)
    assert k == sorted(keys)
    assert sorted(zip(k, rows, strict=True), key=lambda kr: id(kr[1])) == sorted(before, key=lambda kr: id(kr[1]))
    assert [r[0] for r in rows] == [f"/f{t}" for t in generic_tags(keys)]


def test_short_lists_and_length_mismatch():
    for keys in ([], [5]):
        rows = list(range(len(keys)))
        sort_keyed(list(keys), rows)
        assert rows == list(range(len(keys)))
    with pytest.raises(ValueError, match="sort_keyed"):
        sort_keyed([1, 2, 3], [1, 2])


@pytest.mark.parametrize(
    "pattern", ["random", "sorted", "reversed", "sawtooth", "organpipe", "nearlysorted", "descsamples"]
)
@pytest.mark.parametrize("distinct", [2, 7, 40])
def test_5000_rows_same_permutation(pattern, distinct):
    keys = make_keys(pattern, 5000, distinct, distinct)
    assert keyed_tags(keys) == generic_tags(keys)
