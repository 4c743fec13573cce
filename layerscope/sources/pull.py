"""``registry://HOST/REPO:TAG``: pull an image's blobs and analyze them as they stream in.

The fetched manifest is parsed into the typed model of :mod:`layerscope.archive.imagefmt` (the
same checks as the archive reader's, worded for a registry) and handed, as a
:class:`~layerscope.archive.imagefmt.ResolvedImage`, to the archive reader's
:func:`~layerscope.archive.resolve.make_image` with the parsed layers keyed
``blobs/<algo>/<hex>``, so a registry image is analyzed exactly like the same image read from an
``oci-archive`` (same numbers, same layer entries, compressed sizes from the manifest).

Each layer blob is read by a background thread (network or cache file), which hashes it and
tees it into the blob cache, while this thread decompresses and parses the tar: network I/O
and SHA-256 (both release the GIL) overlap with parsing, and nothing but a bounded queue of
chunks is held in memory.  A digest or size mismatch is an error (unless ``--no-verify``),
and a blob is only published to the cache once it verified.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

from ..archive.capture import CaptureBudget, LayerCapture
from ..archive.decompress import open_decompressed
from ..archive.imagefmt import (
    INDEX_TYPES,
    Descriptor,
    Index,
    Manifest,
    Platform,
    ResolvedImage,
    ResolvedLayer,
    Rules,
    Where,
    check_list,
    check_str,
    decode_json,
)
from ..archive.layer_reader import PathTally, read_layer
from ..archive.outer import OuterContents, ParsedLayer, drain_for_digest
from ..archive.resolve import make_image
from ..errors import ArchiveError, LayerscopeError, LimitError
from ..image import Image
from ..layercache.hashing import BackgroundSha256
from .archive import READ_SIZE, ReadOptions, ReadState, layer_cache, state_for
from .cache import BlobCache
from .prefetch import Prefetcher
from .registry import Reference, RegistryClient, Response, parse_reference, read_bounded, server_text

QUEUE_CHUNKS = 16  # × 1 MiB read ahead per layer
MAX_CONFIG = 16 << 20
MAX_LISTED_PLATFORMS = 20  # an index may list thousands; an error line must stay readable
_HEX_LEN = {"sha256": 64, "sha512": 128}
_END = object()


def _blob_key(digest: str) -> str:
    algo, _, hexpart = digest.partition(":")
    return f"blobs/{algo}/{hexpart}"


def _shown(value: Any) -> str:
    """A JSON value from a registry, short and printable, for an error message."""
    return server_text(json.dumps(value) if not isinstance(value, str) else repr(value), 80)


def _check_digest(digest: Any, what: str) -> str:
    if not isinstance(digest, str):
        raise ArchiveError(f"{what}: digest must be a string, not {_shown(digest)}")
    algo, _, hexpart = digest.partition(":")
    if algo not in _HEX_LEN:
        raise ArchiveError(f"{what}: unsupported digest algorithm in {_shown(digest)} (want sha256 or sha512)")
    if len(hexpart) != _HEX_LEN[algo] or any(c not in "0123456789abcdef" for c in hexpart):
        raise ArchiveError(f"{what}: invalid digest {_shown(digest)}")
    return digest


class RegistryWording:
    """``index of REF, manifests[0]: platform.os must be a string, not 7``: the puller's lines
    name the document by the image reference and quote the registry's value sanitized."""

    @staticmethod
    def _what(where: Where) -> str:
        return f"{where.doc}, {where.path}" if where.path else where.doc

    def not_object(self, where: Where, field: str, value: Any) -> str:
        return f"{self._what(where)}: {field or 'descriptor'} must be a JSON object, not {_shown(value)}"

    def not_string(self, where: Where, field: str, value: Any) -> str:
        return f"{self._what(where)}: {field} must be a string, not {_shown(value)}"

    def not_list(self, where: Where, field: str, value: Any) -> str:
        return f"{self._what(where)}: {field} must be a list, not {_shown(value)}"

    def bad_size(self, where: Where, field: str, value: Any) -> str:
        if type(value) is int and value > 0:
            return f"{self._what(where)}: {field} must be at most 2^63-1, not {value}"
        return f"{self._what(where)}: {field} must be a non-negative integer, not {_shown(value)}"

    def not_string_map(self, where: Where, field: str) -> str:
        return f"{self._what(where)}: {field} must be an object of strings"

    def not_string_list(self, where: Where, field: str) -> str:
        return f"{self._what(where)}: {field} must be a list of strings"


