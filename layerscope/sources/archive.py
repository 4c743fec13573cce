"""An image archive on disk (``docker save``, Docker 25+ save, OCI archive), read in one pass."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..archive.decompress import Limits
from ..archive.outer import scan
from ..archive.resolve import build_image
from ..errors import LayerscopeError
from ..image import Image

READ_SIZE = 1 << 20


@dataclass(slots=True)
class ReadOptions:
    """How to read an image: which one, which platform, how strictly."""

    image: str | None = None  # tag selector for multi-image archives
    platform: str | None = None
    verify: bool = True
    limits: Limits = field(default_factory=Limits)


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


def read_archive(path: str, display_name: str, opts: ReadOptions, source: str = "docker-archive") -> Image:
    path, selector = split_archive_arg(path)
    selector = opts.image or selector
    try:
        f = open(path, "rb", buffering=0)
    except FileNotFoundError:
        raise LayerscopeError(f"cannot open image archive {path!r}: no such file") from None
    except IsADirectoryError:
        raise LayerscopeError(f"cannot open image archive {path!r}: is a directory") from None
    except OSError as e:
        raise LayerscopeError(f"cannot open image archive {path!r}: {e.strerror or e}") from None
    with f:
        try:
            contents = scan(lambda: f.read(READ_SIZE), path, opts.limits, verify=opts.verify)
        except OSError as e:
            raise LayerscopeError(f"cannot read image archive {path!r}: {e.strerror or e}") from None
    return build_image(contents, name=display_name, source=source, selector=selector,
                       want_platform=opts.platform, verify=opts.verify)
