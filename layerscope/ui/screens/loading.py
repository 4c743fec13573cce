"""Shown while the image loads: stage, a progress bar over the archive, counters and an ETA.

dive shows nothing for the tens of seconds its cache takes; this screen samples
:class:`~layerscope.ui.progress.LoadProgress` ten times a second instead.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from ...golang.humanize import humanize_bytes
from ..progress import LoadProgress, Sample


def progress_text(s: Sample, name: str) -> str:
    parts = [f"{s.stage}: {name}"]
    counts = f"{s.entries:,} entries, {humanize_bytes(s.unpacked)} unpacked"
    if s.position is not None and s.total:
        counts = f"{humanize_bytes(s.position)} of {humanize_bytes(s.total)} read · " + counts
    parts.append(counts)
    eta = s.eta
    parts.append(f"elapsed {s.elapsed:.1f} s" + (f" · about {eta:.0f} s left" if eta is not None else ""))
    return "\n".join(parts)


class LoadingScreen(Screen[None]):
    """Progress while the worker in the app reads the image and builds the analysis."""

    def __init__(self, progress: LoadProgress, name: str) -> None:
        super().__init__()
        self.progress = progress
        self.image_name = name

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                with Vertical(id="loading-box"):
                    yield Static("layerscope", id="loading-title")
                    yield ProgressBar(total=None, show_eta=False, id="loading-bar")
                    yield Static("", id="loading-text", markup=False)

    def on_mount(self) -> None:
        self._tick()
        self.set_interval(0.1, self._tick)

    def _tick(self) -> None:
        try:
            text = self.query_one("#loading-text", Static)
            bar = self.query_one("#loading-bar", ProgressBar)
        except NoMatches:  # the screen is being replaced by the explorer
            return
        s = self.progress.sample()
        text.update(progress_text(s, self.image_name))
        f = s.fraction
        if f is not None and s.stage.startswith("Reading"):
            bar.update(total=1000, progress=int(f * 1000))
        elif not s.stage.startswith("Reading"):
            bar.update(total=1000, progress=1000)
