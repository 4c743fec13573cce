"""A load that has finished reading when the loading delay is up gets ``LOADING_GRACE`` more
before its progress screen is drawn (what is left is short: the screen would only flicker, and
drawing it takes the GIL from the load); one still reading shows it at the delay, and one that
stays in the analysis past the grace shows it then."""

from __future__ import annotations

import threading

from conftest import make_app, wait_loaded

from layerscope.config import UISettings
from layerscope.sources.archive import ReadOptions, ReadState
from layerscope.ui import app as app_module
from layerscope.ui.app import ANALYZING, LayerscopeApp
from layerscope.ui.progress import LoadProgress
from layerscope.ui.screens.loading import LoadingScreen


def _model(archives, tmp_path):  # noqa: ANN001, ANN202 - a real model, made before the app starts
    app = make_app(archives["marks"], tmp=str(tmp_path))
    return app.loader(app.progress)


async def _run(model, analysis_seconds: float) -> list[float]:  # noqa: ANN001
    """When (seconds after the start) a loading screen was shown, for a load that is in its
    analysis stage from the start and ends after ``analysis_seconds``."""
    progress = LoadProgress(ReadState.start(ReadOptions()))
    done = threading.Event()

    def loader(p: LoadProgress):  # noqa: ANN202
        p.stage = ANALYZING
        done.wait(analysis_seconds)
        return model

    shown: list[float] = []
    real_mount = LoadingScreen.on_mount

    def on_mount(self: LoadingScreen) -> None:
        shown.append(self.progress.sample().elapsed)
        real_mount(self)

    LoadingScreen.on_mount = on_mount  # type: ignore[method-assign]
    try:
        app = LayerscopeApp(loader, UISettings(), progress, "img.tar")
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_loaded(app, pilot)
    finally:
        LoadingScreen.on_mount = real_mount  # type: ignore[method-assign]
    return shown


async def test_a_load_past_its_read_at_the_delay_is_given_the_grace(archives, tmp_path, monkeypatch) -> None:
    model = _model(archives, tmp_path)
    monkeypatch.setattr(app_module, "LOADING_DELAY", 0.05)
    monkeypatch.setattr(app_module, "LOADING_GRACE", 1.5)
    assert await _run(model, 0.4) == []  # ended within the grace: no progress screen at all


async def test_an_analysis_longer_than_the_grace_shows_its_progress(archives, tmp_path, monkeypatch) -> None:
    model = _model(archives, tmp_path)
    monkeypatch.setattr(app_module, "LOADING_DELAY", 0.05)
    monkeypatch.setattr(app_module, "LOADING_GRACE", 0.2)
    shown = await _run(model, 1.5)
    assert len(shown) == 1 and shown[0] >= 0.25 - 0.02  # the delay, then the grace, not before
