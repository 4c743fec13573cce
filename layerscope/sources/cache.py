"""A size-bounded cache of registry blobs, keyed by digest (``~/.cache/layerscope``).

Blobs are content-addressed, so a cached blob never goes stale: the second analysis of an
image reads its layers from local disk at archive speed.  The cache is a convenience, never a
requirement: any error writing it turns it off for the rest of the run, and a cached blob is
still verified against its digest while it is read (a bad one is dropped and fetched again).

Writes go to a temporary name and are renamed into place only once the digest checked out, so
a crash or a concurrent run never leaves a half blob under a real name.  Eviction is least
recently used (by mtime, touched on every hit) down to the size bound.

A writer holds an exclusive ``flock`` on its ``*.partial.*`` file for as long as it writes.  A
partial that nobody holds locked is stale (its run was killed, or failed) and is removed by the
next run, once it is more than :data:`PARTIAL_GRACE` seconds old (the grace covers the instant
between creating a partial and locking it); live partials count towards the size bound.

Only regular files are ever read: an entry is opened with ``O_NOFOLLOW | O_NONBLOCK`` and
checked with ``fstat``, so a symlink, FIFO or device in the cache (``/dev/zero``) cannot hang
or flood a run; such an entry, or one whose size is not its descriptor's, is dropped with a
warning and the blob fetched again.

Location: ``$LAYERSCOPE_CACHE_DIR``, else ``$XDG_CACHE_HOME/layerscope``, else
``~/.cache/layerscope``.  Bound: ``$LAYERSCOPE_CACHE_MAX`` (bytes, or ``10GB``-style), default
5 GB, for the blobs and the layer-analysis records (:mod:`layerscope.layercache`) together.
"""

from __future__ import annotations

import fcntl
import os
import re
import stat
import sys
import time
from typing import BinaryIO

from ..log import LazyLogger  # logging is imported at the first message, not on every run

log = LazyLogger("layerscope.sources.cache")
DEFAULT_MAX = 5_000_000_000
PARTIAL_GRACE = 60.0  # seconds: an unlocked partial younger than this may be just being created
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
    from ..golang.humanize import go_parse_bytes
    from ..golang.strconv import GoValueError

    try:
        return go_parse_bytes(raw)
    except GoValueError:
        from ..errors import ConfigError

        raise ConfigError(f"invalid LAYERSCOPE_CACHE_MAX {raw!r} (want bytes, e.g. 10GB)") from None


