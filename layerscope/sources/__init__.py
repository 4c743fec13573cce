"""Where an image comes from: pick the source like dive does, then read it.

``docker-archive://X`` / ``docker-tar://X`` / a path that exists → the archive reader, which
detects the layout from the content.  Engine, podman and registry sources are a separate piece
of work; asking for them gives a clear error rather than a half-working path.
"""

from __future__ import annotations

import os

from ..errors import LayerscopeError
from ..image import Image
from .archive import ReadOptions, read_archive, split_archive_arg

PREFIXES = {
    "docker-archive://": "docker-archive",
    "docker-tar://": "docker-archive",
    "docker://": "docker",
    "podman://": "podman",
    "registry://": "registry",
}
KNOWN = {"docker", "podman", "docker-archive", "docker-tar", "registry"}


def pick_source(arg: str, source_flag: str | None) -> tuple[str, str]:
    """Return (source, image string without prefix)."""
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


def load_image(source: str, arg: str, opts: ReadOptions) -> Image:
    if source == "docker-archive":
        return read_archive(arg, arg, opts)
    raise LayerscopeError(
        f"the {source} source is not supported yet; save the image to a file "
        f"(docker save / podman save / skopeo copy ... oci-archive:) and pass that archive"
    )
