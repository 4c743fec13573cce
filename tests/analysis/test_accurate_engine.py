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


NAMES = ["a", "b", "-a", ".wh.a", ".wh.b", ".wh.-a", ".wh..wh..opq"]
# whiteout names only as the last component: a ``.wh.`` *directory* (``.wh..wh..opq/a``) is read
# differently on purpose for now (the tree builder drops ``.wh..wh.*`` dirs as dive does, the waste
# analysis keeps what is under them); see the report to the lead
members = st.tuples(
    st.tuples(st.lists(st.sampled_from(NAMES[:3]), max_size=2), st.sampled_from(NAMES)).map(
        lambda t: "/".join([*t[0], t[1]])
    ),
    st.booleans(),
)


def _entry(path: str, is_dir: bool, k: int) -> Entry:
    if is_dir:
        return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)
    return Entry(path, TYPE_REG, "", k + 1, 0o644, 0, 0, k + 1)


def _tar(i: int, ms: list[tuple[str, bool]]) -> list[Entry]:
    """The layer's entries, each preceded by explicit entries for its parent directories, as
    real tars have them (an *implicit* parent over a lower file is read two ways for now: the
    trees keep the file's metadata, the waste analysis counts the file as hidden)."""
    out: list[Entry] = []
    for k, (p, is_dir) in enumerate(ms):
        parts = p.split("/")
        out += [_entry("/".join(parts[:n]), True, 0) for n in range(1, len(parts))]
        out.append(_entry(p, is_dir, 10 * i + k))
    return out


def _file_with_children(layer: list[tuple[str, bool]]) -> bool:
    """A tar that writes a non-directory ``a`` and also ``a/…``: malformed, and read two ways on
    purpose for now (the trees keep both, the waste analysis lets ``a`` hide lower ``a/…``)."""
    files = {p for p, is_dir in layer if not is_dir}
    return any(p.startswith(f + "/") for p, _ in layer for f in files)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(members, max_size=6).filter(lambda ms: not _file_with_children(ms)), min_size=1, max_size=4))
def test_generated_stacks_agree(layers) -> None:
    """Whiteouts of files and dirs, opaque markers, files over dirs and dirs over files, several
    copies of one path in a tar, in any order."""
    image = Image("x", "docker-archive", [Layer(i, str(i), "", "", "", 0, _tar(i, ms)) for i, ms in enumerate(layers)])
    live = {"/" + e.path: e.size for _layer, e in accurate_waste(image).live}
    assert live == final_files(image)
