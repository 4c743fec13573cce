"""Read one layer tar (already decompressed) into :class:`~layerscope.image.Entry` objects.

One streaming pass: each header becomes an Entry, each regular file's content goes straight
into XXH64 (the hash dive uses for its unmodified test) and is never kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zlib import adler32

from ..errors import ArchiveError, LimitError
from ..image import (
    MODE_CHAR_DEVICE,
    MODE_DEVICE,
    MODE_DIR,
    MODE_NAMED_PIPE,
    MODE_SETGID,
    MODE_SETUID,
    MODE_SOCKET,
    MODE_STICKY,
    MODE_SYMLINK,
    TYPE_DIR,
    Entry,
    RootedEntry,
)
from .capture import LayerCapture
from .decompress import Budget, Limits
from .tarstream import (
    _FAST,
    _FAST_SPECIAL,
    _HEADER_ONLY,
    _IDS_CACHE_MAX,
    BLOCK,
    ChunkStream,
    TarHeader,
    go_clean,
    header_at,
    read_data,
)

_S_IFMT_TO_GO = {
    0o040000: MODE_DIR,
    0o010000: MODE_NAMED_PIPE,
    0o120000: MODE_SYMLINK,
    0o060000: MODE_DEVICE,
    0o020000: MODE_DEVICE | MODE_CHAR_DEVICE,
    0o140000: MODE_SOCKET,
}
_TYPE_TO_GO = {
    0x32: MODE_SYMLINK,
    0x33: MODE_DEVICE | MODE_CHAR_DEVICE,
    0x34: MODE_DEVICE,
    0x35: MODE_DIR,
    0x36: MODE_NAMED_PIPE,
}


def go_file_mode(raw_mode: int, typeflag: int) -> int:
    """Go's ``tar.Header.FileInfo().Mode()`` as a uint32 (what dive exports as fileMode)."""
    m = raw_mode & 0xFFFFFFFF
    mode = m & 0o777
    if raw_mode & 0o4000:
        mode |= MODE_SETUID
    if raw_mode & 0o2000:
        mode |= MODE_SETGID
    if raw_mode & 0o1000:
        mode |= MODE_STICKY
    mode |= _S_IFMT_TO_GO.get(m & ~0o7777, 0)
    mode |= _TYPE_TO_GO.get(typeflag, 0)
    return mode


def resolve_member_name(name: str, label: str) -> tuple[str, bool]:
    """The path a member name denotes under the layer root, and whether it was absolute.

    Docker and containerd resolve an absolute name under the root (kaniko writes ``/`` and
    ``/bin/x``), so ``/x`` reads as ``x`` and ``/`` as the root itself (returned as ``""``).
    A name that climbs above the root through ``..`` (``../x``, ``/../x``, ``a/../../x``) is
    refused: the engines refuse it too, and only an attack writes one.
    """
    if "\0" in name:
        raise ArchiveError(f"{label}: member name contains a NUL byte")
    relative = go_clean(name.lstrip("/"))
    if relative == ".." or relative.startswith("../"):
        raise ArchiveError(f"{label}: member name {_short(name)!r} escapes the layer root")
    if name.startswith("/"):
        return ("" if relative == "." else relative), True
    return relative, False


def _short(name: str, keep: int = 40) -> str:
    """A member name cut to ``keep`` characters for an error line (an attack's name can be
    64 KiB)."""
    return name if len(name) <= keep else name[:keep] + "…"


@dataclass(slots=True)
class PathTally:
    """Bytes of member names and link targets read so far in one read of one image.

    One per read (the outer scan makes one and hands it to every layer), never part of the
    shared :class:`~layerscope.archive.decompress.Limits`, so two reads never add up."""

    used: int = 0


def _path_bound_error(h: TarHeader, path: str, limits: Limits, tally: PathTally, label: str) -> ArchiveError:
    """The error for a member deeper than ``max_path_depth`` components, or one that takes the
    image past ``max_path_bytes`` of names and link targets: the bounds ``--max-bytes`` and
    ``--max-entries`` miss (a few KB of gzip can name paths 32,000 directories deep, and every
    later stage pays for each level)."""
    if tally.used > limits.max_path_bytes:
        return LimitError(
            f"{label}: member names and link targets total more than {limits.max_path_bytes} "
            f"bytes (limit max_path_bytes), at member {_short(h.name)!r}"
        )
    return LimitError(
        f"{label}: member {_short(h.name)!r} is {path.count('/') + 1} directories deep (limit {limits.max_path_depth})"
    )


