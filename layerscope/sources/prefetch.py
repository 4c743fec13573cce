"""Download a few layer blobs ahead of the parser, each whole into the blob cache.

The parser reads layers in order, one at a time (their analysis must be delivered in order),
and while it parses one, the next ones are already coming: up to :data:`PARALLEL` blob
downloads run at once in all (the one being streamed into the parser plus
``PARALLEL - 1`` here).  A blob downloaded ahead goes to disk, not to memory: through the
blob cache's writer (``*.partial`` → verified → renamed), so memory stays bounded by the
parser's own read-ahead whatever the layer sizes.  When the parser reaches that layer it finds
it in the cache and reads it locally.

Nothing here can change a result: a download that fails, does not match its digest or size,
or is evicted before its turn simply leaves the layer to the ordinary path, which fetches it
again and reports any problem exactly as a sequential pull does.  Without a blob cache
(``--no-cache``) nothing is fetched ahead.  :meth:`Prefetcher.close` (on success, on an error,
on Ctrl+C) stops every download at its next chunk and removes its partial file.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any

from ..archive.imagefmt import Descriptor
from .cache import BlobCache
from .registry import RegistryClient

DEFAULT_PARALLEL = 3
READ_SIZE = 1 << 20


def parallel() -> int:
    """Blob downloads at once (``LAYERSCOPE_REGISTRY_PARALLEL``, 1-16; default 3)."""
    raw = os.environ.get("LAYERSCOPE_REGISTRY_PARALLEL", "").strip()
    try:
        n = int(raw) if raw else DEFAULT_PARALLEL
    except ValueError:
        n = DEFAULT_PARALLEL
    return max(1, min(n, 16))


PARALLEL = parallel()


class _Download(threading.Thread):
    """One blob, whole, into the cache; published only once its size and digest checked out."""

    def __init__(self, client: RegistryClient, desc: Descriptor, writer: Any, stop: threading.Event) -> None:
        super().__init__(daemon=True, name=f"layerscope-prefetch-{desc.digest[7:19]}")
        self._client, self._desc, self._writer, self._halt = client, desc, writer, stop
        self.ok = False

    def run(self) -> None:
        desc, writer = self._desc, self._writer
        size = desc.size or 0
        hasher = hashlib.new(desc.digest.partition(":")[0])
        got = 0
        try:
            with self._client.blob(desc.digest, size) as r:
                for c in r.iter_content(READ_SIZE, size, "blob larger than its descriptor"):
                    if self._halt.is_set():
                        return
                    hasher.update(c)
                    got += len(c)
                    writer.write(c)
            actual = f"{desc.digest.partition(':')[0]}:{hasher.hexdigest()}"
            self.ok = got == size and actual == desc.digest and not writer.failed
        except BaseException:  # noqa: BLE001 - the ordinary path fetches it again and says what is wrong
            self.ok = False
        finally:
            if self.ok:
                writer.commit()
            else:
                writer.abort()


class Prefetcher:
    """The downloads running ahead of one pull."""

    def __init__(self, client: RegistryClient, cache: BlobCache | None, parallel: int | None = None) -> None:
        self._client, self._cache = client, cache
        self._ahead = max(0, (PARALLEL if parallel is None else parallel) - 1)
        self._stop = threading.Event()
        self._running: dict[str, _Download] = {}
        self.started = 0  # downloads started (for tests and the benchmark)

    def schedule(self, upcoming: list[Descriptor]) -> None:
        """Start downloads for the first of ``upcoming`` (in order) until ``PARALLEL - 1``
        run; blobs already in the cache need none."""
        cache = self._cache
        if cache is None or not cache.enabled or not self._ahead:
            return
        for done in [d for d, t in self._running.items() if not t.is_alive()]:
            del self._running[done]
        for desc in upcoming:
            if len(self._running) >= self._ahead:
                return
            if desc.digest in self._running or desc.size is None:
                continue
            f = cache.open(desc.digest, desc.size)
            if f is not None:
                f.close()
                continue
            writer = cache.writer(desc.digest, desc.size)
            if writer is None:
                continue
            t = _Download(self._client, desc, writer, self._stop)
            self._running[desc.digest] = t
            self.started += 1
            t.start()

    def wait(self, digest: str) -> None:
        """Let the download of ``digest`` (if one runs) finish before the parser takes it."""
        t = self._running.pop(digest, None)
        if t is not None:
            while t.is_alive():
                t.join(0.2)  # in slices, so Ctrl+C still reaches the main thread

    def close(self) -> None:
        self._stop.set()
        for t in self._running.values():
            t.join(timeout=1)
        self._running.clear()
