"""The view model against dive's rules, computed independently from the core's trees."""

from __future__ import annotations

import re

import pytest
from ui_oracle import expected_rows

from layerscope.tree.marks import LayerTrees, TreeKey
from layerscope.tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED
from layerscope.ui.trees import TreeCache
from layerscope.ui.viewmodel import SORT_SIZE, FlatTree, Sizes, TreeView, compile_filter, display_text


def rows(view: TreeView) -> list[tuple[str, int, int]]:
    f = view.flat
    return [(f.path[i], f.mark[i], view.size[i]) for i in view.rows]


def marked(image, index: int, aggregated: bool = False):  # noqa: ANN001
    return LayerTrees(image).compare(TreeKey.for_layer(index, aggregated))[0]


@pytest.mark.parametrize("aggregated", [False, True])
def test_every_layer_matches_core_tree(marks_image, aggregated):
    for i in range(len(marks_image.layers)):
        root = marked(marks_image, i, aggregated)
        view = TreeView(FlatTree(root))
        assert rows(view) == expected_rows(root)


def test_layer_zero_is_all_unmodified(marks_image, demo_image):
    for image in (marks_image, demo_image):
        for aggregated in (False, True):
            view = TreeView(FlatTree(marked(image, 0, aggregated)))
            assert view.rows and all(m == UNMODIFIED for _, m, _ in rows(view))


def test_marks_of_each_kind(marks_image):
    r = {p: m for p, m, _ in rows(TreeView(FlatTree(marked(marks_image, 1))))}
    assert r["/etc/a.conf"] == MODIFIED and r["/etc/new.conf"] == ADDED
    assert r["/srv/gone"] == REMOVED and r["/etc"] == MODIFIED and r["/etc/b.conf"] == UNMODIFIED
    r2 = {p: m for p, m, _ in rows(TreeView(FlatTree(marked(marks_image, 2))))}
    assert r2["/opt"] == REMOVED and r2["/opt/big.bin"] == REMOVED
    assert r2["/etc/b.conf"] == MODIFIED  # chmod only
    assert r2["/deep"] == ADDED and r2["/deep/x/y/z.txt"] == ADDED
    # aggregated: deleted (L1) then re-added (L3) stays Removed (dive's file_node.go; docs/dive-compat.md)
    agg = {p: m for p, m, _ in rows(TreeView(FlatTree(marked(marks_image, 3, True))))}
    assert agg["/srv/gone"] == REMOVED and agg["/etc/new.conf"] == ADDED


@pytest.mark.parametrize(
    "hidden",
    [{ADDED}, {REMOVED}, {MODIFIED}, {UNMODIFIED}, {UNMODIFIED, MODIFIED}, {ADDED, REMOVED, MODIFIED, UNMODIFIED}],
)
def test_hidden_types_sizes_count_only_visible(marks_image, hidden):
    for i in range(len(marks_image.layers)):
        root = marked(marks_image, i)
        view = TreeView(FlatTree(root), hidden=hidden)
        assert rows(view) == expected_rows(root, hidden)
        assert all(m not in hidden or any(p2.startswith(p + "/") for p2, _, _ in rows(view)) for p, m, _ in rows(view))


def test_removed_dir_size_and_parent_skip(marks_image):
    r = {p: s for p, _, s in rows(TreeView(FlatTree(marked(marks_image, 2))))}
    assert r["/opt"] == 5050  # a removed dir counts its (removed) children
    assert r["/srv"] == 10 + 0  # /srv/gone is already gone in layer 2's stack


def test_filter_keeps_ancestors_drops_siblings(demo_image):
    root = marked(demo_image, 6)
    rx = compile_filter("conf")
    view = TreeView(FlatTree(root))
    view.set_filter(rx)
    got = rows(view)
    assert got == expected_rows(root, set(), rx)
    paths = [p for p, _, _ in got]
    assert "/etc" in paths and "/etc/app/app.conf" in paths and "/etc/passwd" not in paths
    # the dir's size is only its visible children
    assert dict((p, s) for p, _, s in got)["/etc"] == dict((p, s) for p, _, s in got)["/etc/app"]
    view.set_filter(None)
    assert rows(view) == expected_rows(root)


def test_filter_and_hidden_combine(marks_image):
    root = marked(marks_image, 1)
    view = TreeView(FlatTree(root), hidden={UNMODIFIED})
    rx = compile_filter("etc")
    view.set_filter(rx)
    assert rows(view) == expected_rows(root, {UNMODIFIED}, rx)
    assert "/etc/b.conf" not in [p for p, _, _ in rows(view)]


