"""Turn a blob's byte chunks into its uncompressed byte chunks, whatever the compression.

Compression is detected from magic bytes, never trusted from names or media types (they lie).
gzip uses ISA-L when available (2-3× zlib's speed); concatenated gzip members are followed as
gzip itself does.  Output is bounded: a blob may not expand past ``limits.max_bytes`` in total,
nor past ``limits.max_ratio``× its compressed size once it is beyond 256 MiB, so a bomb (a tiny
blob that claims terabytes) stops with an error instead of running for hours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType

from ..errors import ArchiveError, LimitError

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Output piece size: a quarter MiB keeps the pieces in flight (the parser's buffer, the cache's
# hashing queue of up to eight) a few MiB in all, at no measurable cost in speed.
CHUNK = 256 << 10


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource bounds applied while reading an image: configuration only, shared freely (what
    a read has used of them is its own :class:`Budget`)."""

    max_bytes: int = 64 << 30  # total uncompressed bytes across the image
    max_ratio: int = 10_000  # uncompressed / compressed, checked past ratio_floor
    ratio_floor: int = 256 << 20
    max_entries: int = 10_000_000
    # A member name deeper than this many components is refused: Linux's PATH_MAX (4096 bytes)
    # leaves room for at most 2048 (``a/a/…``), so no image that was ever unpacked goes deeper,
    # while every later stage pays per level (a few KB of gzip can name 32,000 levels).
    max_path_depth: int = 2048
    # Member names and link targets of the whole image, summed: ten million entries (the
    # ``max_entries`` default) of 100 bytes each; real images stay far below.
    max_path_bytes: int = 1 << 30


@dataclass(slots=True)
class Budget:
    """What one read of one image has used of its :class:`Limits`.

    One per read, never shared: ``diff`` reads two images and each gets the whole of
    ``--max-bytes`` / ``--max-entries``.  A registry pull rolls it back when it re-reads a layer
    (see :meth:`mark` / :meth:`rewind`)."""

    limits: Limits = field(default_factory=Limits)
    used_bytes: int = 0  # uncompressed bytes, running total across layers
    used_entries: int = 0
    # ignore-errors: a layer that cannot be parsed is skipped (recorded) instead of failing the
    # read; a LimitError never is
    ignore_errors: bool = False

    def mark(self) -> tuple[int, int]:
        return self.used_bytes, self.used_entries

    def rewind(self, mark: tuple[int, int]) -> None:
        self.used_bytes, self.used_entries = mark


def _zlib() -> ModuleType:
    """ISA-L's zlib-compatible API (same semantics, much faster inflate), imported at the first
    gzip blob: an uncompressed archive, the commonest CI input, never loads it."""
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - isal is a declared dependency
        import zlib

        return zlib
    return isal_zlib


def sniff(head: bytes) -> str:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    # a zstd skippable frame (0x184D2A50-5F, little-endian) first: zstd:chunked layers
    if len(head) >= 4 and head[1:4] == b"\x2a\x4d\x18" and head[0] & 0xF0 == 0x50:
        return "zstd"
    return "none"


class _Counted:
    """Counts compressed bytes consumed so the ratio check knows the input size."""

    __slots__ = ("read_chunk", "n")

    def __init__(self, read_chunk: Callable[[], bytes]) -> None:
        self.read_chunk = read_chunk
        self.n = 0

    def __call__(self) -> bytes:
        c = self.read_chunk()
        self.n += len(c)
        return c


def _bounded(chunks: Iterator[bytes], counted: _Counted, budget: Budget, label: str) -> Iterator[bytes]:
    limits = budget.limits
    produced = 0
    for c in chunks:
        produced += len(c)
        budget.used_bytes += len(c)
        if budget.used_bytes > limits.max_bytes:
            raise LimitError(f"{label}: image expands past the --max-bytes limit of {limits.max_bytes} bytes")
        if produced > limits.ratio_floor and produced > limits.max_ratio * max(counted.n, 1):
            raise LimitError(f"{label}: decompression bomb suspected ({produced} bytes from {counted.n} compressed)")
        yield c


def _gunzip(read: _Counted, first: bytes, label: str, zlib: ModuleType) -> Iterator[bytes]:
    d = zlib.decompressobj(31)
    data = first
    while True:
        if not data:
            data = read()
            if not data:
                if not d.eof:
                    raise ArchiveError(f"{label}: truncated gzip stream")
                return
        out = d.decompress(data, CHUNK)
        if out:
            yield out
        while d.unconsumed_tail:
            out = d.decompress(d.unconsumed_tail, CHUNK)
            if out:
                yield out
        data = b""
        if d.eof:
            rest = d.unused_data
            # concatenated members: another gzip header follows; anything else is trailing junk
            while not rest:
                rest = read()
                if not rest:
                    return
            if not rest.startswith(GZIP_MAGIC[:1]):
                return
            d = zlib.decompressobj(31)
            data = rest


class _ChunkFile:
    """Minimal file-like view of a chunk source, for zstandard's stream_reader."""

    def __init__(self, read_chunk: Callable[[], bytes], first: bytes) -> None:
        self._read_chunk = read_chunk
        self._buf = first

    def read(self, n: int = -1) -> bytes:
        if not self._buf:
            self._buf = self._read_chunk()
        if n < 0 or n >= len(self._buf):
            out, self._buf = self._buf, b""
            return out
        out, self._buf = self._buf[:n], self._buf[n:]
        return out


def _unzstd(read: _Counted, first: bytes, label: str) -> Iterator[bytes]:
    """Streamed with bounded output per step, so a frame that claims terabytes is caught by
    the limits after at most one chunk rather than after one giant allocation."""
    import zstandard

    reader = zstandard.ZstdDecompressor().stream_reader(
        _ChunkFile(read, first),  # type: ignore[arg-type]  # duck-typed: only read() is used
        read_size=CHUNK,
        read_across_frames=True,
    )
    while True:
        try:
            out = reader.read(CHUNK)
        except zstandard.ZstdError as e:
            raise ArchiveError(f"{label}: corrupt zstd stream ({e})") from None
        if not out:
            return
        yield out


def open_decompressed(
    read_chunk: Callable[[], bytes], budget: Budget, label: str
) -> tuple[str, Callable[[], bytes], _Counted]:
    """Return (compression, read_chunk of uncompressed bytes, counter of compressed bytes);
    the uncompressed bytes are charged to ``budget``."""
    limits = budget.limits
    counted = _Counted(read_chunk)
    first = counted()
    while first and len(first) < 4:
        more = counted()
        if not more:
            break
        first += more
    kind = sniff(first)
    if kind == "none":
        pending = [first]

        def plain() -> bytes:
            if pending:
                c = pending.pop()
                budget.used_bytes += len(c)
                if budget.used_bytes > limits.max_bytes:
                    raise LimitError(f"{label}: image exceeds the --max-bytes limit")
                return c
            c = counted()
            budget.used_bytes += len(c)
            if budget.used_bytes > limits.max_bytes:
                raise LimitError(f"{label}: image exceeds the --max-bytes limit")
            return c

        return kind, plain, counted
    if kind == "gzip":
        zlib = _zlib()
        gen = _gunzip(counted, first, label, zlib)
        corrupt: tuple[type[BaseException], ...] = (zlib.error, EOFError)
    else:
        gen = _unzstd(counted, first, label)
        corrupt = (EOFError,)
    it = _bounded(gen, counted, budget, label)

    def nxt() -> bytes:
        try:
            return next(it)
        except StopIteration:
            return b""
        except corrupt as e:
            raise ArchiveError(f"{label}: corrupt {kind} stream ({e})") from None

    return kind, nxt, counted
