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

The header-only read stores its layer records without hashes, so a later ``explain`` / ``diff``
would read those layers again.  With ``record`` the pass therefore reads each layer it opens to
the end through the reader itself (:func:`~layerscope.archive.layer_reader.read_layer` with
``hash_content``, the read's capture spec, the SHA-256 of the uncompressed stream) and stores
the record a hashing read would have stored, under the digest of the bytes it just read
(:func:`record_layer`); :func:`record_layers` then does the same, once the explorer has its
hashes, for the layers the pass did not need.  A record is never written with only the hashes
the explorer needed: it holds every entry's hash or is the header read's (docs/cache.md).

Until the hashes arrive, every overlapping entry that awaits one holds a distinct *negative*
placeholder (:func:`placeholder`), which never equals another entry's hash or a real XXH64, so a
compare says Modified ("may differ") rather than Unmodified; :func:`is_placeholder` lets a reader
that checks content against the hash (the file viewer) ignore it.  Nothing here imports ``ui``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..archive.decompress import Budget, Limits, open_decompressed
from ..archive.layer_reader import PathTally, read_layer, resolve_member_name
from ..archive.tarstream import ChunkStream, iter_headers, read_data
from ..errors import ArchiveError, LayerscopeError
from ..image import TYPE_DIR, TYPE_REG, Entry, Image, Layer
from .content import LayerSource, open_layer_stream

log = logging.getLogger("layerscope.hashes")

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
    *,
    record: bool = False,
) -> dict[int, int]:
    """One pass over the layer's tar: {id(entry): XXH64} of the wanted members, every other
    member skipped.  Stops after the last wanted member; a member that no longer matches the
    analysis (the source changed) is an error.  ``cancelled`` is asked before each member
    (a quit must not wait for a whole layer).  With ``record`` (the read may use the layer
    cache) the whole layer is read and its full record stored instead (:func:`record_layer`)."""
    if record:
        ids = {id(e) for occ in wanted.values() for e in occ.values()}
        return {id(e): h for e, h in record_layer(src, layer, limits, cancelled) if id(e) in ids}
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


# ---------------------------------------------------------------------- full records for the cache
def record_layer(
    src: LayerSource, layer: Layer, limits: Limits | None = None, cancelled: Callable[[], bool] | None = None
) -> list[tuple[Entry, int]]:
    """Read the whole layer again as a hashing read does and store its record in the layer
    cache; returns (entry of ``layer``, its real hash) for every entry, in tar order.

    The record is the scan's own (:meth:`~layerscope.layercache.session.LayerCache.store_layer`):
    the reader's entries with every content hash, what the layer charges to the bounds, the files
    the read's capture spec keeps (the spec is the one ``layer.captured`` was made with; a fresh
    capture budget, so the files depend on the layer alone), stored under ``sha256:`` of the
    uncompressed bytes just read, never under a name taken from the image.  A member that no
    longer matches the analysis is an error, as in :func:`hash_layer`; a layer whose digest
    cannot be known (over a MiB after the tar's end) is hashed but not stored."""
    from ..archive.capture import CaptureBudget
    from ..archive.outer import drain_for_digest
    from ..layercache.hashing import BackgroundSha256
    from ..layercache.session import LayerCache
    from ..layercache.store import LayerStore

    limits = limits or Limits()
    label = f"layer {layer.member}"
    mine = layer.entries if layer.dive_all_entries is None else layer.dive_all_entries
    spec = layer.captured.spec if layer.captured is not None else None
    cache = LayerCache(LayerStore(), hash_content=True, capture=spec)
    captured = cache.layer_capture(CaptureBudget())
    budget, paths = Budget(limits), PathTally()
    sha = BackgroundSha256()
    try:
        with src.open_blob(layer) as raw:
            _kind, inner, _counted = open_decompressed(raw, budget, label)

            def tap() -> bytes:
                if cancelled is not None and cancelled():
                    raise HashingCancelled
                c = inner()
                if c:
                    sha.update(c)
                return c

            first = tap()
            pending = [first] if first else []

            def chunks() -> bytes:
                return pending.pop() if pending else tap()

            entries: list[Entry]
            if not first:
                entries, size = [], 0  # zero-length member: an empty layer (the scan's rule)
            else:
                entries, size = read_layer(chunks, label, budget, hash_content=True, paths=paths, capture=captured)
            whole = drain_for_digest(chunks, budget)
    except ArchiveError as err:
        raise LayerscopeError(f"cannot read {label}: {err}") from None
    if len(entries) != len(mine):
        raise LayerscopeError(f"{label} has other members than when it was analyzed; reload the image")
    for a, b in zip(mine, entries, strict=True):
        if a.path != b.path or a.typeflag != b.typeflag or a.size != b.size or a.linkname != b.linkname:
            raise LayerscopeError(f"/{a.path} changed in the source since it was analyzed; reload the image")
    if whole:
        digest = f"sha256:{sha.hexdigest()}"
        cache.store_layer(digest, entries, size, budget.used_bytes, paths.used, captured, limits, sha.length)
        cache.finish()
    return [(a, b.hash) for a, b in zip(mine, entries, strict=True)]


def _local(src: LayerSource, layer: Layer) -> bool:
    """Whether reading ``layer`` again stays on this machine and costs about the layer: an
    archive file or layout directory, or a registry blob in the blob cache (an engine source
    streams its whole ``image save`` for one layer; an uncached blob is a download)."""
    from .kinds import ArchiveFile, RegistryImage

    if isinstance(src, ArchiveFile):
        return True
    if isinstance(src, RegistryImage) and src.cache and layer.blob_digest:
        from .cache import BlobCache

        f = BlobCache().open(layer.blob_digest)
        if f is not None:
            f.close()
            return True
    return False


def record_layers(
    src: LayerSource, image: Image, limits: Limits | None = None, cancelled: Callable[[], bool] | None = None
) -> int:
    """After the explorer has its hashes: :func:`record_layer` for every layer the layer cache
    does not hold with hashes yet and that can be read again locally (:func:`_local`), so a later
    hashing read (``explain``, ``diff``, ``report``) is served from the cache.  A convenience:
    never raises, stops when ``cancelled``; returns how many layers it stored."""
    from ..layercache.session import LayerCache
    from ..layercache.store import LayerStore

    store = LayerStore()
    if not store.enabled or not LayerCache.usable(limits or Limits()):
        return 0
    done: set[str] = set()
    n = 0
    for layer in image.layers:
        if cancelled is not None and cancelled():
            break
        if layer.skipped or not layer.diff_id or layer.diff_id in done:
            continue
        done.add(layer.diff_id)
        rec = store.load_layer(layer.diff_id, zero_hashes=False)
        if rec is not None and rec.hashes or not _local(src, layer):
            continue
        try:
            record_layer(src, layer, limits, cancelled)
        except HashingCancelled:
            break
        except Exception as e:  # noqa: BLE001 - the cache is a convenience: the run goes on
            log.info("layer %s not recorded: %s", layer.member, e)
            continue
        n += 1
    return n
