"""An image archive on disk (``docker save``, Docker 25+ save, OCI archive), read in one pass."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..archive.capture import CaptureSpec
from ..archive.decompress import Budget, Limits
from ..archive.gcpause import collector_paused
from ..archive.outer import index_documents, scan
from ..archive.resolve import build_image, layer_ids_by_member
from ..errors import ArchiveError, LayerscopeError
from ..image import Image

if TYPE_CHECKING:
    from ..layercache import LayerCache

READ_SIZE = 1 << 20
# A file is read in smaller pieces than a pipe: in CI mode most of each piece is seeked over
# rather than parsed, so a bigger one only raises the peak memory (three pieces can be alive at
# once: the file's, the layer member's, and the parser's joined buffer), not the speed.
FILE_READ_SIZE = 256 << 10


@dataclass(slots=True)
class ReadProgress:
    """Counters the reader advances as it goes, for a UI to poll (no callbacks, no locks:
    single writer, readers only need a recent value)."""

    bytes_read: int = 0  # of the archive (or stream) as stored
    bytes_total: int | None = None  # when known (a file), for a fraction and an ETA
    layers_read: int = 0


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read an image: which one, which platform, how strictly.  Immutable, so one value
    can serve several reads (``diff``'s two images); what a read uses and how far it has got
    is its own :class:`ReadState`."""

    image: str | None = None  # tag selector for multi-image archives
    platform: str | None = None
    verify: bool = True
    limits: Limits = field(default_factory=Limits)
    hash_content: bool = True  # XXH64 of file content, for diff marks; CI / --json don't need it
    insecure: bool = False  # registry source: plain http (--insecure)
    cache: bool = True  # registry source: use the blob cache (--no-cache turns it off)
    ignore_errors: bool = False  # skip layers that cannot be parsed (-i, ignore-errors), with a warning
    capture: CaptureSpec | None = None  # files whose content the read keeps (package databases)


@dataclass(slots=True)
class ReadState:
    """The running state of one read of one image: its budget against the limits, and the
    progress counters a display polls.  Made fresh for every read."""

    budget: Budget
    progress: ReadProgress = field(default_factory=ReadProgress)

    @classmethod
    def start(cls, opts: ReadOptions) -> ReadState:
        return cls(Budget(opts.limits, ignore_errors=opts.ignore_errors))


def state_for(opts: ReadOptions, state: ReadState | None) -> ReadState:
    """The caller's state (a display watching it), else a fresh one for this read."""
    return ReadState.start(opts) if state is None else state


def split_archive_arg(arg: str) -> tuple[str, str | None]:
    """``archive.tar:name:tag`` → (``archive.tar``, ``name:tag``) when the whole is no file."""
    if os.path.exists(arg) or ":" not in arg:
        return arg, None
    i = arg.find(":")
    while i >= 0:
        if os.path.isfile(arg[:i]):
            return arg[:i], arg[i + 1 :] or None
        i = arg.find(":", i + 1)
    return arg, None


class _FileSource:
    """Chunks of a file, with a bounded forward seek (never past the end, so truncation is
    still noticed)."""

    def __init__(self, f, progress: ReadProgress) -> None:  # noqa: ANN001
        self._f = f
        self._progress = progress
        try:
            st = os.fstat(f.fileno())
            self.seekable = f.seekable() and stat.S_ISREG(st.st_mode)
            self._size = st.st_size
        except (OSError, ValueError):
            self.seekable = False
            self._size = 0
        self._pos = 0
        progress.bytes_total = self._size or None

    def read(self) -> bytes:
        chunk = self._f.read(FILE_READ_SIZE)
        self._pos += len(chunk)
        self._progress.bytes_read = self._pos
        return chunk

    def rewind(self) -> None:
        """Back to the start, for the pass after :func:`~layerscope.archive.outer.index_documents`."""
        self._f.seek(0)
        self._pos = 0
        self._progress.bytes_read = 0

    def skip(self, n: int) -> int:
        k = max(0, min(n, self._size - self._pos))
        if k:
            self._f.seek(k, os.SEEK_CUR)
            self._pos += k
            self._progress.bytes_read = self._pos
        return k


