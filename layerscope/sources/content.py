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
from ..archive.layer_reader import resolve_member_name
from ..archive.tarstream import ChunkStream, iter_headers, read_data
from ..errors import ArchiveError, LayerscopeError
from ..image import TYPE_REG, Layer
from .base import Chunks, LayerSource

__all__ = ["Chunks", "LayerSource", "open_layer_stream", "open_member"]


@contextmanager
def open_layer_stream(src: LayerSource, layer: Layer, limits: Limits | None = None) -> Iterator[Chunks]:
    """The layer's *uncompressed* tar, as chunks, bounded by ``limits.max_bytes``."""
    label = f"layer {layer.member}"
    with src.open_blob(layer) as raw:
        _kind, inner, _counted = open_decompressed(raw, Budget(limits or Limits()), label)
        yield inner


@contextmanager
def open_member(
    src: LayerSource, layer: Layer, path: str, occurrence: int = 0, limits: Limits | None = None
) -> Iterator[tuple[ChunkStream, int]]:
    """(stream positioned at the content, content size) of the ``occurrence``-th member named
    ``path`` in the layer (0 = first).  The layer is read only up to that member."""
    label = f"layer {layer.member}"
    with open_layer_stream(src, layer, limits) as inner:
        stream = ChunkStream(inner, label)
        seen = 0
        try:
            for h in iter_headers(stream):
                # the name as the analysis recorded it: the reader's own rule, not a copy of it
                if h.typeflag == TYPE_REG and resolve_member_name(h.name, label)[0] == path:
                    if seen == occurrence:
                        yield stream, h.data_size
                        return
                    seen += 1
                read_data(stream, h, None)
        except ArchiveError as e:
            raise LayerscopeError(f"cannot read {label}: {e}") from None
    raise LayerscopeError(f"/{path} is not in layer {layer.index} of the image")