def test_invalid_and_empty_filter():
    assert compile_filter("   ") is None
    with pytest.raises(re.error):
        compile_filter("a(")
    assert compile_filter("x" * 300).pattern == "x" * 200  # dive caps at 200 characters


def test_sort_by_size(demo_image):
    root = marked(demo_image, 6)
    view = TreeView(FlatTree(root), sort=SORT_SIZE)
    assert rows(view) == expected_rows(root, by_size=True)
    top = [p for p, _, _ in rows(view) if p.count("/") == 1]
    sizes = [s for p, _, s in rows(view) if p.count("/") == 1]
    assert sizes == sorted(sizes, reverse=True) and top[0] == "/usr"


def test_collapse_and_collapse_all(demo_image):
    view = TreeView(FlatTree(marked(demo_image, 1)))
    full = len(view.rows)
    etc = [view.flat.path[i] for i in view.rows].index("/etc")
    view.cursor = etc
    view.toggle_collapse()
    paths = [view.flat.path[i] for i in view.rows]
    assert "/etc" in paths and not any(p.startswith("/etc/") for p in paths)
    assert view.prefix(view.current).endswith("⊕ ")
    view.toggle_collapse()
    assert len(view.rows) == full
    view.set_all_collapsed(True)
    assert [view.flat.path[i] for i in view.rows] == [p for p, _, _ in rows(view) if p.count("/") == 1]
    assert view.cursor == 0
    view.set_all_collapsed(False)
    assert len(view.rows) == full


def test_state_follows_path_across_layers(demo_image):
    cache = TreeCache(LayerTrees(demo_image))
    v1 = TreeView(cache.get(1, False)[0], hidden={UNMODIFIED})
    v1.cursor = [v1.flat.path[i] for i in v1.rows].index("/etc")
    v1.toggle_collapse()
    v2 = TreeView(cache.get(2, False)[0])
    v2.adopt_state(v1)
    assert v2.hidden == {UNMODIFIED} and v2.is_collapsed(v2.flat.find("/etc"))
    assert v2.current_path == "/etc"


def test_tree_guides_and_links(demo_image):
    view = TreeView(FlatTree(marked(demo_image, 0)))
    lines = {view.flat.path[i]: view.prefix(i) + view.label(i) for i in view.rows}
    assert lines["/bin"] == "├── bin"
    assert lines["/bin/sh"] == "│   └── sh → dash"
    assert lines["/bin/rbash"] == "│   ├── rbash → bin/dash"
    assert lines["/var"] == "└── var"
    assert lines["/var/log"] == "    └── log"


def test_navigation(demo_image):
    view = TreeView(FlatTree(marked(demo_image, 0)))
    view.move(-5)
    assert view.cursor == 0
    view.move(10_000)
    assert view.cursor == len(view.rows) - 1
    view.cursor = 0  # /bin
    view.enter()  # expanded dir: step into the first child
    assert view.current_path == "/bin/dash"
    view.to_parent()
    assert view.current_path == "/bin"
    view.toggle_collapse()
    view.enter()  # collapsed dir: expand
    assert not view.is_collapsed(view.current) and view.current_path == "/bin"


def test_search_expands_and_wraps(demo_image):
    view = TreeView(FlatTree(marked(demo_image, 1)))
    view.set_all_collapsed(True)
    assert view.search(re.compile("curl$"))
    assert view.current_path == "/usr/bin/curl"
    assert not view.is_collapsed(view.flat.find("/usr/bin"))
    assert view.search(re.compile("libcurl"))
    first = view.current_path
    assert view.search(re.compile("libcurl"))
    assert view.current_path != first
    assert view.search(re.compile("libcurl"))  # wraps around
    assert view.current_path == first
    assert view.search(re.compile("libcurl"), forward=False)
    assert view.current_path != first
    assert not view.search(re.compile("no-such-file"))


def test_search_in_size_order(demo_image):
    view = TreeView(FlatTree(marked(demo_image, 1)), sort=SORT_SIZE)
    assert view.search(re.compile("status"))
    assert view.current_path == "/var/lib/dpkg/status"


