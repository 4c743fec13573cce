"""Diff marks and compare modes, from dive's rules (``docs/dive-compat.md``) and dive's unit-test
truths (``TestCompareWithAdds``, ``TestCompareWithRemoves``)."""

from __future__ import annotations

from layerscope.image import TYPE_DIR, TYPE_REG, Entry, Image, Layer
from layerscope.tree.build import build_layer_tree
from layerscope.tree.marks import LayerTrees, TreeKey, compare_and_mark, node_size
from layerscope.tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED, get_node, walk_pre


def f(path: str, size: int = 1, h: int = 1, mode: int = 0o644, uid: int = 0) -> Entry:
    return Entry(path, TYPE_REG, "", size, mode, uid, 0, h)


def d(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, (1 << 31) | 0o755, 0, 0, 0)


def marks(root) -> dict[str, int]:
    return {"/" + "/".join(n): node.mark for n, node in walk_pre(root)}


def test_compare_with_adds():
    lower = build_layer_tree([d("usr"), d("usr/bin"), f("usr/bin/ls")])
    upper = build_layer_tree([d("usr"), d("usr/bin"), f("usr/bin/bash"), d("a"), d("a/new"), f("a/new/path")])
    compare_and_mark(lower, upper)
    m = marks(lower)
    for p in ("/usr/bin/bash", "/a", "/a/new", "/a/new/path"):
        assert m[p] == ADDED, p
    assert m["/usr"] == MODIFIED and m["/usr/bin"] == MODIFIED
    assert m["/usr/bin/ls"] == UNMODIFIED


def test_compare_with_removes():
    lower = build_layer_tree(
        [
            d("etc"),
            f("etc/hosts"),
            d("usr"),
            d("usr/bin"),
            f("usr/bin/ls"),
            d("root"),
            d("root/example"),
            f("root/example/x"),
        ]
    )
    upper = build_layer_tree([f(".wh.etc", 0), d("usr"), f("usr/.wh.bin", 0), d("root"), f("root/.wh.example", 0)])
    errors = compare_and_mark(lower, upper)
    assert errors == []
    m = marks(lower)
    for p in ("/etc", "/etc/hosts", "/usr/bin", "/usr/bin/ls", "/root/example", "/root/example/x"):
        assert m[p] == REMOVED, p
    assert m["/usr"] == MODIFIED and m["/root"] == MODIFIED


def test_chmod_and_chown_only_are_modified_but_mtime_and_link_target_are_not():
    lower = build_layer_tree([f("a", mode=0o644), f("b"), Entry("l", 50, "x", 0, 0o777 | 1 << 27, 0, 0, 9)])
    upper = build_layer_tree([f("a", mode=0o755), f("b", uid=1000), Entry("l", 50, "y", 0, 0o777 | 1 << 27, 0, 0, 9)])
    compare_and_mark(lower, upper)
    m = marks(lower)
    assert m["/a"] == MODIFIED and m["/b"] == MODIFIED and m["/l"] == UNMODIFIED


def test_missing_whiteout_is_a_path_error():
    lower = build_layer_tree([f("a")])
    assert compare_and_mark(lower, build_layer_tree([f(".wh.nothere", 0)])) == ["/nothere"]


def _image(*layers: list[Entry]) -> Image:
    return Image("t", "docker-archive", [Layer(i, f"l{i}", "", "", "", 0, list(es)) for i, es in enumerate(layers)])


def test_aggregated_keeps_first_mark_and_deleted_then_readded_stays_removed():
    img = _image([f("keep", h=1), f("gone", h=1)], [f("new", h=2), f(".wh.gone", 0)], [f("new", h=3), f("gone", h=4)])
    lt = LayerTrees(img)
    tree, errors = lt.compare(TreeKey.for_layer(2, aggregated=True))
    m = marks(tree)
    assert m["/new"] == ADDED  # added in L1, modified in L2 -> Added
    assert m["/gone"] == REMOVED  # deleted in L1, re-added in L2 -> stays Removed
    assert get_node(tree, ["gone"]).info.hash == 4  # ... while showing the new payload
    assert m["/keep"] == UNMODIFIED
    single, _ = lt.compare(TreeKey.for_layer(2, aggregated=False))
    assert marks(single)["/new"] == MODIFIED and marks(single)["/gone"] == ADDED


def test_layer_zero_is_always_unmodified():
    lt = LayerTrees(_image([d("x"), f("x/y")], [f("z")]))
    for aggregated in (False, True):
        tree, _ = lt.compare(TreeKey.for_layer(0, aggregated))
        assert set(marks(tree).values()) == {UNMODIFIED}


def test_tree_keys_match_dive():
    assert TreeKey.for_layer(0, False) == TreeKey(0, 0, 0)
    assert TreeKey.for_layer(3, False) == TreeKey(2, 3, 3)
    assert TreeKey.for_layer(3, True) == TreeKey(0, 1, 3)


def test_node_size_skips_removed_children_unless_dir_removed():
    img = _image([d("d"), f("d/a", 10), f("d/b", 5)], [f("d/.wh.a", 0)])
    tree, _ = LayerTrees(img).compare(TreeKey.for_layer(1, False))
    assert node_size(get_node(tree, ["d"])) == 5
    img2 = _image([d("d"), f("d/a", 10), f("d/b", 5)], [f(".wh.d", 0)])
    tree2, _ = LayerTrees(img2).compare(TreeKey.for_layer(1, False))
    assert node_size(get_node(tree2, ["d"])) == 15


def test_accurate_mode_honours_opaque_dirs():
    img = _image([d("a"), f("a/x", 10)], [d("a"), f("a/.wh..wh..opq", 0), f("a/y", 3)])
    acc, _ = LayerTrees(img, accurate=True).compare(TreeKey.for_layer(1, False))
    dive, _ = LayerTrees(img, accurate=False).compare(TreeKey.for_layer(1, False))
    assert marks(dive)["/a/x"] == UNMODIFIED  # dive ignores opaque markers
    assert marks(acc)["/a/x"] == REMOVED
    assert marks(acc)["/a/y"] == ADDED
