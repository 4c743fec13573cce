"""The flat final-filesystem computation agrees with the core's accurate tree stacking."""

from __future__ import annotations

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, opaque, whiteout
from layerscope.report.snapshot import final_files
from layerscope.sources import load_image, pick_source
from layerscope.sources.archive import ReadOptions
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import Node, walk_pre
from layerscope.tree.stack import stack_accurate
from tests.report import pairs as P


def via_trees(image) -> dict[str, int]:
    root = Node("")
    for layer in image.layers:
        stack_accurate(root, build_layer_tree(layer.entries, accurate=True))
    return {
        "/" + "/".join(n): node.info.size
        for n, node in walk_pre(root)
        if node.info is not None and not node.info.is_dir and not node.is_whiteout
    }


CASES = {
    "file whiteout, re-add": [[M("a/x", size=10), M("a/y", size=20)], [whiteout("a/x")], [M("a/x", size=3)]],
    "dir whiteout": [[M("d/", kind="dir"), M("d/a", size=5), M("d/e/f", size=6)], [whiteout("d"), M("k", size=1)]],
    "implicit dir whiteout": [[M("i/a", size=5)], [whiteout("i")]],
    "opaque dir": [[M("o/", kind="dir"), M("o/old", size=7)], [opaque("o"), M("o/new", size=8)]],
    "file replaces dir": [[M("r/", kind="dir"), M("r/a", size=9)], [M("r", size=4)]],
    "file replaces implicit dir": [[M("q/a", size=9)], [M("q", size=4)]],
    "dir over file": [[M("f", size=4)], [M("f/", kind="dir"), M("f/g", size=2)]],
    "whiteout in layer 0": [[whiteout("nothere"), M("z", size=1)], [M("z", size=2)]],
    "duplicate layers": [[M("same", size=11)], [M("other", size=1)], [M("same", size=11)]],
    "links": [[M("t", size=3), M("h", kind="hardlink", linkname="t"), M("s", kind="symlink", linkname="t")]],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_flat_matches_tree_stacking(tmp_path, name):
    spec = ImageSpec([LayerSpec(ms, f"RUN {i}") for i, ms in enumerate(CASES[name])])
    P.write(tmp_path / "i.tar", spec)
    image = load_image(*pick_source(str(tmp_path / "i.tar"), None), ReadOptions())
    assert final_files(image) == via_trees(image)
    if "whiteout" not in name and "opaque" not in name and "replaces" not in name and "over" not in name:
        assert final_files(image) == P.final_files(spec)


def test_fixture_pairs_match_the_model(tmp_path):
    for spec in (P.BASE, P.head_pkg_whiteout(), P.head_layer_added()):
        P.write(tmp_path / "i.tar", spec)
        image = load_image(*pick_source(str(tmp_path / "i.tar"), None), ReadOptions())
        assert final_files(image) == P.final_files(spec) == via_trees(image)
