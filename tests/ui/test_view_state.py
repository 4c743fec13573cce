"""The UI's boundaries: the typed view state carried between layers, the one tree cache, the
two pattern syntaxes, and the input lines that share one widget.

Expected answers come from the image (which paths each layer's tree has) and from dive's
rules (``SetTreeByLayer`` keeps the settings and the cursor's path; the filter compiles at
most 200 characters), never from the code under test.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from conftest import make_app, wait_loaded

from layerscope.tree.marks import LayerTrees
from layerscope.tree.node import ADDED, UNMODIFIED
from layerscope.ui.patterns import compile_filter, compile_search
from layerscope.ui.trees import TreeCache
from layerscope.ui.viewmodel import SORT_SIZE, TreeView, ViewState
from layerscope.ui.widgets.file_tree import FileTree
from layerscope.ui.widgets.search_bar import SearchBar


def paths(view: TreeView) -> list[str]:
    return [view.flat.path[i] for i in view.rows]


def test_view_state_is_a_frozen_snapshot(demo_image):
    cache = TreeCache(LayerTrees(demo_image))
    view = TreeView(cache.get(1, False)[0])
    view.cursor = paths(view).index("/etc")
    state = view.state()
    view.toggle_collapse()
    view.toggle_hidden(ADDED)
    view.set_sort(SORT_SIZE)
    assert state.path == "/etc" and not state.hidden and state.sort == "name"
    assert "/etc" not in state.collapsed
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.sort = SORT_SIZE


def test_from_state_carries_settings_and_path_to_another_layer(demo_image):
    cache = TreeCache(LayerTrees(demo_image))
    v1 = TreeView(cache.get(1, False)[0], hidden={UNMODIFIED})
    v1.cursor = paths(v1).index("/etc")
    v1.toggle_collapse()
    v2 = TreeView.from_state(cache.get(2, False)[0], v1.state())
    assert v2.hidden == {UNMODIFIED} and v2.is_collapsed(v2.flat.find("/etc"))
    assert v2.current_path == "/etc"
    assert "/etc/passwd" not in paths(v2)  # inside the collapsed directory


def test_from_state_keeps_the_row_when_the_path_is_gone(demo_image):
    cache = TreeCache(LayerTrees(demo_image))
    flat = cache.get(0, False)[0]
    view = TreeView.from_state(flat, ViewState(path="/no/such/path", cursor=3))
    assert view.cursor == 3
    view = TreeView.from_state(flat, ViewState(cursor=10**6))
    assert view.cursor == len(view.rows) - 1  # clamped to the last row


def test_carry_over_takes_changes_made_while_the_view_was_built(demo_image):
    cache = TreeCache(LayerTrees(demo_image))
    old = TreeView(cache.get(1, False)[0])
    new = TreeView.from_state(cache.get(2, False)[0], old.state())
    old.set_sort(SORT_SIZE)  # a key pressed while the worker ran
    new.carry_over(old)
    assert new.sort == SORT_SIZE
    old = TreeView(cache.get(1, False)[0])
    new = TreeView.from_state(cache.get(2, False)[0], old.state())
    old.cursor = paths(old).index("/etc")
    old.toggle_collapse()  # only a directory toggled: the collapse map is taken
    new.carry_over(old)
    assert new.is_collapsed(new.flat.find("/etc"))


def test_one_cache_holds_each_tree_once(demo_image):
    cache = TreeCache(LayerTrees(demo_image))
    calls: list[tuple[int, bool]] = []
    real = cache.views.view

    def counted(index: int, aggregated: bool):  # noqa: ANN202
        calls.append((index, aggregated))
        time.sleep(0.1)  # a slow build, so that both threads are asking while it runs
        return real(index, aggregated)

    cache.views.view = counted
    first = cache.get(1, False)
    assert cache.get(1, False) is first and calls == [(1, False)]
    assert not cache.views.cached(1, False)  # the view engine keeps no second copy
    # the tree worker and the prefetch asking for the same tree at once build it once
    start = threading.Barrier(2)
    got: list[object] = []

    def ask() -> None:
        start.wait()
        got.append(cache.get(2, True))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls.count((2, True)) == 1 and got[0] is got[1]


def test_filter_is_dives_first_200_characters_case_sensitive():
    rx = compile_filter("  etc  ")
    assert rx is not None and rx.search("/etc/x") and not rx.search("/ETC/x")
    assert compile_filter("   ") is None
    long = "a" * 200 + "("  # an invalid 201st character is never compiled
    assert compile_filter(long) is not None


def test_search_is_smart_case():
    lower, mixed = compile_search("libz"), compile_search("LibZ")
    assert lower is not None and lower.search("/usr/lib/LIBZ.so")
    assert mixed is not None and mixed.search("/LibZ") and not mixed.search("/libz")
    assert compile_search("") is None


async def test_invalid_search_stays_in_its_line(archives, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("tab", "slash", *"lib(", "enter")
        bar = screen.query_one(SearchBar)
        assert bar.display and bar.has_focus and "invalid regex" in bar.border_subtitle
        assert screen.view.cursor == 0
        await pilot.press("backspace", "enter")  # now valid: jumps and closes
        assert not bar.display and isinstance(app.focused, FileTree)
        assert "lib" in screen.view.current_path


def test_prefetch_waits_for_the_frame_and_stops_when_superseded(demo_image, monkeypatch):
    from layerscope.ui import trees

    monkeypatch.setattr(trees, "PREFETCH_DELAY", 0.2)
    cache = TreeCache(LayerTrees(demo_image))
    t0 = time.perf_counter()
    cache.prefetch([(1, False), (2, True)], lambda: False)
    assert time.perf_counter() - t0 >= 0.2  # the UI thread had the GIL to itself meanwhile
    assert cache.cached(1, False) and cache.cached(2, True)
    # a newer key cancels the worker: what is still to build is not built
    other = TreeCache(LayerTrees(demo_image))
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # superseded after the first tree

    other.prefetch([(1, False), (2, False)], cancelled)
    assert other.cached(1, False) and not other.cached(2, False)
