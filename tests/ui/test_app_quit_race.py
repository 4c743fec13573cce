"""Quitting while the explorer starts is a quit, not a crash.

A ``q`` or Ctrl+C that lands just as the image finishes loading asks the app to exit while the
main screen is still mounting: Textual tears the screens down under it, so its ``on_mount``
queries panes that are gone and an input's first watcher finds no screen on the stack.  The
app must close quietly with exit code 0 (no "the explorer crashed" line)."""

from __future__ import annotations

import asyncio

import pytest
from conftest import make_app

from layerscope.ui import app as app_mod
from layerscope.ui.app import LayerscopeApp


@pytest.mark.parametrize("loading_delay", [0.0, 1.0], ids=["loading-screen-shown", "straight-to-main"])
def test_exit_asked_as_the_model_arrives_is_not_a_crash(archives, tmp_path, monkeypatch, loading_delay) -> None:
    monkeypatch.setattr(app_mod, "LOADING_DELAY", loading_delay)
    app = make_app(archives["marks"], tmp=str(tmp_path))
    real = LayerscopeApp._loaded

    def loaded(model) -> None:  # noqa: ANN001 - the user's quit, handled right after the model
        real(app, model)
        app.exit()

    app._loaded = loaded  # type: ignore[method-assign]

    async def run() -> None:
        async with app.run_test(size=(120, 40)):
            for _ in range(300):
                await asyncio.sleep(0.01)
                if not app.is_running:
                    break

    asyncio.run(run())
    assert app.crash is None, f"quitting at start-up crashed: {type(app.crash).__name__}: {app.crash}"
    assert app.return_code == 0
    assert app.model is not None and app.load_error is None


def test_a_real_crash_while_running_is_still_reported(archives, tmp_path) -> None:
    """The allowance is for a closing app only: the same error while it runs is a crash."""
    app = make_app(archives["marks"], tmp=str(tmp_path))

    async def run() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(300):
                await pilot.pause(0.01)
                if app.model is not None:
                    break
            app.call_later(app.screen.query_one, "#no-such-pane")
            for _ in range(300):  # the failing call runs while the app runs (not as the test leaves)
                if app.crash is not None or not app.is_running:
                    break
                await asyncio.sleep(0.01)

    with pytest.raises(Exception, match="no-such-pane"):
        asyncio.run(run())
    assert app.crash is not None and type(app.crash).__name__ == "NoMatches"
