"""A layer's bytes again, after the analysis: the viewer's reader, for every source.

The analysis keeps headers and hashes, never content, so the file viewer and extract go back to
where the image came from (each :class:`~layerscope.sources.base.Source` reopens a layer's
blob, see :mod:`.kinds`) and stream *one* layer blob through the same reader the analysis
used (:mod:`layerscope.archive`): the blob is decompressed as a stream (bounded by
``--max-bytes``), and the caller stops at the member it wants.  Nothing is written to disk but
what extract was asked to write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..archive.decompress import Budget, Limits, open_decompressed
from ..archive.tarstream import ChunkStream, go_clean, iter_headers, read_data
from ..errors import ArchiveError, LayerscopeError
from ..image import TYPE_REG, Layer
from .archive import ReadOptions
from .base import Chunks, LayerSource, Source
from .kinds import (
    ArchiveFile,
    DockerEngineImage,
    LayoutDir,
    PodmanImage,
    RegistryImage,
    source_for,
)

__all__ = ["ArchiveFile", "Chunks", "DockerEngineImage", "LayerSource", "LayoutDir", "PodmanImage",
           "RegistryImage", "Source", "entry_path", "layer_source", "open_layer_stream", "open_member"]


def layer_source(source: str, arg: str, opts: ReadOptions | None = None) -> Source:
    """The source of an image loaded by :func:`layerscope.sources.load_image` (``source`` as
    :func:`layerscope.sources.pick_source` names it): every source can reopen its layers."""
    return source_for(source, arg, opts)


@contextmanager
def open_layer_stream(src: LayerSource, layer: Layer, limits: Limits | None = None) -> Iterator[Chunks]:
    """The layer's *uncompressed* tar, as chunks, bounded by ``limits.max_bytes``."""
    label = f"layer {layer.member}"
    with src.open_blob(layer) as raw:
        _kind, inner, _counted = open_decompressed(raw, Budget(limits or Limits()), label)
        yield inner


def entry_path(name: str) -> str:
    """A member name as the analysis records it (cleaned, no leading ``/``)."""
    return go_clean(name).lstrip("/") or "."


@contextmanager
def open_member(src: LayerSource, layer: Layer, path: str, occurrence: int = 0,
                limits: Limits | None = None) -> Iterator[tuple[ChunkStream, int]]:
    """(stream positioned at the content, content size) of the ``occurrence``-th member named
    ``path`` in the layer (0 = first).  The layer is read only up to that member."""
    label = f"layer {layer.member}"
    with open_layer_stream(src, layer, limits) as inner:
        stream = ChunkStream(inner, label)
        seen = 0
        try:
            for h in iter_headers(stream):
                if entry_path(h.name) == path and h.typeflag == TYPE_REG:
                    if seen == occurrence:
                        yield stream, h.data_size
                        return
                    seen += 1
                read_data(stream, h, None)
        except ArchiveError as e:
            raise LayerscopeError(f"cannot read {label}: {e}") from None
    raise LayerscopeError(f"/{path} is not in layer {layer.index} of the image")
