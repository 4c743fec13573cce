"""The lazily rendered text pane behind Image Details: every line reachable, only what is on
screen rendered."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from layerscope.ui.widgets.lines_pane import LinesPane


class Host(App):
    def compose(self) -> ComposeResult:
        yield LinesPane("T", id="p")


async def test_lines_render_lazily_and_scroll():
    lines = [f"row {i:05d}" + " x" * (i % 7) for i in range(20_000)]
    app = Host()
    async with app.run_test(size=(40, 12)) as pilot:
        pane = app.query_one(LinesPane)
        pane.set_text(Text("\n".join(lines)))
        await pilot.pause()
        assert pane.text.splitlines() == lines
        assert pane.virtual_size.height == len(lines)
        assert len(pane._strips) < 50  # only the visible rows were rendered
        first = "".join(seg.text for seg in pane.render_line(0)).rstrip()
        assert first == lines[0]
        pane.focus()
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert "".join(seg.text for seg in pane.render_line(0)).rstrip() == lines[3]
        pane.scroll_to(y=12_345, animate=False)
        await pilot.pause()
        assert "".join(seg.text for seg in pane.render_line(0)).rstrip() == lines[12_345]
        assert len(pane._strips) < 100
