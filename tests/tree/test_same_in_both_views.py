"""``tree.build.same_in_both_views``: when it says a layer's dive tree can serve as its accurate
tree (the explorer and the report's final files then skip a second build), the accurate builder
must give the same tree.  The builder is the oracle; the shortcut may only ever say "no" too often."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, TYPE_SYMLINK, Entry, Image, Layer
from layerscope.report.snapshot import final_files
from layerscope.tree.build import build_layer_tree, same_in_both_views
from layerscope.tree.node import Node

_PARTS = ["a", "b", "c", ".wh.a", ".wh..wh..opq", ".wh..wh.x"]


def _entry(path: str, kind: int, n: int) -> Entry:
    if kind == 0:
        return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)
    if kind == 1:
        return Entry(path, TYPE_SYMLINK, "t", 0, 0o777, 0, 0, 0)
    return Entry(path, TYPE_REG, "", n, 0o644, 0, 0, n + 1)


def _shape(node: Node, at: str = "") -> dict[str, object]:
    out: dict[str, object] = {at: (node.info, node.opaque, node.children is None)}
    for name, child in (node.children or {}).items():
        out.update(_shape(child, at + "/" + name))
    return out


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(_PARTS), min_size=1, max_size=4).map("/".join),
            st.integers(0, 2),
            st.integers(0, 3),
        ),
        max_size=12,
    )
)
def test_the_shortcut_never_serves_a_different_tree(raw: list[tuple[str, int, int]]) -> None:
    entries = [_entry(*r) for r in raw]
    dive = build_layer_tree(entries)
    if same_in_both_views(entries, dive):
        assert _shape(build_layer_tree(entries, accurate=True)) == _shape(dive)


def test_a_directory_written_again_over_a_file_is_not_served() -> None:
    """``a/f``, then ``a`` as a file (which replaces the directory and ``a/f``), then ``a`` as a
    directory again: dive's tree keeps ``a/f``, the engines do not."""
    entries = [
        Entry("a/f", TYPE_REG, "", 7, 0o644, 0, 0, 1),
        Entry("a", TYPE_REG, "", 3, 0o644, 0, 0, 2),
        Entry("a", TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0),
    ]
    dive = build_layer_tree(entries)
    assert not same_in_both_views(entries, dive)
    image = Image("x", "docker-archive", [Layer(0, "0", "", "", "", 10, entries)])
    assert final_files(image) == final_files(image, [dive])
    assert "/a/f" not in final_files(image)


def test_plain_layers_are_served() -> None:
    entries = [_entry("a", 0, 0), _entry("a/f", 2, 3), _entry("b", 1, 0)]
    assert same_in_both_views(entries, build_layer_tree(entries))