class BlobWriter:
    """Collects one blob as it streams by; ``commit`` publishes it under its digest."""

    def __init__(self, cache: BlobCache, path: str, f: BinaryIO, tmp: str) -> None:
        self._cache, self._path, self._f, self._tmp = cache, path, f, tmp
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
            self._f.close()  # may fail too (ENOSPC on the last flush)
            if not self.failed:
                os.replace(self._tmp, self._path)  # fails if e.g. a directory squats the name
                self._cache.evict()
                return
        except OSError as e:
            self._cache.disable(e)
        self._remove_tmp()

    def abort(self) -> None:
        try:
            self._f.close()
        except OSError:
            pass
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        """A partial that will never be published must not stay behind (closing also
        released its lock, so a later run would remove it; this is sooner)."""
        try:
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
        self._swept = False

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

    def open(self, digest: str, size: int | None = None) -> BinaryIO | None:
        """The cached blob, opened for reading (and marked as recently used), or None.

        Only a regular file of the expected ``size`` (when given) is served; anything else
        under a blob's name is dropped with a warning, so the caller fetches the blob again."""
        path = self._path(digest) if self.enabled else None
        if path is None:
            return None
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)  # O_NONBLOCK: a FIFO must not block the open
        except FileNotFoundError:
            return None
        except OSError as e:  # ELOOP: a symlink; EISDIR, EACCES, …
            self._reject(digest, path, e.strerror or str(e))
            return None
        try:
            st = os.fstat(fd)
            problem = None
            if not stat.S_ISREG(st.st_mode):
                problem = "not a regular file"
            elif size is not None and st.st_size != size:
                problem = f"{st.st_size} bytes, the descriptor says {size}"
            if problem:
                os.close(fd)
                self._reject(digest, path, problem)
                return None
            os.set_blocking(fd, True)
            f = os.fdopen(fd, "rb", buffering=0)
        except OSError:
            os.close(fd)
            return None
        try:
            os.utime(path)
        except OSError:
            pass
        return f

    def _reject(self, digest: str, path: str, problem: str) -> None:
        log.warning("blob cache entry %s is unusable (%s): dropped, fetching the blob again", path, problem)
        self.drop(digest)

    def drop(self, digest: str) -> None:
        """Remove a blob's entry whatever it is (an empty directory included; the contents of
        a directory are left alone: the cache never deletes recursively)."""
        path = self._path(digest)
        if not path:
            return
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                os.rmdir(path)
            else:
                os.unlink(path)
        except OSError:
            pass

    def writer(self, digest: str, size: int) -> BlobWriter | None:
        """A writer for a blob about to be fetched, or None (disabled, too big, bad digest)."""
        path = self._path(digest) if self.enabled else None
        if path is None or size > self.max_bytes:
            return None
        if not self._swept:
            self._swept = True
            self.evict()  # stale partials of killed runs go first: they may be what fills the disk
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.partial.{os.getpid()}.{id(self)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
            f = os.fdopen(fd, "wb")
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until close: "being written"
        except OSError as e:
            self.disable(e)
            return None
        return BlobWriter(self, path, f, tmp)

    def evict(self) -> None:
        """Remove stale partials, then least recently used blobs until the cache (live
        partials included) fits its bound."""
        base = os.path.join(self.root, "blobs")
        files: list[tuple[float, int, str]] = []
        partial_bytes = 0
        now = time.time()
        try:
            for algo in os.listdir(base):
                d = os.path.join(base, algo)
                for name in os.listdir(d):
                    p = os.path.join(d, name)
                    try:
                        st = os.lstat(p)
                    except OSError:
                        continue
                    if ".partial." in name:
                        if not _remove_if_stale(p, st, now):
                            partial_bytes += st.st_size
                    elif stat.S_ISREG(st.st_mode):
                        files.append((st.st_mtime, st.st_size, p))
        except OSError:
            pass
        files += _layer_records(os.path.join(self.root, "layers"), now)
        total = partial_bytes + sum(s for _, s, _ in files)
        for _, size, p in sorted(files):
            if total <= self.max_bytes:
                break
            try:
                os.unlink(p)
                total -= size
            except OSError:
                pass


TMP_STALE = 3600.0  # seconds: a layer record's temporary file is written in milliseconds


def _layer_records(base: str, now: float) -> list[tuple[float, int, str]]:
    """(mtime, size, path) of the layer-analysis records (``layers/f<N>/…``, every format
    version: an old version's records age out like any other), removing temporary files of
    runs that died while writing one.  They share the blob cache's bound."""
    out: list[tuple[float, int, str]] = []
    try:
        versions = os.listdir(base)
    except OSError:
        return out
    for v in versions:
        d = os.path.join(base, v)
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            p = os.path.join(d, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if name.startswith(".tmp."):
                if now - st.st_mtime > TMP_STALE:
                    try:
                        os.unlink(p)
                    except OSError:
                        pass
                continue
            if stat.S_ISREG(st.st_mode):
                out.append((st.st_mtime, st.st_size, p))
    return out


def _remove_if_stale(path: str, st: os.stat_result, now: float) -> bool:
    """Remove a partial no live writer holds (past the grace period); True if it is gone."""
    if now - st.st_mtime < PARTIAL_GRACE and stat.S_ISREG(st.st_mode):
        return False
    if stat.S_ISREG(st.st_mode):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live run is writing it
        finally:
            os.close(fd)
    try:
        if stat.S_ISDIR(st.st_mode):
            os.rmdir(path)
        else:
            os.unlink(path)
    except OSError:
        return False
    log.info("removed stale partial blob %s", path)
    return True
