"""From what the outer pass found to an :class:`~layerscope.image.Image`.

Four layouts, told apart by content, not by the ``--source`` flag:

* ``docker save`` (legacy): ``manifest.json`` → ``<id>/layer.tar`` names;
* Docker ≥ 25 / containerd store: OCI layout *and* a ``manifest.json`` naming ``blobs/…``;
* OCI image layout (skopeo, buildah, podman ``oci-archive``): ``index.json`` → (nested index)
  → manifest → config and layers by digest, with platform selection;
* skopeo's ``dir:`` layout (``podman save --format docker-dir``): ``manifest.json`` is one image
  manifest *object* (Docker v2 schema 2 or OCI) naming blobs stored as bare ``<hex>`` files.

When ``manifest.json`` exists it is used, exactly as dive does, so dive-compatible numbers are
the same; otherwise the OCI index is followed deterministically (dive picks at random there).

:func:`build_image` is three steps, each usable alone: :func:`select` (the layout's documents
→ a :class:`~.imagefmt.ResolvedImage`), :func:`pair_history` (the config's history entries
→ one per layer) and :func:`make_layers`.  The registry puller builds its
:class:`~.imagefmt.ResolvedImage` itself and joins at :func:`make_image`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ArchiveError
from ..image import Image, Layer
from .imagefmt import (
    ARCHIVE_RULES,
    INDEX_TYPES,
    MANIFEST_TYPES,
    Descriptor,
    Index,
    Manifest,
    Platform,
    ResolvedImage,
    ResolvedLayer,
    Where,
    check_list,
    check_str,
    decode_json,
    is_index_doc,
    shown,
)
from .outer import OuterContents, ParsedLayer

__all__ = [
    "INDEX_TYPES",
    "MANIFEST_TYPES",
    "build_image",
    "layer_ids_by_member",
    "make_image",
    "pair_history",
    "select",
]

MAX_DEPTH = 8  # nested indexes deeper than this are refused (a loop or an attack)
# eStargz layers carry a TOC and landmark files at the root; snapshotters hide them, so the
# accurate view does too (dive shows them, so the dive-compatible view keeps them).
ESTARGZ_META = frozenset({"stargz.index.json", ".prefetch.landmark", ".no.prefetch.landmark"})
ESTARGZ_ANNOTATION = "containerd.io/snapshot/stargz/toc.digest"
MAX_LISTED = 20  # an error names at most this many platforms or tags, then "… and N more"
MAX_SYMLINK_HOPS = 16


def _load_json(contents: OuterContents, name: str, what: str) -> Any:
    if name in contents.failures and name not in contents.jsons:
        raise ArchiveError(f"{what} {name}: {contents.failures[name]}")
    data = contents.jsons.get(name)
    if data is None:
        raise ArchiveError(f"could not find {what} {name!r} in the archive")
    if name in contents.digest_mismatch:
        raise ArchiveError(f"{what} {name}: content digest {contents.digest_mismatch[name]} does not match its name")
    return decode_json(data, f"{what} {name}")


def _blob_name(digest: Any, what: str) -> str:
    if not isinstance(digest, str) or ":" not in digest:
        raise ArchiveError(f"{what}: invalid digest {str(digest)[:80]!r}")
    algo, _, hexpart = digest.partition(":")
    if not algo.isalnum() or not hexpart.isalnum():
        raise ArchiveError(f"{what}: invalid digest {digest[:80]!r}")
    return f"blobs/{algo}/{hexpart}"


def _listed(items: list[str]) -> str:
    """``a, b, c`` for an error line, at most :data:`MAX_LISTED` of them: an index of 10,000
    platforms must not become a 159 KB line."""
    if len(items) <= MAX_LISTED:
        return ", ".join(items)
    return f"{', '.join(items[:MAX_LISTED])} … and {len(items) - MAX_LISTED} more"


def _str_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ArchiveError(f"{what} must be a list of strings")
    return value


def _clean(name: str) -> str:
    from .tarstream import go_clean

    return go_clean(name)


def _tag_matches(tags: list[str], selector: str) -> bool:
    candidates = {selector}
    if ":" not in selector.rsplit("/", 1)[-1]:
        candidates.add(selector + ":latest")
    for t in tags:
        if t in candidates:
            return True
        short = t.removeprefix("docker.io/").removeprefix("library/")
        if short in candidates or f"docker.io/library/{selector}" == t:
            return True
    return False


# --------------------------------------------------------------------------- select


def select(contents: OuterContents, selector: str | None, want_platform: str | None) -> ResolvedImage:
    """The image of ``contents`` to analyze, from whichever layout the archive holds."""
    if is_dir_layout(contents):
        return _from_dir_manifest(contents)
    if "manifest.json" in contents.jsons or "manifest.json" in contents.failures:
        return _from_docker_manifest(contents, selector)
    if "index.json" in contents.jsons or "index.json" in contents.failures:
        return _from_oci_index(contents, selector, want_platform)
    if not contents.members:
        raise ArchiveError("archive is empty")
    raise ArchiveError("could not find image manifest (no manifest.json or index.json in the archive)")


# --------------------------------------------------------------------------- manifest.json


def _from_docker_manifest(contents: OuterContents, selector: str | None) -> ResolvedImage:
    """docker save's ``manifest.json``: a list of images naming config and layers by path."""
    manifest = _load_json(contents, "manifest.json", "manifest")
    if not isinstance(manifest, list) or not manifest:
        raise ArchiveError("manifest.json: expected a non-empty list of images")
    if not all(isinstance(m, dict) for m in manifest):
        raise ArchiveError("manifest.json: every element must be an object")
    notes: list[str] = []
    chosen = manifest[0]
    if selector:
        matches = [
            m for m in manifest if _tag_matches(_str_list(m.get("RepoTags"), "manifest.json RepoTags"), selector)
        ]
        if not matches:
            tags = [t for m in manifest for t in (m.get("RepoTags") or [])]
            raise ArchiveError(f"image {selector!r} not in the archive (it has: {_listed(tags) or 'no tags'})")
        chosen = matches[0]
    elif len(manifest) > 1:
        tags = _str_list(chosen.get("RepoTags"), "manifest.json RepoTags")
        notes.append(
            f"archive holds {len(manifest)} images; analyzing the first "
            f"({tags[0] if tags else 'untagged'}); pick another with --image or ARCHIVE:NAME:TAG"
        )
    config_name = chosen.get("Config")
    if not isinstance(config_name, str):
        raise ArchiveError("manifest.json: Config must be a string")
    layers = [_clean(n) for n in _str_list(chosen.get("Layers"), "manifest.json Layers")]
    tags = _str_list(chosen.get("RepoTags"), "manifest.json RepoTags")
    config = _load_json(contents, _clean(config_name), "image config")
    layout = "docker-oci" if any(n.startswith("blobs/") for n in layers) else "docker-save"
    return ResolvedImage(
        config=config, layers=[ResolvedLayer(n) for n in layers], layout=layout, tags=tags, notes=notes
    )


