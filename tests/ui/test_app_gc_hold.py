"""The explorer holds the collector off from the start of the load to its first painted frame
(``archive.gcpause.HeldPause``): no collection runs in between (each one traversed everything the
read or the analysis had just built, freeing nothing), and once the frame is painted the
collector is on again and what the load built is frozen."""

from __future__ import annotations

import gc

import pytest
from conftest import make_app, settle, wait_loaded
from textual.screen import Screen

from layerscope.ui.screens.main import MainScreen


@pytest.fixture
def unfrozen():  # noqa: ANN201
    gc.collect()
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


async def test_no_collection_from_the_load_to_the_first_paint(archives, tmp_path, monkeypatch, unfrozen) -> None:
    events: list[str] = []
    real_refresh = Screen._compositor_refresh

    def compositor_refresh(self: Screen) -> None:
        real_refresh(self)
        if isinstance(self, MainScreen) and self.view is not None and "paint" not in events:
            events.append("paint")

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start" and "load" in events:
            events.append(f"gc{info['generation']}")

    monkeypatch.setattr(Screen, "_compositor_refresh", compositor_refresh)
    app = make_app(archives["marks"], tmp=str(tmp_path))
    real = app.loader
    seen_enabled: list[bool] = []

    def loader(progress):  # noqa: ANN001, ANN202
        events.append("load")
        seen_enabled.append(gc.isenabled())
        model = real(progress)
        seen_enabled.append(gc.isenabled())
        gc.collect(0)  # an explicit pass still works (and is recorded): the test can see passes
        return model

    app.loader = loader
    gc.callbacks.append(on_gc)
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_loaded(app, pilot)
            await settle(app, pilot)
            enabled_after = gc.isenabled()
            frozen_after = gc.get_freeze_count()
    finally:
        gc.callbacks.remove(on_gc)
    assert seen_enabled == [False, False], "the collector ran during the load"
    first_paint = events.index("paint")
    assert events[:first_paint] == ["load", "gc0"], events  # only the test's own explicit pass
    assert "gc0" in events[first_paint + 1 :], events  # the freeze's pass, after the frame
    assert enabled_after and frozen_after > 0


async def test_a_load_error_turns_the_collector_back_on(archives, tmp_path, unfrozen) -> None:
    app = make_app(archives["marks"], tmp=str(tmp_path))

    def loader(progress):  # noqa: ANN001, ANN202
        assert not gc.isenabled()
        raise RuntimeError("boom")

    app.loader = loader
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(200):
            await pilot.pause(0.01)
            if app.load_error is not None:
                break
    assert isinstance(app.load_error, RuntimeError)
    assert gc.isenabled() and gc.get_freeze_count() == 0


async def test_a_quit_before_the_first_frame_turns_the_collector_back_on(archives, tmp_path, unfrozen) -> None:
    app = make_app(archives["marks"], tmp=str(tmp_path))
    real = app.loader

    def loader(progress):  # noqa: ANN001, ANN202
        app.call_from_thread(app.exit)  # the user quits while the image loads
        return real(progress)

    app.loader = loader
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause(0.2)
    assert gc.isenabled()
