"""One :class:`~layerscope.sources.base.Source` class per place an image can come from.

Each class is a reference plus what it takes to reach that place again; reading delegates to
the source's entry function (:func:`~layerscope.sources.archive.read_archive`,
:func:`~layerscope.sources.engine.load_from_engine`, …), which all end in the same outer-archive
scanner and resolver.  Reopening a layer for the viewer is the other half, and is where the
sources differ most:

* an archive file: scan the outer tar's headers, seeking over every member but the blob;
* an image layout directory: open the blob file (never through a link out of the directory);
* ``registry://``: the verified blob from the cache, else fetch it again;
* ``docker://`` / ``podman://``: stream ``image save`` again and pick the layer from it.

:data:`SOURCES` maps dive's source names to these classes; :func:`source_for` is the one place
a (name, reference) pair becomes a source.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import IO, ClassVar

from ..archive.tarstream import ChunkStream, go_clean, iter_headers, read_data
from ..errors import LayerscopeError
from ..image import TYPE_REG, TYPE_SYMLINK, Image, Layer
from .archive import (
    READ_SIZE,
    ReadOptions,
    ReadProgress,
    ReadState,
    _FileSource,
    read_archive,
    split_archive_arg,
)
from .base import Chunks, Source

MAX_LINK_HOPS = 16

OuterOpener = Callable[[], AbstractContextManager[tuple[Chunks, Callable[[int], int] | None]]]
"""Opens an outer archive again: (chunks, a forward seek or None when it cannot seek)."""


def chunks_of(f: IO[bytes]) -> Chunks:
    return lambda: f.read(READ_SIZE)


@contextmanager
def member_of_outer(open_outer: OuterOpener, member: str, label: str) -> Iterator[Chunks]:
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
                if name == want and h.typeflag == TYPE_SYMLINK:
                    want = go_clean(posixpath.join(posixpath.dirname(name), h.linkname))
                    read_data(stream, h, None)
                    if want in seen:
                        restart = True  # the target came earlier: read the archive again
                        break
                    continue
                if name == want and h.typeflag == TYPE_REG:
                    yield stream.sub_reader(h.data_size)
                    return
                seen.add(name)
                read_data(stream, h, None)
        if not restart:
            break
    raise LayerscopeError(f"layer {member} is no longer in {label}")


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    """``docker-archive``: an image archive on disk (``docker save``, Docker 25+, OCI); the
    reference may end in ``:name:tag`` to pick one image of several."""

    name: ClassVar[str] = "docker-archive"
    resolver: ClassVar[str] = "docker-archive"

    reference: str

    @property
    def path(self) -> str:
        return split_archive_arg(self.reference)[0]

    def read(self, opts: ReadOptions, state: ReadState | None = None) -> Image:
        return read_archive(self.reference, self.reference, opts, state=state)

    @contextmanager
    def _outer(self) -> Iterator[tuple[Chunks, Callable[[int], int] | None]]:
        try:
            f = open(self.path, "rb", buffering=0)  # noqa: SIM115 - closed by the with below, once its error is mapped
        except OSError as e:
            raise LayerscopeError(f"cannot reopen {self.path}: {e.strerror or e}") from None
        with f:
            src = _FileSource(f, ReadProgress())
            yield src.read, (src.skip if src.seekable else None)

    def open_blob(self, layer: Layer) -> AbstractContextManager[Chunks]:
        return member_of_outer(self._outer, layer.member, self.path)


@dataclass(frozen=True, slots=True)
class LayoutDir(ArchiveFile):
    """``docker-archive`` on an image layout *directory*: read like an archive (the reader
    detects the layout), but a layer's blob is simply a file under it."""

    @contextmanager
    def open_blob(self, layer: Layer) -> Iterator[Chunks]:
        root = os.path.realpath(self.path)
        path = os.path.realpath(os.path.join(root, *layer.member.split("/")))
        if os.path.commonpath([root, path]) != root:
            raise LayerscopeError(f"layer {layer.member} points outside {self.path}; not reading it")
        try:
            f = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the with below, once its error is mapped
        except OSError as e:
            raise LayerscopeError(f"cannot open layer {layer.member} in {self.path}: {e.strerror or e}") from None
        with f:
            yield chunks_of(f)


@dataclass(frozen=True, slots=True)
class RegistryImage:
    """``registry://HOST/REPO:TAG``: a daemonless pull.  ``insecure`` and ``cache`` are how the
    registry is reached again for a layer (the read itself takes them from its options)."""

    name: ClassVar[str] = "registry"
    resolver: ClassVar[str] = "registry"  # layerscope's own source (dive has none): named like its prefix

    reference: str
    insecure: bool = False
    cache: bool = True

    def read(self, opts: ReadOptions, state: ReadState | None = None) -> Image:
        from .pull import load_from_registry

        return load_from_registry(self.reference, opts, state=state)

    @contextmanager
    def open_blob(self, layer: Layer) -> Iterator[Chunks]:
        """The cached blob (the pull only publishes verified blobs), else a fetch."""
        digest = layer.blob_digest
        if not digest:
            raise LayerscopeError(f"layer {layer.index} has no blob digest to fetch")
        if self.cache:
            from .cache import BlobCache

            f = BlobCache().open(digest)
            if f is not None:
                with f:
                    yield chunks_of(f)
                return
        from .registry import RegistryClient, parse_reference

        client = RegistryClient(parse_reference(self.reference), insecure=self.insecure)
        try:
            with client.blob(digest) as r:
                it = r.iter_content(READ_SIZE)
                yield lambda: next(it, b"")
        finally:
            client.close()


