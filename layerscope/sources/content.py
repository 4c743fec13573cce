"""A layer's bytes again, after the analysis: one small interface for every source.

The analysis keeps headers and hashes, never content, so the file viewer and extract go back to
where the image came from and stream *one* layer blob through the same reader the analysis
used (:mod:`layerscope.archive`): the outer archive is passed over by seeking where it can,
the blob is decompressed as a stream (bounded by ``--max-bytes``), and the caller stops at the
member it wants.  Nothing is written to disk but what extract was asked to write.

Each source says how to get a layer's raw blob back:

* an archive file: scan the outer tar's headers, seeking over every member but the blob;
* an image layout directory: open the blob file (never through a link out of the directory);
* ``registry://``: the verified blob from the cache, else fetch it again;
* ``docker://`` / ``podman://``: stream ``image save`` again and pick the layer from it.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from ..archive.decompress import Budget, Limits, open_decompressed
from ..archive.tarstream import ChunkStream, go_clean, iter_headers, read_data
from ..errors import ArchiveError, LayerscopeError
from ..image import Layer
from .archive import READ_SIZE, ReadOptions, ReadProgress, _FileSource, split_archive_arg

Chunks = Callable[[], bytes]  # returns b"" at the end
MAX_LINK_HOPS = 16


class LayerSource(Protocol):
    """Where a layer's blob (as stored: maybe compressed) can be read again."""

    def open_blob(self, layer: Layer) -> "contextmanager[Chunks]":  # pragma: no cover - protocol
        ...


def _chunks_of(f) -> Chunks:  # noqa: ANN001 - a binary file
    return lambda: f.read(READ_SIZE)


@contextmanager
def _member_of_outer(open_outer: Callable[[], "contextmanager[tuple[Chunks, Callable[[int], int] | None]]"],
                     member: str, label: str) -> Iterator[Chunks]:
    """The content of outer-tar member ``member`` (symlink members followed, as the analysis
    does for ``docker save``'s duplicate layers)."""
    want = member
    for _hop in range(MAX_LINK_HOPS):
        seen: set[str] = set()
        restart = False
        with open_outer() as (read, skip):
            stream = ChunkStream(read, label, skip)
            for h in iter_headers(stream, allow_global=True):
                name = go_clean(h.name)
                if name == want and h.typeflag == 0x32:
                    want = go_clean(posixpath.join(posixpath.dirname(name), h.linkname))
                    read_data(stream, h, None)
                    if want in seen:
                        restart = True
                        break
                    continue
                if name == want and h.typeflag == 0x30:
                    yield stream.sub_reader(h.data_size)
                    return
                seen.add(name)
                read_data(stream, h, None)
        if not restart:
            break
    raise LayerscopeError(f"layer {member} is no longer in {label}")


@dataclass(slots=True)
class ArchiveFile:
    """An image archive on disk: seek to the blob's member."""

    path: str

    @contextmanager
    def _outer(self) -> Iterator[tuple[Chunks, Callable[[int], int] | None]]:
        try:
            f = open(self.path, "rb", buffering=0)
        except OSError as e:
            raise LayerscopeError(f"cannot reopen {self.path}: {e.strerror or e}") from None
        with f:
            src = _FileSource(f, ReadProgress())
            yield src.read, (src.skip if src.seekable else None)

    def open_blob(self, layer: Layer):  # noqa: ANN201 - a context manager of Chunks
        return _member_of_outer(self._outer, layer.member, self.path)


@dataclass(slots=True)
class LayoutDir:
    """An image layout directory: the blob is a file under it."""

    root: str

    @contextmanager
    def open_blob(self, layer: Layer) -> Iterator[Chunks]:
        root = os.path.realpath(self.root)
        path = os.path.realpath(os.path.join(root, *layer.member.split("/")))
        if os.path.commonpath([root, path]) != root:
            raise LayerscopeError(f"layer {layer.member} points outside {self.root}; not reading it")
        try:
            f = open(path, "rb", buffering=0)
        except OSError as e:
            raise LayerscopeError(f"cannot open layer {layer.member} in {self.root}: {e.strerror or e}") from None
        with f:
            yield _chunks_of(f)


