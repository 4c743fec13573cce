"""Shown while the image loads: stage, a progress bar over the archive, counters and an ETA.

dive shows nothing for the tens of seconds its cache takes; this screen samples
:class:`~layerscope.ui.progress.LoadProgress` four times a second instead.

It is drawn while the read runs in a thread of the same interpreter: whatever it costs is taken
from the read (one GIL), so it is kept cheap — a few samples a second, and a plain bar that fills
as the archive is read, hidden while the size to read is unknown (Textual's indeterminate bar is
animated, repainted on every frame: with ten samples a second it cost about 15% of a core).  It
only appears when the load lasts (:data:`~layerscope.ui.app.LOADING_DELAY`).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from ...golang.humanize import humanize_bytes
from ..progress import LoadProgress, Sample

TICK = 0.25  # seconds between two samples of the progress


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
                    # a total from the start: no indeterminate animation (see the module's docstring)
                    yield ProgressBar(total=1000, show_eta=False, id="loading-bar")
                    yield Static("", id="loading-text", markup=False)

    def on_mount(self) -> None:
        self._tick()
        self.set_interval(TICK, self._tick)

    def _tick(self) -> None:
        try:
            text = self.query_one("#loading-text", Static)
            bar = self.query_one("#loading-bar", ProgressBar)
        except NoMatches:  # the screen is being replaced by the explorer
            return
        s = self.progress.sample()
        text.update(progress_text(s, self.image_name))
        f = s.fraction
        if not s.stage.startswith("Reading"):
            f = 1.0
        bar.display = f is not None  # no total (a stream): the counters and the clock say it moves
        if f is not None and int(f * 1000) != bar.progress:
            bar.update(progress=int(f * 1000))
