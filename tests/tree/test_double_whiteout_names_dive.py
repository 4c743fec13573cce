"""Names starting ``.wh..wh.`` in the dive-compatible view, against the real dive 0.13.1.

dive drops only names starting ``.wh..wh..`` (``doubleWhiteoutPrefix`` in
``dive/filetree/file_tree.go`` has three dots; :data:`layerscope.paths.DIVE_DROPPED_PREFIX`), so
``.wh..wh.foo`` is an ordinary node for it -- a whiteout of ``.wh.foo`` by its name -- while the
accurate view (the engines) skips every ``.wh..wh.*`` member (``test_double_whiteout_dirs.py``).
Seen with the real binary: a layer with the file ``.wh..wh.foo`` beside a rewritten ``a`` (1000 B)
gives 0.999 efficiency and 0 B wasted (the missing whiteout target ends the layer's visit before
``a``); a directory ``.wh..wh.foo/x`` is listed in the ``fileList`` (the directory is no leaf, so
its visit ends nothing).  These tests were strict xfails until the dive-compatible code took the
three-dot prefix.  Each case's answer is dive's own output: ``--json`` must be byte-identical and the
CI text and exit code equal.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fixtures.imagegen import M
from tests.dive_oracle import assert_same_as_dive, dive_unavailable

pytestmark = pytest.mark.skipif(dive_unavailable() is not None, reason=str(dive_unavailable()))

A1, A2, A3 = (M("a", "file", data=c * 1000) for c in (b"A", b"B", b"C"))


def _empty(name: str) -> M:
    return M(name, "file", data=b"")


CASES = {
    # a file ``.wh..wh.foo`` in an upper layer over a lower ``a``: a whiteout of the missing
    # ``.wh.foo``, which ends the layer's visit before ``a``
    "file-named-whwh": [[A1], [_empty(".wh..wh.foo"), A2]],
    # the same one directory down: the visit ends before ``d/a`` and the later ``z``
    "nested-file-named-whwh": [
        [M("d/", "dir"), M("d/a", "file", data=b"A" * 1000)],
        [M("d/", "dir"), _empty("d/.wh..wh.foo"), M("d/a", "file", data=b"B" * 1000), M("z", "file", data=b"z")],
    ],
    # a directory ``.wh..wh.foo`` with a child: listed, and (no leaf) its visit ends nothing
    "dir-named-whwh": [[A1], [M(".wh..wh.foo/", "dir"), M(".wh..wh.foo/x", "file", data=b"x"), A2]],
    # the child written again a layer later: it is in dive's stack, so it counts twice
    "dir-named-whwh-rewritten": [
        [A1],
        [M(".wh..wh.foo/", "dir"), M(".wh..wh.foo/x", "file", data=b"x" * 300)],
        [M(".wh..wh.foo/", "dir"), M(".wh..wh.foo/x", "file", data=b"y" * 300), A2],
    ],
    # layer 0's own whiteout node ``.wh.foo`` is in dive's stack (StackTreeRange copies layer 0):
    # ``.wh..wh.foo`` above it finds its target, so ``a`` counts; a layer later the node is gone
    "whwh-over-layer0-whiteout": [
        [_empty(".wh.foo"), A1],
        [_empty(".wh..wh.foo"), A2],
        [_empty(".wh..wh.foo"), A3],
    ],
    # ``.wh..wh.`` alone: a whiteout of ``.wh.``
    "bare-double-prefix": [[A1], [_empty(".wh..wh."), A2]],
    # names starting ``.wh..wh..`` are dropped: the opaque marker (dive ignores it) and others
    "name-with-dives-prefix": [[A1], [_empty(".wh..wh..foo"), A2]],
    "opaque-marker-dropped": [
        [M("d/", "dir"), M("d/x", "file", data=b"A" * 1000)],
        [M("d/", "dir"), _empty("d/.wh..wh..opq"), M("d/x", "file", data=b"B" * 1000)],
    ],
    "dir-with-dives-prefix": [[A1], [M(".wh..wh..x/", "dir"), M(".wh..wh..x/y", "file", data=b"y"), A2]],
}


# names around both prefixes, for generated stacks (a bare ``.wh.`` is left out: that whiteout of its
# own directory is another matter than the prefix)
NAMES = [
    "a",
    "b",
    "-a",
    ".wh.a",
    ".wh.b",
    ".wh.-a",
    ".wh..wh.a",
    ".wh..wh.-a",
    ".wh..wh.",
    ".wh..wh..a",
    ".wh..wh..opq",
]


def _generated(seed: int) -> list[list[M]]:
    """2-4 layers of up to 6 paths 1-3 names deep (directories for every parent), files of 0-1000 B."""
    r = random.Random(seed)
    layers = []
    for _ in range(r.randint(2, 4)):
        members: list[M] = []
        seen: set[str] = set()
        for _ in range(r.randint(1, 6)):
            parts = [r.choice(NAMES) for _ in range(r.randint(1, 3))]
            for k in range(1, len(parts)):
                d = "/".join(parts[:k]) + "/"
                if d not in seen:
                    seen.add(d)
                    members.append(M(d, "dir"))
            p = "/".join(parts)
            if p in seen or p + "/" in seen:
                continue
            if r.random() < 0.25:
                seen.add(p + "/")
                members.append(M(p + "/", "dir"))
            else:
                seen.add(p)
                members.append(M(p, "file", data=bytes([65 + r.randint(0, 3)]) * r.choice([0, 10, 100, 1000])))
        layers.append(members)
    return layers


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_and_ci_text_are_dives(name: str, tmp_path: Path) -> None:
    assert_same_as_dive(CASES[name], tmp_path)


@pytest.mark.parametrize("seed", range(12))
def test_generated_stacks_are_dives(seed: int, tmp_path: Path) -> None:
    """Random stacks of those names (150 seeds agreed with dive when this was written; the two-dot
    rule disagreed on 36 of 40)."""
    assert_same_as_dive(_generated(seed), tmp_path)
