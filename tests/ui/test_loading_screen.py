"""The loading screen: a bar that fills with the bytes read, no animation, hidden without a total.

Its drawing shares the interpreter (one GIL) with the read it reports on, so it must not be
Textual's indeterminate bar, which repaints on every animation frame for as long as the read
takes; where the archive's size is unknown (a stream) the counters and the clock show progress.
"""

from __future__ import annotations

import threading

from conftest import make_app, wait_loaded
from textual.widgets import ProgressBar

from layerscope.config import UISettings
from layerscope.sources.archive import ReadOptions, ReadState
from layerscope.ui import app as app_module
from layerscope.ui.app import LayerscopeApp
from layerscope.ui.progress import LoadProgress
from layerscope.ui.screens.loading import LoadingScreen
from layerscope.ui.screens.main import MainScreen


async def _watch(total: int | None, read: int) -> tuple[bool, int | None, float, str]:
    """(bar shown, bar total, bar progress, the counters' text) while the loader is busy."""
    release = threading.Event()
    progress = LoadProgress(ReadState.start(ReadOptions()))
    progress.state.progress.bytes_total = total
    progress.state.progress.bytes_read = read

    def loader(p: LoadProgress):  # noqa: ANN202
        release.wait(10)
        raise RuntimeError("released")

    app = LayerscopeApp(loader, UISettings(), progress, "img.tar")
    async with app.run_test(size=(120, 30)) as pilot:
        try:
            for _ in range(100):
                await pilot.pause(0.02)
                if isinstance(app.screen, LoadingScreen):
                    break
            await pilot.pause(0.3)  # a tick or two
            screen = app.screen
            assert isinstance(screen, LoadingScreen)
            bar = screen.query_one(ProgressBar)
            return bar.display, bar.total, bar.progress, str(screen.query_one("#loading-text").render())
        finally:
            release.set()


async def test_the_bar_has_a_total_and_follows_the_bytes_read():
    shown, total, done, text = await _watch(total=4_000_000, read=1_000_000)
    assert total is not None  # never the animated indeterminate bar
    assert shown and done / total == 0.25
    assert "1.0 MB of 4.0 MB read" in text


async def test_without_a_total_the_bar_is_hidden_and_the_counters_show():
    shown, total, _done, text = await _watch(total=None, read=1_000_000)
    assert total is not None and not shown
    assert "entries" in text and "elapsed" in text


async def test_a_load_faster_than_the_delay_goes_straight_to_the_explorer(archives, tmp_path, monkeypatch):
    shown: list[LoadingScreen] = []
    real = LoadingScreen.on_mount

    def record(self: LoadingScreen) -> None:
        shown.append(self)
        real(self)

    monkeypatch.setattr(LoadingScreen, "on_mount", record)
    monkeypatch.setattr(app_module, "LOADING_DELAY", 30.0)  # any test machine loads demo.tar sooner
    app = make_app(archives["demo"], tmp=str(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await wait_loaded(app, pilot)
        assert isinstance(app.screen, MainScreen) and screen.view is not None
        assert not shown and not any(isinstance(s, LoadingScreen) for s in app.screen_stack)


async def test_a_slow_load_shows_its_progress_after_the_delay(tmp_path, monkeypatch):
    monkeypatch.setattr(app_module, "LOADING_DELAY", 0.01)
    displayed, total, _done, text = await _watch(total=10, read=5)
    assert displayed and total is not None and "Reading image: img.tar" in text
