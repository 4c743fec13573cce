"""What every image source offers: the :class:`Source` protocol.

A source is an image *reference* at one place images live (an archive file or layout directory,
the Docker engine, podman, a registry).  Every consumer — CI, ``--json``, the explorer, diff,
explain, reports — needs the same three things from it, so a source is exactly that and nothing
more:

* :meth:`Source.read` — the whole image, its layers streamed in order through the one reader
  (:func:`layerscope.archive.outer.scan`), so the same image gives the same analysis from each;
* :meth:`Source.open_blob` — one layer's stored blob again, for the file viewer and extract
  (the analysis keeps headers and hashes, never content);
* :attr:`Source.name` / :attr:`Source.resolver` — how dive names it in its CI text
  (``Image Source: NAME://REF`` and ``Extracting image from RESOLVER...``).

Which class serves a reference is decided in one place, :func:`layerscope.sources.open_source`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from ..image import Image, Layer
    from .archive import ReadOptions, ReadState

Chunks = Callable[[], bytes]
"""A blob as a stream: each call returns the next chunk, ``b""`` at the end."""


class LayerSource(Protocol):
    """Where a layer's blob (as stored: maybe compressed) can be read again.  All the viewer
    needs, so a test can hand it a stand-in without a whole source."""

    def open_blob(self, layer: Layer) -> AbstractContextManager[Chunks]:  # pragma: no cover - protocol
        ...


class Source(LayerSource, Protocol):
    """An image reference at one source: read it, reopen its layers, name it as dive does."""

    name: ClassVar[str]
    """dive's source name, shown as ``Image Source: NAME://REFERENCE``."""
    resolver: ClassVar[str]
    """dive's resolver name (``Resolver.Name()``), shown as ``Extracting image from RESOLVER...``."""

    @property
    def reference(self) -> str:  # pragma: no cover - protocol
        """The image argument without its ``SOURCE://`` prefix."""
        ...

    def read(self, opts: ReadOptions, state: ReadState | None = None) -> Image:  # pragma: no cover - protocol
        """The image, read in one pass; ``state`` is this read's budget and progress (fresh
        when None, or the caller's when a display watches it)."""
        ...
