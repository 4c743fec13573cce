"""Tests for layerscope.golang.sort, our port of Go's unstable sort.Sort.

The port exists so that items whose sort keys tie come out in exactly the
order dive (built with Go 1.24) gives them.  The strongest checks here are
the oracle cases at the bottom: inputs sorted by Go 1.24's own sort.Sort
(tests/golang/gosort_oracle.go), whose output is the data file
tests/golang/gosort_oracle.json.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.golang import sort as gosort
from layerscope.golang.sort import XorShift, go_sort


def by_key(a, b):
    return a[0] < b[0]


def tags_after_go_sort(keys):
    """Sort (key, tag) items, tag = input index, by key; return the tags."""
    items = [(k, i) for i, k in enumerate(keys)]
    go_sort(items, by_key)
    return [t for _, t in items]


def stable_tags(keys):
    return sorted(range(len(keys)), key=lambda i: keys[i])


def assert_sorted_permutation(keys, tags):
    assert sorted(tags) == list(range(len(keys))), "not a permutation of the input"
    out = [keys[t] for t in tags]
    assert all(out[i] <= out[i + 1] for i in range(len(out) - 1)), "not sorted"


# --- properties ----------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=3), max_size=300))
def test_sorted_permutation_small_key_range(keys):
    assert_sorted_permutation(keys, tags_after_go_sort(keys))


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=2000),
    distinct=st.integers(min_value=1, max_value=2001),
    pattern=st.sampled_from(["random", "sorted", "reversed", "sawtooth", "organpipe"]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_sorted_permutation_up_to_2000(n, distinct, pattern, seed):
    rnd = random.Random(seed)
    if pattern == "random":
        keys = [rnd.randrange(distinct) for _ in range(n)]
    elif pattern == "sorted":
        keys = sorted(rnd.randrange(distinct) for _ in range(n))
    elif pattern == "reversed":
        keys = sorted((rnd.randrange(distinct) for _ in range(n)), reverse=True)
    elif pattern == "sawtooth":
        keys = [i % distinct for i in range(n)]
    else:
        keys = [min(i, n - 1 - i) % distinct for i in range(n)]
    assert_sorted_permutation(keys, tags_after_go_sort(keys))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=3), max_size=12))
def test_up_to_12_items_is_insertion_sort_so_ties_keep_input_order(keys):
    assert tags_after_go_sort(keys) == stable_tags(keys)


def test_go_sort_sorts_plain_values_in_place():
    data = [5, 3, 9, 1, 1, 7, 0, 2, 8, 6, 4, 3, 2, 9, 0]
    assert go_sort(data, lambda a, b: a < b) is None
    assert data == sorted(data)


# --- a hand trace ----------------------------------------------------------------


def test_13_items_hand_trace_is_not_stable():
    # Tags are the input positions; every key is 1 except tag 6's, which is 0.
    #
    # Sort: n=13, limit=bits.Len(13)=4, pdqsort(0, 13).
    # length 13 > 12, so no insertion sort yet.
    # choosePivot: l=13 -> i=3, j=6, k=9 (median of three, l < 50):
    #   order2(3, 6): Less(6, 3) (0 < 1) true  -> swaps=1, (a, b) = (6, 3)
    #   order2(3, 9): Less(9, 3) false         -> (b, c) = (3, 9)
    #   order2(6, 3): Less(3, 6) false         -> b = 3
    #   pivot=3, swaps=1 -> unknownHint, so no partialInsertionSort; a == 0,
    #   so no partitionEqual.
    # partition(0, 13, 3): Swap(0, 3) -> tags [3 1 2 0 4 5 6 7 8 9 10 11 12].
    #   i=1: Less(1, 0) false, i stays 1.
    #   j=12 walks down while !Less(j, 0) (keys equal) and stops at j=6 (key 0).
    #   Swap(1, 6)                 -> [3 6 2 0 4 5 1 7 8 9 10 11 12], i=2, j=5.
    #   i=2: Less(2, 0) false; j walks down from 5 to 1 (all ties) -> i > j.
    #   Swap(j=1, 0)               -> [6 3 2 0 4 5 1 7 8 9 10 11 12]; mid=1.
    # leftLen=1, rightLen=11, threshold 13/8=1 -> balanced; pdqsort(0, 1) is a
    # no-op, then a=2 leaves length 11 <= 12: insertionSort(2, 13) moves
    # nothing, since all keys there are equal.
    # So the tied 1-keys come out as 3 2 0 4 5 1 7 ..., not 0 1 2 3 4 5 7 ...
    # (Go 1.24.11's sort.Sort on the same input gives the same order.)
    keys = [1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
    got = tags_after_go_sort(keys)
    assert got == [6, 3, 2, 0, 4, 5, 1, 7, 8, 9, 10, 11, 12]
    assert got != stable_tags(keys)


# --- pieces of the algorithm -----------------------------------------------------


def test_xorshift_matches_hand_computation_and_stays_64_bit():
    # r=1: r ^= r<<13 -> 8193; r ^= r>>7 -> 8193^64 = 8257;
    # r ^= r<<17 -> 8257 + 8257<<17 (no overlapping bits) = 1082269761.
    assert XorShift(1).next() == 1082269761
    r = XorShift(400)
    values = [r.next() for _ in range(1000)]
    assert all(0 <= v < 2**64 for v in values)
    assert max(values) >= 2**63  # the high bit is used, so masking matters


def test_next_power_of_two_is_go_bits_len_shift():
    # Go: 1 << bits.Len(uint(length)); for a power of two that is the *next* one.
    assert [gosort.next_power_of_two(n) for n in (8, 12, 13, 16, 400)] == [
        16,
        16,
        16,
        32,
        512,
    ]


class _Recorder:
    """A sort.Interface that records how it is used, to test the entry point."""

    def __init__(self, keys):
        self.keys = list(keys)
        self.calls = 0

    def len(self):
        return len(self.keys)

    def less(self, i, j):
        self.calls += 1
        return self.keys[i] < self.keys[j]

    def swap(self, i, j):
        self.keys[i], self.keys[j] = self.keys[j], self.keys[i]


def test_sort_accepts_any_interface_and_skips_n_below_2():
    one = _Recorder([1])
    gosort.sort(one)
    assert one.calls == 0
    many = _Recorder([3, 1, 2, 0, 5, 4, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    gosort.sort(many)
    assert many.keys == sorted(many.keys)


# --- oracle: Go 1.24's own sort.Sort ---------------------------------------------

# Generated by tests/golang/gosort_oracle.go (its "regenerate" field says how); do not edit.
ORACLE_FILE = Path(__file__).with_name("gosort_oracle.json")


def _load_oracle() -> tuple[str, list[tuple], list[tuple]]:
    """The oracle file as (Go version, byKey cases, byHash cases), in the tuple shapes below."""
    data = json.loads(ORACLE_FILE.read_text(encoding="utf-8"))
    cases = [(c["name"], c["keys"], c["tags"]) for c in data["cases"]]
    hash_cases = [(c["name"], c["n"], c["p"], c["seed"], c["tags"]) for c in data["hash_cases"]]
    return data["go_version"], cases, hash_cases


# (name, keys, tags in the order Go's sort.Sort left them) and
# (name, n, p, seed, tags in Go's order) for byHash
ORACLE_GO_VERSION, ORACLE_CASES, ORACLE_HASH_CASES = _load_oracle()


def test_oracle_data_is_from_go_1_24():
    assert ORACLE_GO_VERSION.startswith("go1.24")
    assert len(ORACLE_CASES) >= 40


@pytest.mark.parametrize("name, keys, expected", ORACLE_CASES, ids=[c[0] for c in ORACLE_CASES])
def test_matches_go_sort_sort(name, keys, expected):
    assert tags_after_go_sort(keys) == expected


_MASK64 = 2**64 - 1


def _mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def hash_less(p, seed):
    """The oracle's byHash.Less on tags: true with probability p/256 per ordered pair."""

    def less(x, y):
        return _mix64((seed * 0x9E3779B97F4A7C15 + (x << 16) + y) & _MASK64) & 0xFF < p

    return less


