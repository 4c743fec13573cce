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
"""

from __future__ import annotations

import json
import platform as _platform
from typing import Any

from ..errors import ArchiveError
from ..image import Image, Layer
from .outer import OuterContents, ParsedLayer

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}
MAX_DEPTH = 8
# eStargz layers carry a TOC and landmark files at the root; snapshotters hide them, so the
# accurate view does too (dive shows them, so the dive-compatible view keeps them).
ESTARGZ_META = frozenset({"stargz.index.json", ".prefetch.landmark", ".no.prefetch.landmark"})
ESTARGZ_ANNOTATION = "containerd.io/snapshot/stargz/toc.digest"  # nested indexes deeper than this are refused (a loop or an attack)


def host_platform() -> str:
    machine = _platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
            "armv7l": "arm/v7", "armv6l": "arm/v6", "i386": "386", "i686": "386",
            "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}.get(machine, machine)
    return f"linux/{arch}"


def _load_json(contents: OuterContents, name: str, what: str) -> Any:
    if name in contents.failures and name not in contents.jsons:
        raise ArchiveError(f"{what} {name}: {contents.failures[name]}")
    data = contents.jsons.get(name)
    if data is None:
        raise ArchiveError(f"could not find {what} {name!r} in the archive")
    if name in contents.digest_mismatch:
        raise ArchiveError(
            f"{what} {name}: content digest {contents.digest_mismatch[name]} does not match its name"
        )
    try:
        return json.loads(data)
    except RecursionError:
        raise ArchiveError(f"{what} {name}: JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ArchiveError(f"{what} {name}: invalid JSON ({e})") from None


def _blob_name(digest: Any, what: str) -> str:
    if not isinstance(digest, str) or ":" not in digest:
        raise ArchiveError(f"{what}: invalid digest {str(digest)[:80]!r}")
    algo, _, hexpart = digest.partition(":")
    if not algo.isalnum() or not hexpart.isalnum():
        raise ArchiveError(f"{what}: invalid digest {digest[:80]!r}")
    return f"blobs/{algo}/{hexpart}"


_MAX_SIZE = (1 << 63) - 1  # a descriptor's size is an int64 in the spec (and in Go)
_PLATFORM_KEYS = ("os", "architecture", "variant", "os.version")
MAX_LISTED = 20  # an error names at most this many platforms or tags, then "… and N more"


def _shown(value: Any) -> str:
    """A JSON value for an error line, cut short (an attack's value can be megabytes)."""
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _listed(items: list[str]) -> str:
    """``a, b, c`` for an error line, at most :data:`MAX_LISTED` of them: an index of 10,000
    platforms must not become a 159 KB line."""
    if len(items) <= MAX_LISTED:
        return ", ".join(items)
    return f"{', '.join(items[:MAX_LISTED])} … and {len(items) - MAX_LISTED} more"


def _check_str(obj: dict, key: str, doc: str, where: str) -> None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise ArchiveError(f"{doc}: {where}{key}: expected a string, got {_shown(value)}")


def _check_descriptor(desc: Any, doc: str, where: str) -> dict:
    """Check an OCI descriptor (``where`` is its place in ``doc``, e.g. ``manifests[3]``) the
    way Go's ``json.Unmarshal`` into the spec's struct does, which is what the engines use: a
    field of the wrong type is a located one-line error, never a crash further on."""
    if not isinstance(desc, dict):
        raise ArchiveError(f"{doc}: {where}: expected an object, got {_shown(desc)}")
    _check_str(desc, "mediaType", doc, f"{where}.")
    _check_str(desc, "artifactType", doc, f"{where}.")
    if not isinstance(desc.get("digest"), str):
        raise ArchiveError(f"{doc}: {where}.digest: expected a string, got {_shown(desc.get('digest'))}")
    size = desc.get("size")
    if size is not None and (type(size) is not int or not 0 <= size <= _MAX_SIZE):
        raise ArchiveError(f"{doc}: {where}.size: expected an integer from 0 to 2^63-1, got {_shown(size)}")
    annotations = desc.get("annotations")
    if annotations is not None and (not isinstance(annotations, dict)
                                    or not all(isinstance(v, str) for v in annotations.values())):
        raise ArchiveError(f"{doc}: {where}.annotations: expected an object of strings")
    plat = desc.get("platform")
    if plat is not None:
        if not isinstance(plat, dict):
            raise ArchiveError(f"{doc}: {where}.platform: expected an object, got {_shown(plat)}")
        for key in _PLATFORM_KEYS:
            _check_str(plat, key, doc, f"{where}.platform.")
        features = plat.get("os.features")
        if features is not None and (not isinstance(features, list) or not all(isinstance(f, str) for f in features)):
            raise ArchiveError(f"{doc}: {where}.platform.os.features: expected a list of strings")
    return desc


def _check_list(doc_obj: dict, key: str, doc: str) -> list:
    value = doc_obj.get(key)
    if not isinstance(value, list):
        raise ArchiveError(f"{doc}: {key}: expected a list, got {_shown(value)}")
    return value


def _str_list(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ArchiveError(f"{what} must be a list of strings")
    return value


def parse_platform(text: str) -> tuple[str, str, str]:
    parts = text.strip().split("/")
    if len(parts) < 2 or len(parts) > 3 or not all(parts):
        raise ArchiveError(f"invalid --platform {text!r} (want os/arch[/variant])")
    return parts[0], parts[1], parts[2] if len(parts) == 3 else ""


def _platform_str(p: dict) -> str:
    s = f"{p.get('os', '?')}/{p.get('architecture', '?')}"
    if p.get("variant"):
        s += f"/{p['variant']}"
    return s


# --------------------------------------------------------------------------- manifest.json


def _from_docker_manifest(contents: OuterContents, selector: str | None) -> tuple[dict, list[str], list[str], list[str]]:
    """Return (config, layer member names, tags, notes) from manifest.json."""
    manifest = _load_json(contents, "manifest.json", "manifest")
    if not isinstance(manifest, list) or not manifest:
        raise ArchiveError("manifest.json: expected a non-empty list of images")
    if not all(isinstance(m, dict) for m in manifest):
        raise ArchiveError("manifest.json: every element must be an object")
    notes: list[str] = []
    chosen = manifest[0]
    if selector:
        matches = [m for m in manifest if _tag_matches(_str_list(m.get("RepoTags"), "manifest.json RepoTags"), selector)]
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
    layers = _str_list(chosen.get("Layers"), "manifest.json Layers")
    tags = _str_list(chosen.get("RepoTags"), "manifest.json RepoTags")
    config = _load_json(contents, _clean(config_name), "image config")
    return config, [_clean(n) for n in layers], tags, notes


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


# --------------------------------------------------------------------------- OCI index


def _collect_manifests(contents: OuterContents, index: Any, where: str, depth: int, out: list) -> None:
    if depth > MAX_DEPTH:
        raise ArchiveError(f"{where}: image indexes nested more than {MAX_DEPTH} levels")
    if not isinstance(index, dict) or "manifests" not in index:
        raise ArchiveError(f"{where}: not an image index (no manifests list)")
    for i, desc in enumerate(_check_list(index, "manifests", where)):
        _check_descriptor(desc, where, f"manifests[{i}]")
        mt = desc.get("mediaType") or ""
        name = _blob_name(desc.get("digest"), f"{where}: manifests[{i}]")
        if mt in INDEX_TYPES:
            _collect_manifests(contents, _load_json(contents, name, "image index"), name, depth + 1, out)
            continue
        doc = _load_json(contents, name, "image manifest")
        if (isinstance(doc, dict) and (doc.get("mediaType") is None or (isinstance(doc.get("mediaType"), str) and doc["mediaType"] in INDEX_TYPES))
                and "manifests" in doc):
            _collect_manifests(contents, doc, name, depth + 1, out)
            continue
        out.append((desc, doc, name))


def _from_oci_index(contents: OuterContents, selector: str | None, want_platform: str | None):
    index = _load_json(contents, "index.json", "image index")
    found: list = []
    _collect_manifests(contents, index, "index.json", 0, found)
    candidates = []
    for desc, doc, name in found:
        where = f"image manifest {name}"
        if not isinstance(doc, dict) or "layers" not in doc or "config" not in doc:
            raise ArchiveError(f"{where}: missing config or layers")
        _check_str(doc, "mediaType", where, "")
        for i, ld in enumerate(_check_list(doc, "layers", where)):
            _check_descriptor(ld, where, f"layers[{i}]")
        _check_descriptor(doc["config"], where, "config")
        config_name = _blob_name(doc["config"].get("digest"), f"{where}: config")
        plat = desc.get("platform")
        config = None
        if plat is None:
            config = _load_json(contents, config_name, "image config")
            if not isinstance(config, dict):
                raise ArchiveError(f"image config {config_name}: expected an object")
            plat = {k: config[k] for k in ("os", "architecture", "variant") if isinstance(config.get(k), str) and config[k]}
        if plat.get("os") == "unknown":  # buildx attestation manifests
            continue
        annotations = desc.get("annotations") or {}
        ref = annotations.get("org.opencontainers.image.ref.name") or annotations.get("io.containerd.image.name") or ""
        candidates.append((desc, doc, name, config_name, config, plat, str(ref)))
    if not candidates:
        raise ArchiveError("index.json: no image manifests found")
    if selector:
        sel = [c for c in candidates if c[6] and (c[6] == selector or _tag_matches([c[6]], selector) or c[6].endswith(":" + selector) or selector.endswith(c[6]))]
        if not sel:
            refs = sorted({c[6] for c in candidates if c[6]})
            raise ArchiveError(f"image {selector!r} not in the archive (it has: {_listed(refs) or 'no names'})")
        candidates = sel
    platforms = [_platform_str(c[5]) for c in candidates]
    notes: list[str] = []
    if want_platform:
        os_, arch, variant = parse_platform(want_platform)
        chosen = [c for c in candidates if c[5].get("os") == os_ and c[5].get("architecture") == arch
                  and (not variant or c[5].get("variant", "") == variant)]
        if not chosen:
            raise ArchiveError(f"platform {want_platform} not in the image (available: {_listed(sorted(set(platforms)))})")
    elif len(set(platforms)) > 1:
        host = host_platform()
        os_, arch, variant = parse_platform(host)
        chosen = [c for c in candidates if c[5].get("os") == os_ and c[5].get("architecture") == arch
                  and (not variant or c[5].get("variant", "") == variant)]
        if not chosen:
            raise ArchiveError(
                f"the image has several platforms and none is the host's ({host}); pick one with --platform "
                f"(available: {_listed(sorted(set(platforms)))})"
            )
        notes.append(f"image index has {len(set(platforms))} platforms; analyzing {host} (choose with --platform)")
    else:
        chosen = candidates
    if len(chosen) > 1 and not selector:
        notes.append(f"archive holds {len(chosen)} images; analyzing the first ({chosen[0][6] or chosen[0][2]})")
    desc, doc, name, config_name, config, plat, ref = chosen[0]
    if config is None:
        config = _load_json(contents, config_name, "image config")
    layer_descs = []
    for i, ld in enumerate(doc["layers"]):
        if not isinstance(ld, dict):
            raise ArchiveError(f"image manifest {name}: layer {i} descriptor must be an object")
        layer_descs.append((_blob_name(ld.get("digest"), f"image manifest {name} layer {i}"), ld))
    return config, layer_descs, ([ref] if ref else []), notes, _platform_str(plat), config_name


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
        raise ArchiveError(f"manifest.json: {where}.digest: invalid digest {_shown(digest)}")
    return hexpart


def _dir_blob(contents: OuterContents, desc: dict, where: str) -> str:
    """Check that the blob a descriptor names is a regular file of the layout: a missing
    blob or a symlink (which could point anywhere) is a located one-line error."""
    name = _dir_blob_name(desc["digest"], where)
    if name in contents.symlinks or (name in contents.members and name not in contents.raw_sizes):
        raise ArchiveError(f"manifest.json: {where}: blob {desc['digest']} is not a regular file "
                           "(a dir: layout holds its blobs as plain files)")
    if name not in contents.members:
        raise ArchiveError(f"manifest.json: {where}: blob {desc['digest']} is missing from the layout")
    return name


def _check_dir_manifest(manifest: Any) -> dict:
    """The manifest object's shape, the way the engines' structs would refuse it."""
    if not isinstance(manifest, dict):
        raise ArchiveError(f"manifest.json: expected an image manifest object, got {_shown(manifest)}")
    _check_str(manifest, "mediaType", "manifest.json", "")
    if "manifests" in manifest or manifest.get("mediaType") in INDEX_TYPES:
        raise ArchiveError("manifest.json: an image index (skopeo copy --all); copy a single platform "
                           "to the dir: layout instead")
    version = manifest.get("schemaVersion")
    if type(version) is not int or version != 2:
        if version is None and "layers" not in manifest:  # likely a damaged docker save, not a dir: layout
            raise ArchiveError("manifest.json: neither docker save's non-empty list of images nor an image "
                               "manifest (no schemaVersion)")
        raise ArchiveError(f"manifest.json: schemaVersion: expected 2, got {_shown(version)}")
    for i, desc in enumerate(_check_list(manifest, "layers", "manifest.json")):
        _check_descriptor(desc, "manifest.json", f"layers[{i}]")
    if "config" not in manifest:
        raise ArchiveError("manifest.json: config: missing")
    _check_descriptor(manifest["config"], "manifest.json", "config")
    return manifest


def _from_dir_manifest(contents: OuterContents) -> tuple[Any, list[tuple[str, dict]], str]:
    """(config, [(layer member, descriptor)], config digest) of a ``dir:`` layout."""
    manifest = _check_dir_manifest(_load_json(contents, "manifest.json", "manifest"))
    layer_descs = [(_dir_blob(contents, d, f"layers[{i}]"), d) for i, d in enumerate(manifest["layers"])]
    config_name = _dir_blob(contents, manifest["config"], "config")
    config = _load_json(contents, config_name, "image config")
    return config, layer_descs, manifest["config"]["digest"]


# --------------------------------------------------------------------------- config + layers


def _command(created_by: str) -> str:
    return created_by.removeprefix("/bin/sh -c ")


def build_image(contents: OuterContents, *, name: str, source: str, selector: str | None,
                want_platform: str | None, verify: bool) -> Image:
    descs: dict[str, dict] = {}
    plat = ""
    config_digest = ""
    if is_dir_layout(contents):
        config, layer_descs, config_digest = _from_dir_manifest(contents)
        layer_names = [n for n, _ in layer_descs]
        descs = dict(layer_descs)
        tags, notes, layout = [], [], "dir"
    elif "manifest.json" in contents.jsons or "manifest.json" in contents.failures:
        config, layer_names, tags, notes = _from_docker_manifest(contents, selector)
        layout = "docker-oci" if any(n.startswith("blobs/") for n in layer_names) else "docker-save"
    elif "index.json" in contents.jsons or "index.json" in contents.failures:
        config, layer_descs, tags, notes, plat, config_digest = _from_oci_index(contents, selector, want_platform)
        layer_names = [n for n, _ in layer_descs]
        descs = dict(layer_descs)
        layout = "oci"
    else:
        if not contents.members:
            raise ArchiveError("archive is empty")
        raise ArchiveError("could not find image manifest (no manifest.json or index.json in the archive)")
    if not isinstance(config, dict):
        raise ArchiveError("image config: expected a JSON object")
    rootfs = config.get("rootfs") if isinstance(config.get("rootfs"), dict) else {}
    diff_ids = _str_list(rootfs.get("diff_ids"), "image config rootfs.diff_ids")
    history = config.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise ArchiveError("image config: history must be a list of objects")
    non_empty = [h for h in history if h.get("empty_layer") is not True]
    if len(non_empty) > len(diff_ids):
        raise ArchiveError(
            f"image config: history has {len(non_empty)} layer entries but rootfs.diff_ids has {len(diff_ids)}"
        )
    if not plat:
        plat = _platform_str({k: config.get(k) for k in ("os", "architecture", "variant") if isinstance(config.get(k), str)})
    layers: list[Layer] = []
    for i, member in enumerate(layer_names):
        dive_empty = False
        target = member
        hops = 0
        while target in contents.symlinks:
            dive_empty = True
            target = contents.symlinks[target]
            hops += 1
            if hops > 16:
                raise ArchiveError(f"layer {member}: symlink loop in the archive")
        parsed = contents.layers.get(target)
        skipped = ""
        if parsed is None:
            if target not in contents.failures:
                raise ArchiveError(f"could not find layer {member!r} in the archive")
            reason = (contents.failures[target] if contents.failures[target].startswith("layer ")
                      else f"layer {target}: {contents.failures[target]}")
            if not contents.ignore_errors:
                raise ArchiveError(reason)
            skipped = reason  # ignore-errors: the layer is shown empty, and why
            parsed = ParsedLayer([], 0, "none", contents.raw_sizes.get(target, 0))
        if verify and target in contents.digest_mismatch:
            raise ArchiveError(
                f"layer {target}: content digest {contents.digest_mismatch[target]} does not match its name"
            )
        if i < len(non_empty):
            h = non_empty[i]
            created_by = h.get("created_by", "")
            command = _command(created_by if isinstance(created_by, str) else str(created_by))
            digest = diff_ids[i]
            created = str(h.get("created", ""))
            comment = str(h.get("comment", ""))
        else:
            command, digest, created, comment = "(missing)", "", "", ""
        desc = descs.get(member, {})
        entries = parsed.entries
        dive_all = None
        annotations = desc.get("annotations") if isinstance(desc, dict) else None
        is_estargz = isinstance(annotations, dict) and ESTARGZ_ANNOTATION in annotations
        if parsed.compression == "gzip" and (is_estargz or any(e.path == "stargz.index.json" for e in entries)):
            dive_all = entries
            entries = [e for e in entries if e.path not in ESTARGZ_META]
        blob_digest = str(desc.get("digest", "")) if layout == "dir" else ""
        if member.startswith("blobs/"):
            parts = member.split("/")
            if len(parts) == 3:
                blob_digest = f"{parts[1]}:{parts[2]}"
        layers.append(Layer(
            index=i,
            id=member.split("/", 1)[0],
            member=member,
            digest=digest,
            command=command,
            size=parsed.size,
            entries=entries,
            dive_all_entries=dive_all,
            dive_empty=dive_empty,
            diff_id=diff_ids[i] if i < len(diff_ids) else "",
            blob_digest=blob_digest,
            compressed_size=parsed.raw_size if parsed.compression != "none" else None,
            media_type=str(desc.get("mediaType", "")) if isinstance(desc, dict) else "",
            compression=parsed.compression,
            created=created,
            comment=comment,
            skipped=skipped,
        ))
    return Image(name=name, source=source, layers=layers, tags=tags, config_digest=config_digest,
                 layout=layout, platform=plat, config=config, notes=notes)
