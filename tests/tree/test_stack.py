"""Stacking under copy-on-write rules (``docs/dive-compat.md``, *Layer trees* and *Stacking*)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.image import TYPE_DIR, TYPE_REG, Entry
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import get_node, walk_post, walk_pre
from layerscope.tree.stack import stack_accurate, stack_dive


def f(path: str, size: int = 1) -> Entry:
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, 1)


def d(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, (1 << 31) | 0o755, 0, 0, 0)


def paths(root) -> set[str]:
    return {"/".join(n) for n, _ in walk_pre(root)}


def test_implicit_parents_and_last_entry_wins():
    t = build_layer_tree([f("u/v/w"), f("a", 1000), f("a", 10)])
    assert get_node(t, ["u"]).info is None and get_node(t, ["u", "v"]).info is None
    assert get_node(t, ["a"]).info.size == 10


def test_opaque_marker_dropped_in_dive_tree_kept_as_flag_in_accurate():
    entries = [d("a"), f("a/.wh..wh..opq", 0)]
    assert paths(build_layer_tree(entries)) == {"a"}
    acc = build_layer_tree(entries, accurate=True)
    assert get_node(acc, ["a"]).opaque


def test_whiteout_sorts_before_name_so_delete_and_recreate_works():
    lower = build_layer_tree([d("x"), f("x/old")])
    stack_dive(lower, build_layer_tree([f(".wh.x", 0), d("x"), f("x/new")]))
    assert paths(lower) == {"x", "x/new"}


def test_name_below_dot_is_wiped_by_its_own_whiteout_in_dive_but_not_accurate():
    lower = build_layer_tree([f("keep")])
    upper = [f("-x"), f(".wh.-x", 0)]
    dive_lower = build_layer_tree([f("keep")])
    stack_dive(dive_lower, build_layer_tree(upper))
    assert "-x" not in paths(dive_lower)
    stack_accurate(lower, build_layer_tree(upper, accurate=True))
    assert "-x" in paths(lower)


def test_missing_whiteout_reports_path_error():
    lower = build_layer_tree([f("a")])
    assert stack_dive(lower, build_layer_tree([f(".wh.nothere", 0)])) == ["/nothere"]


def test_walk_post_is_children_first_sorted_bytewise():
    t = build_layer_tree([f("var/www"), f("var/a"), f("b\udcff"), f("b\u00e9")])
    order = ["/".join(n) for n, _ in walk_post(t)]
    assert order == ["b\u00e9", "b\udcff", "var/a", "var/www", "var"]


names = st.text(alphabet="ab.-", min_size=1, max_size=3).filter(
    lambda s: s not in (".", "..") and not s.startswith(".wh")
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(names, names, st.booleans()), max_size=6), min_size=1, max_size=4))
def test_accurate_stack_equals_overlay_model(layers):
    """Accurate stacking equals a direct model of overlayfs on flat paths."""
    model: dict[str, int] = {}
    tree = build_layer_tree([])
    for i, layer in enumerate(layers):
        entries = []
        deletes = set()
        adds = {}
        for a, b, delete in layer:
            p = f"{a}/{b}"
            if delete:
                entries.append(f(f"{a}/.wh.{b}", 0))
                deletes.add(p)
            else:
                entries.append(Entry(p, TYPE_REG, "", i, 0o644, 0, 0, i))
                adds[p] = i
        for p in deletes:
            model.pop(p, None)
        model.update(adds)
        stack_accurate(tree, build_layer_tree(entries, accurate=True))
    files = {"/".join(n): node.info.size for n, node in walk_pre(tree) if not node.children and node.info is not None}
    assert files == model