# --------------------------------------------------------------------------- OCI index


@dataclass(frozen=True)
class _Candidate:
    """One image manifest an OCI layout's index (and nested indexes) leads to."""

    entry: Descriptor  # the index entry that names the manifest
    manifest: Manifest
    name: str  # the manifest's blob member
    config_name: str
    config: Any  # loaded early only when the entry has no platform (the config names it)
    platform: Platform

    @property
    def ref(self) -> str:
        return self.entry.ref_name


def _collect_manifests(
    contents: OuterContents, doc: Any, where: str, depth: int, out: list[tuple[Descriptor, Any, str]]
) -> None:
    """Every (index entry, manifest document, blob name) below the index ``doc``."""
    if depth > MAX_DEPTH:
        raise ArchiveError(f"{where}: image indexes nested more than {MAX_DEPTH} levels")
    if not isinstance(doc, dict) or "manifests" not in doc:
        raise ArchiveError(f"{where}: not an image index (no manifests list)")
    for i, entry in enumerate(Index.from_json(doc, Where(where)).manifests):
        name = _blob_name(entry.digest, f"{where}: manifests[{i}]")
        if entry.media_type in INDEX_TYPES:
            _collect_manifests(contents, _load_json(contents, name, "image index"), name, depth + 1, out)
            continue
        child = _load_json(contents, name, "image manifest")
        if is_index_doc(child):
            _collect_manifests(contents, child, name, depth + 1, out)
            continue
        out.append((entry, child, name))


def _candidate(contents: OuterContents, entry: Descriptor, doc: Any, name: str) -> _Candidate:
    manifest = Manifest.from_json(doc, Where(f"image manifest {name}"))
    config_name = _blob_name(manifest.config.digest, f"image manifest {name}: config")
    config = None
    platform = entry.platform
    if platform is None:
        config = _load_json(contents, config_name, "image config")
        if not isinstance(config, dict):
            raise ArchiveError(f"image config {config_name}: expected an object")
        platform = Platform.of_config(config)
    return _Candidate(entry, manifest, name, config_name, config, platform)


