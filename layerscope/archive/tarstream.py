"""A streaming tar reader built for speed and for hostile input.

Why not :mod:`tarfile`: we read each member's header and feed its content straight into a hash
without copying it, from streams that cannot seek (pipes, decompressors, a member of an outer
tar), and we need every malformation (bad checksum, truncation, oversized PAX/GNU records,
base-256 garbage) to become one clear :class:`ArchiveError` instead of a partial result.
``tarfile``'s stream mode parses members through several Python layers per header and copies
content; on layers with 100k+ entries this parser is several times faster.  The format rules
follow Go's ``archive/tar`` (which is what dive uses): header-only types carry no data whatever
their size field says, PAX ``x`` records and GNU ``L``/``K`` long names apply to the next
header, a zero block ends the archive.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zlib import adler32 as _adler32

from xxhash import xxh64 as _xxh64
from xxhash import xxh64_intdigest as _xxh64_intdigest

from ..errors import ArchiveError

BLOCK = 512
MAX_SPECIAL = 1 << 20  # Go's archive/tar caps PAX and GNU long-name records at 1 MiB
# A member name or link target longer than this is refused: Linux paths stop at 4 KiB, so only
# an attack needs more, and it would cost up to 1 MiB of memory per entry (tests/hardening/).
MAX_NAME = 64 << 10
_INT64 = 1 << 63  # Go keeps every numeric header field in an int64 and rejects overflow
_ZERO_BLOCK = bytes(BLOCK)
_HEADER_ONLY = frozenset(b"123456")  # link, symlink, char, block, dir, fifo: no data in Go


class ChunkStream:
    """Serve exact byte counts from a source that yields chunks of any size.

    ``read_chunk()`` returns ``b""`` at end of input.  All reads raise :class:`ArchiveError`
    on truncation, with ``label`` naming what was being read.
    """

    __slots__ = ("_read_chunk", "_skip", "_buf", "_pos", "label", "consumed")

    def __init__(self, read_chunk: Callable[[], bytes], label: str, skip: Callable[[int], int] | None = None) -> None:
        self._read_chunk = read_chunk
        # ``skip(n)`` passes over up to n bytes of the source without reading them (a seek);
        # it lets content nobody needs (CI mode hashes nothing) cost nothing.
        self._skip = skip
        self._buf = b""
        self._pos = 0
        self.label = label
        self.consumed = 0  # bytes handed out so far

    def skip(self, n: int) -> int:
        """Pass over the next ``n`` bytes; return how many were available."""
        avail = len(self._buf) - self._pos
        if avail >= n:
            self._pos += n
            self.consumed += n
            return n
        self._buf = b""
        self._pos = 0
        self.consumed += avail
        rest = n - avail
        if self._skip is not None:
            got = self._skip(rest)
            self.consumed += got
            return avail + got
        return avail + self.feed(rest, None)

    def _fill(self) -> bool:
        chunk = self._read_chunk()
        if not chunk:
            return False
        if self._pos < len(self._buf):
            self._buf = self._buf[self._pos :] + chunk
        else:
            self._buf = chunk
        self._pos = 0
        return True

    def take(self, n: int) -> bytes:
        """Exactly ``n`` bytes, or fewer only if the input ends first (caller checks)."""
        while len(self._buf) - self._pos < n:
            if not self._fill():
                break
        start = self._pos
        end = min(start + n, len(self._buf))
        self._pos = end
        self.consumed += end - start
        return self._buf[start:end]

    def feed(self, n: int, sink: Callable[[memoryview], object] | None) -> int:
        """Pass the next ``n`` bytes to ``sink`` in pieces; return how many were available."""
        if sink is None and self._skip is not None:
            return self.skip(n)
        remaining = n
        while remaining > 0:
            avail = len(self._buf) - self._pos
            if avail == 0:
                if not self._fill():
                    break
                avail = len(self._buf)
            k = avail if avail < remaining else remaining
            if sink is not None:
                sink(memoryview(self._buf)[self._pos : self._pos + k])
            self._pos += k
            remaining -= k
        got = n - remaining
        self.consumed += got
        return got

    def digest_xxh64(self, n: int) -> tuple[int, int]:
        """XXH64 of the next ``n`` bytes without copying them; returns (hash, bytes read)."""
        if len(self._buf) - self._pos >= n:
            h = _xxh64_intdigest(memoryview(self._buf)[self._pos : self._pos + n])
            self._pos += n
            self.consumed += n
            return h, n
        hasher = _xxh64()
        got = self.feed(n, hasher.update)
        return hasher.intdigest(), got

    def sub_reader(self, n: int) -> "SubReader":
        """A chunk source for the next ``n`` bytes (an outer member), so a nested stream (a
        layer tar, a decompressor) can read it without this stream copying it first."""
        return SubReader(self, n)


class SubReader:
    """Chunk source over the next ``remaining`` bytes of a :class:`ChunkStream`."""

    __slots__ = ("_s", "remaining")

    def __init__(self, stream: ChunkStream, n: int) -> None:
        self._s = stream
        self.remaining = n

    def __call__(self) -> bytes:
        s = self._s
        remaining = self.remaining
        if remaining <= 0:
            return b""
        if s._pos < len(s._buf):
            k = min(remaining, len(s._buf) - s._pos)
            out = s._buf[s._pos : s._pos + k]
            s._pos += k
        else:
            chunk = s._read_chunk()
            if not chunk:
                return b""
            if len(chunk) > remaining:
                s._buf = chunk
                s._pos = remaining
                out = chunk[:remaining]
            else:
                s._buf = b""
                s._pos = 0
                out = chunk
        self.remaining = remaining - len(out)
        s.consumed += len(out)
        return out

    def skip(self, n: int) -> int:
        """Skip up to ``n`` bytes of this member (seeking the outer source when it can)."""
        n = min(n, self.remaining)
        got = self._s.skip(n)
        self.remaining -= got
        return got

    @property
    def can_seek(self) -> bool:
        return self._s._skip is not None


@dataclass(slots=True)
class TarHeader:
    """One logical tar member after PAX / GNU long-name records were applied."""

    name: str
    typeflag: int  # byte value; '\0' already mapped to '0'
    size: int
    mode: int  # raw header mode (int), not yet converted to Go FileMode
    uid: int
    gid: int
    linkname: str
    data_size: int  # bytes of content that follow (0 for header-only types)
    raw_name: bytes


def _decode(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _cstr(field: bytes) -> bytes:
    i = field.find(b"\0")
    return field if i < 0 else field[:i]


def _number(field: bytes, what: str, label: str) -> int:
    try:  # the usual case: octal digits, then NUL or space padding
        return int(field.rstrip(b"\0 "), 8)
    except ValueError:
        pass
    if field and field[0] & 0x80:
        # base-256 (GNU): big-endian two's complement with the marker bit
        if field[0] == 0xFF:
            value = int.from_bytes(field, "big", signed=True)
        else:
            value = int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
        if not -_INT64 <= value < _INT64:
            raise ArchiveError(f"{label}: {what} field out of range in tar header")
        return value
    text = field.replace(b"\0", b" ").strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise ArchiveError(f"{label}: invalid {what} field {text[:20]!r} in tar header") from None


def _checksum_ok(block: bytes, label: str) -> bool:
    try:
        stored = _number(block[148:156], "checksum", label)
    except ArchiveError:
        return False
    unsigned = sum(block) - sum(block[148:156]) + 256
    if stored == unsigned:
        return True
    high = sum(1 for b in block[:148] if b > 127) + sum(1 for b in block[156:] if b > 127)
    signed = unsigned - 256 * high
    return stored == signed


def _parse_pax(data: bytes, label: str) -> dict[bytes, bytes]:
    records: dict[bytes, bytes] = {}
    pos = 0
    n = len(data)
    while pos < n:
        if data[pos] == 0:  # trailing NUL padding written by some tools
            break
        sp = data.find(b" ", pos, min(n, pos + 24))
        if sp < 0:
            raise ArchiveError(f"{label}: malformed PAX record (no length)")
        try:
            length = int(data[pos:sp])
        except ValueError:
            raise ArchiveError(f"{label}: malformed PAX record length {data[pos:sp][:20]!r}") from None
        end = pos + length
        if length <= sp - pos or end > n or data[end - 1 : end] != b"\n":
            raise ArchiveError(f"{label}: malformed PAX record (bad length {length})")
        kv = data[sp + 1 : end - 1]
        eq = kv.find(b"=")
        if eq <= 0:
            raise ArchiveError(f"{label}: malformed PAX record (no key)")
        records[kv[:eq]] = kv[eq + 1 :]
        pos = end
    return records


def _pax_int(records: dict[bytes, bytes], key: bytes, label: str) -> int | None:
    value = records.get(key)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ArchiveError(f"{label}: invalid PAX {key.decode()} value {value[:20]!r}") from None
    if number < 0:
        raise ArchiveError(f"{label}: negative PAX {key.decode()} value")
    if number >= _INT64:
        raise ArchiveError(f"{label}: PAX {key.decode()} value out of range")
    return number


def iter_headers(stream: ChunkStream, *, allow_global: bool = False) -> Iterator[TarHeader]:
    """Yield each member's header; the caller must consume exactly ``data_size`` bytes
    (with :func:`read_data` / :func:`skip_data`) before asking for the next one.

    Each header block first goes through :func:`parse_fast`, which handles the common case
    (one ordinary ustar/GNU/v7 block with octal numbers and a matching unsigned checksum) in
    a handful of C calls.  Anything else (PAX and GNU long-name records, sparse files,
    base-256 or oddly padded numbers, signed checksums, the end of the archive, every
    malformation) goes through :func:`_read_exact`, the strict reader, unchanged.
    """
    take = stream.take
    ids: dict[bytes, tuple[int, int, int]] = {}
    saw_any = False
    while True:
        offset = stream.consumed
        block = take(BLOCK)
        if len(block) == BLOCK:
            h = parse_fast(block, ids)
            if h is not None:
                saw_any = True
                yield h
                continue
        h = _read_exact(stream, block, offset, saw_any, allow_global)
        if h is None:
            return
        saw_any = True
        yield h


def header_at(
    stream: ChunkStream,
    block: bytes,
    offset: int,
    ids: dict[bytes, tuple[int, int, int]],
    saw_any: bool,
    allow_global: bool = False,
) -> TarHeader | None:
    """One step of :func:`iter_headers` for a ``block`` already taken from ``stream`` at
    ``offset``: the next header, or ``None`` at the end of the archive (same answers, same
    errors).  For a reader that takes the ordinary headers itself and hands over the rest."""
    if len(block) == BLOCK:
        h = parse_fast(block, ids)
        if h is not None:
            return h
    return _read_exact(stream, block, offset, saw_any, allow_global)


# mode, uid, gid (24 bytes as one field), size, checksum, typeflag, magic; the rest is skipped
_FAST = struct.Struct("100x24s12s12x8sB100x6s249x")
_FAST_SPECIAL = frozenset(b"LKxgS")  # long names, PAX records, sparse files: the exact path only
_IDS_CACHE_MAX = 4096  # distinct (mode, uid, gid) fields remembered per stream


def parse_fast(block: bytes, ids: dict[bytes, tuple[int, int, int]]) -> TarHeader | None:
    """The header in one ordinary 512-byte block, or ``None`` when the block needs the exact
    path (which then decides, with the same result or error as ever).

    Why it is equivalent: every number is parsed with the exact path's first attempt
    (``int(field.rstrip(b"\0 "), 8)``) and any failure, a negative size, a typeflag with
    records attached, or a checksum that only matches the signed sum defers.  The unsigned
    checksum is the byte sum from two ``adler32`` halves: adler32's low word is
    ``1 + sum(bytes) mod 65521``, exact for 256 bytes (at most 65,280).  ``ids`` caches the
    parsed (mode, uid, gid) field, so a layer's few distinct owners are parsed once and their
    ints shared by every entry.
    """
    idf, size_f, chk, tf, magic = _FAST.unpack_from(block)
    if tf in _FAST_SPECIAL:
        return None
    try:
        stored = int(chk.rstrip(b"\0 "), 8)
        size = int(size_f.rstrip(b"\0 "), 8)
    except ValueError:
        return None
    if stored != (_adler32(block[:256]) & 0xFFFF) + (_adler32(block[256:]) & 0xFFFF) + 254 - sum(chk) or size < 0:
        return None
    owner = ids.get(idf)
    if owner is None:
        try:
            owner = (
                int(idf[:8].rstrip(b"\0 "), 8),
                int(idf[8:16].rstrip(b"\0 "), 8),
                int(idf[16:].rstrip(b"\0 "), 8),
            )
        except ValueError:
            return None
        if len(ids) < _IDS_CACHE_MAX:
            ids[idf] = owner
    i = block.find(0, 0, 100)
    raw = block[: 100 if i < 0 else i]
    if magic == b"ustar\x00":
        i = block.find(0, 345, 500)
        if i != 345:
            raw = block[345 : 500 if i < 0 else i] + b"/" + raw
    i = block.find(0, 157, 257)
    link = "" if i == 157 else block[157 : 257 if i < 0 else i].decode("utf-8", "surrogateescape")
    if tf == 0:
        tf = 0x30
    return TarHeader(
        raw.decode("utf-8", "surrogateescape"),
        tf,
        size,
        owner[0],
        owner[1],
        owner[2],
        link,
        0 if tf in _HEADER_ONLY else size,
        raw,
    )


def _read_exact(stream: ChunkStream, block: bytes, offset: int, saw_any: bool, allow_global: bool) -> TarHeader | None:
    """The strict reader: one logical header starting at ``block`` (at ``offset``), after any
    PAX / GNU long-name records in front of it, or ``None`` at the end of the archive."""
    label = stream.label
    pax: dict[bytes, bytes] = {}
    long_name: bytes | None = None
    long_link: bytes | None = None
    while True:
        if not block:
            if not saw_any:
                raise ArchiveError(f"{label}: empty tar stream")
            return None  # EOF without end-of-archive blocks: Go accepts it, so do we
        if len(block) < BLOCK:
            raise ArchiveError(f"{label}: truncated tar header at offset {offset}")
        if block == _ZERO_BLOCK:
            _end_of_archive(stream, offset)
            return None
        if not _checksum_ok(block, label):
            if not saw_any:
                raise ArchiveError(f"{label}: not a tar archive (bad header checksum)")
            raise ArchiveError(f"{label}: corrupt tar header at offset {offset} (bad checksum)")
        saw_any = True
        tf = block[156]
        size = _number(block[124:136], "size", label)
        if size < 0:
            raise ArchiveError(f"{label}: negative size in tar header at offset {offset}")
        if tf not in (0x4C, 0x4B, 0x78, 0x67):  # 'L', 'K', 'x', 'g': records for the next header
            return _member_header(stream, block, offset, tf, size, pax, long_name, long_link)
        data = _special_record(stream, tf, size, offset, label)
        if tf == 0x4C:
            long_name = _cstr(data)
        elif tf == 0x4B:
            long_link = _cstr(data)
        elif tf == 0x78:
            pax.update(_parse_pax(data, label))
        else:
            if not allow_global:
                raise ArchiveError(f"{label}: unsupported PAX global header at offset {offset}")
            _parse_pax(data, label)  # validated, then ignored (as Go's reader does)
        offset = stream.consumed
        block = stream.take(BLOCK)


def _end_of_archive(stream: ChunkStream, offset: int) -> None:
    """End of archive is two zero blocks; anything after them is ignored, as in Go.  A zero
    block followed by anything but a zero block (or the end) is corrupt in Go."""
    label = stream.label
    second = stream.take(BLOCK)
    if second and second != _ZERO_BLOCK:
        if len(second) < BLOCK:
            raise ArchiveError(f"{label}: truncated end-of-archive block at offset {offset + BLOCK}")
        raise ArchiveError(f"{label}: corrupt tar: a zero block at offset {offset} is followed by data")


def _special_record(stream: ChunkStream, tf: int, size: int, offset: int, label: str) -> bytes:
    """The content of a PAX or GNU long-name record, bounded by :data:`MAX_SPECIAL`."""
    if size > MAX_SPECIAL:
        raise ArchiveError(f"{label}: tar {chr(tf)!r} record of {size} bytes at offset {offset} exceeds 1 MiB")
    data = stream.take(size)
    if len(data) < size:
        raise ArchiveError(f"{label}: truncated tar record at offset {offset}")
    _skip_padding(stream, size, label)
    return data


def _member_header(
    stream: ChunkStream,
    block: bytes,
    offset: int,
    tf: int,
    size: int,
    pax: dict[bytes, bytes],
    long_name: bytes | None,
    long_link: bytes | None,
) -> TarHeader:
    """A member's header from its (checksummed) block and the records that preceded it."""
    label = stream.label
    magic = block[257:263]
    raw = _cstr(block[0:100])
    if magic == b"ustar\x00":
        prefix = _cstr(block[345:500])
        if prefix:
            raw = prefix + b"/" + raw
    if long_name is not None:
        raw = long_name
    link = _cstr(block[157:257])
    if long_link is not None:
        link = long_link
    mode = _number(block[100:108], "mode", label)
    uid = _number(block[108:116], "uid", label)
    gid = _number(block[116:124], "gid", label)
    if pax:
        if b"path" in pax:
            raw = pax[b"path"]
        if b"linkpath" in pax:
            link = pax[b"linkpath"]
        v = _pax_int(pax, b"size", label)
        if v is not None:
            size = v
        v = _pax_int(pax, b"uid", label)
        if v is not None:
            uid = v
        v = _pax_int(pax, b"gid", label)
        if v is not None:
            gid = v
    if len(raw) > MAX_NAME or len(link) > MAX_NAME:
        which = "name" if len(raw) > MAX_NAME else "link target"
        raise ArchiveError(
            f"{label}: member {which} of {max(len(raw), len(link))} bytes at offset {offset} "
            f"exceeds {MAX_NAME >> 10} KiB"
        )
    if tf == 0x53:  # 'S': old GNU sparse file; Go reports its real (expanded) size
        return _sparse_header(stream, block, offset, raw, mode, uid, gid, link)
    if tf == 0:
        tf = 0x30
    data_size = 0 if tf in _HEADER_ONLY else size
    return TarHeader(_decode(raw), tf, size, mode, uid, gid, _decode(link), data_size, raw)


