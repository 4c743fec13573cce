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
from ..image import Image
from ..sources import load_image, pick_source
from ..sources.archive import ReadOptions, split_archive_arg
from ..tree.build import build_layer_tree
from ..tree.node import Node, walk_pre
from ..tree.stack import stack_accurate
from .model import LayerSummary, Snapshot, load_baseline


def final_files(image: Image) -> dict[str, int]:
    """``"/path" → size`` for every non-directory in the final (accurate) filesystem."""
    root = Node("")
    for layer in image.layers:
        # Stack from an empty root, so a whiteout in layer 0 deletes nothing and is not kept.
        stack_accurate(root, build_layer_tree(layer.entries, accurate=True))
    files: dict[str, int] = {}
    for names, node in walk_pre(root):
        info = node.info
        if info is None or info.is_dir or node.is_whiteout:
            continue
        files["/" + "/".join(names)] = info.size
    return files


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
    if not arg:
        raise LayerscopeError(f"{side}: empty image argument")
    path, _sel = split_archive_arg(arg)
    if "://" not in arg and os.path.isfile(path) and _looks_like_baseline(path):
        return load_baseline(path, side)
    if "://" not in arg and not os.path.exists(path) and path.endswith(".json"):
        return load_baseline(path, side)  # reports "no such file" as a baseline
    try:
        source, image_arg = pick_source(arg, source_flag)
        image = load_image(source, image_arg, opts)
    except LayerscopeError as e:
        raise LayerscopeError(f"{side}: {e}") from None
    return snapshot_image(image)
