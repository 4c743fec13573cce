"""A directory replaced by a file or a symlink with no whiteout, in the explorer's accurate marks.

An overlay diff of ``rm -rf /d && touch /d`` (or of ``/var/run`` turned into a symlink) holds just
the new ``d``: no whiteout, no opaque marker.  docker (overlay2) and containerd (overlayfs) show no
path under it any more (seen live: ``tests/analysis/test_accurate_real_engine_malformed.py``), and
the accurate stacking and the report always dropped them; the accurate marks left the lower
``d/x`` Unmodified, so the explorer showed it as if it were still there.  Now it is Removed, as a
whiteout's target is.  dive's marks (the dive-compatible view) keep dive's rule: nothing Removed.
"""

from __future__ import annotations

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, TYPE_SYMLINK, Entry, Image, Layer
from layerscope.tree import marks
from layerscope.tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED, Node, walk_pre


def f(path: str, size: int = 1, h: int = 1) -> Entry:
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, h)


def d(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)


def link(path: str, target: str) -> Entry:
    return Entry(path, TYPE_SYMLINK, target, 0, 0o777, 0, 0, 0)


def shape(root: Node) -> dict[str, int]:
    return {"/" + "/".join(names): node.mark for names, node in walk_pre(root)}


def image(*layers: list[Entry]) -> Image:
    return Image("x", "docker-archive", [Layer(i, str(i), "", "", "", 0, es) for i, es in enumerate(layers)])


LOWER = [d("d"), f("d/x", 2, 1), d("d/s"), f("d/s/y", 1, 2), f("k", 1, 3)]


def test_a_file_over_a_directory_removes_what_was_in_it():
    lt = marks.LayerTrees(image(LOWER, [f("d", 3, 4)]), accurate=True)
    for aggregated in (False, True):
        tree, errors = lt.compare(marks.TreeKey.for_layer(1, aggregated))
        assert errors == []
        got = shape(tree)
        assert got == {"/d": MODIFIED, "/d/x": REMOVED, "/d/s": REMOVED, "/d/s/y": REMOVED, "/k": UNMODIFIED}


def test_a_symlink_over_a_directory_removes_what_was_in_it():
    lower = [d("var"), d("var/run"), f("var/run/p", 2, 1), d("run")]
    lt = marks.LayerTrees(image(lower, [link("var/run", "/run")]), accurate=True)
    tree, errors = lt.compare(marks.TreeKey.for_layer(1, False))
    assert errors == []
    got = shape(tree)
    assert got["/var/run"] == MODIFIED and got["/var/run/p"] == REMOVED and got["/run"] == UNMODIFIED


def test_paths_its_own_tar_writes_under_it_stay():
    """A tar writing ``d/z`` after the file ``d`` is refused by both engines; the accurate stacking
    keeps ``d/z`` (``docs/dive-compat.md``), and so do the marks."""
    lt = marks.LayerTrees(image(LOWER, [f("d", 3, 4), f("d/z", 1, 5)]), accurate=True)
    tree, _errors = lt.compare(marks.TreeKey.for_layer(1, False))
    got = shape(tree)
    assert got["/d/z"] == ADDED and got["/d/x"] == REMOVED


def test_a_directory_over_a_directory_removes_nothing():
    lt = marks.LayerTrees(image(LOWER, [d("d"), f("d/n", 1, 6)]), accurate=True)
    tree, _errors = lt.compare(marks.TreeKey.for_layer(1, False))
    got = shape(tree)
    assert REMOVED not in got.values() and got["/d/n"] == ADDED


def test_dive_marks_keep_dives_rule():
    lt = marks.LayerTrees(image(LOWER, [f("d", 3, 4)]), accurate=False)
    tree, _errors = lt.compare(marks.TreeKey.for_layer(1, False))
    assert REMOVED not in shape(tree).values()
