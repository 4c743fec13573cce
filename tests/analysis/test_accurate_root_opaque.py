"""The waste analysis and the report's final files on a top-level opaque marker: nothing dies.

The engines show every lower path under a layer holding ``/.wh..wh..opq`` (seen live; the engine
test is ``test_accurate_real_engine_malformed.py``), so the marker makes no byte dead and ``explain``
names no deletion.  ``a/.wh..wh..opq`` still kills what lower layers put in ``a``.
"""

from __future__ import annotations

from layerscope.analysis.accurate import DELETED, accurate_waste
from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.report.snapshot import final_files


def f(path: str, size: int, h: int) -> Entry:
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, h)


def d(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)


def image(*layers: list[Entry]) -> Image:
    return Image("x", "docker-archive", [Layer(i, str(i), "", "", "", 0, es) for i, es in enumerate(layers)])


LOWER = [d("a"), f("a/x", 7, 1), f("g", 2, 2)]


def test_a_top_level_marker_kills_nothing():
    img = image(LOWER, [f(".wh..wh..opq", 0, 0), f("y", 1, 3)])
    w = accurate_waste(img)
    assert w.dead == [] and w.wasted_bytes == 0
    assert {e.path: e.size for _i, e in w.live} == {"a/x": 7, "g": 2, "y": 1}
    assert final_files(img) == {"/a/x": 7, "/g": 2, "/y": 1}


def test_a_top_level_marker_beside_a_whiteout_leaves_the_rest():
    img = image(LOWER, [f(".wh..wh..opq", 0, 0), f(".wh.g", 0, 0)])
    w = accurate_waste(img)
    assert [(x.path, x.how) for x in w.dead] == [("/g", DELETED)]
    assert final_files(img) == {"/a/x": 7}


def test_a_marker_one_level_down_still_kills_its_directory():
    img = image(LOWER, [f("a/.wh..wh..opq", 0, 0), f("a/z", 1, 3)])
    w = accurate_waste(img)
    assert [(x.path, x.how, x.anchor) for x in w.dead] == [("/a/x", DELETED, "a")]
    assert final_files(img) == {"/a/z": 1, "/g": 2}
