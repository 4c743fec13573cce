"""From what the outer pass found to an :class:`~layerscope.image.Image`.

Three layouts, told apart by content, not by the ``--source`` flag:

* ``docker save`` (legacy): ``manifest.json`` → ``<id>/layer.tar`` names;
* Docker ≥ 25 / containerd store: OCI layout *and* a ``manifest.json`` naming ``blobs/…``;
* OCI image layout (skopeo, buildah, podman ``oci-archive``): ``index.json`` → (nested index)
  → manifest → config and layers by digest, with platform selection.

When ``manifest.json`` exists it is used, exactly as dive does, so dive-compatible numbers are
the same; otherwise the OCI index is followed deterministically (dive picks at random there).
"""

from __future__ import annotations

import json
import platform as _platform
from typing import Any

from ..errors import ArchiveError
from ..image import Image, Layer
from .outer import OuterContents

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
            raise ArchiveError(f"image {selector!r} not in the archive (it has: {', '.join(tags) or 'no tags'})")
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
    if not isinstance(index, dict) or not isinstance(index.get("manifests"), list):
        raise ArchiveError(f"{where}: not an image index (no manifests list)")
    for desc in index["manifests"]:
        if not isinstance(desc, dict):
            raise ArchiveError(f"{where}: manifest descriptor must be an object")
        mt = desc.get("mediaType", "")
        if not isinstance(mt, str):
            raise ArchiveError(f"{where}: manifest descriptor mediaType must be a string")
        name = _blob_name(desc.get("digest"), where)
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
        if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list) or not isinstance(doc.get("config"), dict):
            raise ArchiveError(f"image manifest {name}: missing config or layers")
        config_name = _blob_name(doc["config"].get("digest"), f"image manifest {name}")
        plat = desc.get("platform") if isinstance(desc.get("platform"), dict) else None
        config = None
        if plat is None:
            config = _load_json(contents, config_name, "image config")
            if not isinstance(config, dict):
                raise ArchiveError(f"image config {config_name}: expected an object")
            plat = {k: config.get(k) for k in ("os", "architecture", "variant") if config.get(k)}
        if plat.get("os") == "unknown":  # buildx attestation manifests
            continue
        annotations = desc.get("annotations") if isinstance(desc.get("annotations"), dict) else {}
        ref = annotations.get("org.opencontainers.image.ref.name") or annotations.get("io.containerd.image.name") or ""
        candidates.append((desc, doc, name, config_name, config, plat, str(ref)))
    if not candidates:
        raise ArchiveError("index.json: no image manifests found")
    if selector:
        sel = [c for c in candidates if c[6] and (c[6] == selector or _tag_matches([c[6]], selector) or c[6].endswith(":" + selector) or selector.endswith(c[6]))]
        if not sel:
            refs = sorted({c[6] for c in candidates if c[6]})
            raise ArchiveError(f"image {selector!r} not in the archive (it has: {', '.join(refs) or 'no names'})")
        candidates = sel
    platforms = [_platform_str(c[5]) for c in candidates]
    notes: list[str] = []
    if want_platform:
        os_, arch, variant = parse_platform(want_platform)
        chosen = [c for c in candidates if c[5].get("os") == os_ and c[5].get("architecture") == arch
                  and (not variant or c[5].get("variant", "") == variant)]
        if not chosen:
            raise ArchiveError(f"platform {want_platform} not in the image (available: {', '.join(sorted(set(platforms)))})")
    elif len(set(platforms)) > 1:
        host = host_platform()
        os_, arch, variant = parse_platform(host)
        chosen = [c for c in candidates if c[5].get("os") == os_ and c[5].get("architecture") == arch
                  and (not variant or c[5].get("variant", "") == variant)]
        if not chosen:
            raise ArchiveError(
                f"the image has several platforms and none is the host's ({host}); pick one with --platform "
                f"(available: {', '.join(sorted(set(platforms)))})"
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


# --------------------------------------------------------------------------- config + layers


def _command(created_by: str) -> str:
    return created_by.removeprefix("/bin/sh -c ")


def build_image(contents: OuterContents, *, name: str, source: str, selector: str | None,
                want_platform: str | None, verify: bool) -> Image:
    descs: dict[str, dict] = {}
    plat = ""
    config_digest = ""
    if "manifest.json" in contents.jsons or "manifest.json" in contents.failures:
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
        if parsed is None:
            if target in contents.failures:
                raise ArchiveError(contents.failures[target] if contents.failures[target].startswith("layer ")
                                   else f"layer {target}: {contents.failures[target]}")
            raise ArchiveError(f"could not find layer {member!r} in the archive")
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
        blob_digest = ""
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
        ))
    return Image(name=name, source=source, layers=layers, tags=tags, config_digest=config_digest,
                 layout=layout, platform=plat, config=config, notes=notes)
