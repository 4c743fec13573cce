"""How far the image load has got, sampled from outside the reader.

The reader (``load_image``) takes no progress callback, so this watches what it already
exposes: the shared :class:`~layerscope.archive.decompress.Limits` counters (entries and
uncompressed bytes read so far) and, on Linux, the read position of the archive's file
descriptor in ``/proc/self/fdinfo``, which against the file size gives a fraction and an ETA.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from ..archive.decompress import Limits


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
    """Samples the load of one archive; ``stage`` is set by the loader as it moves on."""

    def __init__(self, archive: str | None, limits: Limits) -> None:
        self.archive = os.path.realpath(archive) if archive else None
        self.limits = limits
        self.stage = "Reading image"
        self.start = time.monotonic()
        self.total: int | None = None
        self._fd: int | None = None
        if self.archive:
            try:
                self.total = os.path.getsize(self.archive)
            except OSError:
                self.total = None

    def _find_fd(self) -> int | None:
        if not self.archive:
            return None
        if self._fd is not None:
            try:
                if os.readlink(f"/proc/self/fd/{self._fd}") == self.archive:
                    return self._fd
            except OSError:
                pass
            self._fd = None
        try:
            for name in os.listdir("/proc/self/fd"):
                try:
                    if os.readlink(f"/proc/self/fd/{name}") == self.archive:
                        self._fd = int(name)
                        break
                except OSError:
                    continue
        except OSError:
            return None
        return self._fd

    def _position(self) -> int | None:
        fd = self._find_fd()
        if fd is None:
            return None
        try:
            with open(f"/proc/self/fdinfo/{fd}") as f:
                for line in f:
                    if line.startswith("pos:"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            self._fd = None
        return None

    def sample(self) -> Sample:
        return Sample(self.stage, self.limits.used_entries, self.limits.used_bytes, self._position(),
                      self.total, time.monotonic() - self.start)