@contextmanager
def _api_save(name: str, podman_service: bool) -> Iterator[tuple[Chunks, None]]:
    """``image save`` streamed from an engine API (Docker's, or podman's at CONTAINER_HOST)."""
    from .contexts import resolve_endpoint
    from .engine import SAVE_CHUNK, connection_error, open_client

    if podman_service:
        from .podman import endpoint_from_container_host

        ep, what = endpoint_from_container_host(os.environ["CONTAINER_HOST"]), "podman service"
    else:
        ep, what = resolve_endpoint(), "Docker daemon"
    client = open_client(ep, what)
    try:
        client.timeout = None
        try:
            chunks = iter(client.get_image(name, chunk_size=SAVE_CHUNK))
        except Exception as e:  # noqa: BLE001 - docker/requests errors of every kind
            raise connection_error(e, ep.host, what) from None
        yield (lambda: next(chunks, b"")), None
    finally:
        client.close()


@dataclass(frozen=True, slots=True)
class DockerEngineImage:
    """``docker://NAME`` (and a plain name): the engine at DOCKER_HOST / the current context."""

    name: ClassVar[str] = "docker"
    resolver: ClassVar[str] = "docker-engine"  # dive's resolver differs from its source name here

    reference: str

    def read(self, opts: ReadOptions, state: ReadState | None = None) -> Image:
        from .engine import load_from_engine

        return load_from_engine(self.reference, opts, state=state)

    def open_blob(self, layer: Layer) -> AbstractContextManager[Chunks]:
        """Stream ``image save`` again and stop at the layer's member."""
        return member_of_outer(
            lambda: _api_save(self.reference, podman_service=False), layer.member, f"docker://{self.reference}"
        )


@dataclass(frozen=True, slots=True)
class PodmanImage:
    """``podman://NAME``: the podman binary, or the service at CONTAINER_HOST."""

    name: ClassVar[str] = "podman"
    resolver: ClassVar[str] = "podman"

    reference: str

    def read(self, opts: ReadOptions, state: ReadState | None = None) -> Image:
        from .podman import load_from_podman

        return load_from_podman(self.reference, opts, state=state)

    @contextmanager
    def _binary_save(self) -> Iterator[tuple[Chunks, None]]:
        import subprocess  # only for podman://: a file source never starts a process

        from .podman import _podman_binary

        remote = ["--remote"] if os.environ.get("CONTAINER_HOST") else []
        try:
            proc = subprocess.Popen(
                [_podman_binary(), *remote, "image", "save", self.reference],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                bufsize=0,
            )
        except OSError as e:
            raise LayerscopeError(f"cannot run podman: {e.strerror or e}") from None
        assert proc.stdout is not None
        try:
            yield chunks_of(proc.stdout), None
        finally:
            proc.kill()  # we stop at the member: the rest of the save is not needed
            proc.stdout.close()
            proc.wait()

    def _outer(self) -> AbstractContextManager[tuple[Chunks, None]]:
        host = os.environ.get("CONTAINER_HOST", "")
        if not host or host.startswith("ssh://"):
            return self._binary_save()  # as load_from_podman: the binary unless an API socket is set
        return _api_save(self.reference, podman_service=True)

    def open_blob(self, layer: Layer) -> AbstractContextManager[Chunks]:
        """Stream ``image save`` again and stop at the layer's member."""
        return member_of_outer(self._outer, layer.member, f"podman://{self.reference}")


SOURCES: dict[str, type[Source]] = {
    cls.name: cls for cls in (ArchiveFile, DockerEngineImage, PodmanImage, RegistryImage)
}
"""dive's source names → their classes (``docker-tar`` is an alias, resolved by the picker)."""


def source_for(name: str, reference: str, opts: ReadOptions | None = None) -> Source:
    """The source named ``name`` (as :func:`layerscope.sources.pick_source` returns it) for
    ``reference``; ``opts`` gives the registry's ``--insecure`` / ``--no-cache``."""
    if name == ArchiveFile.name:
        from .layout_dir import is_layout_dir

        return LayoutDir(reference) if is_layout_dir(split_archive_arg(reference)[0]) else ArchiveFile(reference)
    if name == RegistryImage.name:
        opts = opts or ReadOptions()
        return RegistryImage(reference, insecure=opts.insecure, cache=opts.cache)
    if name == DockerEngineImage.name:
        return DockerEngineImage(reference)
    if name == PodmanImage.name:
        return PodmanImage(reference)
    raise LayerscopeError(f"unable to determine image source: {name}")


def resolver_name(name: str) -> str:
    """What dive calls the resolver of source ``name`` (the name itself when unknown)."""
    cls = SOURCES.get(name)
    return cls.resolver if cls is not None else name
