"""A size-bounded cache of registry blobs, keyed by digest (``~/.cache/layerscope``).

Blobs are content-addressed, so a cached blob never goes stale: the second analysis of an
image reads its layers from local disk at archive speed.  The cache is a convenience, never a
requirement: any error writing it turns it off for the rest of the run, and a cached blob is
still verified against its digest while it is read (a bad one is dropped and fetched again).

Writes go to a temporary name and are renamed into place only once the digest checked out, so
a crash or a concurrent run never leaves a half blob under a real name.  Eviction is least
recently used (by mtime, touched on every hit) down to the size bound.

Location: ``$LAYERSCOPE_CACHE_DIR``, else ``$XDG_CACHE_HOME/layerscope``, else
``~/.cache/layerscope``.  Bound: ``$LAYERSCOPE_CACHE_MAX`` (bytes, or ``10GB``-style), default
5 GB.
"""

from __future__ import annotations

import os
import re
import sys
from typing import BinaryIO

DEFAULT_MAX = 5_000_000_000
_DIGEST_RE = re.compile(r"^(sha256|sha512):([0-9a-f]{64,128})$")


def cache_dir() -> str:
    explicit = os.environ.get("LAYERSCOPE_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "layerscope")


def cache_max() -> int:
    raw = os.environ.get("LAYERSCOPE_CACHE_MAX", "").strip()
    if not raw:
        return DEFAULT_MAX
    from ..ci.rules import RuleValueError, go_parse_bytes

    try:
        return go_parse_bytes(raw)
    except RuleValueError:
        from ..errors import ConfigError

        raise ConfigError(f"invalid LAYERSCOPE_CACHE_MAX {raw!r} (want bytes, e.g. 10GB)") from None


class BlobWriter:
    """Collects one blob as it streams by; ``commit`` publishes it under its digest."""

    def __init__(self, cache: BlobCache, path: str, f: BinaryIO) -> None:
        self._cache, self._path, self._f = cache, path, f
        self._tmp = f.name  # type: ignore[attr-defined]
        self.failed = False

    def write(self, chunk: bytes) -> None:
        if self.failed:
            return
        try:
            self._f.write(chunk)
        except OSError as e:
            self.failed = True
            self._cache.disable(e)

    def commit(self) -> None:
        try:
            self._f.close()
            if self.failed:
                os.unlink(self._tmp)
                return
            os.replace(self._tmp, self._path)
        except OSError as e:
            self._cache.disable(e)
            return
        self._cache.evict()

    def abort(self) -> None:
        try:
            self._f.close()
            os.unlink(self._tmp)
        except OSError:
            pass


class BlobCache:
    """Blobs under ``ROOT/blobs/<algo>/<hex>``."""

    def __init__(self, root: str | None = None, max_bytes: int | None = None) -> None:
        self.root = root or cache_dir()
        self.max_bytes = cache_max() if max_bytes is None else max_bytes
        self.enabled = self.max_bytes > 0
        self._warned = False

    def _path(self, digest: str) -> str | None:
        m = _DIGEST_RE.match(digest)
        if not m:
            return None
        return os.path.join(self.root, "blobs", m.group(1), m.group(2))

    def disable(self, e: OSError) -> None:
        self.enabled = False
        if not self._warned:
            self._warned = True
            print(f"note: blob cache {self.root} turned off for this run: {e.strerror or e}", file=sys.stderr)

    def open(self, digest: str) -> BinaryIO | None:
        """The cached blob, opened for reading (and marked as recently used), or None."""
        path = self._path(digest) if self.enabled else None
        if path is None:
            return None
        try:
            f = open(path, "rb", buffering=0)
        except OSError:
            return None
        try:
            os.utime(path)
        except OSError:
            pass
        return f  # type: ignore[return-value]

    def drop(self, digest: str) -> None:
        path = self._path(digest)
        if path:
            try:
                os.unlink(path)
            except OSError:
                pass

    def writer(self, digest: str, size: int) -> BlobWriter | None:
        """A writer for a blob about to be fetched, or None (disabled, too big, bad digest)."""
        path = self._path(digest) if self.enabled else None
        if path is None or size > self.max_bytes:
            return None
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.partial.{os.getpid()}.{id(self)}"
            f = open(tmp, "wb")
        except OSError as e:
            self.disable(e)
            return None
        return BlobWriter(self, path, f)

    def evict(self) -> None:
        """Remove least recently used blobs until the cache fits its bound."""
        base = os.path.join(self.root, "blobs")
        files: list[tuple[float, int, str]] = []
        try:
            for algo in os.listdir(base):
                d = os.path.join(base, algo)
                for name in os.listdir(d):
                    if ".partial." in name:
                        continue
                    p = os.path.join(d, name)
                    try:
                        st = os.stat(p)
                    except OSError:
                        continue
                    files.append((st.st_mtime, st.st_size, p))
        except OSError:
            return
        total = sum(s for _, s, _ in files)
        for _, size, p in sorted(files):
            if total <= self.max_bytes:
                break
            try:
                os.unlink(p)
                total -= size
            except OSError:
                pass
