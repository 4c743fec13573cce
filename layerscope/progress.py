"""How far the read of one image has got, and a progress display on stderr for the commands.

The reader advances plain counters while it works (:class:`~layerscope.sources.archive.ReadState`:
bytes of the archive or stream read, its size when known, layers parsed, and the budget's
entries and uncompressed bytes).  Sampling them needs no callback and no lock (one writer;
a reader only needs a recent value), so the same :class:`LoadProgress` serves the explorer's
loading screen and :func:`read_display`, the terminal display of ``explain``, ``diff`` and
``report``.

The display appears only where a person watches: stderr is a terminal, ``CI`` is not set to
one of Go's truthy values and ``--quiet`` was not given.  It is transient (erased when the read
ends), so what stays on the terminal, and everything on stdout, is exactly the command's output.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from .log import LazyLogger
from .sources.archive import ReadState

log = LazyLogger("layerscope.progress")

GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}  # strconv.ParseBool's true, as dive reads CI
REFRESH = 0.1  # seconds between samples


@dataclass(slots=True)
class Sample:
    stage: str
    entries: int
    unpacked: int  # uncompressed bytes read
    position: int | None  # bytes of the archive read, when known
    total: int | None  # archive size, when known
    elapsed: float
    layers: int = 0

    @property
    def fraction(self) -> float | None:
        if self.position is None or not self.total:
            return None
        return min(1.0, self.position / self.total)

    @property
    def eta(self) -> float | None:
        f = self.fraction
        if f is None or f <= 0.01 or self.elapsed < 0.5:
            return None
        return self.elapsed * (1 - f) / f


class LoadProgress:
    """Samples the read of one image; ``stage`` is set by the loader as it moves on."""

    def __init__(self, state: ReadState) -> None:
        self.state = state
        self.stage = "Reading image"
        self.start = time.monotonic()

    def sample(self) -> Sample:
        read, budget = self.state.progress, self.state.budget
        return Sample(
            self.stage,
            budget.used_entries,
            budget.used_bytes,
            read.bytes_read or None,
            read.bytes_total,
            time.monotonic() - self.start,
            read.layers_read,
        )


def display_wanted(stream: TextIO, quiet: bool) -> bool:
    """A person is watching ``stream``: a terminal, not CI (Go's truthy ``CI``), not ``--quiet``."""
    if quiet or os.environ.get("CI", "") in GO_TRUE:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed or replaced stream
        return False


def _columns() -> tuple:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        SpinnerColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    return (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[layers]} layers · {task.fields[entries]:,} entries"),
    )


def _poll(load: LoadProgress, bar, task, stop: threading.Event) -> None:  # noqa: ANN001 - rich types
    """Copy the reader's counters into the rich task until ``stop`` (the read is over)."""
    while True:
        s = load.sample()
        bar.update(task, completed=s.position or 0, total=s.total, layers=s.layers, entries=s.entries)
        bar.refresh()
        if stop.wait(REFRESH):
            return


@contextmanager
def read_display(
    label: str, state: ReadState, *, quiet: bool = False, stream: TextIO | None = None
) -> Iterator[LoadProgress]:
    """Show the read of ``state`` on ``stream`` (stderr) while the body runs, when wanted."""
    stream = sys.stderr if stream is None else stream
    load = LoadProgress(state)
    if not display_wanted(stream, quiet):
        yield load
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import Progress

    console = Console(file=stream, stderr=stream is sys.stderr, highlight=False)
    bar = Progress(
        *_columns(), console=console, transient=True, auto_refresh=False, redirect_stdout=False, redirect_stderr=False
    )
    task = bar.add_task(escape(label), total=None, layers=0, entries=0)
    stop = threading.Event()
    poller = threading.Thread(target=_poll, args=(load, bar, task, stop), name="layerscope-progress", daemon=True)
    with bar:
        poller.start()
        try:
            yield load
        finally:
            stop.set()
            poller.join(timeout=2)
    log.debug("read %s: %d bytes, %d layers", label, state.progress.bytes_read, state.progress.layers_read)
