"""One streaming pass over the outer archive: collect layers (parsed) and JSON documents.

The outer tar is read once, front to back, as dive does, so a pipe from ``docker save`` works
as well as a file.  Each member that could be a layer is parsed as it streams by (we cannot know
which blobs are layers until the manifest, often written last, has been read); JSON documents
are kept (bounded); everything else is skipped.  Nothing is written to disk.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ArchiveError, LimitError
from ..image import Entry
from .capture import CaptureBudget, CaptureSpec, LayerCapture
from .decompress import Budget, open_decompressed, sniff
from .layer_reader import PathTally, read_layer
from .tarstream import BLOCK, ChunkStream, go_clean, iter_headers, read_data

if TYPE_CHECKING:
    from ..layercache import LayerCache

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


class _Tap:
    """``raw`` with every chunk fed to a hasher that may be attached after the first bytes
    (once the member's compression is known)."""

    __slots__ = ("_raw", "hasher")

    def __init__(self, raw: Callable[[], bytes]) -> None:
        self._raw = raw
        self.hasher: Any = None

    def __call__(self) -> bytes:
        c = self._raw()
        if c and self.hasher is not None:
            self.hasher.update(c)
        return c


def _new_hash(algorithm: str) -> Any:
    """A hasher for a blob named by its digest.  hashlib is imported here, at the first such
    blob: it loads OpenSSL (3.5 MiB of resident memory), and a legacy ``docker save`` read in CI
    mode, the commonest input, hashes nothing."""
    import hashlib

    return hashlib.new(algorithm)


def _sha256(first: bytes = b"") -> Any:
    """The digest a layer is stored under, hashed on another core (see layercache.hashing)."""
    from ..layercache.hashing import BackgroundSha256

    return BackgroundSha256(first)


DRAIN_MAX = 1 << 20  # uncompressed bytes after a layer tar's end read to learn its diff_id


def drain_for_digest(inner: Callable[[], bytes], budget: Budget) -> bool:
    """Read the rest of a compressed layer's uncompressed stream (what follows the tar's end,
    normally a few KB of padding) for its diff_id; uncharged, since a read without the cache
    never decompresses it.  False when it is too long or damaged: then no digest."""
    used = budget.used_bytes
    got = 0
    try:
        while True:
            c = inner()
            if not c:
                return True
            got += len(c)
            if got > DRAIN_MAX:
                return False
    except ArchiveError:
        return False
    finally:
        budget.used_bytes = used


@dataclass
class _Scan:
    """The state of one pass: what it found, and the running tallies of its bounds."""

    out: OuterContents
    budget: Budget
    hash_content: bool
    progress: object | None
    capture: CaptureSpec | None
    cache: LayerCache | None
    member_ids: dict[str, str]
    paths: PathTally = field(default_factory=PathTally)  # the outer members' names and every layer's
    kept: CaptureBudget = field(default_factory=CaptureBudget)  # captured content, across layers

    def count_layer(self) -> None:
        if self.progress is not None:
            self.progress.layers_read += 1  # type: ignore[attr-defined]

    def from_cache(self, name: str, diff_id: str, comp: str, raw_size: int, stream_len: int | None) -> bool:
        """Take member ``name`` (layer ``diff_id``) from the cache; False on a miss."""
        if self.cache is None:
            return False
        hit = self.cache.serve(diff_id, self.budget, self.paths, self.kept, stream_len)
        if hit is None:
            return False
        self.out.layers[name] = ParsedLayer(hit.entries, hit.size, comp, raw_size, hit.captured)
        self.count_layer()
        return True

    def parse_layer(self, name: str, head: _Head, raw: Any, tap: _Tap, verified: bool, data_size: int) -> _Pending:
        """Parse one layer member.  With a cache, the member's SHA-256 (uncompressed) is
        computed on the way; the record is stored by :func:`_store` once the member has been
        read to its end and the digest is known."""
        kind = sniff(head.head)
        member_label = f"layer {name}"
        paths_mark = self.paths.used
        used_mark = self.budget.used_bytes
        cache = self.cache
        inner_hasher = None
        captured = None
        try:
            comp, inner, _counted = open_decompressed(head, self.budget, member_label)
            inner_skip = None
            if kind == "none" and not verified and not self.hash_content and raw.can_seek:
                inner_skip = head.skip_with(raw.skip)  # content passed over: no digest, not cached
            elif cache is not None and kind == "none" and not verified:
                tap.hasher = _sha256(head.head)  # an uncompressed layer's diff_id is its blob's
            elif cache is not None and kind != "none":
                inner_hasher = _sha256()
                inner = _hashing(inner, inner_hasher)
            captured = None if self.capture is None else _new_capture(cache, self.capture, self.kept)
            entries: list[Entry]
            if kind == "none" and not head.head:
                entries, size = [], 0  # zero-length member: an empty layer, as in Go
            else:
                entries, size = read_layer(
                    inner,
                    member_label,
                    self.budget,
                    hash_content=self.hash_content,
                    skip=inner_skip,
                    paths=self.paths,
                    capture=captured,
                )
            if inner_hasher is not None and not drain_for_digest(inner, self.budget):
                inner_hasher = None
            parsed = ParsedLayer(entries, size, comp, data_size, captured)
            pending = _Pending(
                parsed,
                captured,
                inner_hasher,
                self.budget.used_bytes - used_mark,
                self.paths.used - paths_mark,
            )
            self.out.layers[name] = parsed
            self.count_layer()
            return pending
        except ArchiveError as e:
            if isinstance(e, LimitError) and self.budget.ignore_errors:
                raise  # a bound is never skipped (without ignore-errors, build_image reports it)
            self.out.failures[name] = str(e)
            self.paths.used = paths_mark  # a failed layer's names are dropped with it: not kept, not counted
            return _Pending(None, captured, None, 0, 0)


def _new_capture(cache: LayerCache | None, spec: CaptureSpec, kept: CaptureBudget) -> LayerCapture:
    if cache is None:
        return LayerCapture(spec, kept)
    got = cache.layer_capture(kept)
    assert got is not None
    return got


@dataclass
class _Pending:
    """A parsed layer waiting for the end of its member to be stored in the cache."""

    parsed: ParsedLayer | None
    captured: LayerCapture | None
    inner_hasher: Any
    used_bytes: int
    path_bytes: int

    def diff_id(self, tap: _Tap, blob_actual: str | None, data_size: int) -> tuple[str, int]:
        """(the uncompressed digest, the stream's length), or ("", 0) when not known."""
        if self.parsed is None:
            return "", 0
        if self.parsed.compression != "none":
            h = self.inner_hasher
            return (f"sha256:{h.hexdigest()}", h.length) if h is not None else ("", 0)
        if tap.hasher is not None:
            return f"sha256:{tap.hasher.hexdigest()}", tap.hasher.length
        return (blob_actual, data_size) if blob_actual and blob_actual.startswith("sha256:") else ("", 0)


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
    cache: LayerCache | None = None,
    member_ids: dict[str, str] | None = None,
) -> OuterContents:
    """Read the whole outer archive once and return what it holds.

    ``skip`` (a seek on a file source) lets uncompressed, unverified layer content be passed
    over instead of read when ``hash_content`` is off.  With a layer ``cache``, a member whose
    analysis is cached is not decompressed or parsed: a ``blobs/ALGO/HEX`` member is found
    through the record of its blob (and still hashed against its name when ``verify``), any
    other through ``member_ids`` (member name → diff_id, from :func:`index_documents` and the
    config; seeked over given ``skip``).  Every layer parsed is stored once its digest is known
    (docs/cache.md).
    """
    if cache is not None and not cache.usable(budget.limits):
        cache = None
    st = _Scan(
        OuterContents(ignore_errors=budget.ignore_errors),
        budget,
        hash_content,
        progress,
        capture,
        cache,
        member_ids or {},
    )
    out = st.out
    stream = ChunkStream(read_chunk, label, skip)
    paths = st.paths
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
        hasher = _new_hash(blob[0]) if blob is not None and verify else None
        if cache is not None and blob is not None:
            known = cache.blob(f"{blob[0]}:{blob[1]}")
            if (
                known is not None
                and known.size == h.data_size
                and st.from_cache(name, known.diff_id, known.compression, h.data_size, None)
            ):
                # not parsed, but still verified against its name (read and hashed) unless --no-verify
                _finish_member(stream, raw, raw if hasher is None else _hashing(raw, hasher), hasher, h, name, label)
                _check_digest(out, name, blob, hasher)
                continue
        tap = _Tap(raw if hasher is None else _hashing(raw, hasher))
        reader: Callable[[], bytes] = tap

        head = _Head(reader)
        kind = sniff(head.head)
        stripped = head.head.lstrip()
        pending = None
        if want_json and kind == "none" and stripped[:1] in (b"{", b"["):
            _keep_json(out, name, head)
        elif want_layer and (
            kind != "none" or _looks_like_tar(head.head) or (_is_layer_name(name) and len(head.head) < BLOCK)
        ):
            # (a ``.tar`` member shorter than one header is a truncated tar: say so)
            diff_id = st.member_ids.get(name)
            if diff_id and kind == "none" and st.from_cache(name, diff_id, kind, h.data_size, h.data_size):
                pass  # bound by the config's diff_id (and its length); the rest is passed over below
            else:
                pending = st.parse_layer(name, head, raw, tap, hasher is not None, h.data_size)
        elif want_json and _is_json_name(name):
            _keep_json(out, name, head)
        elif want_layer:
            out.failures[name] = "neither a tar, a gzip/zstd-compressed tar, nor JSON"
        _finish_member(stream, raw, reader, hasher if tap.hasher is None else tap.hasher, h, name, label)
        actual = _check_digest(out, name, blob, hasher)
        if pending is not None and cache is not None:
            _store(st, cache, pending, tap, blob, actual, name)
    if cache is not None:
        cache.finish()
    return out