@dataclass(slots=True)
class RegistryImage:
    """``registry://``: the cached blob (the pull only publishes verified blobs), else a fetch."""

    arg: str
    insecure: bool = False
    cache: bool = True

    @contextmanager
    def open_blob(self, layer: Layer) -> Iterator[Chunks]:
        digest = layer.blob_digest
        if not digest:
            raise LayerscopeError(f"layer {layer.index} has no blob digest to fetch")
        if self.cache:
            from .cache import BlobCache

            f = BlobCache().open(digest)
            if f is not None:
                with f:
                    yield _chunks_of(f)
                return
        from .registry import RegistryClient, parse_reference

        client = RegistryClient(parse_reference(self.arg), insecure=self.insecure)
        try:
            with client.blob(digest) as r:
                it = r.iter_content(READ_SIZE)
                yield lambda: next(it, b"")
        finally:
            client.close()


@dataclass(slots=True)
class EngineImage:
    """``docker://`` / ``podman://``: stream ``image save`` again, pick the layer's member."""

    name: str
    source: str = "docker"  # or "podman"
    label: str = field(default="")

    @contextmanager
    def _docker_save(self) -> Iterator[tuple[Chunks, None]]:
        from .contexts import resolve_endpoint
        from .engine import SAVE_CHUNK, connection_error, open_client

        if self.source == "podman":
            from .podman import endpoint_from_container_host

            ep = endpoint_from_container_host(os.environ["CONTAINER_HOST"])
            what = "podman service"
        else:
            ep, what = resolve_endpoint(), "Docker daemon"
        client = open_client(ep, what)
        try:
            client.timeout = None
            try:
                chunks = iter(client.get_image(self.name, chunk_size=SAVE_CHUNK))
            except Exception as e:  # noqa: BLE001 - docker/requests errors of every kind
                raise connection_error(e, ep.host, what) from None
            yield (lambda: next(chunks, b"")), None
        finally:
            client.close()

    @contextmanager
    def _podman_save(self) -> Iterator[tuple[Chunks, None]]:
        from .podman import _podman_binary

        remote = ["--remote"] if os.environ.get("CONTAINER_HOST") else []
        try:
            proc = subprocess.Popen([_podman_binary(), *remote, "image", "save", self.name],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, bufsize=0)
        except OSError as e:
            raise LayerscopeError(f"cannot run podman: {e.strerror or e}") from None
        assert proc.stdout is not None
        try:
            yield _chunks_of(proc.stdout), None
        finally:
            proc.kill()  # we stop at the member: the rest of the save is not needed
            proc.stdout.close()
            proc.wait()

    def _outer(self):  # noqa: ANN202
        host = os.environ.get("CONTAINER_HOST", "")
        if self.source == "podman" and (not host or host.startswith("ssh://")):
            return self._podman_save()  # as load_from_podman: the binary unless an API socket is set
        return self._docker_save()

    def open_blob(self, layer: Layer):  # noqa: ANN201 - a context manager of Chunks
        return _member_of_outer(self._outer, layer.member, f"{self.source}://{self.name}")


def layer_source(source: str, arg: str, opts: ReadOptions | None = None) -> LayerSource:
    """The :class:`LayerSource` for an image loaded by :func:`layerscope.sources.load_image`."""
    opts = opts or ReadOptions()
    if source == "docker-archive":
        from .layout_dir import is_layout_dir

        path, _sel = split_archive_arg(arg)
        return LayoutDir(path) if is_layout_dir(path) else ArchiveFile(path)
    if source == "registry":
        return RegistryImage(arg, insecure=opts.insecure, cache=opts.cache)
    if source in ("docker", "podman"):
        return EngineImage(arg, source)
    raise LayerscopeError(f"file content is not available for source {source}")


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
                if entry_path(h.name) == path and h.typeflag == 0x30:
                    if seen == occurrence:
                        yield stream, h.data_size
                        return
                    seen += 1
                read_data(stream, h, None)
        except ArchiveError as e:
            raise LayerscopeError(f"cannot read {label}: {e}") from None
    raise LayerscopeError(f"/{path} is not in layer {layer.index} of the image")
