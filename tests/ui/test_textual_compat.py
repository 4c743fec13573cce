"""The adapters in ``ui/textual_compat.py``, checked against Textual's own behaviour.

Each one stands in for a private Textual API, so each is compared with what Textual itself
does: the key a character arrives as (Pilot turns a character into a key the way the real
driver does), the scroll state a full layout produces, and what an unhandled exception leaves.
"""

from __future__ import annotations

import string

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView

from layerscope.config import parse_key
from layerscope.ui.textual_compat import CrashCapture, character_key, set_virtual_size_quietly

PRINTABLE = [c for c in string.printable if c.isprintable()]


def test_dive_single_character_keys_use_it():
    assert parse_key("/") == ["slash"]
    assert parse_key("?") == ["question_mark"]
    assert parse_key("I") == ["I"]


class KeyApp(App[None]):
    """A binding per printable character, keyed by our name for it."""

    BINDINGS = [Binding(character_key(c), f"hit({i})", show=False) for i, c in enumerate(PRINTABLE)]

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[str] = []

    def action_hit(self, i: int) -> None:
        self.hits.append(PRINTABLE[i])


async def test_character_key_is_the_key_textual_delivers():
    app = KeyApp()
    async with app.run_test() as pilot:
        for c in PRINTABLE:
            await pilot.press(c)  # Pilot names a character's key with Textual's own rule
        await pilot.pause()
    assert app.hits == PRINTABLE


class Pane(ScrollView):
    DEFAULT_CSS = "Pane { height: 10; width: 30; overflow-y: scroll; scrollbar-size-vertical: 1; }"


class OnePane(App[None]):
    def compose(self) -> ComposeResult:
        yield Pane()


async def _scroll_state(height: int, quiet: bool) -> tuple:
    """The pane's scroll state after its virtual size goes from 100 to ``height`` lines, scrolled
    near the end (each in its own app: a re-layout of one would repair the other)."""
    app = OnePane()
    async with app.run_test(size=(40, 30)) as pilot:
        pane = app.query_one(Pane)
        pane.virtual_size = Size(pane.size.width, 100)
        await pilot.pause()
        pane.scroll_to(y=85, animate=False, immediate=True)
        await pilot.pause()
        assert pane.scroll_y == 85
        if quiet:
            set_virtual_size_quietly(pane, Size(pane.size.width, height))
        else:
            pane.virtual_size = Size(pane.size.width, height)  # Textual's own path: a re-layout
        await pilot.pause()
        bar = pane.vertical_scrollbar
        return pane.virtual_size, pane.scroll_y, pane.max_scroll_y, bar.window_virtual_size, bar.window_size


@pytest.mark.parametrize("height", [30, 5, 200])
async def test_quiet_virtual_size_leaves_the_state_a_full_layout_leaves(height):
    assert await _scroll_state(height, quiet=True) == await _scroll_state(height, quiet=False)


async def test_quiet_virtual_size_falls_back_when_the_width_changes():
    app = OnePane()
    async with app.run_test(size=(40, 30)) as pilot:
        pane = app.query_one(Pane)
        set_virtual_size_quietly(pane, Size(77, 50))
        await pilot.pause()
        assert pane.virtual_size == Size(77, 50)


class Crashing(CrashCapture[int]):
    def on_mount(self) -> None:
        raise RuntimeError("boom")


async def test_crash_is_kept_and_no_traceback_is_printed(capsys):
    app = Crashing()
    with pytest.raises(RuntimeError):  # run_test re-raises the app's error for test frameworks
        async with app.run_test():
            pass
    assert isinstance(app.crash, RuntimeError) and str(app.crash) == "boom"
    assert app.return_code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "boom" not in err
