"""How far the image load has got, sampled ten times a second by the loading screen.

The reader advances plain counters (:class:`~layerscope.sources.archive.ReadProgress`: bytes of
the archive read, its size, layers parsed) and the shared resource counters (entries and
uncompressed bytes); sampling them needs no callback into the UI thread and no lock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..archive.decompress import Limits
from ..sources.archive import ReadProgress


@dataclass(slots=True)
class Sample:
    stage: str
    entries: int
    unpacked: int  # uncompressed bytes read
    position: int | None  # bytes of the archive read, when known
    total: int | None  # archive size, when known
    elapsed: float

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
    """Samples the load of one image; ``stage`` is set by the loader as it moves on."""

    def __init__(self, read: ReadProgress, limits: Limits) -> None:
        self.read = read
        self.limits = limits
        self.stage = "Reading image"
        self.start = time.monotonic()

    def sample(self) -> Sample:
        return Sample(self.stage, self.limits.used_entries, self.limits.used_bytes,
                      self.read.bytes_read or None, self.read.bytes_total,
                      time.monotonic() - self.start)
