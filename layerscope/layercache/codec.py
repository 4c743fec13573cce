"""The on-disk form of one cached layer analysis: a small header, then zstd-compressed columns.

A layer of 100,000 entries is one file of a few hundred KB that loads many times faster than
the tar it came from parses: each field is one packed array (``array.array``), names are one
NUL-joined string (a member name never holds NUL: the reader refuses it), and the
:class:`~layerscope.image.Entry` objects are made from the columns in one ``map``.

Layout (little-endian)::

    b"LSLC" | format u16 | kind u8 | len(version) u8 | version | xxh64(payload) u64 |
    len(body) u64 | payload = zstd(body)

The checksum covers the compressed payload, so a damaged or truncated file is refused before
it is decompressed, and ``len(body)`` bounds the decompression.  ``version`` is layerscope's
own: a file written by another version is not used (the reader might have changed).
Anything unexpected raises :class:`CacheCorrupt`, which the store turns into a miss.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass, field
from types import ModuleType

import xxhash

from .. import __version__
from ..image import Entry, RootedEntry

FORMAT = 1
MAGIC = b"LSLC"
KIND_LAYER = 1
KIND_BLOB = 2
_HEAD = struct.Struct("<4sHBB")
_SUMS = struct.Struct("<QQ")
_VERSION = __version__.encode()
MAX_BODY = 4 << 30  # a record claiming more than this is not one we wrote
_ENC = "utf-8"
_ERR = "surrogatepass"  # exact round trip of any str, surrogate escapes of non-UTF-8 names included


class CacheCorrupt(Exception):
    """A cache file that is not a record of this format and version."""


@dataclass(slots=True)
class LayerRecord:
    """One layer's analysis as a reader produced it, plus what it charged to the read's bounds
    (so a cached layer counts against ``--max-bytes`` / ``--max-entries`` as a parsed one does)."""

    entries: list[Entry]
    size: int  # dive's layer size
    used_bytes: int  # uncompressed bytes the read charged
    path_bytes: int  # names and link targets the read charged
    hashes: bool  # read with hash_content: the content hashes are real
    stream_len: int = 0  # bytes of the uncompressed layer stream (its diff_id's input)
    capture_key: str = ""  # the CaptureSpec the files were kept under ("" = none)
    capture_peak: int = 0  # the most the capture budget had to allow while this layer was read
    capture_used: int = 0  # what reading the layer added to the capture budget
    files: dict[str, bytes] = field(default_factory=dict)
    too_big: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BlobRecord:
    """What a (compressed) blob is: its uncompressed digest and its compression."""

    diff_id: str
    compression: str
    size: int  # bytes of the blob


def _strs_out(values: list[str], out: list[bytes]) -> None:
    joined = "\0".join(values)
    if joined.count("\0") == max(len(values) - 1, 0):
        out.append(b"\0")
        _bytes_out(joined.encode(_ENC, _ERR), out)
        return
    out.append(b"\1")  # some value holds a NUL: lengths, then the concatenation
    data = [v.encode(_ENC, _ERR) for v in values]
    out.append(array("Q", map(len, data)).tobytes())
    _bytes_out(b"".join(data), out)


def _bytes_out(b: bytes, out: list[bytes]) -> None:
    out.append(struct.pack("<Q", len(b)))
    out.append(b)


class _In:
    """A bounds-checked cursor over a record's body."""

    __slots__ = ("_b", "_p")

    def __init__(self, body: bytes) -> None:
        self._b = memoryview(body)
        self._p = 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self._p + n > len(self._b):
            raise CacheCorrupt("record ends early")
        v = self._b[self._p : self._p + n]
        self._p += n
        return v

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def blob(self) -> bytes:
        return bytes(self.take(self.u64()))

    def column(self, code: str, n: int) -> list[int]:
        a = array(code)
        a.frombytes(self.take(n * a.itemsize))
        return a.tolist()

    def strs(self, n: int) -> list[str]:
        mode = bytes(self.take(1))
        if mode == b"\0":
            text = self.blob().decode(_ENC, _ERR)
            values = text.split("\0") if n else []
            if len(values) != n:
                raise CacheCorrupt("name column length")
            return values
        if mode != b"\1":
            raise CacheCorrupt("bad string column")
        lengths = self.column("Q", n)
        data = self.blob()
        out, p = [], 0
        for k in lengths:
            out.append(data[p : p + k].decode(_ENC, _ERR))
            p += k
        if p != len(data):
            raise CacheCorrupt("string column length")
        return out

    def done(self) -> None:
        if self._p != len(self._b):
            raise CacheCorrupt("trailing bytes in record")