def _store(
    st: _Scan,
    cache: LayerCache,
    pending: _Pending,
    tap: _Tap,
    blob: tuple[str, str] | None,
    actual: str | None,
    name: str,
) -> None:
    captured = pending.captured
    try:
        parsed = pending.parsed
        if parsed is None:
            return
        verified_blob = blob is not None and actual == f"{blob[0]}:{blob[1]}"
        diff_id, stream_len = pending.diff_id(tap, actual if verified_blob else None, parsed.raw_size)
        if not diff_id:
            return
        cache.store_layer(
            diff_id,
            parsed.entries,
            parsed.size,
            pending.used_bytes,
            pending.path_bytes,
            captured,
            st.budget.limits,
            stream_len,
        )
        if verified_blob and blob is not None:
            cache.store_blob(f"{blob[0]}:{blob[1]}", diff_id, parsed.compression, parsed.raw_size)
    finally:
        cache.settle(captured, st.kept)


def _keep_json(out: OuterContents, name: str, head: _Head) -> None:
    data = _read_all(head, MAX_JSON)
    if data is None:
        out.failures[name] = f"JSON document larger than {MAX_JSON >> 20} MiB"
    else:
        out.jsons[name] = data


def _finish_member(
    stream: ChunkStream, raw: Any, reader: Callable[[], bytes], hasher: Any, h: Any, name: str, label: str
) -> None:
    """Drain what the parser did not consume (trailing blocks, junk, failed parses, a cached
    layer), seeking when nothing needs the bytes, then the member's padding."""
    if hasher is None and raw.can_seek:
        raw.skip(raw.remaining)
    while reader():
        pass
    if raw.remaining:
        raise ArchiveError(f"{label}: truncated archive: member {name!r} ends {raw.remaining} bytes early")
    pad = (-h.data_size) % BLOCK
    if pad and stream.feed(pad, None) < pad:
        raise ArchiveError(f"{label}: truncated archive after member {name!r}")


