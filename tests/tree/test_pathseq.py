"""``PathSeq`` (the UI's paths, built on demand) against paths built the obvious way.

Why: the explorer's model once stored one string per node, which costs O(depth × length) a
path (tests/hardening/test_deep_path_memory.py); ``PathSeq`` must give the very same strings by lookup and by
iteration, in
every branch of its bounded iteration (shallow levels, budgeted chain, joined names)."""

from __future__ import annotations

import random

import pytest

from layerscope.tree.views import PathSeq


def _random_preorder(rng: random.Random, n: int, max_depth: int) -> tuple[list[str], list[int], list[int]]:
    """A random tree in preorder: (names, parent, depth), the root at index 0."""
    names, parent, depth = [""], [-1], [0]
    chain = [0]  # indices of the current root-to-node chain
    for _ in range(n):
        # go up a random amount, then add a child (deep chains are likely)
        keep = rng.randint(1, len(chain)) if rng.random() < 0.3 else len(chain)
        del chain[keep:]
        if len(chain) > max_depth:
            del chain[max_depth:]
        p = chain[-1]
        names.append(rng.choice(["a", "bb", "c" * rng.randint(1, 9), "é", "d.e"]))
        parent.append(p)
        depth.append(depth[p] + 1)
        chain.append(len(names) - 1)
    return names, parent, depth


def _ends(parent: list[int]) -> list[int]:
    """One past each node's subtree (the preorder's ``end``)."""
    end = list(range(1, len(parent) + 1))
    for i in range(len(parent) - 1, 0, -1):
        end[parent[i]] = max(end[parent[i]], end[i])
    return end


def _expected(names: list[str], parent: list[int]) -> list[str]:
    out = [""]
    for i in range(1, len(names)):
        out.append(out[parent[i]] + "/" + names[i])
    return out


@pytest.mark.parametrize("shallow,budget", [(32, 1 << 22), (2, 1 << 22), (2, 40), (0, 0), (3, 7)])
def test_iteration_and_lookup_give_the_obvious_paths(
    shallow: int, budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PathSeq, "SHALLOW", shallow)
    monkeypatch.setattr(PathSeq, "ITER_CHARS", budget)
    rng = random.Random(shallow * 1000 + budget)
    for _ in range(20):
        names, parent, depth = _random_preorder(rng, rng.randint(0, 300), rng.randint(1, 60))
        want = _expected(names, parent)
        seq = PathSeq(names, parent, depth, _ends(parent))
        assert list(seq) == want
        assert len(seq) == len(want)
        order = list(range(len(want)))
        rng.shuffle(order)
        assert [seq[i] for i in order] == [want[i] for i in order]
        assert seq[-1] == want[-1] and seq[1:4] == want[1:4]


def test_lookup_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long chain looked up node by node keeps at most ``CACHE_CHARS`` characters cached."""
    monkeypatch.setattr(PathSeq, "CACHE_CHARS", 1000)
    n = 2000
    names = [""] + ["x" * 10] * n
    parent = [-1] + list(range(n))
    depth = list(range(n + 1))
    seq = PathSeq(names, parent, depth, _ends(parent))
    want = _expected(names, parent)
    for i in range(n + 1):
        assert seq[i] == want[i]
        assert seq._chars <= 1000
        assert sum(map(len, seq._cache.values())) == seq._chars


def test_out_of_range_is_an_index_error() -> None:
    seq = PathSeq(["", "a"], [-1, 0], [0, 1], [2, 2])
    with pytest.raises(IndexError):
        seq[2]
    assert list(PathSeq([], [], [], [])) == []