def encode_layer(r: LayerRecord) -> bytes:
    """The file content for ``r``; OverflowError when a value does not fit its column."""
    es = r.entries
    n = len(es)
    out: list[bytes] = [struct.pack("<QqQQQB", n, r.size, r.used_bytes, r.path_bytes, r.stream_len, int(r.hashes))]
    _strs_out([e.path for e in es], out)
    _strs_out([e.linkname for e in es], out)
    out.append(bytes(e.typeflag for e in es))
    out.append(bytes(isinstance(e, RootedEntry) for e in es))
    out.append(array("q", [e.size for e in es]).tobytes())
    out.append(array("I", [e.mode for e in es]).tobytes())
    out.append(array("q", [e.uid for e in es]).tobytes())
    out.append(array("q", [e.gid for e in es]).tobytes())
    if r.hashes or any(e.hash for e in es):
        out.append(b"\1")
        out.append(array("Q", [e.hash for e in es]).tobytes())
    else:
        out.append(b"\0")
    _bytes_out(r.capture_key.encode(_ENC, _ERR), out)
    out.append(struct.pack("<QQQQ", r.capture_peak, r.capture_used, len(r.files), len(r.too_big)))
    _strs_out(list(r.files), out)
    for data in r.files.values():
        _bytes_out(data, out)
    _strs_out(r.too_big, out)
    return _frame(KIND_LAYER, b"".join(out))


def decode_layer(data: bytes, zero_hashes: bool = False) -> LayerRecord:
    """The record in ``data``; with ``zero_hashes`` every entry's hash is 0 (a read that does
    not hash content), whatever was stored."""
    body = _unframe(data, KIND_LAYER)
    i = _In(body)
    n, size, used, path_bytes, stream_len, hashes = struct.unpack("<QqQQQB", i.take(41))
    if n > len(body):
        raise CacheCorrupt("entry count")
    paths = i.strs(n)
    links = i.strs(n)
    types = list(i.take(n))
    rooted = bytes(i.take(n))
    sizes = i.column("q", n)
    modes = i.column("I", n)
    uids = i.column("q", n)
    gids = i.column("q", n)
    has = bytes(i.take(1))
    if has == b"\1":
        stored = i.column("Q", n)
    elif has != b"\0":
        raise CacheCorrupt("hash column flag")
    else:
        stored = []
    hash_col = [0] * n if zero_hashes or not stored else stored
    entries = list(map(Entry, paths, types, links, sizes, modes, uids, gids, hash_col))
    if any(rooted):
        for k, flag in enumerate(rooted):
            if flag:
                e = entries[k]
                entries[k] = RootedEntry(e.path, e.typeflag, e.linkname, e.size, e.mode, e.uid, e.gid, e.hash)
    key = i.blob().decode(_ENC, _ERR)
    peak, cap_used, nfiles, nbig = struct.unpack("<QQQQ", i.take(32))
    if nfiles > len(body) or nbig > len(body):
        raise CacheCorrupt("capture counts")
    names = i.strs(nfiles)
    files = {name: i.blob() for name in names}
    too_big = i.strs(nbig)
    i.done()
    return LayerRecord(entries, size, used, path_bytes, bool(hashes), stream_len, key, peak, cap_used, files, too_big)


def encode_blob(r: BlobRecord) -> bytes:
    out: list[bytes] = []
    _bytes_out(r.diff_id.encode(), out)
    _bytes_out(r.compression.encode(), out)
    out.append(struct.pack("<Q", r.size))
    return _frame(KIND_BLOB, b"".join(out))


def decode_blob(data: bytes) -> BlobRecord:
    i = _In(_unframe(data, KIND_BLOB))
    try:
        diff_id, comp = i.blob().decode(), i.blob().decode()
    except UnicodeDecodeError:
        raise CacheCorrupt("blob record text") from None
    size = i.u64()
    i.done()
    if comp not in ("none", "gzip", "zstd"):
        raise CacheCorrupt("blob record compression")
    return BlobRecord(diff_id, comp, size)


def _zstd() -> ModuleType:
    """zstandard, imported at the first record written or read: a run whose layers are neither
    stored nor served (a ``docker save`` read in CI mode on a cold cache) never pays its
    resident memory (a quarter MiB)."""
    import zstandard

    return zstandard


def _frame(kind: int, body: bytes) -> bytes:
    payload = _zstd().ZstdCompressor(level=3).compress(body)
    return b"".join(
        (
            _HEAD.pack(MAGIC, FORMAT, kind, len(_VERSION)),
            _VERSION,
            _SUMS.pack(xxhash.xxh64_intdigest(payload), len(body)),
            payload,
        )
    )


def _unframe(data: bytes, kind: int) -> bytes:
    if len(data) < _HEAD.size:
        raise CacheCorrupt("shorter than its header")
    magic, fmt, got_kind, vlen = _HEAD.unpack_from(data)
    if magic != MAGIC or fmt != FORMAT or got_kind != kind:
        raise CacheCorrupt("not a record of this format")
    p = _HEAD.size
    if data[p : p + vlen] != _VERSION:
        raise CacheCorrupt("written by another layerscope version")
    p += vlen
    if len(data) < p + _SUMS.size:
        raise CacheCorrupt("truncated header")
    checksum, body_len = _SUMS.unpack_from(data, p)
    payload = data[p + _SUMS.size :]
    if xxhash.xxh64_intdigest(payload) != checksum:
        raise CacheCorrupt("checksum mismatch")
    if body_len > MAX_BODY:
        raise CacheCorrupt("body too large")
    zstandard = _zstd()
    try:
        body = zstandard.ZstdDecompressor().decompress(payload, max_output_size=body_len)
    except zstandard.ZstdError as e:
        raise CacheCorrupt(f"payload does not decompress ({e})") from None
    if len(body) != body_len:
        raise CacheCorrupt("body length")
    return body
