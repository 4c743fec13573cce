"""The accurate view on malformed layers, where dive's rules used to leak through: each expectation
is what a private dockerd (overlay2, ``docker export``) and containerd (overlayfs, ``ctr images
mount``) showed for the same tar, checked live in
``tests/analysis/test_accurate_real_engine_malformed.py`` (the cases named there):

* a path written again in the layer that deleted it (under an opaque marker, or after a whiteout
  of it or of its parent) exists, so it is not marked Removed (dive's "first mark stays" kept it
  so; across layers of an aggregated view that rule stays);
* a whiteout followed by a directory member of its target deletes nothing (the directory replaces
  the whiteout device and merges with the layers below again);
* what an opaque directory, or a file over a directory, hides is Removed in aggregated mode too,
  also when an earlier layer of the range added it;
* a whiteout in the bottom layer is no path of the container (the directories holding it are), and
  the bottom layer's own view marks nothing Removed;
* a whiteout member that holds whiteouts or an opaque marker (``.wh.a`` and ``.wh.a/.wh.b``) is a
  directory (both engines when they come after the member; before it, containerd's answer).

Every tree is checked through both faces: ``LayerTrees.compare`` (one engine run) and the
explorer's ``LayerViews`` (checkpoints and chains), and ``final_files`` / ``accurate_waste`` where
files are involved.
"""

from __future__ import annotations

from layerscope.analysis.accurate import accurate_waste
from layerscope.image import TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.report.snapshot import final_files
from layerscope.tree.build import build_layer_tree, same_in_both_views
from layerscope.tree.marks import LayerTrees, TreeKey
from layerscope.tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED, walk_pre
from layerscope.tree.views import LayerViews


def f(path: str, h: int = 1, size: int = 1) -> Entry:
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, h)


def d(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, (1 << 31) | 0o755, 0, 0, 0)


def image(*layers: list[Entry]) -> Image:
    return Image("t", "docker-archive", [Layer(i, f"l{i}", "", "", "", 0, list(es)) for i, es in enumerate(layers)])


def marks(img: Image, index: int, aggregated: bool) -> tuple[dict[str, int], list[str]]:
    """The accurate marked tree of ``index`` by path, and its path errors, after checking that the
    explorer's views give the very same."""
    lt = LayerTrees(img, accurate=True)
    tree, errors = lt.compare(TreeKey.for_layer(index, aggregated))
    got = {"/" + "/".join(n): node.mark for n, node in walk_pre(tree)}
    views = LayerViews(LayerTrees(img, accurate=True))
    st = views.view(index, aggregated)
    u = views.universe
    assert {u.path[i]: st.code[i] - 1 for i in range(1, len(u)) if st.code[i]} == got
    assert st.errors == errors
    return got, errors


def shown(m: dict[str, int]) -> set[str]:
    return {p for p, mark in m.items() if mark != REMOVED}


LOWER = [d("a"), f("a/x", h=1), f("a/y", h=2)]


# ---------------------------------------------------------------- written again where deleted
def test_a_path_rewritten_under_an_opaque_marker_is_not_removed() -> None:
    # case "opaque-then-rewrite-in-one-layer": the engines show /a and /a/y (new content)
    img = image(LOWER, [d("a"), f("a/.wh..wh..opq", 0, 0), f("a/y", h=9)])
    for aggregated in (False, True):
        m, errors = marks(img, 1, aggregated)
        assert shown(m) == {"/a", "/a/y"} and errors == []
        assert m["/a/x"] == REMOVED
        assert m["/a/y"] == MODIFIED and m["/a"] == MODIFIED


def test_same_content_rewritten_under_an_opaque_marker_is_unmodified() -> None:
    img = image(LOWER, [d("a"), f("a/.wh..wh..opq", 0, 0), f("a/y", h=2)])
    m, _ = marks(img, 1, False)
    assert m["/a/y"] == UNMODIFIED and m["/a/x"] == REMOVED and m["/a"] == MODIFIED


def test_a_child_whiteout_then_its_rewrite_is_not_removed() -> None:
    # case "child-whiteout-then-rewrite": ``a/.wh.x`` then ``a/x``: the engines show the new /a/x
    img = image(LOWER, [d("a"), f("a/.wh.x", 0, 0), f("a/x", h=7)])
    for aggregated in (False, True):
        m, errors = marks(img, 1, aggregated)
        assert shown(m) == {"/a", "/a/x", "/a/y"} and errors == []
        assert m["/a/x"] == MODIFIED


def test_a_whiteout_then_a_file_of_that_name_is_the_file() -> None:
    # case "whiteout-then-file-in-one-layer": /a is the new file, nothing under it
    img = image(LOWER, [f(".wh.a", 0, 0), f("a", h=5, size=4)])
    for aggregated in (False, True):
        m, _ = marks(img, 1, aggregated)
        assert shown(m) == {"/a"} and m["/a"] == MODIFIED
    assert final_files(img) == {"/a": 4}