@pytest.mark.parametrize(
    "name, n, p, seed, expected",
    ORACLE_HASH_CASES,
    ids=[c[0] for c in ORACLE_HASH_CASES],
)
def test_matches_go_sort_sort_with_inconsistent_less(name, n, p, seed, expected):
    # Less is a coin flip per ordered pair of tags.  The result is no order
    # at all, but it is deterministic, and any comparison or swap the port
    # makes differently from Go shows up in it.
    tags = list(range(n))
    go_sort(tags, hash_less(p, seed))
    assert tags == expected


def test_oracle_reaches_every_path_of_pdqsort(monkeypatch):
    # The oracle only proves what it exercises: check that its cases drive
    # the port through every branch that can change the result.
    seen = set()
    for fname in ("heap_sort", "break_patterns", "partition_equal", "reverse_range"):
        real = getattr(gosort, fname)

        def spy(*args, _real=real, _fname=fname):
            seen.add(_fname)
            return _real(*args)

        monkeypatch.setattr(gosort, fname, spy)
    real_pis = gosort.partial_insertion_sort

    def pis(data, a, b):
        sorted_now = real_pis(data, a, b)
        seen.add(("partial_insertion_sort", b - a >= 50, sorted_now))
        return sorted_now

    monkeypatch.setattr(gosort, "partial_insertion_sort", pis)
    for _, keys, _ in ORACLE_CASES:
        tags_after_go_sort(keys)
    for _, n, p, seed, _ in ORACLE_HASH_CASES:
        go_sort(list(range(n)), hash_less(p, seed))
    assert {"heap_sort", "break_patterns", "partition_equal", "reverse_range"} <= seen
    for long_enough_to_shift in (False, True):
        for sorted_now in (False, True):
            assert ("partial_insertion_sort", long_enough_to_shift, sorted_now) in seen


