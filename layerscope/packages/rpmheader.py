"""A bounded reader of RPM header blobs, as the rpmdb stores them (no lead, no magic).

Layout (rpm's ``header.c``, big-endian): ``il`` (int32, index entries), ``dl`` (int32, data
bytes), then ``il`` entries of 16 bytes — tag, type, offset into the data, count — then the
data store.  Only the tags the package analysis reads are decoded; every offset and count is
checked against the blob, so a truncated or hostile header is a :class:`HeaderError`, never an
out-of-range read or an allocation the blob does not pay for.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

NAME, VERSION, RELEASE, EPOCH, ARCH = 1000, 1001, 1002, 1003, 1022
FILESIZES, FILEMODES, FILEFLAGS, OLDFILENAMES = 1028, 1030, 1037, 1027
DIRINDEXES, BASENAMES, DIRNAMES, LONGFILESIZES = 1116, 1117, 1118, 5008

_INT16, _INT32, _INT64, _STRING, _STRING_ARRAY, _I18N = 3, 4, 5, 6, 8, 9
_WIDTH = {_INT16: 2, _INT32: 4, _INT64: 8}
_FMT = {_INT16: "H", _INT32: "I", _INT64: "Q"}
_WANTED = {NAME, VERSION, RELEASE, EPOCH, ARCH, FILEMODES, FILEFLAGS, OLDFILENAMES, DIRINDEXES, BASENAMES, DIRNAMES}

MAX_INDEX = 1 << 16  # index entries of one header (real ones have a few hundred)
MAX_DATA = 256 << 20
RPMFILE_GHOST = 1 << 6  # %ghost: listed, never shipped
S_IFMT, S_IFDIR = 0o170000, 0o040000


class HeaderError(ValueError):
    """The blob is not a well-formed RPM header."""


@dataclass(slots=True)
class RpmHeader:
    name: str
    version: str
    release: str
    epoch: int | None
    arch: str
    paths: list[str]  # files (not directories, not %ghost), no leading "/"


def _strings(data: bytes, off: int, count: int) -> list[str]:
    out = []
    pos = off
    for _ in range(count):
        end = data.find(b"\0", pos)
        if end < 0:
            raise HeaderError("unterminated string")
        out.append(data[pos:end].decode("utf-8", "surrogateescape"))
        pos = end + 1
    return out


def parse_header(blob: bytes, max_files: int) -> tuple[RpmHeader, bool]:
    """The header's package and its files (cut at ``max_files``: the bool says so)."""
    if len(blob) < 8:
        raise HeaderError("truncated header")
    il, dl = struct.unpack_from(">II", blob, 0)
    if il > MAX_INDEX or dl > MAX_DATA:
        raise HeaderError(f"absurd header sizes ({il} entries, {dl} data bytes)")
    start = 8 + 16 * il
    if start + dl > len(blob):
        raise HeaderError("truncated header")
    data = blob[start : start + dl]
    tags: dict[int, tuple[int, int, int]] = {}
    for k in range(il):
        tag, typ, off, count = struct.unpack_from(">iIiI", blob, 8 + 16 * k)
        if tag in _WANTED and tag not in tags:
            if off < 0 or off > dl or count > dl:
                raise HeaderError(f"tag {tag}: entry out of range")
            tags[tag] = (typ, off, count)

    def strs(tag: int) -> list[str]:
        t = tags.get(tag)
        if t is None:
            return []
        typ, off, count = t
        if typ not in (_STRING, _STRING_ARRAY, _I18N):
            raise HeaderError(f"tag {tag}: not a string")
        return _strings(data, off, 1 if typ == _STRING else count)

    def ints(tag: int) -> list[int]:
        t = tags.get(tag)
        if t is None:
            return []
        typ, off, count = t
        width = _WIDTH.get(typ)
        if width is None:
            raise HeaderError(f"tag {tag}: not an integer")
        if off + width * count > dl:
            raise HeaderError(f"tag {tag}: entry out of range")
        return list(struct.unpack_from(f">{count}{_FMT[typ]}", data, off))

    def one(tag: int) -> str:
        v = strs(tag)
        return v[0] if v else ""

    epoch = ints(EPOCH)
    base, dirs, index = strs(BASENAMES), strs(DIRNAMES), ints(DIRINDEXES)
    if base:
        if len(index) != len(base):
            raise HeaderError("file tags disagree in length")
        names = []
        for b, i in zip(base, index, strict=True):
            if i >= len(dirs):
                raise HeaderError("directory index out of range")
            names.append(dirs[i] + b)
    else:
        names = strs(OLDFILENAMES)
    modes, flags = ints(FILEMODES), ints(FILEFLAGS)
    paths: list[str] = []
    cut = False
    for k, full in enumerate(names):
        if k < len(modes) and modes[k] & S_IFMT == S_IFDIR:
            continue
        if k < len(flags) and flags[k] & RPMFILE_GHOST:
            continue
        if len(paths) >= max_files:
            cut = True
            break
        paths.append(full)
    head = RpmHeader(one(NAME), one(VERSION), one(RELEASE), epoch[0] if epoch else None, one(ARCH), paths)
    return head, cut
