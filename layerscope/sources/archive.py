"""An image archive on disk (``docker save``, Docker 25+ save, OCI archive), read in one pass."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..archive.capture import CaptureSpec
from ..archive.decompress import Budget, Limits
from ..archive.outer import scan
from ..archive.resolve import build_image
from ..errors import LayerscopeError
from ..image import Image

READ_SIZE = 1 << 20


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
            self.seekable = f.seekable() and os.path.stat.S_ISREG(st.st_mode)
            self._size = st.st_size
        except (OSError, ValueError):
            self.seekable = False
            self._size = 0
        self._pos = 0
        progress.bytes_total = self._size or None

    def read(self) -> bytes:
        chunk = self._f.read(READ_SIZE)
        self._pos += len(chunk)
        self._progress.bytes_read = self._pos
        return chunk

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
    state = state_for(opts, state)
    path, selector = split_archive_arg(path)
    selector = opts.image or selector
    from .layout_dir import directory_reader, is_layout_dir

    if is_layout_dir(path):
        contents = scan(
            directory_reader(path),
            path,
            state.budget,
            verify=opts.verify,
            hash_content=opts.hash_content,
            progress=state.progress,
            capture=opts.capture,
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
            contents = scan(
                source_file.read,
                path,
                state.budget,
                verify=opts.verify,
                skip=source_file.skip if source_file.seekable else None,
                hash_content=opts.hash_content,
                progress=state.progress,
                capture=opts.capture,
            )
        except OSError as e:
            raise LayerscopeError(f"cannot read image archive {path!r}: {e.strerror or e}") from None
    return build_image(
        contents, name=display_name, source=source, selector=selector, want_platform=opts.platform, verify=opts.verify
    )