def _by_selector(candidates: list[_Candidate], selector: str) -> list[_Candidate]:
    def named(ref: str) -> bool:
        return bool(ref) and (
            ref == selector or _tag_matches([ref], selector) or ref.endswith(":" + selector) or selector.endswith(ref)
        )

    chosen = [c for c in candidates if named(c.ref)]
    if not chosen:
        refs = sorted({c.ref for c in candidates if c.ref})
        raise ArchiveError(f"image {selector!r} not in the archive (it has: {_listed(refs) or 'no names'})")
    return chosen


def _by_platform(candidates: list[_Candidate], want_platform: str | None, notes: list[str]) -> list[_Candidate]:
    """The candidates of the wanted platform; with none wanted and several present, the
    host's (dive would pick one at random)."""
    available = sorted({str(c.platform) for c in candidates})
    if want_platform:
        want = Platform.parse(want_platform)
        chosen = [c for c in candidates if c.platform.matches(want)]
        if not chosen:
            raise ArchiveError(f"platform {want_platform} not in the image (available: {_listed(available)})")
        return chosen
    if len(available) <= 1:
        return candidates
    host = Platform.host()
    chosen = [c for c in candidates if c.platform.matches(host)]
    if not chosen:
        raise ArchiveError(
            f"the image has several platforms and none is the host's ({host}); pick one with --platform "
            f"(available: {_listed(available)})"
        )
    notes.append(f"image index has {len(available)} platforms; analyzing {host} (choose with --platform)")
    return chosen


def _from_oci_index(contents: OuterContents, selector: str | None, want_platform: str | None) -> ResolvedImage:
    found: list[tuple[Descriptor, Any, str]] = []
    _collect_manifests(contents, _load_json(contents, "index.json", "image index"), "index.json", 0, found)
    candidates = [c for c in (_candidate(contents, *f) for f in found) if not c.platform.is_attestation]
    if not candidates:
        raise ArchiveError("index.json: no image manifests found")
    if selector:
        candidates = _by_selector(candidates, selector)
    notes: list[str] = []
    chosen = _by_platform(candidates, want_platform, notes)
    if len(chosen) > 1 and not selector:
        notes.append(f"archive holds {len(chosen)} images; analyzing the first ({chosen[0].ref or chosen[0].name})")
    c = chosen[0]
    config = c.config if c.config is not None else _load_json(contents, c.config_name, "image config")
    layers = [
        ResolvedLayer(_blob_name(d.digest, f"image manifest {c.name} layer {i}"), d)
        for i, d in enumerate(c.manifest.layers)
    ]
    return ResolvedImage(
        config=config,
        layers=layers,
        layout="oci",
        tags=[c.ref] if c.ref else [],
        notes=notes,
        platform=c.platform,
        config_digest=c.config_name,
    )


# --------------------------------------------------------------------------- skopeo dir: layout

DIR_HEX_LEN = {"sha256": 64, "sha512": 128}
_HEX = frozenset("0123456789abcdef")


def is_dir_layout(contents: OuterContents) -> bool:
    """skopeo's ``dir:`` layout (``skopeo copy … dir:DIR``, ``podman save --format
    docker-dir``), told from the content: its ``manifest.json`` is one image manifest
    *object*, never docker-save's list.  A ``version`` file ("Directory Transport Version")
    beside a manifest.json that is not a list says the same."""
    try:
        manifest = _load_json(contents, "manifest.json", "manifest")
    except ArchiveError:
        return False  # the docker-save path reports the problem with manifest.json
    return isinstance(manifest, dict) or ("version" in contents.members and not isinstance(manifest, list))


def _dir_blob_name(digest: str, where: str) -> str:
    """The member holding a blob in a ``dir:`` layout: its bare hex digest."""
    algo, _, hexpart = digest.partition(":")
    if DIR_HEX_LEN.get(algo) != len(hexpart) or not set(hexpart) <= _HEX:
        raise ArchiveError(f"manifest.json: {where}.digest: invalid digest {shown(digest)}")
    return hexpart


def _dir_blob(contents: OuterContents, desc: Descriptor, where: str) -> str:
    """Check that the blob a descriptor names is a regular file of the layout: a missing
    blob or a symlink (which could point anywhere) is a located one-line error."""
    name = _dir_blob_name(desc.digest, where)
    if name in contents.symlinks or (name in contents.members and name not in contents.raw_sizes):
        raise ArchiveError(
            f"manifest.json: {where}: blob {desc.digest} is not a regular file "
            "(a dir: layout holds its blobs as plain files)"
        )
    if name not in contents.members:
        raise ArchiveError(f"manifest.json: {where}: blob {desc.digest} is missing from the layout")
    return name


