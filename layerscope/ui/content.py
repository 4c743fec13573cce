"""A file's bytes from its layer, read straight from the archive, and a safe extract.

The analysis keeps only headers and hashes, never content, so the viewer goes back to the
archive: the outer tar is indexed by :mod:`tarfile` (it seeks, so this is fast even for big
files), the layer blob is decompressed as a stream (gzip or zstd, told by magic bytes), and the
layer tar is read until the wanted member (the last one of that path wins, as in the tree).
Only the first ``limit`` bytes are kept.  Nothing is written to disk to view a file.

Extract writes exactly one regular file into a directory the user confirmed.  The file name
is the entry's base name made safe (no separators, no ``..``, no control characters), the
final path is checked to be inside that directory, the target is opened with ``O_NOFOLLOW``
and never replaced unless the user said so.
"""

from __future__ import annotations

import gzip
import os
import re
import stat
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from ..archive.tarstream import go_clean
from ..errors import LayerscopeError
from ..image import TYPE_LINK, TYPE_REG, TYPE_SYMLINK, Entry, Image
from ..sources.archive import split_archive_arg

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


@contextmanager
def _layer_tar(archive: str, member: str) -> Iterator[tarfile.TarFile]:
    path, _sel = split_archive_arg(archive)
    try:
        outer = tarfile.open(path, "r:")
    except (OSError, tarfile.TarError) as e:
        raise LayerscopeError(f"cannot reopen {path}: {e}") from None
    with outer:
        try:
            blob = outer.extractfile(member)
        except KeyError:
            raise LayerscopeError(f"layer {member} is no longer in {path}") from None
        if blob is None:
            raise LayerscopeError(f"layer {member} in {path} is not a file")
        head = blob.read(4)
        blob.seek(0)
        stream: IO[bytes]
        if head[:2] == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=blob)  # type: ignore[assignment]
        elif head == b"\x28\xb5\x2f\xfd":
            import zstandard

            stream = zstandard.ZstdDecompressor().stream_reader(blob)  # type: ignore[assignment]
        else:
            stream = blob
        try:
            with tarfile.open(fileobj=stream, mode="r|") as inner:
                yield inner
        except (OSError, EOFError, tarfile.TarError) as e:
            raise LayerscopeError(f"cannot read layer {member}: {e}") from None


def _find(inner: tarfile.TarFile, path: str, sink) -> bool:  # noqa: ANN001
    """Stream the layer; call ``sink(fileobj)`` for each member at ``path`` (last one wins)."""
    found = False
    for m in inner:
        if go_clean(m.name) != path:
            continue
        found = True
        if m.isfile():
            f = inner.extractfile(m)
            if f is not None:
                sink(f)
    return found


def read_content(image: Image, archive: str, layer: int, entry: Entry, limit: int = VIEW_LIMIT) -> FileContent:
    """The first ``limit`` bytes of ``entry`` as stored in layer ``layer`` of the archive."""
    path = "/" + entry.path
    if entry.typeflag == TYPE_SYMLINK:
        return FileContent(path, layer, b"", 0, f"symbolic link to {entry.linkname}")
    if entry.typeflag == TYPE_LINK:
        return FileContent(path, layer, b"", 0, f"hard link to /{entry.linkname} (view that file)")
    if entry.is_dir or entry.typeflag != TYPE_REG:
        return FileContent(path, layer, b"", 0, "not a regular file")
    box: list[bytes] = [b""]

    def sink(f: IO[bytes]) -> None:
        box[0] = f.read(limit)

    with _layer_tar(archive, image.layers[layer].member) as inner:
        if not _find(inner, entry.path, sink):
            raise LayerscopeError(f"{path} is not in layer {layer} of the archive")
    return FileContent(path, layer, box[0], entry.size)


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


def extract(image: Image, archive: str, layer: int, entry: Entry, directory: str, *,
            overwrite: bool = False) -> str:
    """Write the entry's content into ``directory``; return the path written."""
    if entry.typeflag != TYPE_REG or entry.is_dir:
        raise LayerscopeError("only regular files can be extracted")
    target = extract_target(directory, entry.path)
    # O_NONBLOCK: opening an existing FIFO for writing must fail (ENXIO), not wait forever.
    flags = (os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
             | getattr(os, "O_NONBLOCK", 0))
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
    written = [False]

    def sink(f: IO[bytes]) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        while True:
            chunk = f.read(_COPY)
            if not chunk:
                break
            os.write(fd, chunk)
        written[0] = True

    try:
        with _layer_tar(archive, image.layers[layer].member) as inner:
            _find(inner, entry.path, sink)
    except BaseException:
        os.close(fd)
        if not overwrite:
            os.unlink(target)
        raise
    os.close(fd)
    if not written[0]:
        if not overwrite:
            os.unlink(target)
        raise LayerscopeError(f"/{entry.path} is not in layer {layer} of the archive")
    return target


def hexdump(data: bytes) -> str:
    """``xxd``-style lines: offset, 16 hex bytes, printable ASCII."""
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
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
            return data[:e.start].decode("utf-8", "replace")
        return None
