"""One streaming pass over the outer archive: collect layers (parsed) and JSON documents.

The outer tar is read once, front to back, as dive does, so a pipe from ``docker save`` works
as well as a file.  Each member that could be a layer is parsed as it streams by (we cannot know
which blobs are layers until the manifest, often written last, has been read); JSON documents
are kept (bounded); everything else is skipped.  Nothing is written to disk.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ArchiveError, LimitError
from ..image import Entry
from .capture import CaptureBudget, CaptureSpec, LayerCapture
from .decompress import Budget, open_decompressed, sniff
from .layer_reader import PathTally, read_layer
from .tarstream import BLOCK, ChunkStream, go_clean, iter_headers, read_data

MAX_JSON = 16 << 20  # a manifest, index or config larger than this is not a real one
_BLOB_RE = re.compile(r"^blobs/(sha256|sha512)/([0-9a-f]+)$")
# skopeo's ``dir:`` layout (``podman save --format docker-dir``) names each blob by its bare
# hex digest at the top level; the length tells the algorithm.
_DIR_BLOB_RE = re.compile(r"^(?:[0-9a-f]{64}|[0-9a-f]{128})$")
_DIR_ALGO = {64: "sha256", 128: "sha512"}


def named_digest(name: str) -> tuple[str, str] | None:
    """(algorithm, hex) when a member's name is its content digest (``blobs/ALGO/HEX`` or a
    ``dir:`` layout's bare ``HEX``): such a member is hashed while it streams by."""
    blob = _BLOB_RE.match(name)
    if blob is not None:
        return blob.group(1), blob.group(2)
    if _DIR_BLOB_RE.match(name):
        return _DIR_ALGO[len(name)], name
    return None


@dataclass(slots=True)
class ParsedLayer:
    """A member that parsed as a layer tar."""

    entries: list[Entry]
    size: int  # dive's size: sum of header sizes
    compression: str
    raw_size: int  # bytes of the member in the outer archive
    captured: LayerCapture | None = None  # files kept by the read's CaptureSpec


@dataclass
class OuterContents:
    """What the pass found, keyed by cleaned member name."""

    layers: dict[str, ParsedLayer] = field(default_factory=dict)
    jsons: dict[str, bytes] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)  # name -> cleaned target name
    failures: dict[str, str] = field(default_factory=dict)  # name -> why it is not a layer/json
    digest_mismatch: dict[str, str] = field(default_factory=dict)  # name -> actual digest
    members: set[str] = field(default_factory=set)
    raw_sizes: dict[str, int] = field(default_factory=dict)
    ignore_errors: bool = False  # build_image skips a failed layer (ignore-errors) instead of failing


def _is_layer_name(name: str) -> bool:
    return name.endswith(".tar") or name.endswith(".tar.gz") or name.endswith("tgz")


def _is_json_name(name: str) -> bool:
    return name.endswith(".json") or name.startswith("sha256:")


class _Head:
    """Peek at a member's first bytes, then hand out the same bytes again."""

    def __init__(self, read: Callable[[], bytes], want: int = BLOCK) -> None:
        self._read = read
        first = b""
        while len(first) < want:
            c = read()
            if not c:
                break
            first += c
        self.head = first
        self._pending = first

    def __call__(self) -> bytes:
        if self._pending:
            c, self._pending = self._pending, b""
            return c
        return self._read()

    def skip_with(self, skip: Callable[[int], int]) -> Callable[[int], int]:
        """A skip function that first drops the peeked bytes, then seeks via ``skip``."""

        def do_skip(n: int) -> int:
            got = 0
            if self._pending:
                k = min(n, len(self._pending))
                self._pending = self._pending[k:]
                got = k
            return got + (skip(n - got) if n > got else 0)

        return do_skip


def _looks_like_tar(head: bytes) -> bool:
    if len(head) < BLOCK:
        return len(head) == 0  # a zero-length member parses as an empty tar (Go returns EOF)
    block = head[:BLOCK]
    if block == bytes(BLOCK):
        return True
    try:
        stored = int(block[148:156].replace(b"\0", b" ").strip() or b"0", 8)
    except ValueError:
        return False
    return stored == sum(block[:148]) + 256 + sum(block[156:])


def _hashing(raw: Callable[[], bytes], hasher) -> Callable[[], bytes]:  # noqa: ANN001
    """``raw`` with every chunk also fed to ``hasher`` (blob digest verification)."""

    def read() -> bytes:
        c = raw()
        if c:
            hasher.update(c)
        return c

    return read


def _read_all(read: Callable[[], bytes], limit: int) -> bytes | None:
    parts: list[bytes] = []
    total = 0
    while True:
        c = read()
        if not c:
            return b"".join(parts)
        parts.append(c)
        total += len(c)
        if total > limit:
            return None


