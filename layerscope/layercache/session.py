"""One read's use of the layer cache: what may be served, what it costs, what is stored.

A cached analysis must be exactly what reading the layer again would give, so each rule
below is a condition under which that holds, and anything else is a miss:

* content hashes: a read that wants them is served only by a record read with them; a read
  that does not gets hash 0 everywhere (what the reader gives it), except the files its
  :class:`~layerscope.archive.capture.CaptureSpec` keeps, which the reader hashes anyway;
* captured files: served only under the same spec key and per-file bound, and only if, when
  the layer was first read, the read's total capture bound refused nothing (then the files
  kept are a function of the layer alone); the record also says how close to the total bound
  the layer came, so a read with less room left misses and reads the layer itself;
* bounds: a served layer is charged to ``--max-bytes``, ``--max-entries`` and the names bound
  as its parse was; a layer that would cross one is read for real, so the error is the usual
  one.  Reads with non-default ratio or depth limits neither use nor fill the cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..archive.capture import CaptureBudget, CaptureSpec, LayerCapture
from ..archive.decompress import Budget, Limits
from ..image import Entry
from .codec import BlobRecord, LayerRecord
from .store import LayerStore

_DEFAULT = Limits()
_REGULAR = (0x30, 0, 0x37)


def capture_key(spec: CaptureSpec) -> str:
    return f"{spec.key}\0{spec.max_file_bytes}"


class PeakBudget(CaptureBudget):
    """A layer's own view of the read's capture budget that remembers the highest total the
    budget's check was made against (``used`` before a file + its size), so a record can say
    how much room reading the layer again would need."""

    __slots__ = ("_u", "_pending", "peak", "start")

    def __init__(self, used: int) -> None:  # noqa: D107 - CaptureBudget's fields, tracked
        self._u = used
        self._pending: int | None = None
        self.peak = used
        self.start = used
        self.exhausted = False

    @property
    def used(self) -> int:
        return self._u

    @used.setter
    def used(self, v: int) -> None:
        # LayerCapture.keep subtracts the copy it replaces, then adds the new one; the bound
        # was checked against the total before both steps
        if v < self._u:
            if self._pending is None:
                self._pending = self._u
        elif v > self._u:
            base = self._u if self._pending is None else self._pending
            self.peak = max(self.peak, base + v - self._u)
            self._pending = None
        else:
            self._pending = None
        self._u = v


@dataclass(slots=True)
class Served:
    entries: list[Entry]
    size: int
    captured: LayerCapture | None


class LayerCache:
    """The cache as one read uses it (made per read by :meth:`for_read`)."""

    def __init__(self, store: LayerStore, *, hash_content: bool, capture: CaptureSpec | None) -> None:
        self.store = store
        self.hash_content = hash_content
        self.capture = capture
        self.served = 0  # layers this read took from the cache
        self.stored = 0

    @classmethod
    def for_read(cls, enabled: bool, hash_content: bool, capture: CaptureSpec | None) -> LayerCache | None:
        if not enabled:
            return None
        store = LayerStore()
        return cls(store, hash_content=hash_content, capture=capture) if store.enabled else None

    @staticmethod
    def usable(limits: Limits) -> bool:
        return (
            limits.max_ratio == _DEFAULT.max_ratio
            and limits.ratio_floor == _DEFAULT.ratio_floor
            and limits.max_path_depth == _DEFAULT.max_path_depth
        )

    def blob(self, digest: str) -> BlobRecord | None:
        return self.store.load_blob(digest)

    def likely_cached(self, blob_digest: str) -> bool:
        """Whether the layer of this blob has a record (not yet whether it can serve this read)."""
        known = self.store.load_blob(blob_digest)
        return known is not None and self.store.has_layer(known.diff_id)

    # ------------------------------------------------------------------ serving
    def serve(
        self, diff_id: str, budget: Budget, paths: object, kept: CaptureBudget, stream_len: int | None = None
    ) -> Served | None:
        """The layer ``diff_id`` from the cache, charged to this read; None on a miss.
        ``stream_len``, when the caller knows the layer stream's length (an uncompressed
        member), must be the recorded one: a truncated or padded copy is read for real."""
        if not diff_id or not self.usable(budget.limits):
            return None
        spec = self.capture
        rec = self.store.load_layer(diff_id, zero_hashes=not self.hash_content and spec is None)
        if rec is None or not self._fits(rec, spec) or stream_len is not None and rec.stream_len != stream_len:
            return None
        limits = budget.limits
        if (
            budget.used_entries + len(rec.entries) > limits.max_entries
            or budget.used_bytes + rec.used_bytes > limits.max_bytes
            or paths.used + rec.path_bytes > limits.max_path_bytes  # type: ignore[attr-defined]
            or (spec is not None and kept.used + rec.capture_peak > spec.max_total_bytes)
        ):
            return None  # read it for real: the limit's own error, at its own place
        if spec is not None and not self.hash_content and rec.hashes:
            _keep_captured_hashes_only(rec.entries, spec)
        budget.used_entries += len(rec.entries)
        budget.used_bytes += rec.used_bytes
        paths.used += rec.path_bytes  # type: ignore[attr-defined]
        captured = None
        if spec is not None:
            captured = LayerCapture(spec, kept, dict(rec.files), list(rec.too_big))
            kept.used += rec.capture_used
        self.served += 1
        return Served(rec.entries, rec.size, captured)

    def _fits(self, rec: LayerRecord, spec: CaptureSpec | None) -> bool:
        if self.hash_content and not rec.hashes:
            return False
        return spec is None or rec.capture_key == capture_key(spec)

    # ------------------------------------------------------------------ storing
    def layer_capture(self, kept: CaptureBudget) -> LayerCapture | None:
        """The capture a layer about to be read fills (its budget tracks the peak)."""
        if self.capture is None:
            return None
        return LayerCapture(self.capture, PeakBudget(kept.used))

    @staticmethod
    def settle(captured: LayerCapture | None, kept: CaptureBudget) -> None:
        """Fold a layer's capture budget back into the read's (call after every read, also a
        failed one)."""
        if captured is not None and isinstance(captured.budget, PeakBudget):
            pb = captured.budget
            kept.used = pb.used
            kept.exhausted = kept.exhausted or pb.exhausted
            captured.budget = kept

    def store_layer(
        self,
        diff_id: str,
        entries: list[Entry],
        size: int,
        used_bytes: int,
        path_bytes: int,
        captured: LayerCapture | None,
        limits: Limits,
        stream_len: int,
    ) -> None:
        """Record a layer just read and verified to be ``diff_id`` (call before :meth:`settle`)."""
        if not diff_id or not self.usable(limits):
            return
        rec = LayerRecord(entries, size, used_bytes, path_bytes, self.hash_content, stream_len)
        if captured is not None and isinstance(captured.budget, PeakBudget) and not captured.budget.exhausted:
            pb = captured.budget
            rec.capture_key = capture_key(captured.spec)
            rec.capture_peak = pb.peak - pb.start
            rec.capture_used = pb.used - pb.start
            rec.files = captured.files
            rec.too_big = captured.too_big
        self.store.store_layer(diff_id, rec)
        self.stored += 1

    def store_blob(self, digest: str, diff_id: str, compression: str, size: int) -> None:
        self.store.store_blob(digest, BlobRecord(diff_id, compression, size))

    def finish(self) -> None:
        self.store.evict()


def _keep_captured_hashes_only(entries: list[Entry], spec: CaptureSpec) -> None:
    """A read without content hashes still hashes the files it captures; everything else is 0."""
    wants, limit = spec.wants, spec.max_file_bytes
    for e in entries:
        if e.hash and not (e.typeflag in _REGULAR and e.size <= limit and wants(e.path)):
            e.hash = 0
