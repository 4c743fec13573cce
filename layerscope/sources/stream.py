"""Read an image from a stream of archive chunks (an engine's ``image save``, a pipe).

The engine and podman sources hand the reader the same tar that ``docker save`` writes to a
file, but as it is produced: one pass, nothing written to disk.  This module turns any
iterator of byte chunks into the ``read_chunk`` function the outer scanner wants, counting
progress as it goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..archive.outer import scan
from ..archive.resolve import build_image
from ..image import Image
from .archive import ReadOptions, ReadProgress, ReadState, layer_cache


class ChunkReader:
    """``read()`` over an iterator of chunks; exceptions of the transport are translated by
    ``on_error`` so a dropped connection is one clear line, not a library traceback."""

    def __init__(
        self,
        chunks: Iterator[bytes],
        progress: ReadProgress,
        on_error: Callable[[BaseException], BaseException] | None = None,
        errors: tuple[type[BaseException], ...] = (),
    ) -> None:
        self._it = chunks
        self._progress = progress
        self._on_error = on_error
        self._errors = errors
        self.total = 0

    def read(self) -> bytes:
        while True:  # an empty chunk mid-stream is not the end; exhaustion is
            try:
                c = next(self._it, None)
            except self._errors as e:
                assert self._on_error is not None
                raise self._on_error(e) from None
            if c is None:
                c = b""
                break
            if c:
                break
        self.total += len(c)
        self._progress.bytes_read = self.total
        return c


def read_stream(
    read_chunk: Callable[[], bytes], label: str, display: str, opts: ReadOptions, source: str, state: ReadState
) -> Image:
    """One streaming pass over an outer archive, then the usual layout resolution."""
    contents = scan(
        read_chunk,
        label,
        state.budget,
        verify=opts.verify,
        hash_content=opts.hash_content,
        progress=state.progress,
        capture=opts.capture,
        cache=layer_cache(opts),  # blobs/ members it has seen are not parsed (they are still read)
    )
    return build_image(
        contents, name=display, source=source, selector=opts.image, want_platform=opts.platform, verify=opts.verify
    )