def _check_digest(out: OuterContents, name: str, blob: tuple[str, str] | None, hasher: Any) -> str | None:
    """The member's actual digest when it was hashed; a mismatch with its name is recorded."""
    if hasher is None or blob is None:
        return None
    actual = f"{blob[0]}:{hasher.hexdigest()}"
    if actual != f"{blob[0]}:{blob[1]}":
        out.digest_mismatch[name] = actual
    return actual


def index_documents(
    read_chunk: Callable[[], bytes], label: str, skip: Callable[[int], int], max_path_bytes: int
) -> OuterContents | None:
    """A cheap first pass over a seekable archive: every member's header, and the content of
    the ``*.json`` documents only (docker save's manifest and configs), everything else
    seeked over.  It tells which layer member is which diff_id before any layer is read
    (``manifest.json`` may come last); None when the archive is anything but well formed, and
    the real pass then says what is wrong with it."""
    out = OuterContents()
    stream = ChunkStream(read_chunk, label, skip)
    used = 0
    try:
        for h in iter_headers(stream, allow_global=True):
            name = go_clean(h.name)
            used += len(h.raw_name) + len(h.linkname)
            if used > max_path_bytes:
                return None
            out.members.add(name)
            if h.typeflag == 0x32:
                out.symlinks[name] = go_clean(posixpath.join(posixpath.dirname(name), h.linkname))
            elif h.typeflag == 0x30:
                out.raw_sizes[name] = h.data_size
                if name.endswith(".json") and h.data_size <= MAX_JSON:
                    raw = stream.sub_reader(h.data_size)
                    data = _read_all(raw, MAX_JSON)
                    if data is None or raw.remaining:
                        return None
                    out.jsons[name] = data
                    pad = (-h.data_size) % BLOCK
                    if pad and stream.skip(pad) < pad:
                        return None
                    continue
            read_data(stream, h, None)
    except ArchiveError:
        return None
    return out
