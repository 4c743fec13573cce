"""An image layout *directory* (``skopeo copy … oci:DIR`` or ``dir:DIR``, umoci, ``podman save
--format docker-dir``, an unpacked ``docker save``).

The directory is presented to the archive reader as the tar stream it would be if archived:
headers made on the fly, file contents streamed from disk, symlinks passed as symlinks (never
followed, so a link out of the directory reads nothing outside it).  One reader, one set of
rules, for archives and directories alike.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator

from ..errors import LayerscopeError

CHUNK = 1 << 20


def is_layout_dir(path: str) -> bool:
    return os.path.isdir(path) and (
        os.path.isfile(os.path.join(path, "index.json")) or os.path.isfile(os.path.join(path, "manifest.json"))
    )


def _members(root: str) -> Iterator[tuple[str, os.stat_result, str]]:
    """(relative name, lstat, full path) of every file and symlink, in sorted order."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            yield rel, st, full


def _stream(root: str) -> Iterator[bytes]:
    import tarfile  # only to stream a directory; is_layout_dir (asked of every file source) needs none

    for rel, st, full in _members(root):
        info = tarfile.TarInfo(rel)
        info.mtime = 0
        if stat.S_ISLNK(st.st_mode):
            info.type = tarfile.SYMTYPE
            info.linkname = os.readlink(full)
            yield info.tobuf(tarfile.PAX_FORMAT)
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        info.size = st.st_size
        yield info.tobuf(tarfile.PAX_FORMAT)
        sent = 0
        with open(full, "rb") as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                sent += len(chunk)
                if sent > info.size:
                    raise LayerscopeError(f"{full}: file grew while being read")
                yield chunk
        if sent != info.size:
            raise LayerscopeError(f"{full}: file shrank while being read")
        pad = (-info.size) % 512
        if pad:
            yield bytes(pad)
    yield bytes(1024)


def directory_reader(root: str) -> Callable[[], bytes]:
    """A chunk source (``read_chunk()``) for :func:`layerscope.archive.outer.scan`."""
    it = _stream(root)

    def read() -> bytes:
        try:
            return next(it)
        except StopIteration:
            return b""
        except OSError as e:
            raise LayerscopeError(f"cannot read image directory {root!r}: {e.strerror or e}") from None

    return read
