"""Where an image comes from: pick the source like dive does, then read it.

* ``docker-archive://X`` / ``docker-tar://X`` / a path that exists → the archive reader, which
  detects the layout from the content;
* ``docker://NAME`` (and a plain name, dive's default) → the Docker engine (:mod:`.engine`):
  DOCKER_HOST or the current Docker context, inspect, pull when missing, stream ``image save``;
* ``podman://NAME`` → ``podman image save`` through a pipe, or the API at CONTAINER_HOST
  (:mod:`.podman`);
* ``registry://HOST/REPO:TAG`` → a daemonless pull over the distribution API (:mod:`.pull`).

Each is a class behind one protocol (:class:`~.base.Source`, the classes in :mod:`.kinds`):
read the image, reopen a layer for the viewer, name itself for dive's CI text.  Every source
ends in the same resolver, so the same image gives the same analysis from each.
:func:`open_source` is the one place a command-line reference becomes a source.
"""

from __future__ import annotations

import os

from ..errors import LayerscopeError
from ..image import Image
from .archive import ReadOptions, ReadState, split_archive_arg
from .base import LayerSource, Source
from .kinds import ArchiveFile, DockerEngineImage, resolver_name, source_for

__all__ = [
    "KNOWN",
    "PREFIXES",
    "LayerSource",
    "Source",
    "load_image",
    "open_source",
    "pick_source",
    "resolver_name",
    "source_for",
]

PREFIXES = {
    "docker-archive://": "docker-archive",
    "docker-tar://": "docker-archive",
    "docker://": "docker",
    "podman://": "podman",
    "registry://": "registry",
}
KNOWN = {"docker", "podman", "docker-archive", "docker-tar", "registry"}


def pick_source(arg: str, source_flag: str | None) -> tuple[str, str]:
    """Return (source, image string without prefix): a prefix wins, then ``--source`` /
    ``DIVE_SOURCE``, then an existing file is an archive, else the Docker engine."""
    for prefix, source in PREFIXES.items():
        if arg.startswith(prefix):
            return source, arg[len(prefix) :]
    if source_flag:
        if source_flag not in KNOWN:
            raise LayerscopeError(f"unable to determine image source: {source_flag}")
        return (ArchiveFile.name if source_flag == "docker-tar" else source_flag), arg
    if "://" in arg:
        scheme = arg.split("://", 1)[0]
        raise LayerscopeError(
            f"unknown image source {scheme!r} in {arg!r} (known: " + ", ".join(p[:-3] for p in PREFIXES) + ")"
        )
    path, _sel = split_archive_arg(arg)
    if os.path.exists(path):
        return ArchiveFile.name, arg
    if _only_a_path(path):
        raise LayerscopeError(f"cannot open image archive {path!r}: no such file or directory")
    return DockerEngineImage.name, arg


def _only_a_path(arg: str) -> bool:
    """A reference that can only be a file system path (a Docker image name never starts with
    ``/``, ``.`` or ``~`` and never ends with ``/``): asking the Docker daemon for it would only
    turn a mistyped path into a confusing "cannot connect to the Docker daemon"."""
    return arg.startswith(("/", ".", "~")) or arg.endswith("/")


def open_source(arg: str, source_flag: str | None, opts: ReadOptions | None = None) -> Source:
    """The source of a command-line image reference, chosen as dive does (:func:`pick_source`)."""
    return source_for(*pick_source(arg, source_flag), opts)


def load_image(source: str, arg: str, opts: ReadOptions, state: ReadState | None = None) -> Image:
    """Read the image ``arg`` from ``source`` (as returned by :func:`pick_source`).  ``state``
    (budget and progress of this one read) is fresh unless a caller wants to watch it."""
    return source_for(source, arg, opts).read(opts, state)
