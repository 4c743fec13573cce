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
import sys
import time

from ..analysis.compressed import estimate_layer
from ..analysis.dive_efficiency import dive_efficiency
from ..errors import LayerscopeError
from ..escape import terminal as term
from ..image import Image, Layer
from ..log import log_read, skipped_warnings
from ..sources import open_source
from ..sources.archive import ReadOptions, ReadState, split_archive_arg
from ..tree.build import build_layer_tree, same_in_both_views
from ..tree.cow import layer_ops, stack_accurate, state_of
from ..tree.node import Node
from ..tree.universe import Universe
from .model import LayerSummary, Snapshot, load_baseline
from .packages import package_records


def _same_tree_in_both_views(layer: Layer, dive_tree: Node) -> bool:
    """Whether dive's layer tree equals the accurate one: the same entries, and none that the two
    tree builders read differently (:func:`~layerscope.tree.build.same_in_both_views`)."""
    if layer.dive_empty or layer.dive_all_entries is not None:
        return False
    return same_in_both_views(layer.entries, dive_tree)


def final_files(image: Image, dive_trees: list[Node] | None = None) -> dict[str, int]:
    """``"/path" → size`` for every non-directory in the final (accurate) filesystem.

    The accurate copy-on-write engine (:mod:`layerscope.tree.cow`, the one the explorer's trees
    use) applied to every layer in turn: a layer's whiteouts and opaque dirs first, then its
    entries; a non-directory replacing a directory drops what was under it.  ``dive_trees`` (the
    layer trees :func:`~layerscope.analysis.dive_efficiency.dive_efficiency` built) are reused
    for the layers whose accurate tree is the same, so a snapshot builds each tree once.  Memory
    stays linear in the bytes of names however deep the paths
    (tests/hardening/test_deep_path_memory.py).
    """
    trees = [
        dive_trees[k]
        if dive_trees is not None and _same_tree_in_both_views(layer, dive_trees[k])
        else build_layer_tree(layer.entries, accurate=True)
        for k, layer in enumerate(image.layers)
    ]
    if not trees:
        return {}
    u = Universe(trees)
    st = state_of(u, None, [])
    for tree in trees:
        stack_accurate(u, st, layer_ops(u, tree, with_post=False))  # accurate stacking reads `pre` only
    code = st.code
    return {"/" + e.path: e.size for i, e in enumerate(st.info) if e is not None and code[i] and not e.is_dir}


def snapshot_image(image: Image) -> Snapshot:
    dive_trees: list[Node] = []
    analysis = dive_efficiency(image, lambda _layer, tree: dive_trees.append(tree))
    layers = [
        LayerSummary(
            index=lay.index,
            diff_id=lay.diff_id or lay.digest,
            command=lay.command,
            size=lay.size,
            compressed_size=lay.compressed_size if lay.compressed_size is not None else estimate_layer(lay),
            created=lay.created,
            compressed_estimated=lay.compressed_size is None,  # a legacy save: the estimate explain shows
        )
        for lay in image.layers
    ]
    return Snapshot(
        name=image.name,
        source=image.source,
        layers=layers,
        files=final_files(image, dive_trees),
        efficiency=analysis.efficiency,
        wasted_bytes=analysis.wasted_bytes,
        dive_size=analysis.size_bytes,
        dive_user_size=analysis.user_size_bytes,
        inefficient_files=list(analysis.inefficient_files),
        tags=list(image.tags),
        layout=image.layout,
        platform=image.platform,
        config_digest=image.config_digest,
        packages=package_records(image),
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


def load_side(
    arg: str, side: str, source_flag: str | None, opts: ReadOptions, state: ReadState | None = None
) -> Snapshot:
    """Either side of a diff: a baseline JSON file or any image source; errors name the side."""
    return load_side_with_image(arg, side, source_flag, opts, state)[0]


def load_side_with_image(
    arg: str, side: str, source_flag: str | None, opts: ReadOptions, state: ReadState | None = None
) -> tuple[Snapshot, Image | None]:
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
        src = open_source(arg, source_flag, opts)
        started = time.perf_counter()
        image = src.read(opts, state)
        log_read(image, time.perf_counter() - started)
        for warning in skipped_warnings(image):  # ignore-errors: say which layers were shown empty
            print(f"layerscope: {term(warning)}", file=sys.stderr)
    except LayerscopeError as e:
        raise LayerscopeError(f"{side}: {e}") from None
    return snapshot_image(image), image