# every blob is downloaded bounded by its descriptor's size, so a registry must give one
REGISTRY_RULES = Rules(RegistryWording(), size_required=True)


def _descriptor(value: Any, where: Where) -> Descriptor:
    """An OCI descriptor, every field type-checked and its digest one we can verify."""
    desc = Descriptor.from_json(value, where, REGISTRY_RULES)
    _check_digest(desc.digest, RegistryWording._what(where))
    return desc


def platform_list(names: list[str], limit: int = MAX_LISTED_PLATFORMS) -> str:
    """``a, b, c`` for an error message, at most ``limit`` names, then ``… and N more``."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, … and {len(names) - limit} more"


def _digest_of(data: bytes, digest: str) -> str:
    algo = digest.partition(":")[0]
    return f"{algo}:{hashlib.new(algo, data).hexdigest()}"


class _Fetch(threading.Thread):
    """Reads one blob in the background: hash, tee to the cache, hand chunks over a queue."""

    def __init__(self, chunks: Iterator[bytes], digest: str, writer: Any) -> None:
        super().__init__(daemon=True)
        self._chunks = chunks
        self.hasher = hashlib.new(digest.partition(":")[0])
        self.writer = writer
        self.q: queue.Queue[Any] = queue.Queue(QUEUE_CHUNKS)
        self.stop = threading.Event()
        self.count = 0

    def run(self) -> None:
        try:
            for c in self._chunks:
                if not c:
                    continue
                self.hasher.update(c)
                self.count += len(c)
                if self.writer is not None:
                    self.writer.write(c)
                while not self.stop.is_set():
                    try:
                        self.q.put(c, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self.stop.is_set():
                    return
            self.q.put(_END)
        except BaseException as e:  # noqa: BLE001 - handed to the parsing thread
            self.q.put(e)

    def read(self) -> bytes:
        item = self.q.get()
        if item is _END:
            self.q.put(_END)  # later reads keep seeing the end
            return b""
        if isinstance(item, BaseException):
            self.q.put(item)
            raise item
        return item

    def cancel(self) -> None:
        self.stop.set()
        try:
            while True:
                self.q.get_nowait()
        except queue.Empty:
            pass


class _Inline:
    """The same interface as :class:`_Fetch` without a thread, for a cached blob: a local read
    is fast, and a second thread would only contend for the GIL with the parser."""

    def __init__(self, chunks: Iterator[bytes], digest: str) -> None:
        self._chunks = chunks
        self.hasher = hashlib.new(digest.partition(":")[0])
        self.count = 0

    def start(self) -> None:
        pass

    def read(self) -> bytes:
        for c in self._chunks:
            if c:
                self.hasher.update(c)
                self.count += len(c)
                return c
        return b""

    def join(self, timeout: float | None = None) -> None:
        pass

    def cancel(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


def _hashing(read: Any, hasher: Any) -> Any:
    def hashed() -> bytes:
        c = read()
        if c:
            hasher.update(c)
        return c

    return hashed


def _file_chunks(f: Any) -> Iterator[bytes]:
    with f:
        while True:
            c = f.read(READ_SIZE)
            if not c:
                return
            yield c


def _response_chunks(r: Response, digest: str, size: int) -> Iterator[bytes]:
    """A blob's chunks, never more than its descriptor's size + 1 bytes read: an endless body
    is refused before it reaches the cache (or memory) rather than after."""
    with r:
        yield from r.iter_content(READ_SIZE, size, f"blob {digest} is larger than its descriptor's {size} bytes")


class RegistryPuller:
    """Fetches and parses one image from one registry."""

    def __init__(
        self, ref: Reference, opts: ReadOptions, cache: BlobCache | None, state: ReadState | None = None
    ) -> None:
        self.ref, self.opts, self.cache = ref, opts, cache
        self.state = state_for(opts, state)
        self._paths = PathTally()  # names and link targets of the whole pull, not per layer
        self._kept = CaptureBudget()  # captured content of the whole pull
        self.client = RegistryClient(ref, insecure=opts.insecure)
        lc = layer_cache(opts)
        self.layers = lc if lc is not None and lc.usable(self.state.budget.limits) else None

    # ------------------------------------------------------------------ documents
    def _manifest(self) -> tuple[dict[str, Any], str, Platform | None]:
        """(image manifest document, its digest, the platform its index entry names) of the
        image to analyze: the reference's manifest, or the right platform's of its index."""
        body, mt = self.client.manifest(self.ref.ref)
        digest = self.ref.digest
        if digest and _digest_of(body, digest) != digest:
            raise ArchiveError(f"manifest of {self.ref}: content does not match its digest")
        doc = self._json(body, f"manifest of {self.ref}")
        mt = check_str(doc, "mediaType", Where(f"manifest of {self.ref}"), REGISTRY_RULES) or mt
        digest = digest or _digest_of(body, "sha256:")
        if mt in INDEX_TYPES or ("manifests" in doc and "layers" not in doc):
            entry = self._pick_platform(doc)
            child = entry.digest
            body, _ = self.client.manifest(child)  # the child's own mediaType decides, not the header
            if self.opts.verify and _digest_of(body, child) != child:
                raise ArchiveError(f"manifest {child}: content does not match its digest")
            doc = self._json(body, f"manifest {child}")
            check_str(doc, "mediaType", Where(f"manifest {child}"), REGISTRY_RULES)
            return doc, child, entry.platform
        if doc.get("schemaVersion") == 1 or "fsLayers" in doc:
            raise LayerscopeError(f"{self.ref}: schema 1 manifests are not supported (re-push the image)")
        return doc, digest, None

    @staticmethod
    def _json(body: bytes, what: str) -> dict[str, Any]:
        doc = decode_json(body, what)
        if not isinstance(doc, dict):
            raise ArchiveError(f"{what}: expected a JSON object")
        return doc

    def _index_entries(self, index: dict[str, Any]) -> tuple[Descriptor, ...]:
        """Every image of an index, every field type-checked."""
        where = Where(f"index of {self.ref}")
        entries = Index.from_json(index, where, REGISTRY_RULES).manifests
        for i, entry in enumerate(entries):
            _check_digest(entry.digest, RegistryWording._what(where.at(f"manifests[{i}]")))
        return entries

    def _pick_platform(self, index: dict[str, Any]) -> Descriptor:
        """The index entry of ``--platform``, else of the host, else the only one."""

        def platform(d: Descriptor) -> Platform:
            return d.platform or Platform()

        images = [d for d in self._index_entries(index) if not platform(d).is_attestation]
        if not images:
            raise ArchiveError(f"index of {self.ref}: no image manifests")
        available = platform_list(sorted({server_text(str(platform(d)), 60) for d in images}))
        want = self.opts.platform
        if not want and len(images) == 1:
            return images[0]
        wanted = Platform.parse(want) if want else Platform.host()
        for d in images:
            if platform(d).matches(wanted):
                return d
        if want:
            raise LayerscopeError(f"platform {want} not in the index of {self.ref} (available: {available})")
        raise LayerscopeError(
            f"{self.ref} has several platforms and none is the host's ({Platform.host()}); "
            f"pick one with --platform (available: {available})"
        )

    def _image_manifest(self, doc: dict[str, Any], digest: str) -> Manifest:
        """The manifest's config and layers, config first (a registry image is useless
        without its config, so its problems are the ones to name)."""
        where = Where(f"manifest {digest} of {self.ref}")
        layers = check_list(doc, "layers", where, REGISTRY_RULES)
        config = _descriptor(doc.get("config"), where.at("config"))
        return Manifest(
            config,
            tuple(_descriptor(d, where.at(f"layers[{i}]")) for i, d in enumerate(layers)),
            doc.get("mediaType") or "",
        )

    def _config(self, desc: Descriptor, platform: Platform | None) -> tuple[Any, Platform]:
        """The image config JSON and the image's platform (the index entry's, else the
        config's own); an attestation manifest pulled by digest is no image."""
        key = _blob_key(desc.digest)
        assert desc.size is not None  # REGISTRY_RULES require it
        config = decode_json(self._small_blob(desc.digest, desc.size, f"config of {self.ref}"), f"image config {key}")
        if platform is None:
            if not isinstance(config, dict):
                raise ArchiveError(f"image config {key}: expected an object")
            platform = Platform.of_config(config)
        if platform.is_attestation:
            raise ArchiveError(f"{self.ref}: no image manifests found (platform unknown: an attestation manifest)")
        return config, platform

    def _small_blob(self, digest: str, size: int, what: str) -> bytes:
        if size > MAX_CONFIG:
            raise ArchiveError(f"{what}: {size} bytes declared, more than a config may be ({MAX_CONFIG >> 20} MiB)")
        f = self.cache.open(digest, size) if self.cache else None
        if f is not None:
            with f:
                data = f.read(size + 1)
            if _digest_of(data, digest) == digest:
                return data
            self.cache.drop(digest)  # type: ignore[union-attr]
        data = read_bounded(self.client.blob(digest, size), size, what)
        if _digest_of(data, digest) != digest:
            if self.opts.verify:
                raise ArchiveError(f"{what}: content does not match digest {digest}")
            return data
        if self.cache:
            w = self.cache.writer(digest, len(data))
            if w is not None:
                w.write(data)
                w.commit()
        return data

    # ------------------------------------------------------------------ layers
    def _layer(self, desc: Descriptor, i: int) -> ParsedLayer:
        digest, size = desc.digest, desc.size
        assert size is not None  # REGISTRY_RULES require it
        if self.cache is not None:
            f = self.cache.open(digest, size)
            if f is not None:
                used, names = self.state.budget.mark(), self._paths.used
                try:
                    return self._parse(_file_chunks(f), digest, size, None, i, local=True)
                except ArchiveError:
                    if self._cache_intact(digest):
                        raise  # the blob itself is bad, not our copy of it
                    # a damaged cache entry must not fail the run: drop it, fetch it for real
                    self.cache.drop(digest)
                    self.state.budget.rewind(used)
                    self._paths.used = names
        writer = self.cache.writer(digest, size) if self.cache else None
        return self._parse(_response_chunks(self.client.blob(digest, size), digest, size), digest, size, writer, i)

    def _cache_intact(self, digest: str) -> bool:
        f = self.cache.open(digest) if self.cache else None
        if f is None:
            return False
        h = hashlib.new(digest.partition(":")[0])
        for c in _file_chunks(f):
            h.update(c)
        return f"{digest.partition(':')[0]}:{h.hexdigest()}" == digest

    def _parse(
        self, chunks: Iterator[bytes], digest: str, size: Any, writer: Any, i: int, local: bool = False
    ) -> ParsedLayer:
        label = f"layer {_blob_key(digest)}"
        fetch: Any = _Fetch(chunks, digest, writer) if local is False else _Inline(chunks, digest)
        progress = self.state.progress
        base = progress.bytes_read

        def read() -> bytes:
            c = fetch.read()
            progress.bytes_read = base + fetch.count
            return c

        fetch.start()
        ok = False
        lc = self.layers
        captured = None
        try:
            comp, inner, _counted = open_decompressed(read, self.state.budget, label)
            if self.opts.capture is not None:
                captured = LayerCapture(self.opts.capture, self._kept) if lc is None else lc.layer_capture(self._kept)
            used, names = self.state.budget.used_bytes, self._paths.used
            diff_hasher = BackgroundSha256() if lc is not None and comp != "none" else None
            entries, tar_size = read_layer(
                inner if diff_hasher is None else _hashing(inner, diff_hasher),
                label,
                self.state.budget,
                hash_content=self.opts.hash_content,
                paths=self._paths,
                capture=captured,
            )
            used, names = self.state.budget.used_bytes - used, self._paths.used - names
            if diff_hasher is not None and not drain_for_digest(_hashing(inner, diff_hasher), self.state.budget):
                diff_hasher = None
            while read():  # padding after the tar's end still counts for the digest
                pass
            fetch.join()
            actual = f"{digest.partition(':')[0]}:{fetch.hasher.hexdigest()}"
            if isinstance(size, int) and fetch.count != size:
                raise ArchiveError(f"{label}: {fetch.count} bytes received, the manifest says {size}")
            if actual != digest and self.opts.verify:
                raise ArchiveError(f"{label}: content digest {actual} does not match")
            ok = actual == digest
            if ok and lc is not None:
                diff_id, stream_len = (digest, fetch.count) if comp == "none" else ("", 0)
                if diff_hasher is not None:
                    diff_id, stream_len = f"sha256:{diff_hasher.hexdigest()}", diff_hasher.length
                if diff_id.startswith("sha256:"):
                    limits = self.state.budget.limits
                    lc.store_layer(diff_id, entries, tar_size, used, names, captured, limits, stream_len)
                    lc.store_blob(digest, diff_id, comp, fetch.count)
        finally:
            if lc is not None:
                lc.settle(captured, self._kept)
            if not ok:
                fetch.cancel()
                fetch.join(timeout=5)
            if writer is not None:
                writer.commit() if ok else writer.abort()
        progress.layers_read += 1
        return ParsedLayer(entries, tar_size, comp, size if isinstance(size, int) else fetch.count, captured)

    def _from_layer_cache(self, desc: Descriptor) -> ParsedLayer | None:
        """A layer whose blob was read before: no download, bound by its digest."""
        lc = self.layers
        known = lc.blob(desc.digest) if lc is not None else None
        if lc is None or known is None or known.size != desc.size:
            return None
        hit = lc.serve(known.diff_id, self.state.budget, self._paths, self._kept)
        if hit is None:
            return None
        progress = self.state.progress
        progress.bytes_read += desc.size or 0
        progress.layers_read += 1
        return ParsedLayer(hit.entries, hit.size, known.compression, desc.size or 0, hit.captured)

    def _layers(self, descs: tuple[Descriptor, ...]) -> OuterContents:
        """Every layer, in order: from the layer cache, else fetched (a few ahead at once into
        the blob cache, see :mod:`.prefetch`) and parsed."""
        contents = OuterContents(ignore_errors=self.state.budget.ignore_errors)
        lc = self.layers
        ahead = Prefetcher(self.client, self.cache)
        todo = [i for i, d in enumerate(descs) if lc is None or not lc.likely_cached(d.digest)]
        try:
            for i, ld in enumerate(descs):
                ahead.schedule([descs[j] for j in todo if j > i])
                parsed = self._from_layer_cache(ld)
                try:
                    if parsed is None:
                        ahead.wait(ld.digest)  # downloaded ahead (verified, into the blob cache), or not
                        parsed = self._layer(ld, i)
                    contents.layers[_blob_key(ld.digest)] = parsed
                except ArchiveError as e:
                    if isinstance(e, LimitError) or not contents.ignore_errors:
                        raise  # a bound is never skipped; without ignore-errors a bad layer stops the run
                    contents.failures[_blob_key(ld.digest)] = str(e)  # make_image shows it empty, and why
        finally:
            ahead.close()  # on an error or Ctrl+C too: downloads stopped, partial blobs removed
        if lc is not None:
            lc.finish()
        return contents

    # ------------------------------------------------------------------ image
    def pull(self, display: str) -> Image:
        """Resolve the manifest, fetch config and layers, and make the image from them."""
        doc, digest, platform = self._manifest()
        manifest = self._image_manifest(doc, digest)
        self.state.progress.bytes_total = sum(d.size or 0 for d in manifest.layers) or None
        config, platform = self._config(manifest.config, platform)
        mark = self.state.budget.mark()
        try:
            contents = self._layers(manifest.layers)
        except ArchiveError:
            if self.layers is None or not self.layers.served:
                raise
            # the cache served part of a read that failed: read every layer, so the error is the usual one
            self.layers = None
            self.state.budget.rewind(mark)
            self._paths, self._kept = PathTally(), CaptureBudget()
            self.state.progress.bytes_read = self.state.progress.layers_read = 0
            contents = self._layers(manifest.layers)
        resolved = ResolvedImage(
            config=config,
            layers=[ResolvedLayer(_blob_key(d.digest), d) for d in manifest.layers],
            layout="registry",
            tags=[str(self.ref)],
            platform=platform,
            config_digest=_blob_key(manifest.config.digest),
        )
        return make_image(contents, resolved, name=display, source="registry", verify=self.opts.verify)


def load_from_registry(
    arg: str, opts: ReadOptions, display: str | None = None, state: ReadState | None = None
) -> Image:
    """The ``registry`` source: no daemon, streamed and verified blobs, optional cache."""
    ref = parse_reference(arg)
    puller = RegistryPuller(ref, opts, BlobCache() if opts.cache else None, state)
    try:
        return puller.pull(display or arg)
    finally:
        puller.client.close()