def _sparse_header(
    stream: ChunkStream, block: bytes, offset: int, raw: bytes, mode: int, uid: int, gid: int, link: bytes
) -> TarHeader:
    """An old GNU sparse member: its real (expanded) size, its sparse-map extension blocks
    consumed; the stored size is what follows as data."""
    label = stream.label
    if block[257:263] != b"ustar ":
        raise ArchiveError(f"{label}: GNU sparse member at offset {offset} is not in GNU format")
    size = _number(block[483:495], "sparse real size", label)
    if size < 0:
        raise ArchiveError(f"{label}: negative sparse size at offset {offset}")
    extended = block[482]
    while extended:  # sparse map continues in extension blocks before the data
        ext = stream.take(BLOCK)
        if len(ext) < BLOCK:
            raise ArchiveError(f"{label}: truncated GNU sparse map at offset {offset}")
        extended = ext[504]
    stored = _number(block[124:136], "size", label)
    return TarHeader(_decode(raw), 0x53, size, mode, uid, gid, _decode(link), stored, raw)


def _skip_padding(stream: ChunkStream, size: int, label: str) -> None:
    pad = (-size) % BLOCK
    if pad and stream.feed(pad, None) < pad:
        raise ArchiveError(f"{label}: truncated tar padding")


def read_data(stream: ChunkStream, header: TarHeader, sink: Callable[[memoryview], object] | None) -> None:
    """Consume the member's content (feeding ``sink``) and its block padding."""
    n = header.data_size
    if n and stream.feed(n, sink) < n:
        raise ArchiveError(f"{stream.label}: truncated data for member {header.name!r} ({n} bytes expected)")
    _skip_padding(stream, n, stream.label)


def go_clean(p: str) -> str:
    """Go's ``path.Clean``: lexical, so ``./etc/p`` → ``etc/p`` and ``a/`` → ``a``."""
    if p and p[0] not in "./" and "/." not in p and "//" not in p:
        return p.rstrip("/")  # already clean but for a trailing slash (the common case)
    if p == "":
        return "."
    rooted = p.startswith("/")
    out: list[str] = []
    for part in p.split("/"):
        if part == "" or part == ".":
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append("..")
            continue
        out.append(part)
    joined = "/".join(out)
    if rooted:
        return "/" + joined
    return joined or "."
