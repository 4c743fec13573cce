"""Layer-analysis records on disk: ``CACHE/layers/f<FORMAT>/``, beside the registry blob cache.

* ``<algo>-<hex>``: the analysis of the layer whose *uncompressed* digest (diff_id) that is;
* ``b-<algo>-<hex>``: what the compressed blob of that digest is (its diff_id, compression).

Both are pure functions of their digest, so a record never goes stale; the format number in
the directory name and the version in each file keep readers of another layerscope version
off it.  Writes go to a ``.tmp.`` name created exclusively and are renamed into place, so a
crash or a concurrent run never leaves half a record under a real name.  Reads open with
``O_NOFOLLOW | O_NONBLOCK`` and take only a regular file of a sane size: a symlink, FIFO or
device planted in the cache can neither hang nor redirect a run.  Any record that does not
check out is removed with one warning and recomputed.

The size bound is the blob cache's (``LAYERSCOPE_CACHE_MAX``): one least-recently-used
eviction over blobs and layer records together (see :meth:`BlobCache.evict`).
"""

from __future__ import annotations

import os
import re
import stat
import struct
import sys

from ..log import LazyLogger
from ..sources.cache import BlobCache, cache_dir, cache_max
from .codec import FORMAT, BlobRecord, CacheCorrupt, LayerRecord, decode_blob, decode_layer, encode_blob, encode_layer

log = LazyLogger("layerscope.layercache")
_DIGEST_RE = re.compile(r"^(sha256|sha512):([0-9a-f]{64}|[0-9a-f]{128})$")
MAX_RECORD = 2 << 30  # a record file larger than this is not one we wrote
LAYERS = "layers"


def layers_dir(root: str) -> str:
    return os.path.join(root, LAYERS, f"f{FORMAT}")


class LayerStore:
    """Read and write records; never raises for a cache problem (a problem is a miss)."""

    def __init__(self, root: str | None = None, max_bytes: int | None = None) -> None:
        self.root = root or cache_dir()
        self.max_bytes = cache_max() if max_bytes is None else max_bytes
        self.enabled = self.max_bytes > 0
        self.dir = layers_dir(self.root)
        self._can_write = self.enabled
        self.wrote = False

    @staticmethod
    def _name(digest: str, prefix: str = "") -> str | None:
        m = _DIGEST_RE.match(digest)
        return f"{prefix}{m.group(1)}-{m.group(2)}" if m else None

    # ------------------------------------------------------------------ reading
    def load_layer(self, diff_id: str, zero_hashes: bool) -> LayerRecord | None:
        name = self._name(diff_id)
        data = self._read(name) if name else None
        if data is None or name is None:
            return None
        try:
            return decode_layer(data, zero_hashes)
        except CacheCorrupt as e:
            self._reject(name, str(e))
            return None

    def load_blob(self, digest: str) -> BlobRecord | None:
        name = self._name(digest, "b-")
        data = self._read(name) if name else None
        if data is None or name is None:
            return None
        try:
            rec = decode_blob(data)
        except CacheCorrupt as e:
            self._reject(name, str(e))
            return None
        if not _DIGEST_RE.match(rec.diff_id):
            self._reject(name, "not a digest")
            return None
        return rec

    def has_layer(self, diff_id: str) -> bool:
        name = self._name(diff_id)
        return bool(name) and self.enabled and os.path.isfile(os.path.join(self.dir, name or ""))

    def _read(self, name: str) -> bytes | None:
        if not self.enabled:
            return None
        path = os.path.join(self.dir, name)
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            return None
        except OSError as e:  # ELOOP (a symlink), EISDIR, EACCES, ...
            self._reject(name, e.strerror or str(e))
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                self._reject(name, "not a regular file")
                return None
            if st.st_size > MAX_RECORD:
                self._reject(name, f"{st.st_size} bytes")
                return None
            os.set_blocking(fd, True)
            parts, got = [], 0
            while got <= st.st_size:
                c = os.read(fd, max(st.st_size - got, 0) + 1)
                if not c:
                    break
                parts.append(c)
                got += len(c)
        except OSError as e:
            self._reject(name, e.strerror or str(e))
            return None
        finally:
            os.close(fd)
        try:
            os.utime(path, follow_symlinks=False)  # least recently used is by mtime
        except OSError:
            pass
        return b"".join(parts)

    def _reject(self, name: str, why: str) -> None:
        path = os.path.join(self.dir, name)
        log.warning("layer cache entry %s is unusable (%s): dropped, reading the layer again", path, why)
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                os.rmdir(path)  # an empty directory squatting the name; never recursive
            else:
                os.unlink(path)
        except OSError:
            pass

    # ------------------------------------------------------------------ writing
    def store_layer(self, diff_id: str, record: LayerRecord) -> None:
        name = self._name(diff_id)
        if name is None or not self.enabled:
            return
        try:
            data = encode_layer(record)
        except (OverflowError, ValueError, UnicodeEncodeError, struct.error):
            return  # a value outside its column (a size past 2**63 in a hostile header): just not cached
        self._write(name, data)

    def store_blob(self, digest: str, record: BlobRecord) -> None:
        name = self._name(digest, "b-")
        if name is not None and self.enabled and _DIGEST_RE.match(record.diff_id):
            try:
                data = encode_blob(record)
            except (OverflowError, struct.error):
                return
            self._write(name, data)

    def _write(self, name: str, data: bytes) -> None:
        if not self._can_write or len(data) > self.max_bytes:
            return
        path = os.path.join(self.dir, name)
        tmp = os.path.join(self.dir, f".tmp.{name}.{os.getpid()}.{id(data):x}")
        try:
            os.makedirs(self.dir, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(tmp, path)
            self.wrote = True
        except OSError as e:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            self._can_write = False  # one note, then the run goes on without writing
            print(f"note: layer cache {self.dir} not written for this run: {e.strerror or e}", file=sys.stderr)

    def evict(self) -> None:
        """Bring blobs and layer records together back under the bound (oldest first)."""
        if self.wrote:
            BlobCache(self.root, self.max_bytes).evict()
