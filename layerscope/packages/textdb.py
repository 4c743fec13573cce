"""Shared helpers of the text database parsers: decoding and the bounds an image cannot pass.

Every database is image-controlled: a status file can hold a million paragraphs, a RECORD a
million lines, a value a megabyte of garbage.  The parsers cut at these bounds and say so in a
note; a cut database is reported partial, never a traceback.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

MAX_PACKAGES = 100_000  # per database
MAX_FILES = 250_000  # per package
MAX_FIELD = 4096  # characters kept of a name, version or architecture


def text(data: bytes) -> str:
    """Database bytes as text; non-UTF-8 bytes kept as surrogate escapes (like entry paths)."""
    return data.decode("utf-8", "surrogateescape")


def short(value: str) -> str:
    value = value.strip()
    return value if len(value) <= MAX_FIELD else value[:MAX_FIELD]


def paragraphs(body: str) -> Iterator[list[str]]:
    """RFC 822-style stanzas separated by blank lines (dpkg status, apk installed)."""
    block: list[str] = []
    for line in body.splitlines():
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def fields(block: list[str]) -> dict[str, str]:
    """``Key: value`` lines of a dpkg stanza (continuation lines are skipped: no field we read
    spans lines); the first occurrence of a key wins."""
    out: dict[str, str] = {}
    for line in block:
        if line[:1] in (" ", "\t"):
            continue
        key, sep, value = line.partition(":")
        if sep and key not in out:
            out[key.strip()] = value
    return out


def clean(path: str, base: str = "") -> str | None:
    """A declared path, absolute or relative to ``base``, as an image path (no leading ``/``);
    None when it is empty or climbs out of the root."""
    if not path:
        return None
    if path[0] == "/" and "//" not in path and "/." not in path and path[-1] != "/" and len(path) > 1:
        return path[1:]  # already clean: the common case, without normpath
    if path[0] not in "/." and "//" not in path and "/." not in path and path[-1] != "/":
        return base + "/" + path if base else path
    joined = path if path.startswith("/") or not base else base + "/" + path
    rel = posixpath.normpath(joined.lstrip("/"))
    if rel in (".", "..") or rel.startswith("../"):
        return None
    return rel
