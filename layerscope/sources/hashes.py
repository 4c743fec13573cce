"""Content hashes after the first frame: only the ones something reads, one layer at a time.

A content hash (XXH64, :attr:`~layerscope.image.Entry.hash`) is read in two places: the diff
marks, which compare two entries of the *same path* in different layers (``tree.cow.compare``),
and the Insights view, which tells a copy-up from an overwrite (same path again) and looks for
duplicates by ``(hash, size)`` (``analysis.insights``).  So the explorer reads headers only
(``hash_content=False``: an uncompressed archive is then mostly seeked over), shows its first
frame, and hashes afterwards only:

* the non-directory entries whose path is present in more than one layer (the marks, copy-ups);
* the regular files whose size another regular file shares (the only possible duplicates).

Entries without content (links, devices, empty files) get the empty hash the reader gives them,
without any I/O.  The rest are hashed by streaming each layer that holds some once more through
:func:`~layerscope.sources.content.open_layer_stream` (the file viewer's reader, bounded by the
read's limits), hashing the wanted members and skipping the others, one layer at a time.  A
record of the layer cache that holds hashes (an earlier hashed read) serves its layer instead.

Until the hashes arrive, every overlapping entry that awaits one holds a distinct *negative*
placeholder (:func:`placeholder`), which never equals another entry's hash or a real XXH64, so a
compare says Modified ("may differ") rather than Unmodified; :func:`is_placeholder` lets a reader
that checks content against the hash (the file viewer) ignore it.  Nothing here imports ``ui``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..archive.decompress import Limits
from ..archive.layer_reader import resolve_member_name
from ..archive.tarstream import ChunkStream, iter_headers, read_data
from ..errors import ArchiveError, LayerscopeError
from ..image import TYPE_DIR, TYPE_REG, Entry, Image, Layer
from .content import LayerSource, open_layer_stream

_NO_CONTENT = frozenset(b"123456")  # link, symlink, char, block, dir, fifo: no data (tarstream's rule)


def _empty_hash() -> int:
    from xxhash import xxh64_intdigest

    return xxh64_intdigest(b"")


EMPTY_HASH = _empty_hash()  # what the reader records for a member without content


def is_placeholder(h: int) -> bool:
    """Whether ``h`` is a placeholder of a hash still to come (never a real XXH64)."""
    return h < 0


@dataclass(slots=True)
class HashPlan:
    """The hashes still to compute: per layer index, path → the occurrences (the n-th member of
    that path in the layer's tar) wanted, each with its entry."""

    layers: dict[int, dict[str, dict[int, Entry]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.layers

    def count(self) -> int:
        return sum(len(o) for per_path in self.layers.values() for o in per_path.values())


def _has_content(e: Entry) -> bool:
    return e.typeflag not in _NO_CONTENT and e.size > 0


def plan_hashes(image: Image) -> HashPlan:
    """Which entries still need their content hashed (hash 0), see the module docstring.
    Cheap: one pass over the entries, no I/O."""
    layer_count: Counter[str] = Counter()
    sizes: Counter[int] = Counter()
    for layer in image.layers:
        seen: set[str] = set()
        for e in layer.entries:
            if e.typeflag == TYPE_DIR:
                continue
            if e.path not in seen:
                seen.add(e.path)
                layer_count[e.path] += 1
            if e.typeflag == TYPE_REG and e.size > 0:
                sizes[e.size] += 1
    plan = HashPlan()
    for layer in image.layers:
        occurrences: Counter[str] = Counter()
        for e in layer.entries:
            n = occurrences[e.path]
            occurrences[e.path] += 1
            if e.hash or e.typeflag == TYPE_DIR or not _has_content(e):
                continue
            overlap = layer_count[e.path] > 1
            if overlap or (e.typeflag == TYPE_REG and sizes[e.size] > 1):
                plan.layers.setdefault(layer.index, {}).setdefault(e.path, {})[n] = e
    return plan


def prepare(image: Image, plan: HashPlan) -> int:
    """Before the first frame: give content-less entries the reader's empty hash (exact, no
    I/O) and every overlapping entry of ``plan`` a distinct placeholder; returns how many
    placeholders were set."""
    layer_count: Counter[str] = Counter()
    for layer in image.layers:
        for path in {e.path for e in layer.entries if e.typeflag != TYPE_DIR}:
            layer_count[path] += 1
    for layer in image.layers:
        for e in layer.entries:
            if not e.hash and e.typeflag != TYPE_DIR and not _has_content(e):
                e.hash = EMPTY_HASH
    k = 0
    for per_path in plan.layers.values():
        for path, occ in per_path.items():
            if layer_count[path] > 1:
                for e in occ.values():
                    k += 1
                    e.hash = -k
    return k


def cached_entries(diff_id: str) -> list[Entry] | None:
    """The entries of the layer cache's record of ``diff_id`` when it holds real hashes."""
    from ..layercache.store import LayerStore

    rec = LayerStore().load_layer(diff_id, zero_hashes=False)
    return rec.entries if rec is not None and rec.hashes else None


def from_cache(
    image: Image, plan: HashPlan, load: Callable[[str], list[Entry] | None]
) -> list[tuple[dict[str, dict[int, Entry]], dict[int, int]]]:
    """Hashes that the layer cache already holds: ``load(diff_id)`` gives a record's entries
    when it has real hashes (else None).  Returns (the layer's part of the plan, {id(entry):
    hash}) for each layer it fully serves, for :func:`apply`; those leave ``plan``."""
    served: list[tuple[dict[str, dict[int, Entry]], dict[int, int]]] = []
    for index in list(plan.layers):
        layer = image.layers[index]
        entries = load(layer.diff_id) if layer.diff_id else None
        if entries is None or len(entries) != len(layer.entries):
            continue
        got: dict[int, int] = {}
        ok = True
        for mine, cached in zip(layer.entries, entries, strict=True):
            if mine.path != cached.path or mine.size != cached.size or mine.typeflag != cached.typeflag:
                ok = False
                break
            got[id(mine)] = cached.hash
        wanted = [e for occ in plan.layers[index].values() for e in occ.values()]
        if ok and all(got.get(id(e)) for e in wanted):
            served.append((plan.layers.pop(index), {id(e): got[id(e)] for e in wanted}))
    return served


class HashingCancelled(Exception):
    """The caller's ``cancelled`` said stop (the explorer is quitting)."""


def hash_layer(
    src: LayerSource,
    layer: Layer,
    wanted: dict[str, dict[int, Entry]],
    limits: Limits | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> dict[int, int]:
    """One pass over the layer's tar: {id(entry): XXH64} of the wanted members, every other
    member skipped.  Stops after the last wanted member; a member that no longer matches the
    analysis (the source changed) is an error.  ``cancelled`` is asked before each member
    (a quit must not wait for a whole layer)."""
    label = f"layer {layer.member}"
    left = sum(len(o) for o in wanted.values())
    out: dict[int, int] = {}
    seen: Counter[str] = Counter()
    with open_layer_stream(src, layer, limits) as inner:
        stream = ChunkStream(inner, label)
        try:
            for h in iter_headers(stream):
                if cancelled is not None and cancelled():
                    raise HashingCancelled
                path = resolve_member_name(h.name, label)[0]
                occ = wanted.get(path)
                e = None
                if occ is not None:
                    e = occ.get(seen[path])
                seen[path] += 1
                if e is None:
                    read_data(stream, h, None)
                    continue
                if e.typeflag != h.typeflag or e.size != h.size:
                    raise LayerscopeError(f"/{path} changed in the source since it was analyzed; reload the image")
                digest, got = stream.digest_xxh64(h.data_size)
                if got < h.data_size:
                    raise ArchiveError(f"{label}: truncated data for member {h.name!r}")
                pad = (-h.data_size) % 512
                if pad and stream.feed(pad, None) < pad:
                    raise ArchiveError(f"{label}: truncated tar padding after {h.name!r}")
                out[id(e)] = digest
                left -= 1
                if not left:
                    break
        except ArchiveError as err:
            raise LayerscopeError(f"cannot read {label}: {err}") from None
    if left:
        raise LayerscopeError(f"{label} has fewer members than when it was analyzed; reload the image")
    return out


def apply(plan_layer: dict[str, dict[int, Entry]], hashes: dict[int, int]) -> None:
    """Set the computed hashes on the entries of one layer's part of the plan."""
    for occ in plan_layer.values():
        for e in occ.values():
            h = hashes.get(id(e))
            if h is not None:
                e.hash = h
