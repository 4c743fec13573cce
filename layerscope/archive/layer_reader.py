"""Read one layer tar (already decompressed) into :class:`~layerscope.image.Entry` objects.

One streaming pass: each header becomes an Entry, each regular file's content goes straight
into XXH64 (the hash dive uses for its unmodified test) and is never kept.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ArchiveError
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
)
from .decompress import Limits
from .tarstream import ChunkStream, go_clean, iter_headers, read_data

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


def check_member_name(name: str, label: str) -> None:
    """Refuse names that would escape the layer root: they never come from a real build."""
    if name.startswith("/"):
        raise ArchiveError(f"{label}: absolute member name {name!r} refused")
    cleaned = go_clean(name)
    if cleaned == ".." or cleaned.startswith("../"):
        raise ArchiveError(f"{label}: member name {name!r} escapes the layer root")
    if "\0" in name:
        raise ArchiveError(f"{label}: member name contains a NUL byte")


def read_layer(
    read_chunk: Callable[[], bytes], label: str, limits: Limits, *,
    hash_content: bool = True, skip: Callable[[int], int] | None = None,
) -> tuple[list[Entry], int]:
    """Parse a layer tar stream; return (entries in tar order, dive's layer size).

    dive's size is the sum of every header's size field, duplicates included.  Content is
    hashed only when asked (the hash serves diff marks, which CI mode and ``--json`` never
    show); otherwise it is skipped, by seeking when the source allows it.
    """
    stream = ChunkStream(read_chunk, label, skip)
    entries: list[Entry] = []
    append = entries.append
    total = 0
    modes: dict[tuple[int, int], int] = {}
    for h in iter_headers(stream):
        name = h.name
        path = go_clean(name)
        if path[0] == "/" or path[0] == "." and (path == ".." or path.startswith("../")) or "\0" in name:
            check_member_name(name, label)
        tf = h.typeflag
        if not hash_content:
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
        limits.used_entries += 1
        if limits.used_entries > limits.max_entries:
            raise ArchiveError(f"{label}: more than {limits.max_entries} entries (--max-entries)")
        key = (h.mode, tf)
        mode = modes.get(key)
        if mode is None:
            mode = modes[key] = go_file_mode(h.mode, tf)
        append(Entry(path, tf, h.linkname, h.size, mode, h.uid, h.gid, digest))
    return entries, total


def _empty_hash() -> int:
    from xxhash import xxh64_intdigest

    return xxh64_intdigest(b"")


_EMPTY_HASH = _empty_hash()
