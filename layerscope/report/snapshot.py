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

from ..analysis.dive_efficiency import dive_efficiency
from ..analysis.pathids import ROOT, PathIds
from ..errors import LayerscopeError
from ..escape import terminal as term
from ..image import OPAQUE_MARKER, OPAQUE_PREFIX, WHITEOUT_PREFIX, Entry, Image
from ..log import log_read, skipped_warnings
from ..sources import open_source
from ..sources.archive import ReadOptions, ReadState, split_archive_arg
from .model import LayerSummary, Snapshot, load_baseline


def _under(up: list[int], node: int, marked: set[int], memo: dict[int, bool]) -> bool:
    """Whether a strict ancestor of ``node`` (the root excluded) is in ``marked``.  ``memo``
    (one per deleting layer) remembers each directory's answer, so a layer costs one visit per
    directory however deep its paths are."""
    seen: list[int] = []
    a = up[node]
    found = False
    while a != ROOT:
        known = memo.get(a)
        if known is not None:
            found = known
            break
        if a in marked:
            found = True
            break
        seen.append(a)
        a = up[a]
    for a in seen:
        memo[a] = found
    return found


def _node_ids(ids: PathIds, paths: set[str]) -> set[int]:
    """The ids of those ``paths`` that were ever interned (the others name nothing)."""
    out = set()
    for p in paths:
        node = ids.get(p) if p else None
        if node is not None:
            out.add(node)
    return out


def final_files(image: Image) -> dict[str, int]:
    """``"/path" → size`` for every non-directory in the final (accurate) filesystem.

    The same result as stacking the accurate layer trees (``tree.stack.stack_accurate``: a
    layer's whiteouts and opaque dirs first, then its entries; a non-directory replacing a
    directory drops what was under it), computed on a flat ``path → entry`` map because that
    is several times cheaper than building trees: the comparison must cost little next to
    reading the archives.  tests/report/test_snapshot.py holds it to the tree semantics.

    Paths are keyed by interned ids (:mod:`~layerscope.analysis.pathids`) and ancestors walked
    as ids: as strings, "every path that has something under it" holds each ancestor of each
    entry, O(d·L) bytes for a path d directories deep and L bytes long
    (tests/hardening/test_deep_path_memory.py).
    """
    ids = PathIds()
    up = ids.parent
    entries: dict[int, Entry] = {}
    parents: set[int] = set()  # every path that has (or had) something under it
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
                    gone.add(f"{d}/{b[len(WHITEOUT_PREFIX) :]}" if d else b[len(WHITEOUT_PREFIX) :])
            elif e.path:
                adds.append(e)
        if gone or opaque:
            everything = "" in opaque
            gone_ids = _node_ids(ids, gone)
            hiding = gone_ids | _node_ids(ids, opaque)
            memo: dict[int, bool] = {}
            for node in [n for n in entries if everything or n in gone_ids or _under(up, n, hiding, memo)]:
                del entries[node]
        for e in adds:
            path = e.path
            node = ids.add(path)
            if not e.is_dir and node in parents:
                prev = entries.get(node)
                if prev is None or prev.is_dir:  # a file replaces a directory and its contents
                    prefix = path + "/"
                    for n in [n for n, x in entries.items() if x.path.startswith(prefix)]:
                        del entries[n]
            entries[node] = e
            parent = up[node]
            while parent != ROOT and parent not in parents:  # its ancestors are then in too
                parents.add(parent)
                parent = up[parent]
    return {"/" + e.path: e.size for e in entries.values() if not e.is_dir}


def snapshot_image(image: Image) -> Snapshot:
    analysis = dive_efficiency(image)
    layers = [
        LayerSummary(
            index=lay.index,
            diff_id=lay.diff_id or lay.digest,
            command=lay.command,
            size=lay.size,
            compressed_size=lay.compressed_size,
            created=lay.created,
        )
        for lay in image.layers
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