def read_archive(
    path: str, display_name: str, opts: ReadOptions, source: str = "docker-archive", state: ReadState | None = None
) -> Image:
    """Read the image archive (or layout directory) at ``path``, with the garbage collector
    paused (the read builds one acyclic object per tar member: see archive.gcpause)."""
    with collector_paused():
        return _read_archive(path, display_name, opts, source, state)


def _read_archive(path: str, display_name: str, opts: ReadOptions, source: str, state: ReadState | None) -> Image:
    state = state_for(opts, state)
    path, selector = split_archive_arg(path)
    selector = opts.image or selector
    from .layout_dir import directory_reader, is_layout_dir

    if is_layout_dir(path):
        cache = layer_cache(opts)
        contents = scan(
            directory_reader(path),
            path,
            state.budget,
            verify=opts.verify,
            hash_content=opts.hash_content,
            progress=state.progress,
            capture=opts.capture,
            cache=cache,
        )
        return build_image(
            contents,
            name=display_name,
            source=source,
            selector=selector,
            want_platform=opts.platform,
            verify=opts.verify,
        )
    try:
        f = open(path, "rb", buffering=0)
    except FileNotFoundError:
        raise LayerscopeError(f"cannot open image archive {path!r}: no such file") from None
    except IsADirectoryError:
        raise LayerscopeError(
            f"{path!r} is a directory but not an image layout (no index.json, oci-layout or manifest.json in it)"
        ) from None
    except OSError as e:
        raise LayerscopeError(f"cannot open image archive {path!r}: {e.strerror or e}") from None
    with f:
        source_file = _FileSource(f, state.progress)
        try:
            return _read_file(source_file, path, display_name, source, selector, opts, state)
        except OSError as e:
            raise LayerscopeError(f"cannot read image archive {path!r}: {e.strerror or e}") from None


def layer_cache(opts: ReadOptions) -> LayerCache | None:
    """The layer-analysis cache for a read, unless ``--no-cache`` (or a zero bound) turns it off."""
    from ..layercache import LayerCache

    return LayerCache.for_read(opts.cache, opts.hash_content, opts.capture)


def _read_file(
    source_file: _FileSource,
    path: str,
    display_name: str,
    source: str,
    selector: str | None,
    opts: ReadOptions,
    state: ReadState,
) -> Image:
    """One pass over the archive, after an index pass when the file seeks and the cache is on
    (it maps docker save's layer members to diff_ids, so cached ones are seeked over).  A read
    the cache served that then fails is done again without it: errors are always those of
    reading every byte."""
    cache = layer_cache(opts)
    skip = source_file.skip if source_file.seekable else None
    member_ids: dict[str, str] = {}
    if cache is not None and skip is not None:
        docs = index_documents(source_file.read, path, skip, opts.limits.max_path_bytes)
        if docs is not None:
            member_ids = layer_ids_by_member(docs, selector, opts.platform)
        source_file.rewind()
    mark = state.budget.mark()

    def read(use: LayerCache | None) -> Image:
        contents = scan(
            source_file.read,
            path,
            state.budget,
            verify=opts.verify,
            skip=skip,
            hash_content=opts.hash_content,
            progress=state.progress,
            capture=opts.capture,
            cache=use,
            member_ids=member_ids,
        )
        return build_image(
            contents,
            name=display_name,
            source=source,
            selector=selector,
            want_platform=opts.platform,
            verify=opts.verify,
        )

    try:
        return read(cache)
    except ArchiveError:
        if cache is None or not cache.served or not source_file.seekable:
            raise
    source_file.rewind()
    state.budget.rewind(mark)
    state.progress.layers_read = 0
    return read(None)
