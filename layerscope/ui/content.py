"""A file's bytes from its layer, read again from the image's source, and a safe extract.

The analysis keeps only headers and hashes, never content, so the viewer goes back to the
source through :mod:`layerscope.sources.content` (an archive file, a layout directory, the
registry's blob cache, a fresh ``image save``): only the one layer that holds the file is
streamed, through the analysis's own tar reader, and only up to that member.  The member is the
very tar entry the tree shows (its position among same-named members of the layer), and its
XXH64 is checked against the analysis when the whole content was read, so a source that changed
since (a re-tagged image) is an error rather than a wrong file.  Only the first ``limit`` bytes
are kept for viewing; nothing is written to disk to view a file.

Extract writes exactly one regular file into a directory the user confirmed.  The file name
is the entry's base name made safe (no separators, no ``..``, no control characters), the
final path is checked to be inside that directory, the target is opened with ``O_NOFOLLOW``
and never replaced unless the user said so.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass

from xxhash import xxh64

from ..errors import LayerscopeError
from ..image import TYPE_LINK, TYPE_REG, TYPE_SYMLINK, Entry, Image
from ..sources.content import LayerSource, open_member
from ..sources.hashes import is_placeholder
from ..sources.kinds import ArchiveFile, source_for

VIEW_LIMIT = 256 * 1024
_COPY = 1 << 20


@dataclass(slots=True)
class FileContent:
    """What the viewer shows."""

    path: str
    layer: int
    data: bytes  # at most the requested limit
    size: int  # the entry's full size
    note: str = ""  # e.g. "symlink to x", "hardlink to y"

    @property
    def truncated(self) -> bool:
        return len(self.data) < self.size


def layer_of(image: Image, entry: Entry, upto: int) -> int:
    """The index of the layer (≤ ``upto``) whose tar holds this very entry object."""
    for i in range(min(upto, len(image.layers) - 1), -1, -1):
        for e in image.layers[i].entries:
            if e is entry:
                return i
    raise LayerscopeError("this entry is not in any layer (an implicit directory has no content)")


def _source(src: LayerSource | str) -> LayerSource:
    """A path string is an archive or layout directory (what older callers pass)."""
    return source_for(ArchiveFile.name, src) if isinstance(src, str) else src


def _occurrence(image: Image, layer: int, entry: Entry) -> int:
    """How many members of the same path come before this entry in its layer's tar."""
    n = 0
    for e in image.layers[layer].entries:
        if e is entry:
            return n
        if e.path == entry.path:
            n += 1
    return n  # an entry not from this image: the first member of that path


def _check_hash(entry: Entry, digest: int) -> None:
    if entry.hash and not is_placeholder(entry.hash) and digest != entry.hash:  # a placeholder: hash to come
        raise LayerscopeError(f"/{entry.path} changed in the source since it was analyzed; reload the image")


def read_content(
    image: Image, src: LayerSource | str, layer: int, entry: Entry, limit: int = VIEW_LIMIT
) -> FileContent:
    """The first ``limit`` bytes of ``entry`` as stored in layer ``layer`` of the image."""
    path = "/" + entry.path
    if entry.typeflag == TYPE_SYMLINK:
        return FileContent(path, layer, b"", 0, f"symbolic link to {entry.linkname}")
    if entry.typeflag == TYPE_LINK:
        return FileContent(path, layer, b"", 0, f"hard link to /{entry.linkname.lstrip('/')} (view that file)")
    if entry.is_dir or entry.typeflag != TYPE_REG:
        return FileContent(path, layer, b"", 0, "not a regular file")
    lay = image.layers[layer]
    with open_member(_source(src), lay, entry.path, _occurrence(image, layer, entry)) as (stream, size):
        data = stream.take(min(limit, size))
    if len(data) < min(limit, size):
        raise LayerscopeError(f"{path}: layer {layer} ends inside its content")
    if len(data) == size:
        _check_hash(entry, xxh64(data).intdigest())
    return FileContent(path, layer, data, entry.size)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def safe_name(path: str) -> str:
    """A base name that cannot leave its directory: no separators, ``..`` or control chars."""
    base = path.rstrip("/").rsplit("/", 1)[-1]
    base = base.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    base = _UNSAFE.sub("_", base).strip()
    if base in ("", ".", ".."):
        base = "extracted-file"
    return base[:255]


def extract_target(directory: str, path: str) -> str:
    """The file the extract would write, checked to be directly inside ``directory``."""
    d = os.path.realpath(os.path.expanduser(directory or "."))
    if not os.path.isdir(d):
        raise LayerscopeError(f"{directory} is not a directory")
    target = os.path.join(d, safe_name(path))
    if os.path.dirname(target) != d:
        raise LayerscopeError(f"refusing to write outside {d}")
    return target


def extract(
    image: Image, src: LayerSource | str, layer: int, entry: Entry, directory: str, *, overwrite: bool = False
) -> str:
    """Write the entry's content into ``directory``; return the path written."""
    if entry.typeflag != TYPE_REG or entry.is_dir:
        raise LayerscopeError("only regular files can be extracted")
    target = extract_target(directory, entry.path)
    # O_NONBLOCK: opening an existing FIFO for writing must fail (ENXIO), not wait forever.
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_BINARY", 0)
        | getattr(os, "O_NONBLOCK", 0)
    )
    flags |= os.O_EXCL if not overwrite else 0
    try:
        fd = os.open(target, flags, 0o644)
    except FileExistsError:
        raise LayerscopeError(f"{target} already exists") from None
    except OSError as e:
        raise LayerscopeError(f"cannot write {target}: {e.strerror or e}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # a device or FIFO the user said to replace
        os.close(fd)
        raise LayerscopeError(f"{target} exists and is not a regular file; not replacing it")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    if overwrite:
        os.ftruncate(fd, 0)
    try:
        _copy_member(image, _source(src), layer, entry, fd)
    except BaseException:
        os.close(fd)
        if not overwrite:
            os.unlink(target)
        raise
    os.close(fd)
    return target


def _copy_member(image: Image, src: LayerSource, layer: int, entry: Entry, fd: int) -> None:
    """Stream the member's content into ``fd`` (bounded by the header's size), checking it."""
    hasher = xxh64()

    def write(chunk: memoryview) -> None:
        hasher.update(chunk)
        while chunk:
            chunk = chunk[os.write(fd, chunk) :]

    with open_member(src, image.layers[layer], entry.path, _occurrence(image, layer, entry)) as (stream, size):
        if stream.feed(size, write) < size:
            raise LayerscopeError(f"/{entry.path}: layer {layer} ends inside its content")
    _check_hash(entry, hasher.intdigest())


def hexdump(data: bytes) -> str:
    """``xxd``-style lines: offset, 16 hex bytes, printable ASCII."""
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        hexpart = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}  {hexpart:<47}  |{text}|")
    return "\n".join(lines)


def as_text(data: bytes) -> str | None:
    """The bytes as text if they look like text (UTF-8, no NUL), else None (show hex)."""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start >= len(data) - 3:  # a multi-byte character cut by the size limit
            return data[: e.start].decode("utf-8", "replace")
        return None
