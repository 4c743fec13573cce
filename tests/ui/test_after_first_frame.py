"""The work that follows the first frame (the package analysis, the late content hashes) starts
once that frame is painted, not while it is: started from ``on_mount``, its worker threads took
the one GIL from the first paint they were meant to follow."""

from __future__ import annotations

from conftest import make_app, settle, wait_loaded
from textual.screen import Screen

from layerscope.ui.screens.main import MainScreen


async def test_package_and_hash_workers_start_after_the_first_paint(archives, tmp_path, monkeypatch) -> None:
    events: list[str] = []
    real_refresh = Screen._compositor_refresh

    def compositor_refresh(self: Screen) -> None:
        real_refresh(self)
        # the first frame: the screen painted with its first tree in it
        if isinstance(self, MainScreen) and self.view is not None and "paint" not in events:
            events.append("paint")

    real_packages, real_hashes = MainScreen._analyze_packages, MainScreen._compute_hashes

    def analyze_packages(self: MainScreen):  # noqa: ANN202
        events.append("packages")
        return real_packages(self)

    def compute_hashes(self: MainScreen):  # noqa: ANN202
        events.append("hashes")
        return real_hashes(self)

    monkeypatch.setattr(Screen, "_compositor_refresh", compositor_refresh)
    monkeypatch.setattr(MainScreen, "_analyze_packages", analyze_packages)
    monkeypatch.setattr(MainScreen, "_compute_hashes", compute_hashes)
    app = make_app(archives["marks"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        assert screen.model.late is not None  # the default read leaves the hashes for later
        await settle(app, pilot)
        assert screen.model.late.done.is_set() and screen.model.packages is not None
    assert events[0] == "paint", events
    assert sorted(events[1:]) == ["hashes", "packages"], events
