"""Where an image comes from: pick the source like dive does, then read it.

* ``docker-archive://X`` / ``docker-tar://X`` / a path that exists → the archive reader, which
  detects the layout from the content;
* ``docker://NAME`` (and a plain name, dive's default) → the Docker engine (:mod:`.engine`):
  DOCKER_HOST or the current Docker context, inspect, pull when missing, stream ``image save``;
* ``podman://NAME`` → ``podman image save`` through a pipe, or the API at CONTAINER_HOST
  (:mod:`.podman`);
* ``registry://HOST/REPO:TAG`` → a daemonless pull over the distribution API (:mod:`.pull`).

Every source ends in the same resolver, so the same image gives the same analysis from each.
"""

from __future__ import annotations

import os

from ..errors import LayerscopeError
from ..image import Image
from .archive import ReadOptions, ReadState, read_archive, split_archive_arg

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
            return source, arg[len(prefix):]
    if source_flag:
        if source_flag not in KNOWN:
            raise LayerscopeError(f"unable to determine image source: {source_flag}")
        return ("docker-archive" if source_flag == "docker-tar" else source_flag), arg
    path, _sel = split_archive_arg(arg)
    if os.path.exists(path):
        return "docker-archive", arg
    return "docker", arg


def load_image(source: str, arg: str, opts: ReadOptions, state: ReadState | None = None) -> Image:
    """Read the image ``arg`` from ``source`` (as returned by :func:`pick_source`).  ``state``
    (budget and progress of this one read) is fresh unless a caller wants to watch it."""
    if source == "docker-archive":
        return read_archive(arg, arg, opts, state=state)
    if source == "docker":
        from .engine import load_from_engine

        return load_from_engine(arg, opts, state=state)
    if source == "podman":
        from .podman import load_from_podman

        return load_from_podman(arg, opts, state=state)
    if source == "registry":
        from .pull import load_from_registry

        return load_from_registry(arg, opts, state=state)
    raise LayerscopeError(f"unable to determine image source: {source}")