def _check_dir_manifest(manifest: Any) -> Manifest:
    """The manifest object's shape, the way the engines' structs would refuse it."""
    where = Where("manifest.json")
    if not isinstance(manifest, dict):
        raise ArchiveError(f"manifest.json: expected an image manifest object, got {shown(manifest)}")
    media_type = check_str(manifest, "mediaType", where, ARCHIVE_RULES)
    if "manifests" in manifest or media_type in INDEX_TYPES:
        raise ArchiveError(
            "manifest.json: an image index (skopeo copy --all); copy a single platform to the dir: layout instead"
        )
    version = manifest.get("schemaVersion")
    if type(version) is not int or version != 2:
        if version is None and "layers" not in manifest:  # likely a damaged docker save, not a dir: layout
            raise ArchiveError(
                "manifest.json: neither docker save's non-empty list of images nor an image manifest (no schemaVersion)"
            )
        raise ArchiveError(f"manifest.json: schemaVersion: expected 2, got {shown(version)}")
    layers = tuple(
        Descriptor.from_json(d, where.at(f"layers[{i}]"))
        for i, d in enumerate(check_list(manifest, "layers", where, ARCHIVE_RULES))
    )
    if "config" not in manifest:
        raise ArchiveError("manifest.json: config: missing")
    return Manifest(Descriptor.from_json(manifest["config"], where.at("config")), layers, media_type or "")


def _from_dir_manifest(contents: OuterContents) -> ResolvedImage:
    manifest = _check_dir_manifest(_load_json(contents, "manifest.json", "manifest"))
    layers = [ResolvedLayer(_dir_blob(contents, d, f"layers[{i}]"), d) for i, d in enumerate(manifest.layers)]
    config_name = _dir_blob(contents, manifest.config, "config")
    config = _load_json(contents, config_name, "image config")
    return ResolvedImage(
        config=config,
        layers=layers,
        layout="dir",
        config_digest=manifest.config.digest,
        blob_digests_from_descriptors=True,
    )


# --------------------------------------------------------------------------- pair history


@dataclass(frozen=True)
class LayerHistory:
    """What the config says about one layer: the history entry that made it and its diff ID."""

    command: str
    digest: str
    diff_id: str
    created: str = ""
    comment: str = ""


def _command(created_by: str) -> str:
    return created_by.removeprefix("/bin/sh -c ")


def pair_history(config: Any, layer_count: int) -> list[LayerHistory]:
    """One entry per layer: the config's non-empty history entries in order, each with the
    diff ID at its position (dive pairs them the same way)."""
    if not isinstance(config, dict):
        raise ArchiveError("image config: expected a JSON object")
    rootfs: dict[str, Any] = config["rootfs"] if isinstance(config.get("rootfs"), dict) else {}
    diff_ids = _str_list(rootfs.get("diff_ids"), "image config rootfs.diff_ids")
    history = config.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise ArchiveError("image config: history must be a list of objects")
    non_empty = [h for h in history if h.get("empty_layer") is not True]
    if len(non_empty) > len(diff_ids):
        raise ArchiveError(
            f"image config: history has {len(non_empty)} layer entries but rootfs.diff_ids has {len(diff_ids)}"
        )
    out: list[LayerHistory] = []
    for i in range(layer_count):
        if i >= len(non_empty):
            out.append(LayerHistory("(missing)", "", diff_ids[i] if i < len(diff_ids) else ""))
            continue
        h = non_empty[i]
        created_by = h.get("created_by", "")
        out.append(
            LayerHistory(
                command=_command(created_by if isinstance(created_by, str) else str(created_by)),
                digest=diff_ids[i],
                diff_id=diff_ids[i],
                created=str(h.get("created", "")),
                comment=str(h.get("comment", "")),
            )
        )
    return out


# --------------------------------------------------------------------------- make layers


def _parsed_layer(contents: OuterContents, member: str, verify: bool) -> tuple[ParsedLayer, bool, str]:
    """(parsed tar, reached through a symlink, why it was skipped) of one layer member."""
    dive_empty = False
    target = member
    hops = 0
    while target in contents.symlinks:
        dive_empty = True  # dive does not follow a layer that is a symlink: it shows it empty
        target = contents.symlinks[target]
        hops += 1
        if hops > MAX_SYMLINK_HOPS:
            raise ArchiveError(f"layer {member}: symlink loop in the archive")
    parsed = contents.layers.get(target)
    skipped = ""
    if parsed is None:
        if target not in contents.failures:
            raise ArchiveError(f"could not find layer {member!r} in the archive")
        reason = (
            contents.failures[target]
            if contents.failures[target].startswith("layer ")
            else f"layer {target}: {contents.failures[target]}"
        )
        if not contents.ignore_errors:
            raise ArchiveError(reason)
        skipped = reason  # ignore-errors: the layer is shown empty, and why
        parsed = ParsedLayer([], 0, "none", contents.raw_sizes.get(target, 0))
    if verify and target in contents.digest_mismatch:
        raise ArchiveError(f"layer {target}: content digest {contents.digest_mismatch[target]} does not match its name")
    return parsed, dive_empty, skipped