def test_oracle_shows_unstable_tie_order_above_12_items():
    unstable = [name for name, keys, expected in ORACLE_CASES if expected != stable_tags(keys)]
    assert len(unstable) >= 20


def test_oracle_pins_go_1_24_xorshift(monkeypatch):
    # Go 1.19-1.23 used the shifts 13, 17, 5 in xorshift.Next.  With those
    # the port no longer reproduces Go 1.24 on the cases where breakPatterns
    # runs, so the oracle really checks the generator (and its 64-bit wrap).
    mask = 2**64 - 1

    def next_go_1_19(self):
        r = self.r
        r ^= (r << 13) & mask
        r ^= r >> 17
        r ^= (r << 5) & mask
        self.r = r
        return r

    monkeypatch.setattr(XorShift, "next", next_go_1_19)
    differing = [name for name, keys, expected in ORACLE_CASES if tags_after_go_sort(keys) != expected]
    for name, n, p, seed, expected in ORACLE_HASH_CASES:
        tags = list(range(n))
        go_sort(tags, hash_less(p, seed))
        if tags != expected:
            differing.append(name)
    assert len(differing) >= 10


def test_oracle_file_names_its_generator_and_how_to_rerun_it():
    # The data is only trustworthy while it is what the generator prints: the file has to say
    # which program made it and the command that remakes it, and that program must be here.
    data = json.loads(ORACLE_FILE.read_text(encoding="utf-8"))
    generator = data["generated_by"]
    assert (Path(__file__).parents[2] / generator).is_file()
    assert data["regenerate"].startswith(f"go run {generator} > tests/golang/{ORACLE_FILE.name}")
    assert "Go 1.24" in data["regenerate"]
