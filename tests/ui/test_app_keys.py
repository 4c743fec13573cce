"""Every key and toggle, driven through Textual's Pilot, checked against the core's analysis."""

from __future__ import annotations

import re

from conftest import make_app, settle, wait_loaded
from ui_oracle import expected_rows

from layerscope.config import UISettings
from layerscope.tree.marks import LayerTrees, TreeKey
from layerscope.tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED
from layerscope.ui.widgets.file_tree import FileTree
from layerscope.ui.widgets.filter_bar import FilterBar
from layerscope.ui.widgets.image_details import ImageDetails
from layerscope.ui.widgets.layer_details import LayerDetails
from layerscope.ui.widgets.layers import LayersPane
from layerscope.ui.widgets.search_bar import SearchBar
from layerscope.ui.widgets.status_bar import StatusBar


def shown(screen) -> list[tuple[str, int, int]]:  # noqa: ANN001
    v = screen.view
    return [(v.flat.path[i], v.flat.mark[i], v.size[i]) for i in v.rows]


def core_rows(image, index, aggregated=False, hidden=frozenset(), rx=None, by_size=False):  # noqa: ANN001
    root, _ = LayerTrees(image).compare(TreeKey.for_layer(index, aggregated))
    return expected_rows(root, set(hidden), rx, by_size)


