"""The Insights screen and the PR-report section render ``explain``'s numbers."""

from __future__ import annotations

import asyncio

from textual.app import App

from fixtures import waste_cases
from fixtures.imagegen import write_docker_save
from layerscope.analysis.explanation import build_explanation
from layerscope.report.insights import markdown_section
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.ui.screens.insights import InsightsScreen


def _image(tmp_path, case):
    write_docker_save(tmp_path / "img.tar", case.spec)
    return load_image("docker-archive", str(tmp_path / "img.tar"), ReadOptions())


def test_insights_screen_shows_groups_and_closes(tmp_path):
    image = _image(tmp_path, waste_cases.realistic())

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(InsightsScreen(image))

    async def scenario() -> None:
        app = Host()
        async with app.run_test(size=(140, 60)) as pilot:
            screen = app.screen
            assert isinstance(screen, InsightsScreen)
            for _ in range(100):
                await pilot.pause(0.05)
                if screen.explanation is not None:
                    break
            assert screen.explanation is not None
            g = screen.explanation.insights.groups[0]
            assert (g.kind, g.rule, g.bytes) == ("toolchain", "C/C++ compilers", 31_000_000)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, InsightsScreen)

    asyncio.run(scenario())


def test_report_section(tmp_path):
    ex = build_explanation(_image(tmp_path, waste_cases.realistic()))
    md = markdown_section(ex, top=5)
    rows = [lay for lay in md.splitlines() if lay.startswith("| ") and not lay.startswith("| Bytes")]
    assert len(rows) == 5
    assert rows[0].startswith("| 31 MB | build toolchain in final image: C/C++ compilers | 1 |")
    assert "| 5.0 MB | deleted later | 2 → 4 | `/tmp/app-1.0.tar.gz` |" in md
    assert "documentation" not in md  # soft hints stay out of PR reports
    empty = markdown_section(build_explanation(_image(tmp_path, waste_cases.pycache_with_python())))
    assert "No removable bytes found." in empty