def test_empty_tree(archives):
    from layerscope.sources import load_image
    from layerscope.sources.archive import ReadOptions

    image = load_image("docker-archive", archives["empty"], ReadOptions())
    view = TreeView(FlatTree(marked(image, 1)))
    assert view.rows == [] and view.current == -1 and view.current_path == ""
    view.move(1)
    view.toggle_collapse()
    view.set_all_collapsed(True)
    assert not view.search(re.compile("x"))


def test_display_text_escapes_unsafe_names():
    assert display_text("a\nb") == "a\\x0ab"
    assert display_text("caf\udce9") == "caf\\xe9"
    assert display_text("ok") == "ok"


@pytest.mark.parametrize("aggregated", [False, True])
def test_layer_views_match_core_tree_and_oracle(marks_image, demo_image, aggregated):
    """The UI's trees come from ``tree/views.py`` (one shared index, per-layer arrays): every
    layer's rows, marks and view sizes must equal the oracle built from ``LayerTrees.compare``,
    with every hidden-type combination, a filter and the size order."""
    for image in (marks_image, demo_image):
        cache = TreeCache(LayerTrees(image))
        for i in range(len(image.layers)):
            root = marked(image, i, aggregated)
            flat, errors = cache.get(i, aggregated)
            assert errors == LayerTrees(image).compare(TreeKey.for_layer(i, aggregated))[1]
            for hidden in ([], [UNMODIFIED], [ADDED], [REMOVED], [MODIFIED, UNMODIFIED], [ADDED, REMOVED]):
                view = TreeView(flat, hidden=hidden)
                assert rows(view) == expected_rows(root, set(hidden)), (i, hidden)
            view = TreeView(flat, sort=SORT_SIZE)
            assert rows(view) == expected_rows(root, by_size=True), i
            rx = compile_filter("e")
            view = TreeView(flat, hidden=[UNMODIFIED])
            view.set_filter(rx)
            assert rows(view) == expected_rows(root, {UNMODIFIED}, rx), i
            view.set_filter(None)
            assert rows(view) == expected_rows(root, {UNMODIFIED}), i


def test_layer_views_deleted_then_readded_sizes(marks_image):
    """Aggregated layer 3: /srv/gone was deleted (L1) then re-added (L3) and stays Removed; a
    Removed dir counts everything below it, a live dir skips Removed children."""
    cache = TreeCache(LayerTrees(marks_image))
    flat, _ = cache.get(3, True)
    root = marked(marks_image, 3, True)
    for hidden in ([], [REMOVED], [UNMODIFIED]):
        view = TreeView(flat, hidden=hidden)
        assert rows(view) == expected_rows(root, set(hidden))
        lazy = [view.size[i] if view.visible[i] else 0 for i in range(len(flat))]
        assert Sizes(flat, view.visible).all() == lazy


def test_live_dir_below_removed_dir_sizes():
    """A directory deleted in L1 and re-populated in L2 stays Removed in the aggregated view,
    while the new directory below it is Added: its size must skip nothing of its own."""
    from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry, Image, Layer

    def f(p, size, h=1):
        return Entry(p, TYPE_REG, "", size, 0o644, 0, 0, h)

    def d(p):
        return Entry(p, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)

    layers = [
        [d("dd"), f("dd/x", 10), d("dd/old"), f("dd/old/y", 20), f("keep", 1)],
        [f(".wh.dd", 0)],
        [d("dd"), d("dd/new"), f("dd/new/z", 300), f("dd/new/w", 4000), f("dd/x", 50000, 2)],
    ]
    image = Image("t", "docker-archive", [Layer(i, f"l{i}", "", "", "", 0, es) for i, es in enumerate(layers)])
    cache = TreeCache(LayerTrees(image))
    for aggregated in (False, True):
        root = marked(image, 2, aggregated)
        flat, _ = cache.get(2, aggregated)
        for hidden in ([], [REMOVED], [ADDED]):
            view = TreeView(flat, hidden=hidden)
            assert rows(view) == expected_rows(root, set(hidden)), (aggregated, hidden)
            lazy = [view.size[i] if view.visible[i] else 0 for i in range(len(flat))]
            assert Sizes(flat, view.visible).all() == lazy
            view = TreeView(flat, hidden=hidden, sort=SORT_SIZE)
            assert rows(view) == expected_rows(root, set(hidden), by_size=True), (aggregated, hidden)
    agg = {p: (m, s) for p, m, s in rows(TreeView(cache.get(2, True)[0]))}
    assert agg["/dd"][0] == REMOVED and agg["/dd/new"] == (ADDED, 4300)