def test_deleted_then_written_again_by_the_next_layer_is_added_in_its_own_view() -> None:
    """In compare mode the layer that writes it again sees a new path.  (The aggregated view keeps
    dive's "first mark stays" for a path removed by an earlier layer of the range:
    ``test_marks.py``, ``tests/ui/test_viewmodel.py``.)"""
    img = image([f("keep"), f("gone", h=1)], [f(".wh.gone", 0, 0)], [f("gone", h=4)])
    m, _ = marks(img, 2, False)
    assert m["/gone"] == ADDED and m["/keep"] == UNMODIFIED


# ---------------------------------------------------------------- a whiteout then a directory
def test_a_whiteout_then_a_directory_of_its_target_deletes_nothing() -> None:
    # case "whiteout-then-dir-in-one-layer": ``.wh.a``, ``a/``, ``a/y``: the engines keep /a/x
    img = image(LOWER, [f(".wh.a", 0, 0), d("a"), f("a/y", h=9, size=3)])
    for aggregated in (False, True):
        m, errors = marks(img, 1, aggregated)
        assert shown(m) == {"/a", "/a/x", "/a/y"} and errors == []
        assert m["/a/x"] == UNMODIFIED and m["/a/y"] == MODIFIED
    assert final_files(img) == {"/a/x": 1, "/a/y": 3}
    acc = accurate_waste(img)
    assert {"/" + e.path for _layer, e in acc.live} == {"/a/x", "/a/y"}
    assert [d.path for d in acc.dead] == ["/a/y"]  # the lower copy of a/y only


def test_a_directory_then_a_whiteout_still_deletes() -> None:
    """Written the other way round both engines refuse the tar; the deletion applies first, as it
    always did, and the waste analysis agrees with the final files."""
    img = image(LOWER, [d("a"), f("a/y", h=9, size=3), f(".wh.a", 0, 0)])
    assert final_files(img) == {"/a/y": 3}
    assert {"/" + e.path for _layer, e in accurate_waste(img).live} == {"/a/y"}


def test_whiteout_and_directory_of_its_target_are_not_served_from_dives_tree() -> None:
    entries = [f(".wh.a", 0, 0), d("a")]
    assert not same_in_both_views(entries, build_layer_tree(entries))
    assert same_in_both_views([f(".wh.a", 0, 0), d("b")], build_layer_tree([f(".wh.a", 0, 0), d("b")]))


# ---------------------------------------------------------------- what the layer hides, aggregated
def test_an_opaque_directory_hides_what_an_earlier_layer_of_the_range_added() -> None:
    img = image([d("a"), f("a/x")], [f("a/n", h=3)], [d("a"), f("a/.wh..wh..opq", 0, 0), f("a/m", h=4)])
    m, _ = marks(img, 2, True)
    assert m["/a/n"] == REMOVED and m["/a/x"] == REMOVED and m["/a/m"] == ADDED
    assert shown(m) == {"/a", "/a/m"}


def test_a_file_over_a_directory_hides_what_an_earlier_layer_of_the_range_added() -> None:
    img = image([d("a"), f("a/x")], [f("a/n", h=3)], [f("a", h=8)])
    m, _ = marks(img, 2, True)
    assert m["/a/n"] == REMOVED and m["/a/x"] == REMOVED
    assert shown(m) == {"/a"}


# ---------------------------------------------------------------- the bottom layer's whiteouts
BOTTOM = [f("a/a/.wh.a", 0, 0), f(".wh.q", 0, 0), f(".wh.b", 0, 0), d("b"), f("b/x"), f("k")]


def test_bottom_layer_whiteouts_are_no_paths_and_delete_nothing() -> None:
    # case "bottom-layer-whiteouts": the engines show /a, /a/a (holding only a whiteout), /b, /b/x, /k
    img = image(BOTTOM, [f("z")])
    engine = {"/a", "/a/a", "/b", "/b/x", "/k"}
    m0, errors0 = marks(img, 0, False)
    assert set(m0) == engine and set(m0.values()) == {UNMODIFIED}
    assert sorted(errors0) == ["/a/a/a", "/q"]  # the notice, as before, for targets absent from the layer
    for aggregated in (False, True):
        m, errors = marks(img, 1, aggregated)
        assert set(m) == engine | {"/z"} and m["/z"] == ADDED and errors == []
    assert final_files(img) == {"/b/x": 1, "/k": 1, "/z": 1}


# ---------------------------------------------------------------- whiteout members holding paths
def test_whiteout_members_holding_whiteouts_or_a_marker_are_directories() -> None:
    # case "whiteout-members-holding-whiteouts": the engines show /.wh.a and /.wh.c (directories)
    upper = [f(".wh.a", 0, 0), f(".wh.a/.wh.b", 0, 0), f(".wh.c", 0, 0), f(".wh.c/.wh..wh..opq", 0, 0)]
    img = image([f("k")], upper)
    for aggregated in (False, True):
        m, errors = marks(img, 1, aggregated)
        assert m == {"/.wh.a": ADDED, "/.wh.c": ADDED, "/k": UNMODIFIED}
        assert errors == ["/.wh.a/b", "/a", "/c"]
    img0 = image(upper, [f("k")])
    m, _ = marks(img0, 1, False)
    assert set(m) == {"/.wh.a", "/.wh.c", "/k"}
