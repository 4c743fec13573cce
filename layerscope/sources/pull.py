"""``registry://HOST/REPO:TAG``: pull an image's blobs and analyze them as they stream in.

Resolution reuses the archive reader's OCI resolver: the fetched manifest and config, and the
parsed layers, are put in an :class:`OuterContents` keyed ``blobs/<algo>/<hex>`` under a
synthesized ``index.json``, so a registry image is analyzed exactly like the same image read
from an ``oci-archive`` (same numbers, same layer entries, compressed sizes from the manifest).

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

from ..archive.decompress import open_decompressed
from ..archive.layer_reader import read_layer
from ..archive.outer import OuterContents, ParsedLayer
from ..archive.resolve import INDEX_TYPES, build_image, host_platform, parse_platform
from ..errors import ArchiveError, LayerscopeError
from ..image import Image
from .archive import READ_SIZE, ReadOptions
from .cache import BlobCache
from .registry import RegistryClient, Reference, Response, parse_reference, read_bounded

QUEUE_CHUNKS = 16  # × 1 MiB read ahead per layer
MAX_CONFIG = 16 << 20
_END = object()


def _blob_key(digest: str) -> str:
    algo, _, hexpart = digest.partition(":")
    return f"blobs/{algo}/{hexpart}"


def _check_digest(digest: Any, what: str) -> str:
    if not isinstance(digest, str) or not digest.startswith(("sha256:", "sha512:")):
        raise ArchiveError(f"{what}: invalid digest {str(digest)[:80]!r}")
    algo, _, hexpart = digest.partition(":")
    if not hexpart or any(c not in "0123456789abcdef" for c in hexpart):
        raise ArchiveError(f"{what}: invalid digest {digest[:80]!r}")
    return digest


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


def _file_chunks(f: Any) -> Iterator[bytes]:
    with f:
        while True:
            c = f.read(READ_SIZE)
            if not c:
                return
            yield c


def _response_chunks(r: Response) -> Iterator[bytes]:
    with r:
        yield from r.iter_content(READ_SIZE)


class RegistryPuller:
    """Fetches and parses one image from one registry."""

    def __init__(self, ref: Reference, opts: ReadOptions, cache: BlobCache | None) -> None:
        self.ref, self.opts, self.cache = ref, opts, cache
        self.client = RegistryClient(ref, insecure=opts.insecure)

    # ------------------------------------------------------------------ documents
    def _manifest(self) -> tuple[bytes, str, str, dict | None]:
        """(manifest body, media type, digest, platform) of the image manifest to analyze."""
        body, mt = self.client.manifest(self.ref.ref)
        digest = self.ref.digest
        if digest and _digest_of(body, digest) != digest:
            raise ArchiveError(f"manifest of {self.ref}: content does not match its digest")
        doc = self._json(body, f"manifest of {self.ref}")
        mt = doc.get("mediaType") or mt
        digest = digest or _digest_of(body, "sha256:")
        if mt in INDEX_TYPES or ("manifests" in doc and "layers" not in doc):
            desc = self._pick_platform(doc)
            child = _check_digest(desc.get("digest"), f"index of {self.ref}")
            body, mt = self.client.manifest(child)
            if self.opts.verify and _digest_of(body, child) != child:
                raise ArchiveError(f"manifest {child}: content does not match its digest")
            doc = self._json(body, f"manifest {child}")
            mt = doc.get("mediaType") or desc.get("mediaType") or mt
            return body, mt, child, desc.get("platform")
        if doc.get("schemaVersion") == 1 or "fsLayers" in doc:
            raise LayerscopeError(f"{self.ref}: schema 1 manifests are not supported (re-push the image)")
        return body, mt, digest, None

    @staticmethod
    def _json(body: bytes, what: str) -> dict:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as e:
            raise ArchiveError(f"{what}: invalid JSON ({e})") from None
        if not isinstance(doc, dict):
            raise ArchiveError(f"{what}: expected a JSON object")
        return doc

    def _pick_platform(self, index: dict) -> dict:
        entries = [d for d in index.get("manifests") or [] if isinstance(d, dict)]
        plats = [(d, d.get("platform") if isinstance(d.get("platform"), dict) else {}) for d in entries]
        plats = [(d, p) for d, p in plats if p.get("os") != "unknown"]  # attestations
        if not plats:
            raise ArchiveError(f"index of {self.ref}: no image manifests")

        def name(p: dict) -> str:
            return "/".join(x for x in (p.get("os", "?"), p.get("architecture", "?"), p.get("variant", "")) if x)

        available = ", ".join(sorted({name(p) for _, p in plats}))
        want = self.opts.platform
        if not want and len(plats) == 1:
            return plats[0][0]
        os_, arch, variant = parse_platform(want or host_platform())
        for d, p in plats:
            if p.get("os") == os_ and p.get("architecture") == arch and (not variant or p.get("variant", "") == variant):
                return d
        if want:
            raise LayerscopeError(f"platform {want} not in the index of {self.ref} (available: {available})")
        raise LayerscopeError(f"{self.ref} has several platforms and none is the host's ({host_platform()}); "
                              f"pick one with --platform (available: {available})")

    def _small_blob(self, digest: str, what: str) -> bytes:
        f = self.cache.open(digest) if self.cache else None
        if f is not None:
            with f:
                data = f.read(MAX_CONFIG + 1)
            if _digest_of(data, digest) == digest:
                return data
            self.cache.drop(digest)  # type: ignore[union-attr]
        data = read_bounded(self.client.blob(digest), MAX_CONFIG, what)
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
    def _layer(self, desc: dict, i: int) -> ParsedLayer:
        digest = _check_digest(desc.get("digest"), f"layer {i} of {self.ref}")
        size = desc.get("size")
        if self.cache is not None:
            f = self.cache.open(digest)
            if f is not None:
                used = (self.opts.limits.used_bytes, self.opts.limits.used_entries)
                try:
                    return self._parse(_file_chunks(f), digest, size, None, i, local=True)
                except ArchiveError:
                    if self._cache_intact(digest):
                        raise  # the blob itself is bad, not our copy of it
                    # a damaged cache entry must not fail the run: drop it, fetch it for real
                    self.cache.drop(digest)
                    self.opts.limits.used_bytes, self.opts.limits.used_entries = used
        writer = self.cache.writer(digest, size if isinstance(size, int) else 0) if self.cache else None
        return self._parse(_response_chunks(self.client.blob(digest)), digest, size, writer, i)

    def _cache_intact(self, digest: str) -> bool:
        f = self.cache.open(digest) if self.cache else None
        if f is None:
            return False
        h = hashlib.new(digest.partition(":")[0])
        for c in _file_chunks(f):
            h.update(c)
        return f"{digest.partition(':')[0]}:{h.hexdigest()}" == digest

    def _parse(self, chunks: Iterator[bytes], digest: str, size: Any, writer: Any, i: int,
               local: bool = False) -> ParsedLayer:
        label = f"layer {_blob_key(digest)}"
        fetch: Any = _Fetch(chunks, digest, writer) if local is False else _Inline(chunks, digest)
        progress = self.opts.progress
        base = progress.bytes_read

        def read() -> bytes:
            c = fetch.read()
            progress.bytes_read = base + fetch.count
            return c

        fetch.start()
        ok = False
        try:
            comp, inner, _counted = open_decompressed(read, self.opts.limits, label)
            entries, tar_size = read_layer(inner, label, self.opts.limits, hash_content=self.opts.hash_content)
            while read():  # padding after the tar's end still counts for the digest
                pass
            fetch.join()
            actual = f"{digest.partition(':')[0]}:{fetch.hasher.hexdigest()}"
            if isinstance(size, int) and fetch.count != size:
                raise ArchiveError(f"{label}: {fetch.count} bytes received, the manifest says {size}")
            if actual != digest and self.opts.verify:
                raise ArchiveError(f"{label}: content digest {actual} does not match")
            ok = actual == digest
        finally:
            if not ok:
                fetch.cancel()
                fetch.join(timeout=5)
            if writer is not None:
                writer.commit() if ok else writer.abort()
        progress.layers_read += 1
        return ParsedLayer(entries, tar_size, comp, size if isinstance(size, int) else fetch.count)

    # ------------------------------------------------------------------ image
    def pull(self, display: str) -> Image:
        body, mt, digest, platform = self._manifest()
        doc = self._json(body, f"manifest {digest}")
        config_desc = doc.get("config")
        layer_descs = doc.get("layers")
        if not isinstance(config_desc, dict) or not isinstance(layer_descs, list):
            raise ArchiveError(f"manifest {digest}: missing config or layers")
        config_digest = _check_digest(config_desc.get("digest"), f"manifest {digest} config")
        sizes = [d.get("size") for d in layer_descs if isinstance(d, dict)]
        self.opts.progress.bytes_total = sum(s for s in sizes if isinstance(s, int)) or None
        contents = OuterContents()
        contents.jsons[_blob_key(digest)] = body
        contents.jsons[_blob_key(config_digest)] = self._small_blob(config_digest, f"config of {self.ref}")
        for i, ld in enumerate(layer_descs):
            if not isinstance(ld, dict):
                raise ArchiveError(f"manifest {digest}: layer {i} descriptor must be an object")
            contents.layers[_blob_key(_check_digest(ld.get("digest"), f"layer {i}"))] = self._layer(ld, i)
        desc: dict[str, Any] = {"mediaType": mt, "digest": digest, "size": len(body),
                                "annotations": {"org.opencontainers.image.ref.name": str(self.ref)}}
        if isinstance(platform, dict):
            desc["platform"] = platform
        contents.jsons["index.json"] = json.dumps({"schemaVersion": 2, "manifests": [desc]}).encode()
        contents.members = set(contents.jsons) | set(contents.layers)
        image = build_image(contents, name=display, source="registry", selector=None,
                            want_platform=None, verify=self.opts.verify)
        image.layout = "registry"
        return image


def load_from_registry(arg: str, opts: ReadOptions, display: str | None = None) -> Image:
    """The ``registry`` source: no daemon, streamed and verified blobs, optional cache."""
    ref = parse_reference(arg)
    puller = RegistryPuller(ref, opts, BlobCache() if opts.cache else None)
    try:
        return puller.pull(display or arg)
    finally:
        puller.client.close()

