"""Reduce a loaded :class:`~layerscope.image.Image` to a :class:`Snapshot`, or load one.

Two views of the image are used on purpose:

* the **accurate** final filesystem (what a container sees: whiteouts and opaque dirs applied,
  ``docker save`` duplicate layers followed) for file-level changes and file counts, because a
  size regression is about what ships;
* the **dive-compatible** efficiency and waste from the core, so the numbers in a PR report are
  the ones ``dive --ci`` and ``layerscope --ci`` print for the same image.
"""

from __future__ import annotations

import os

from ..analysis.dive_efficiency import dive_efficiency
from ..errors import LayerscopeError
from ..image import OPAQUE_MARKER, OPAQUE_PREFIX, WHITEOUT_PREFIX, Entry, Image
from ..sources import load_image, pick_source
from ..sources.archive import ReadOptions, split_archive_arg
from .model import LayerSummary, Snapshot, load_baseline


def _ancestors(path: str):  # noqa: ANN202
    i = path.rfind("/")
    while i > 0:
        path = path[:i]
        yield path
        i = path.rfind("/")


def final_files(image: Image) -> dict[str, int]:
    """``"/path" → size`` for every non-directory in the final (accurate) filesystem.

    The same result as stacking the accurate layer trees (``tree.stack.stack_accurate``: a
    layer's whiteouts and opaque dirs first, then its entries; a non-directory replacing a
    directory drops what was under it), computed on a flat ``path → entry`` map because that
    is several times cheaper than building trees: the comparison must cost little next to
    reading the archives.  tests/report/test_snapshot.py holds it to the tree semantics.
    """
    entries: dict[str, Entry] = {}
    parents: set[str] = set()  # every path that has (or had) something under it
    for layer in image.layers:
        gone: set[str] = set()
        opaque: set[str] = set()
        adds: list[Entry] = []
        for e in layer.entries:
            d, _, b = e.path.rpartition("/")
            if b == OPAQUE_MARKER:
                opaque.add(d)
            elif b.startswith(WHITEOUT_PREFIX):
                if not b.startswith(OPAQUE_PREFIX):
                    gone.add(f"{d}/{b[len(WHITEOUT_PREFIX):]}" if d else b[len(WHITEOUT_PREFIX):])
            elif e.path:
                adds.append(e)
        if gone or opaque:
            everything = "" in opaque
            for path in [p for p in entries if everything or p in gone
                         or any(a in gone or a in opaque for a in _ancestors(p))]:
                del entries[path]
        for e in adds:
            path = e.path
            if not e.is_dir and path in parents:
                prev = entries.get(path)
                if prev is None or prev.is_dir:  # a file replaces a directory and its contents
                    prefix = path + "/"
                    for p in [p for p in entries if p.startswith(prefix)]:
                        del entries[p]
            entries[path] = e
            parent = path.rpartition("/")[0]
            if parent and parent not in parents:  # its own ancestors are then recorded too
                parents.add(parent)
                parents.update(_ancestors(parent))
    return {"/" + p: e.size for p, e in entries.items() if not e.is_dir}


def snapshot_image(image: Image) -> Snapshot:
    analysis = dive_efficiency(image)
    layers = [
        LayerSummary(index=l.index, diff_id=l.diff_id or l.digest, command=l.command, size=l.size,
                     compressed_size=l.compressed_size, created=l.created)
        for l in image.layers
    ]
    return Snapshot(
        name=image.name,
        source=image.source,
        layers=layers,
        files=final_files(image),
        efficiency=analysis.efficiency,
        wasted_bytes=analysis.wasted_bytes,
        dive_size=analysis.size_bytes,
        dive_user_size=analysis.user_size_bytes,
        inefficient_files=list(analysis.inefficient_files),
        tags=list(image.tags),
        layout=image.layout,
        platform=image.platform,
        config_digest=image.config_digest,
    )


def _looks_like_baseline(path: str) -> bool:
    """A ``.json`` name, or a regular file that starts with ``{`` and has no tar magic."""
    if path.endswith(".json"):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return False
    return head.lstrip()[:1] == b"{" and head[257:262] != b"ustar"


def load_side(arg: str, side: str, source_flag: str | None, opts: ReadOptions) -> Snapshot:
    """Either side of a diff: a baseline JSON file or any image source; errors name the side."""
    return load_side_with_image(arg, side, source_flag, opts)[0]


def load_side_with_image(arg: str, side: str, source_flag: str | None,
                         opts: ReadOptions) -> tuple[Snapshot, Image | None]:
    """:func:`load_side`, also returning the live image (None for a baseline), for analyses
    that need the files themselves (the report's insights section)."""
    if not arg:
        raise LayerscopeError(f"{side}: empty image argument")
    path, _sel = split_archive_arg(arg)
    if "://" not in arg and os.path.isfile(path) and _looks_like_baseline(path):
        return load_baseline(path, side), None
    if "://" not in arg and not os.path.exists(path):
        if path.endswith(".json"):
            return load_baseline(path, side), None  # reports "no such file" as a baseline
        if path.endswith((".tar", ".tar.gz", ".tgz", ".oci")):
            # Clearly meant as an archive: say so, rather than "the docker source is not supported".
            raise LayerscopeError(f"{side}: cannot open image archive {path!r}: no such file")
    try:
        source, image_arg = pick_source(arg, source_flag)
        image = load_image(source, image_arg, opts)
    except LayerscopeError as e:
        raise LayerscopeError(f"{side}: {e}") from None
    return snapshot_image(image), image
