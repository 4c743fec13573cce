"""Keeping the content of a few chosen files while a layer streams by.

Everything else in the reader throws content away once it is hashed.  Some analyses need the
bytes of a handful of small files from every layer — package databases (``var/lib/dpkg/status``,
``*.dist-info/RECORD``, ``package.json`` …) — and reading the layers a second time for them
would double the cost of a run.  A :class:`CaptureSpec` names those files (a predicate on the
cleaned member path) and bounds what they may cost; the reader then keeps their content on the
layer (:attr:`layerscope.image.Layer.captured`).

The bounds are part of the spec because an image controls the sizes: a file larger than
``max_file_bytes`` is not kept (its path is recorded in :attr:`LayerCapture.too_big`, so the
consumer can say ownership is partial), and once a read has kept ``max_total_bytes`` nothing more
is kept (:attr:`CaptureBudget.exhausted`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CaptureSpec:
    """Which regular files a read keeps the content of, and at what cost.

    ``key`` names the predicate (and its version): a cache of layer analyses stores captured
    content under it, so a cached layer read with another spec is not taken for complete."""

    key: str
    wants: Callable[[str], bool]
    max_file_bytes: int = 64 << 20
    max_total_bytes: int = 512 << 20
    # (suffixes, prefixes): a path ``wants`` may accept ends with one of the first or starts with
    # one of the second.  The reader's fused loop tests that inline (two C calls) and calls
    # ``wants`` only when it holds: a Python call for every regular file was ~50 ms of the read
    # of 130k entries.  None: ``wants`` is asked about every file.
    hint: tuple[tuple[str, ...], tuple[str, ...]] | None = None


@dataclass(slots=True)
class CaptureBudget:
    """What one read of one image has kept so far (shared by its layers)."""

    used: int = 0
    exhausted: bool = False


@dataclass(slots=True)
class LayerCapture:
    """The captured files of one layer: path → content (the last copy in tar order wins, as
    it does when the layer is unpacked)."""

    spec: CaptureSpec
    budget: CaptureBudget = field(default_factory=CaptureBudget)
    files: dict[str, bytes] = field(default_factory=dict)
    too_big: list[str] = field(default_factory=list)

    def admits(self, path: str, size: int) -> bool:
        """Whether the content of ``path`` (``size`` bytes) is to be kept; records why not."""
        if not self.spec.wants(path):
            return False
        if size > self.spec.max_file_bytes or self.budget.used + size > self.spec.max_total_bytes:
            if size > self.spec.max_file_bytes:
                self.too_big.append(path)
            else:
                self.budget.exhausted = True
            self.files.pop(path, None)  # an older, smaller copy in this layer is not the file any more
            return False
        return True

    def keep(self, path: str, data: bytes) -> None:
        old = self.files.get(path)
        if old is not None:
            self.budget.used -= len(old)
        self.files[path] = data
        self.budget.used += len(data)