def read_layer(
    read_chunk: Callable[[], bytes],
    label: str,
    budget: Budget,
    *,
    hash_content: bool = True,
    skip: Callable[[int], int] | None = None,
    paths: PathTally | None = None,
    capture: LayerCapture | None = None,
    fused: bool = True,
) -> tuple[list[Entry], int]:
    """Parse a layer tar stream; return (entries in tar order, dive's layer size).

    dive's size is the sum of every header's size field, duplicates included.  Content is
    hashed only when asked (the hash serves diff marks, which CI mode and ``--json`` never
    show); otherwise it is skipped, by seeking when the source allows it.  ``paths`` is the
    read's running total of name bytes (one per image; a fresh one bounds this layer alone).
    ``capture`` keeps the content of the regular files its spec asks for (package databases),
    hashed like any other file.

    Without hashing (CI mode, ``--json``, the explorer's header-only read), the ordinary headers
    are taken by :func:`_plain_run`, one loop over the stream's buffer; it hands every other
    header to the general per-header step below, which decides it as ever, and so every file the
    capture's predicate wants.  ``fused`` off sends every header
    down the general step (``tests/archive/test_layer_reader_fused.py`` compares the two).
    """
    limits = budget.limits
    tally = PathTally() if paths is None else paths
    max_path_bytes = limits.max_path_bytes
    max_slashes = limits.max_path_depth - 1  # a path of N components has N-1 separators
    stream = ChunkStream(read_chunk, label, skip)
    entries: list[Entry] = []
    append = entries.append
    total = 0
    modes: dict[tuple[int, int], int] = {}
    ids: dict[bytes, tuple[int, int, int]] = {}
    plain = fused and not hash_content
    wants = None if capture is None else capture.spec.wants
    hint = None if capture is None else capture.spec.hint
    saw_any = False
    take = stream.take
    while True:
        if plain:
            block, offset, added, n = _plain_run(stream, entries, budget, tally, modes, ids, wants, hint)
            total += added
            saw_any = saw_any or n > 0
        else:
            offset = stream.consumed
            block = take(BLOCK)
        h = header_at(stream, block, offset, ids, saw_any)
        if h is None:
            break
        saw_any = True
        name = h.name
        path = go_clean(name)
        rooted = False
        if path[0] == "/" or path[0] == "." and (path == ".." or path.startswith("../")) or "\0" in name:
            path, rooted = resolve_member_name(name, label)
        tally.used += len(h.raw_name) + len(h.linkname)
        if tally.used > max_path_bytes or (len(path) > max_slashes and path.count("/") > max_slashes):
            raise _path_bound_error(h, path, limits, tally, label)
        tf = h.typeflag
        if capture is not None and (tf == 0x30 or tf == 0 or tf == 0x37) and capture.admits(path, h.data_size):
            digest = _capture(stream, h, capture, path, label)
        elif not hash_content:
            n = h.data_size
            if n:
                n += (-n) % 512
                if stream.skip(n) < n:
                    raise ArchiveError(f"{label}: truncated data for member {name!r}")
            digest = 0
        elif tf != TYPE_DIR and h.data_size:
            digest, got = stream.digest_xxh64(h.data_size)
            if got < h.data_size:
                raise ArchiveError(f"{label}: truncated data for member {name!r}")
            pad = (-h.data_size) % 512
            if pad and stream.feed(pad, None) < pad:
                raise ArchiveError(f"{label}: truncated tar padding after {name!r}")
        else:
            read_data(stream, h, None)
            digest = _EMPTY_HASH if tf != TYPE_DIR else 0
        if path == ".":
            continue  # dive skips "." before counting its size
        total += h.size
        if not path:
            continue  # "/": dive counts its size but adds nothing to the tree (the root)
        budget.used_entries += 1
        if budget.used_entries > limits.max_entries:
            raise LimitError(f"{label}: more than {limits.max_entries} entries (--max-entries)")
        key = (h.mode, tf)
        mode = modes.get(key)
        if mode is None:
            mode = modes[key] = go_file_mode(h.mode, tf)
        append((RootedEntry if rooted else Entry)(path, tf, h.linkname, h.size, mode, h.uid, h.gid, digest))
    return entries, total


