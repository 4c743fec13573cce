"""Keys typed right behind the key that opens the filter or search line land in that line.

A terminal delivers ``ctrl+f`` and the letters typed after it in one read, so the app's queue
holds them all before the first is handled.  ``Pilot.press`` waits for the app to be idle after
each key, which hides the race; :func:`burst` sends the events the way the terminal driver does,
back to back, and only then waits.
"""

from __future__ import annotations

import unicodedata

from conftest import make_app, wait_loaded
from textual import events
from textual.app import REPLACED_KEYS, _get_unicode_name_from_key

from layerscope.config import UISettings
from layerscope.ui.widgets.file_tree import FileTree
from layerscope.ui.widgets.filter_bar import FilterBar
from layerscope.ui.widgets.search_bar import SearchBar


def _event(key: str) -> events.Key:
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def burst(app, pilot, *keys: str) -> None:  # noqa: ANN001
    """Queue every key at once (as one terminal read does), then let the app handle them."""
    for key in keys:
        ev = _event(key)
        ev.set_sender(app)
        app._driver.send_message(ev)
    await pilot.pause()
    await pilot.pause()


async def test_letters_behind_ctrl_f_reach_the_filter(archives, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("tab")
        assert isinstance(app.focused, FileTree)
        await burst(app, pilot, "ctrl+f", *"dpkg")
        bar = screen.query_one(FilterBar)
        assert bar.has_focus and bar.value == "dpkg"
        assert screen.filter_text == "dpkg"


async def test_letters_behind_ctrl_f_in_one_press(archives, tmp_path):
    """The same through one ``Pilot.press`` call, from the layer pane (the first focus)."""
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("ctrl+f", *"etc")
        assert screen.query_one(FilterBar).value == "etc"


async def test_letters_behind_slash_reach_the_search(archives, tmp_path):
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("tab")
        await burst(app, pilot, "slash", *"libz")
        bar = screen.query_one(SearchBar)
        assert bar.has_focus and bar.value == "libz"


async def test_keys_inside_the_lines_are_unchanged(archives, tmp_path):
    """Inside a line: "/" is typed (a path regex has slashes), ctrl+f in the filter closes it
    and in the search line opens the filter, as before the binding became a priority one."""
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("tab", "ctrl+f", *"/etc/")
        bar = screen.query_one(FilterBar)
        assert bar.value == "/etc/" and not screen.query_one(SearchBar).display
        await pilot.press("ctrl+f")
        assert not bar.display and isinstance(app.focused, FileTree)
        await pilot.press("slash", "a", "ctrl+f")
        assert screen.query_one(SearchBar).value == "a"
        assert bar.display and bar.has_focus


async def test_a_printable_filter_key_from_the_config_is_typed_inside_the_line(archives, tmp_path):
    """With ``filter-files: f`` the key opens the filter from the tree, and inside the line an
    "f" is a letter of the pattern (the priority binding must not take it)."""
    app = make_app(archives["demo"], UISettings(keybindings={"filter-files": "f"}), tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        await pilot.press("tab")
        await burst(app, pilot, "f", *"conf")
        bar = screen.query_one(FilterBar)
        assert bar.display and bar.value == "conf"
        await pilot.press("f")
        assert bar.display and bar.has_focus and bar.value == "conff"
        await pilot.press("escape", "slash", "f")  # and in the search line
        assert screen.query_one(SearchBar).value == "f" and not bar.display