def scan(
    read_chunk: Callable[[], bytes],
    label: str,
    budget: Budget,
    verify: bool = True,
    *,
    skip: Callable[[int], int] | None = None,
    hash_content: bool = True,
    progress: object | None = None,
    capture: CaptureSpec | None = None,
) -> OuterContents:
    """Read the whole outer archive once and return what it holds.

    ``skip`` (a seek on a file source) lets uncompressed, unverified layer content be passed
    over instead of read when ``hash_content`` is off.
    """
    out = OuterContents(ignore_errors=budget.ignore_errors)
    stream = ChunkStream(read_chunk, label, skip)
    paths = PathTally()  # name bytes of this read: the outer members' and every layer's
    kept = CaptureBudget()  # bytes of captured content of this read, across its layers
    max_path_bytes = budget.limits.max_path_bytes
    for h in iter_headers(stream, allow_global=True):
        name = go_clean(h.name)
        paths.used += len(h.raw_name) + len(h.linkname)
        if paths.used > max_path_bytes:
            raise LimitError(
                f"{label}: member names total more than {max_path_bytes} bytes "
                f"(limit max_path_bytes), at member {name[:40]!r}"
            )
        out.members.add(name)
        if h.typeflag == 0x32:  # symlink
            if _is_layer_name(name) or name.startswith("blobs/") or _DIR_BLOB_RE.match(name):
                out.symlinks[name] = go_clean(posixpath.join(posixpath.dirname(name), h.linkname))
            read_data(stream, h, None)
            continue
        if h.typeflag != 0x30:
            read_data(stream, h, None)
            continue
        out.raw_sizes[name] = h.data_size
        blob = named_digest(name)
        want_layer = _is_layer_name(name) or blob is not None or name.startswith("blobs/")
        want_json = _is_json_name(name) or blob is not None or name.startswith("blobs/")
        if not (want_layer or want_json):
            read_data(stream, h, None)
            continue
        raw = stream.sub_reader(h.data_size)
        hasher = hashlib.new(blob[0]) if blob is not None and verify else None
        reader: Callable[[], bytes] = raw if hasher is None else _hashing(raw, hasher)

        head = _Head(reader)
        kind = sniff(head.head)
        stripped = head.head.lstrip()
        if want_json and kind == "none" and stripped[:1] in (b"{", b"["):
            data = _read_all(head, MAX_JSON)
            if data is None:
                out.failures[name] = f"JSON document larger than {MAX_JSON >> 20} MiB"
            else:
                out.jsons[name] = data
        elif want_layer and (
            kind != "none" or _looks_like_tar(head.head) or (_is_layer_name(name) and len(head.head) < BLOCK)
        ):
            # (a ``.tar`` member shorter than one header is a truncated tar: say so)
            member_label = f"layer {name}"
            paths_mark = paths.used
            try:
                comp, inner, _counted = open_decompressed(head, budget, member_label)
                inner_skip = None
                if kind == "none" and hasher is None and not hash_content and raw.can_seek:
                    inner_skip = head.skip_with(raw.skip)
                captured = None if capture is None else LayerCapture(capture, kept)
                if kind == "none" and not head.head:
                    entries, size = [], 0  # zero-length member: an empty layer, as in Go
                else:
                    entries, size = read_layer(
                        inner,
                        member_label,
                        budget,
                        hash_content=hash_content,
                        skip=inner_skip,
                        paths=paths,
                        capture=captured,
                    )
                out.layers[name] = ParsedLayer(entries, size, comp, h.data_size, captured)
                if progress is not None:
                    progress.layers_read += 1  # type: ignore[attr-defined]
            except ArchiveError as e:
                if isinstance(e, LimitError) and budget.ignore_errors:
                    raise  # a bound is never skipped (without ignore-errors, build_image reports it)
                out.failures[name] = str(e)
                paths.used = paths_mark  # a failed layer's names are dropped with it: not kept, not counted
        elif want_json and _is_json_name(name):
            data = _read_all(head, MAX_JSON)
            if data is None:
                out.failures[name] = f"JSON document larger than {MAX_JSON >> 20} MiB"
            else:
                out.jsons[name] = data
        elif want_layer:
            out.failures[name] = "neither a tar, a gzip/zstd-compressed tar, nor JSON"
        # drain what the parser did not consume (trailing blocks, junk, failed parses)
        if hasher is None and raw.can_seek:
            raw.skip(raw.remaining)
        while reader():
            pass
        if raw.remaining:
            raise ArchiveError(f"{label}: truncated archive: member {name!r} ends {raw.remaining} bytes early")
        pad = (-h.data_size) % BLOCK
        if pad and stream.feed(pad, None) < pad:
            raise ArchiveError(f"{label}: truncated archive after member {name!r}")
        if hasher is not None and blob is not None:
            actual = hasher.hexdigest()
            if actual != blob[1]:
                out.digest_mismatch[name] = f"{blob[0]}:{actual}"
    return out
