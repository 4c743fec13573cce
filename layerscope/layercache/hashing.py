"""SHA-256 of a layer's stream on another core while the reader parses it.

Storing a layer's analysis needs its digest, computed from the bytes as they are read (see
docs/cache.md, "Verification"): one more SHA-256 pass over every uncompressed byte.  hashlib
releases the GIL on large updates, so a worker thread hashes the chunks the reader has already
handed on (chunks are immutable ``bytes``; a bounded queue keeps at most a few MiB waiting),
and the first read of a layer costs little more than it did without the cache.
"""

from __future__ import annotations

import hashlib
import queue
import threading

QUEUE_CHUNKS = 8
IDLE = 5.0  # seconds without a chunk after which the worker ends (an abandoned read frees it)
_END = None


class BackgroundSha256:
    """``update`` / ``hexdigest`` like a hashlib object; the hashing runs in a thread.

    The worker ends after :data:`IDLE` seconds without input, so a read that fails midway
    leaves nothing running; whatever it had not hashed yet is then hashed here, in order
    (the queue keeps the order, and once the worker has ended nothing else touches the hash).
    """

    def __init__(self, first: bytes = b"") -> None:
        self._h = hashlib.sha256(first)
        self.length = len(first)  # bytes hashed (or queued)
        self._q: queue.Queue[bytes | None] = queue.Queue(QUEUE_CHUNKS)
        self._t = threading.Thread(target=self._run, daemon=True, name="layerscope-sha256")
        self._t.start()
        self._digest: str | None = None

    def _run(self) -> None:
        update, get = self._h.update, self._q.get
        while True:
            try:
                c = get(timeout=IDLE)
            except queue.Empty:
                return
            if c is _END:
                return
            update(c)

    def _drain(self) -> None:
        """Hash what the ended worker left in the queue (call only once it has ended)."""
        while True:
            try:
                c = self._q.get_nowait()
            except queue.Empty:
                return
            if c is not _END:
                self._h.update(c)

    def update(self, chunk: bytes) -> None:
        if self._digest is not None:
            raise ValueError("update after hexdigest")
        if not isinstance(chunk, bytes):
            chunk = bytes(chunk)
        self.length += len(chunk)
        if self._t.is_alive():
            self._q.put(chunk)  # a full queue means the worker is busy with it, so this returns
            return
        self._drain()
        self._h.update(chunk)

    def hexdigest(self) -> str:
        if self._digest is None:
            if self._t.is_alive():
                self._q.put(_END)
                self._t.join()
            self._drain()
            self._digest = self._h.hexdigest()
        return self._digest