async def test_layer_keys_and_compare_modes(archives, marks_image, tmp_path):
    app = make_app(archives["marks"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        assert isinstance(app.focused, LayersPane)
        assert shown(screen) == core_rows(marks_image, 0)
        for key, index in (("down", 1), ("j", 2), ("k", 1), ("pagedown", 3), ("u", 0), ("d", 3), ("up", 2)):
            await pilot.press(key)
            screen = await settle(app, pilot)
            assert screen.layer_index == index, key
            assert shown(screen) == core_rows(marks_image, index), key
            assert marks_image.layers[index].id in screen.query_one(LayerDetails).text
        await pilot.press("ctrl+a")  # compare-all in the layer pane
        screen = await settle(app, pilot)
        assert screen.aggregated and shown(screen) == core_rows(marks_image, 2, True)
        assert screen.query_one(FileTree).border_title.startswith("Aggregated")
        await pilot.press("ctrl+l")
        screen = await settle(app, pilot)
        assert not screen.aggregated and shown(screen) == core_rows(marks_image, 2)
        await pilot.press("a")  # plain alternative
        screen = await settle(app, pilot)
        assert screen.aggregated
        await pilot.press("c")
        screen = await settle(app, pilot)
        assert not screen.aggregated


async def test_pane_navigation_and_tab(archives, tmp_path):
    app = make_app(archives["marks"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("right")
        assert isinstance(app.focused, LayerDetails)
        await pilot.press("l")
        assert isinstance(app.focused, ImageDetails)
        await pilot.press("right")
        assert isinstance(app.focused, LayersPane)
        await pilot.press("left")
        assert isinstance(app.focused, ImageDetails)
        await pilot.press("h", "h")
        assert isinstance(app.focused, LayersPane)
        await pilot.press("tab")
        assert isinstance(app.focused, FileTree)
        assert app.focused.border_title.startswith("● ")
        await pilot.press("tab")
        assert isinstance(app.focused, LayersPane)


async def test_tree_toggles(archives, marks_image, tmp_path):
    app = make_app(archives["marks"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("down", "down")  # layer 2: removed dir, chmod, added deep path
        screen = await settle(app, pilot)
        await pilot.press("tab")
        hidden: set[int] = set()
        for key, mark in (
            ("ctrl+a", ADDED),
            ("ctrl+r", REMOVED),
            ("enter", MODIFIED),
            ("ctrl+u", UNMODIFIED),
            ("ctrl+u", UNMODIFIED),
            ("m", MODIFIED),
            ("r", REMOVED),
            ("a", ADDED),
            ("U", UNMODIFIED),
        ):
            await pilot.press(key)
            screen = await settle(app, pilot)
            hidden ^= {mark}
            assert screen.view.hidden == hidden, key
            assert shown(screen) == core_rows(marks_image, 2, hidden=hidden), key
        status = screen.query_one(StatusBar).text
        assert "Added" in status and "Unmodified" in status and "Sort: name" in status


async def test_collapse_sort_attributes_wrap(archives, demo_image, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("tab")
        tree = screen.query_one(FileTree)
        full = len(screen.view.rows)
        await pilot.press("space")  # collapse /bin (cursor on the first row)
        assert screen.view.is_collapsed(screen.view.current) and len(screen.view.rows) == full - 3
        assert "⊕ bin" in tree.row_text(0)
        await pilot.press("space")
        assert len(screen.view.rows) == full
        await pilot.press("ctrl+space")
        top = [p for p, _, _ in core_rows(demo_image, 0) if p.count("/") == 1]
        assert [p for p, _, _ in shown(screen)] == top
        await pilot.press("c")  # plain alternative: expand all again
        assert len(screen.view.rows) == full
        await pilot.press("ctrl+o")
        assert shown(screen) == core_rows(demo_image, 0, by_size=True)
        assert "Sort: size" in screen.query_one(StatusBar).text and "by size" in tree.border_title
        await pilot.press("s")
        assert shown(screen) == core_rows(demo_image, 0)
        assert tree.row_text(0).startswith("drwxr-xr-x         0:0      12 kB  ├── bin")
        await pilot.press("ctrl+b")
        assert tree.row_text(0) == "├── bin" and not tree.show_attributes
        await pilot.press("b")
        assert tree.show_attributes
        await pilot.press("ctrl+p")
        assert tree.wrap
        await pilot.press("w")
        assert not tree.wrap


async def test_tree_cursor_keys(archives, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 30)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("tab")
        v = screen.view
        await pilot.press("down", "j")
        assert v.current_path == "/bin/rbash"
        await pilot.press("k", "up")
        assert v.current_path == "/bin"
        await pilot.press("right")
        assert v.current_path == "/bin/dash"
        await pilot.press("h")
        assert v.current_path == "/bin"
        page = screen.query_one(FileTree).size.height - 1
        await pilot.press("pagedown")
        assert v.cursor == page
        await pilot.press("d")
        assert v.cursor == min(2 * page, len(v.rows) - 1)
        await pilot.press("u", "pageup")
        assert v.cursor == 0
        for _ in range(3):
            await pilot.press("pagedown")
        assert v.cursor == len(v.rows) - 1  # stops at the last row


async def test_filter_keys(archives, demo_image, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("ctrl+f")
        bar = screen.query_one(FilterBar)
        assert bar.display and bar.has_focus
        assert "Type to filter" in screen.query_one(StatusBar).text
        await pilot.press(*"conf")
        assert shown(screen) == core_rows(demo_image, 0, rx=re.compile("conf"))
        await pilot.press("(")  # invalid: the last tree stays, the error is shown
        assert shown(screen) == core_rows(demo_image, 0, rx=re.compile("conf"))
        assert "invalid regex" in bar.border_subtitle
        await pilot.press("backspace")
        assert not bar.border_subtitle
        await pilot.press("escape")  # closes and clears
        assert not bar.display and screen.view.filter is None
        assert shown(screen) == core_rows(demo_image, 0)
        assert isinstance(app.focused, FileTree)
        # the filter follows the layer selection
        await pilot.press("ctrl+f", *"passwd", "enter")
        assert isinstance(app.focused, FileTree)
        await pilot.press("tab", "down", "down")
        screen = await settle(app, pilot)
        assert shown(screen) == core_rows(demo_image, 2, rx=re.compile("passwd"))


async def test_search_keys(archives, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("tab", "ctrl+space")  # collapse everything first
        await pilot.press("slash")
        bar = screen.query_one(SearchBar)
        assert bar.display and bar.has_focus
        await pilot.press(*"libz", "enter")
        assert not bar.display and isinstance(app.focused, FileTree)
        v = screen.view
        assert v.current_path == "/usr/lib/x86_64-linux-gnu/libz.so.1"
        await pilot.press("n")
        assert v.current_path == "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"
        await pilot.press("n")
        assert v.current_path == "/usr/lib/x86_64-linux-gnu/libz.so.1"  # wrapped
        await pilot.press("N")
        assert v.current_path == "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"
        await pilot.press("slash", "escape")
        assert not bar.display


async def test_quit_keys(archives, tmp_path):
    for key in ("q", "ctrl+c"):
        app = make_app(archives["marks"], tmp=str(tmp_path))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_loaded(app, pilot)
            await pilot.press(key)
            await pilot.pause()
            assert not app.is_running, key


async def test_q_types_into_the_filter(archives, tmp_path):
    app = make_app(archives["marks"], tmp=str(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("ctrl+f", "q")
        assert app.is_running and app.screen.query_one(FilterBar).value == "q"


async def test_keybinding_override_from_config(archives, marks_image, tmp_path):
    settings = UISettings(keybindings={"toggle-added-files": "ctrl+x,z", "quit": "ctrl+q"})
    app = make_app(archives["marks"], settings, tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("down", "tab")
        screen = await settle(app, pilot)
        await pilot.press("a")  # no longer bound
        assert screen.view.hidden == set()
        await pilot.press("z")
        assert screen.view.hidden == {ADDED}
        assert "^X/z Added" in screen.query_one(StatusBar).text
        await pilot.press("q")
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_config_defaults_applied(archives, marks_image, tmp_path):
    settings = UISettings(
        hide=frozenset({"unmodified"}), aggregated=True, sort="size", show_attributes=False, collapse_dir=True
    )
    app = make_app(archives["marks"], settings, tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_loaded(app, pilot)
        await pilot.press("down", "down", "down")
        screen = await settle(app, pilot)
        assert screen.aggregated and screen.view.sort == "size"
        assert not screen.query_one(FileTree).show_attributes
        v = screen.view
        assert all(v.flat.parent[i] == 0 for i in v.rows)  # collapsed dirs: only top level
        v.set_all_collapsed(False)
        assert shown(screen) == core_rows(marks_image, 3, True, {UNMODIFIED}, by_size=True)


async def test_toggle_pressed_while_tree_computes_is_kept(archives, marks_image, tmp_path):
    app = make_app(archives["marks"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        screen.layer_index = 2
        screen.request_tree()  # a tree build starts from the current state …
        screen.query_one(FileTree).action_toggle_type("unmodified")  # … and a toggle lands first
        screen = await settle(app, pilot)
        assert screen.view.hidden == {UNMODIFIED}
        assert shown(screen) == core_rows(marks_image, 2, hidden={UNMODIFIED})


async def test_insights_key_opens_the_explanation_for_this_image(archives, tmp_path):
    from layerscope.analysis.explanation import build_explanation
    from layerscope.ui.screens.insights import InsightsScreen

    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("I")
        insights = app.screen
        assert isinstance(insights, InsightsScreen)
        for _ in range(100):
            await pilot.pause(0.05)
            if insights.explanation is not None:
                break
        expected = build_explanation(screen.model.image)
        assert insights.explanation is not None and expected.insights.groups
        assert [(g.kind, g.bytes) for g in insights.explanation.insights.groups] == [
            (g.kind, g.bytes) for g in expected.insights.groups
        ]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