def _plain_run(
    stream: ChunkStream,
    entries: list[Entry],
    budget: Budget,
    tally: PathTally,
    modes: dict[tuple[int, int], int],
    ids: dict[bytes, tuple[int, int, int]],
    wants: Callable[[str], bool] | None = None,
    hint: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
) -> tuple[bytes, int, int, int]:
    """Take ordinary headers (content skipped, nothing hashed) until one needs the general
    step; return (that header's block, its stream offset, size added, headers taken).

    It is :func:`~layerscope.archive.tarstream.parse_fast` and the general step of
    :func:`read_layer` fused into one loop over the stream's buffer (no
    :class:`~layerscope.archive.tarstream.TarHeader`, no call a header): a header is taken only
    when parse_fast would accept its block and the general step would add it plainly, and the
    stream is read exactly as the general step reads it (a block, then the content and padding
    skipped).  Everything else is handed over *before* any of its effects (a name that is not
    already clean, an absolute or climbing one, a bound about to be crossed, the end of the
    archive), so the general step decides it and raises the same errors.

    Why: CI mode reads 100k+ headers and does nothing else with them; the two-stage path spent
    more time in calls and the header object than in parsing."""
    label = stream.label
    limits = budget.limits
    tails, heads = hint if hint is not None else ("", "")  # "": every path ends and starts with it
    max_path_bytes = limits.max_path_bytes
    max_slashes = limits.max_path_depth - 1
    max_entries = limits.max_entries
    used_paths = tally.used
    used_entries = budget.used_entries
    unpack = _FAST.unpack_from
    special = _FAST_SPECIAL
    header_only = _HEADER_ONLY
    new_entry = Entry
    append = entries.append
    total = 0
    taken = 0
    buf = stream._buf
    pos = stream._pos
    base = stream.consumed - pos  # consumed == base + pos while ``buf`` is the stream's buffer
    try:
        while True:
            if len(buf) - pos >= BLOCK:
                offset = base + pos
                block = buf[pos : pos + BLOCK]
                pos += BLOCK
            else:
                stream._pos = pos
                stream.consumed = base + pos
                offset = stream.consumed
                block = stream.take(BLOCK)
                buf = stream._buf
                pos = stream._pos
                base = stream.consumed - pos
                if len(block) < BLOCK:
                    break
            # --- parse_fast, inline (same tests, same order) ---
            idf, size_f, chk, tf, magic = unpack(block)
            if tf in special:
                break
            try:
                stored = int(chk.rstrip(b"\0 "), 8)
                size = int(size_f.rstrip(b"\0 "), 8)
            except ValueError:
                break
            if stored != (adler32(block[:256]) & 0xFFFF) + (adler32(block[256:]) & 0xFFFF) + 254 - sum(chk) or size < 0:
                break
            owner = ids.get(idf)
            if owner is None:
                try:
                    owner = (
                        int(idf[:8].rstrip(b"\0 "), 8),
                        int(idf[8:16].rstrip(b"\0 "), 8),
                        int(idf[16:].rstrip(b"\0 "), 8),
                    )
                except ValueError:
                    break
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
            name = raw.decode("utf-8", "surrogateescape")
            # --- the general step, for a name that is already clean ---
            # a name go_clean leaves as it is (but for trailing slashes) and that names a path
            # under the root: no empty, "." or ".." component, not absolute; else the general step
            if not name or name[0] == "/" or "//" in name:
                break
            path = name.rstrip("/")
            if (name[0] == "." or "/." in name) and _dot_component(path):
                break
            paths_now = used_paths + len(raw) + len(link)
            if paths_now > max_path_bytes or (len(path) > max_slashes and path.count("/") > max_slashes):
                break
            if used_entries >= max_entries:
                break
            if (
                wants is not None
                and (tf == 0x30 or tf == 0x37)
                and (path.endswith(tails) or path.startswith(heads))
                and wants(path)
            ):
                break  # a file the capture may keep: the general step asks it (and reads the content)
            n = 0 if tf in header_only else size
            if n:
                n += (-n) % BLOCK
                if len(buf) - pos >= n:
                    pos += n
                else:
                    stream._pos = pos
                    stream.consumed = base + pos
                    got = stream.skip(n)
                    buf = stream._buf
                    pos = stream._pos
                    base = stream.consumed - pos
                    if got < n:
                        used_paths = paths_now
                        raise ArchiveError(f"{label}: truncated data for member {name!r}")
            used_paths = paths_now
            used_entries += 1
            taken += 1
            total += size
            mode_raw = owner[0]
            mode = modes.get((mode_raw, tf))
            if mode is None:
                mode = modes[(mode_raw, tf)] = go_file_mode(mode_raw, tf)
            append(new_entry(path, tf, link, size, mode, owner[1], owner[2], 0))
    finally:
        tally.used = used_paths
        budget.used_entries = used_entries
    stream._pos = pos
    stream.consumed = base + pos
    return block, offset, total, taken


def _dot_component(path: str) -> bool:
    """Whether ``path`` has a ``.`` or ``..`` component (hidden files and whiteouts have
    neither: ``.wh.x`` and ``.bashrc`` are ordinary names)."""
    parts = path.split("/")
    return "." in parts or ".." in parts


def _capture(stream: ChunkStream, h: TarHeader, capture: LayerCapture, path: str, label: str) -> int:
    """Read one member's content into ``capture`` and return its XXH64 (kept files are small:
    the spec bounds them)."""
    from xxhash import xxh64_intdigest

    n = h.data_size
    data = stream.take(n) if n else b""
    if len(data) < n:
        raise ArchiveError(f"{label}: truncated data for member {h.name!r}")
    pad = (-n) % 512
    if pad and stream.feed(pad, None) < pad:
        raise ArchiveError(f"{label}: truncated tar padding after {h.name!r}")
    capture.keep(path, bytes(data))
    return xxh64_intdigest(data)


def _empty_hash() -> int:
    from xxhash import xxh64_intdigest

    return xxh64_intdigest(b"")


_EMPTY_HASH = _empty_hash()
