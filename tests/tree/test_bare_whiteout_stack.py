"""dive's ``Stack`` of a bare ``.wh.`` and of ``.wh.x`` directories, on the engine (``tree/cow.py``
``stack_dive``, through its node face ``tree/stack.py``).

Each expectation is worked out from dive 0.13.1's calls (``dive/filetree/file_tree.go``: ``Stack``
visits every upper node children first, a whiteout is ``RemovePath(node.Path())``, anything else
``AddPath``, which creates missing parents; ``file_node.go``: ``Path()`` strips ``.wh.`` from the
node's own name only, so ``d/.wh.`` is ``/d/``, which ``GetNode`` resolves to ``d``).  The numbers
these trees lead to are the real dive's own in ``tests/analysis/test_bare_whiteout_dive.py``.
"""

from __future__ import annotations

from layerscope.image import MODE_DIR, TYPE_DIR, TYPE_REG, Entry
from layerscope.tree import stack
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import Node, walk_pre


def _file(path: str, size: int = 1) -> Entry:
    return Entry(path, TYPE_REG, "", size, 0o644, 0, 0, size)


def _dir(path: str) -> Entry:
    return Entry(path, TYPE_DIR, "", 0, MODE_DIR | 0o755, 0, 0, 0)


def _paths(root: Node) -> dict[str, Entry | None]:
    return {"/" + "/".join(names): node.info for names, node in walk_pre(root)}


def test_bare_whiteout_removes_its_own_directory() -> None:
    lower = build_layer_tree([_dir("d"), _file("d/x"), _dir("d/s"), _file("d/s/t"), _file("e")])
    errors = stack.stack_dive(lower, build_layer_tree([_file("d/.wh.", 0)]))
    # RemovePath("/d/") removes d with all of it; the upper's own (implicit) d is AddPath-ed after
    assert errors == []
    assert _paths(lower) == {"/d": None, "/e": _file("e")}


def test_paths_after_the_bare_whiteout_come_back_and_those_before_it_go() -> None:
    lower = build_layer_tree([_dir("d"), _file("d/x")])
    upper_d = _dir("d")
    upper = build_layer_tree([upper_d, _file("d/-a", 2), _file("d/.wa", 3), _file("d/.wh.", 0), _file("d/y", 4)])
    assert stack.stack_dive(lower, upper) == []
    # "-a" and ".wa" sort before ".wh.": added, then removed with d; "y" re-creates d, d's entry last
    assert _paths(lower) == {"/d": upper_d, "/d/y": _file("d/y", 4)}


def test_bare_whiteout_of_a_missing_directory_is_an_error_and_removes_nothing() -> None:
    lower = build_layer_tree([_file("e")])
    assert stack.stack_dive(lower, build_layer_tree([_file("n/.wh.", 0), _file("n/f")])) == ["/n/"]
    assert _paths(lower) == {"/e": _file("e"), "/n": None, "/n/f": _file("n/f")}


def test_bare_whiteout_at_the_root_removes_nothing() -> None:
    lower = build_layer_tree([_file("a"), _dir("d"), _file("d/x")])
    before = _paths(lower)
    assert stack.stack_dive(lower, build_layer_tree([_file(".wh.", 0)])) == ["/"]  # cannot remove the root
    assert _paths(lower) == before


def test_bare_whiteout_one_level_deeper_removes_only_that_directory() -> None:
    lower = build_layer_tree([_dir("a"), _dir("a/b"), _file("a/b/f"), _file("a/c")])
    assert stack.stack_dive(lower, build_layer_tree([_file("a/b/.wh.", 0)])) == []
    assert _paths(lower) == {"/a": None, "/a/b": None, "/a/c": _file("a/c")}


def test_whiteout_directory_holding_only_whiteouts_is_not_created() -> None:
    """Nothing ``AddPath``-s a path under ``.wh.x``, and the directory itself is applied as a
    whiteout of ``x``: the stack never holds ``.wh.x``."""
    lower = build_layer_tree([_file("a")])
    upper = build_layer_tree([_dir(".wh.x"), _file(".wh.x/.wh.y", 0)])
    assert stack.stack_dive(lower, upper) == ["/.wh.x/y", "/x"]
    assert _paths(lower) == {"/a": _file("a")}
    # its own ".wh." finds no ".wh.x" to remove either
    upper = build_layer_tree([_file(".wh.x/.wh.", 0)])
    assert stack.stack_dive(lower, upper) == ["/.wh.x/", "/x"]
    assert _paths(lower) == {"/a": _file("a")}


def test_whiteout_directory_is_created_by_a_path_added_under_it() -> None:
    lower = build_layer_tree([_file("a")])
    upper = build_layer_tree([_file(".wh.x/.wh.y", 0), _file(".wh.x/z", 5)])
    assert stack.stack_dive(lower, upper) == ["/.wh.x/y", "/x"]
    assert _paths(lower) == {"/.wh.x": None, "/.wh.x/z": _file(".wh.x/z", 5), "/a": _file("a")}


def test_layer0_bare_whiteout_removes_its_directory_from_the_range() -> None:
    """``StackTreeRange`` copies layer 0 (its ``.wh.`` node too) and applies it again: the second
    application removes ``d`` with that node, and ``d/f``, then ``d`` come back."""
    d, f = _dir("d"), _file("d/f", 500)
    t0 = build_layer_tree([d, _file("d/.wh.", 1000), f])
    got = stack.stack_range([t0], 0, 0, accurate=False)
    assert _paths(got) == {"/d": d, "/d/f": f}


def test_whiteout_directory_made_by_an_added_path_stays_when_that_path_goes() -> None:
    """``AddPath`` of ``.wh.-a/-a`` creates ``.wh.-a``; the whiteout after it removes only ``-a``."""
    lower = build_layer_tree([_file("a")])
    upper = build_layer_tree([_file(".wh.-a/-a", 3), _file(".wh.-a/.wh.-a", 0)])
    assert stack.stack_dive(lower, upper) == ["/-a"]
    assert _paths(lower) == {"/.wh.-a": None, "/a": _file("a")}


def test_bare_whiteout_directories_nested() -> None:
    """``d/.wh./.wh./x``: the path creates every directory; the inner ``.wh.`` removes ``d/.wh.``,
    the outer one ``d`` (which the path made, so no error); ``d``'s entry brings it back."""
    d = _dir("d")
    lower = build_layer_tree([_file("a")])
    assert stack.stack_dive(lower, build_layer_tree([d, _file("d/.wh./.wh./x", 5)])) == []
    assert _paths(lower) == {"/a": _file("a"), "/d": d}
