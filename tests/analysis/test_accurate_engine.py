"""``accurate_waste`` (a top-down fate analysis on interned path ids) and the accurate
copy-on-write engine (``tree/cow.py``, a bottom-up stack, behind ``report.snapshot.final_files``
and the explorer) are two algorithms for one set of overlay rules.  They must agree on which
files the final image holds: for every catalog and waste case without hardlinks (a live hardlink
keeps a dead target's bytes, which only the waste analysis models), the live entries of the one
are exactly the final files of the other, and the live bytes add up."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures import catalog, waste_cases
from fixtures.imagegen import write_docker_save
from layerscope.analysis.accurate import accurate_waste
from layerscope.analysis.dive_efficiency import dive_efficiency
from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_LINK, TYPE_REG, Entry, Image, Layer
from layerscope.report.snapshot import final_files
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions

SPECS = {f"catalog:{k}": v for k, v in catalog.CASES.items()} | {
    f"waste:{k}": make().spec for k, make in waste_cases.CASES.items()
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_live_files_are_the_final_files(name: str, tmp_path) -> None:
    archive = tmp_path / "i.tar"
    write_docker_save(str(archive), SPECS[name])
    image = load_image("docker-archive", str(archive), ReadOptions())
    if any(e.typeflag == TYPE_LINK for layer in image.layers for e in layer.entries):
        pytest.skip("hardlinks: a live link keeps its dead target, by design of the waste analysis")
    waste = accurate_waste(image)
    live = {"/" + e.path: e.size for _layer, e in waste.live}
    assert live == final_files(image)
    assert waste.live_bytes == sum(live.values())


NAMES = ["a", "b", "-a", ".wh.a", ".wh.b", ".wh.-a", ".wh..wh..opq", ".wh..wh.x"]
# directories on the way: ordinary names, and ``.wh..wh.*`` ones, which docker and containerd
# unpack as ordinary directories (what is under them is in the final image); a ``.wh.x``
# directory (a whiteout *and* a directory) is left out: no tool writes one
DIRS = ["a", "b", "-a", ".wh..wh..opq", ".wh..wh.x"]
members = st.tuples(
    st.tuples(st.lists(st.sampled_from(DIRS), max_size=2), st.sampled_from(NAMES)).map(
        lambda t: "/".join([*t[0], t[1]])
    ),
    st.booleans(),
)


def _entry(path: str, is_dir: bool, k: int) -> Entry:
    if is_dir:
        return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)
    return Entry(path, TYPE_REG, "", k + 1, 0o644, 0, 0, k + 1)


def _tar(i: int, ms: list[tuple[str, bool]], explicit: bool) -> list[Entry]:
    """The layer's entries; with ``explicit`` each is preceded by entries for its parent
    directories, as most tars have them, else the parents are implicit (over a lower file, the
    engines make them directories)."""
    out: list[Entry] = []
    for k, (p, is_dir) in enumerate(ms):
        parts = p.split("/")
        if explicit:
            out += [_entry("/".join(parts[:n]), True, 0) for n in range(1, len(parts))]
        out.append(_entry(p, is_dir, 10 * i + k))
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.lists(members, max_size=6), st.booleans()), min_size=1, max_size=4))
def test_generated_stacks_agree(layers) -> None:
    """Whiteouts of files and dirs, opaque markers, files over dirs and dirs over files, several
    copies of one path in a tar, in any order; a file and paths under it in one tar; paths under
    ``.wh..wh.*`` directories; implicit parents over lower files."""
    image = Image(
        "x", "docker-archive", [Layer(i, str(i), "", "", "", 0, _tar(i, ms, ex)) for i, (ms, ex) in enumerate(layers)]
    )
    live = {"/" + e.path: e.size for _layer, e in accurate_waste(image).live}
    assert live == final_files(image) == _final_files_as_a_snapshot_does(image)


def _final_files_as_a_snapshot_does(image: Image) -> dict[str, int]:
    """``report.snapshot``'s call: dive's layer trees reused where the accurate ones are the same."""
    trees: list = []
    dive_efficiency(image, lambda _layer, tree: trees.append(tree))
    return final_files(image, trees)


# What the real engines make of these layers (``test_accurate_real_engine.py`` runs them through
# ``docker load`` on overlay2 and containerd's ``ctr images import`` + ``ctr images mount``; both
# agree): the final non-directories.  Here without an engine, so they hold wherever tests run.
def _f(path: str, size: int) -> Entry:
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, size)


def _d(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)


REAL = {
    # an implicit parent over a lower file: a directory, the file is gone
    "implicit parent over a file": ([[_f("a", 6), _f("k", 1)], [_f("a/b", 2)]], {"/a/b": 2, "/k": 1}),
    "implicit parent of a whiteout over a file": ([[_f("a", 6), _f("k", 1)], [_f("a/.wh.b", 0)]], {"/k": 1}),
    "implicit parent of a marker over a file": ([[_f("a", 6), _f("k", 1)], [_f("a/.wh..wh..opq", 0)]], {"/k": 1}),
    "implicit parent of a .wh..wh. name over a file": ([[_f("a", 6), _f("k", 1)], [_f("a/.wh..wh.foo", 0)]], {"/k": 1}),
    # paths under .wh..wh.* directories are ordinary paths; a marker *directory* still marks
    "under .wh..wh. dirs": (
        [[_d("a"), _f("a/f", 1)], [_f(".wh..wh.foo/x", 1), _f("a/.wh..wh.bar/y", 1)]],
        {"/.wh..wh.foo/x": 1, "/a/.wh..wh.bar/y": 1, "/a/f": 1},
    ),
    "under an opaque marker dir": (
        [[_d("a"), _f("a/f", 1), _f("g", 1)], [_d("a"), _d("a/.wh..wh..opq"), _f("a/.wh..wh..opq/y", 1)]],
        {"/a/.wh..wh..opq/y": 1, "/g": 1},
    ),
    # a file written after paths under it (containerd: the file replaces them; docker: the same
    # when the tar names no path twice); a lower file under it is gone either way
    "a file after paths under it": ([[_d("a"), _f("a/c", 7)], [_f("a/b", 2), _f("a", 6)]], {"/a": 6}),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_what_the_real_engines_give(name: str) -> None:
    layers, want = REAL[name]
    image = Image("x", "docker-archive", [Layer(i, str(i), "", "", "", 0, es) for i, es in enumerate(layers)])
    assert final_files(image) == want
    assert _final_files_as_a_snapshot_does(image) == want
    assert {"/" + e.path: e.size for _layer, e in accurate_waste(image).live} == want