def _blob_digest(layer: ResolvedLayer, from_descriptor: bool) -> str:
    digest = layer.descriptor.digest if from_descriptor and layer.descriptor else ""
    parts = layer.member.split("/")
    if layer.member.startswith("blobs/") and len(parts) == 3:
        digest = f"{parts[1]}:{parts[2]}"
    return digest


def make_layers(
    contents: OuterContents, resolved: ResolvedImage, history: list[LayerHistory], verify: bool
) -> list[Layer]:
    """The :class:`~layerscope.image.Layer` of each resolved layer, in order."""
    layers: list[Layer] = []
    for i, (rl, h) in enumerate(zip(resolved.layers, history, strict=True)):
        parsed, dive_empty, skipped = _parsed_layer(contents, rl.member, verify)
        desc = rl.descriptor
        entries = parsed.entries
        dive_all = None
        is_estargz = desc is not None and ESTARGZ_ANNOTATION in desc.annotations
        if parsed.compression == "gzip" and (is_estargz or any(e.path == "stargz.index.json" for e in entries)):
            dive_all = entries
            entries = [e for e in entries if e.path not in ESTARGZ_META]
        layers.append(
            Layer(
                index=i,
                id=rl.member.split("/", 1)[0],
                member=rl.member,
                digest=h.digest,
                command=h.command,
                size=parsed.size,
                entries=entries,
                dive_all_entries=dive_all,
                dive_empty=dive_empty,
                diff_id=h.diff_id,
                blob_digest=_blob_digest(rl, resolved.blob_digests_from_descriptors),
                compressed_size=parsed.raw_size if parsed.compression != "none" else None,
                media_type=desc.media_type if desc is not None else "",
                compression=parsed.compression,
                created=h.created,
                comment=h.comment,
                skipped=skipped,
                captured=parsed.captured,
            )
        )
    return layers


# --------------------------------------------------------------------------- image


def make_image(contents: OuterContents, resolved: ResolvedImage, *, name: str, source: str, verify: bool) -> Image:
    """The image of a resolved manifest whose layers ``contents`` holds parsed."""
    history = pair_history(resolved.config, len(resolved.layers))
    config: dict[str, Any] = resolved.config
    platform = resolved.platform if resolved.platform is not None else Platform.of_config(config)
    layers = make_layers(contents, resolved, history, verify)
    return Image(
        name=name,
        source=source,
        layers=layers,
        tags=resolved.tags,
        config_digest=resolved.config_digest,
        layout=resolved.layout,
        platform=str(platform),
        config=config,
        notes=resolved.notes,
    )


def build_image(
    contents: OuterContents, *, name: str, source: str, selector: str | None, want_platform: str | None, verify: bool
) -> Image:
    """select → pair history → make layers, for an archive, a layout directory or a stream."""
    return make_image(contents, select(contents, selector, want_platform), name=name, source=source, verify=verify)


def layer_ids_by_member(contents: OuterContents, selector: str | None, want_platform: str | None) -> dict[str, str]:
    """Member name → diff_id of the selected image's layers that are not named by their
    digest (docker save's ``<id>/layer.tar``): by position, from the config's
    ``rootfs.diff_ids``, following a duplicate layer's symlink.  A member two positions give
    different diff_ids is left out; so is everything when the documents do not resolve (the
    real pass reports that)."""
    from .outer import named_digest

    try:
        resolved = select(contents, selector, want_platform)
        history = pair_history(resolved.config, len(resolved.layers))
    except ArchiveError:
        return {}
    ids: dict[str, str] = {}
    clash: set[str] = set()
    for rl, h in zip(resolved.layers, history, strict=True):
        target, hops = rl.member, 0
        while target in contents.symlinks and hops <= MAX_SYMLINK_HOPS:
            target, hops = contents.symlinks[target], hops + 1
        if named_digest(target) is not None or not h.diff_id:
            continue
        if ids.setdefault(target, h.diff_id) != h.diff_id:
            clash.add(target)
    for name in clash:
        del ids[name]
    return ids
