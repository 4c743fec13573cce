"""Byte-exact tar and image-archive builders for adversarial inputs (our own code).

:mod:`tarfile` refuses to write most of what an attacker can: wrong checksums, negative or
base-256 sizes, PAX records with lying lengths, names with NUL bytes.  These helpers write raw
512-byte headers field by field, so every field can be set to anything, and wrap layer tars
into the three outer layouts (legacy ``docker save``, Docker 25+ save, OCI archive) with
matching digests, so a case reaches the code it targets instead of failing a digest check.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable

BLOCK = 512
END = bytes(2 * BLOCK)

GNU_MAGIC = b"ustar  \x00"
USTAR_MAGIC = b"ustar\x0000"


def _b(s: str | bytes) -> bytes:
    return s.encode("utf-8", "surrogateescape") if isinstance(s, str) else s


def octal(n: int, width: int) -> bytes:
    text = b"%0*o" % (width - 1, n)
    if len(text) > width - 1:
        raise ValueError(f"{n} does not fit {width} octal bytes; use base256()")
    return text + b"\0"


def base256(n: int, width: int) -> bytes:
    """GNU base-256: marker bit 0x80 set on the first byte, big-endian two's complement."""
    raw = n.to_bytes(width, "big", signed=True)
    if n >= 0:
        return bytes([raw[0] | 0x80]) + raw[1:]
    return raw  # negative numbers already start with 0xFF


def header(
    name: str | bytes,
    size: int = 0,
    typeflag: bytes = b"0",
    *,
    mode: int = 0o644,
    uid: int = 0,
    gid: int = 0,
    mtime: int = 1700000000,
    linkname: str | bytes = b"",
    magic: bytes = USTAR_MAGIC,
    prefix: bytes = b"",
    fields: dict[int, bytes] | None = None,
    checksum: bytes | None = None,
) -> bytes:
    """One raw header.  ``fields`` overrides bytes at given offsets (after the normal fields,
    before the checksum); ``checksum`` replaces the computed checksum field (8 bytes)."""
    b = bytearray(BLOCK)

    def put(off: int, width: int, value: bytes) -> None:
        value = value[:width]
        b[off : off + len(value)] = value

    put(0, 100, _b(name))
    put(100, 8, octal(mode, 8))
    put(108, 8, octal(uid, 8) if 0 <= uid < 8**7 else base256(uid, 8))
    put(116, 8, octal(gid, 8) if 0 <= gid < 8**7 else base256(gid, 8))
    put(124, 12, octal(size, 12) if 0 <= size < 8**11 else base256(size, 12))
    put(136, 12, octal(mtime, 12))
    b[156] = typeflag[0] if typeflag else 0
    put(157, 100, _b(linkname))
    put(257, 8, magic)
    put(345, 155, prefix)
    for off, value in (fields or {}).items():
        b[off : off + len(value)] = value
    b[148:156] = b" " * 8
    b[148:156] = checksum if checksum is not None else b"%06o\x00 " % sum(b)
    return bytes(b)


def pad(data: bytes) -> bytes:
    return data + bytes((-len(data)) % BLOCK)


def member(hdr: bytes, data: bytes = b"") -> bytes:
    return hdr + pad(data)


def reg(name: str | bytes, data: bytes = b"", **kw) -> bytes:
    return member(header(name, len(data), b"0", **kw), data)


def dir_(name: str | bytes, **kw) -> bytes:
    kw.setdefault("mode", 0o755)
    return member(header(name, 0, b"5", **kw))


def symlink(name: str | bytes, target: str | bytes, **kw) -> bytes:
    kw.setdefault("mode", 0o777)
    return member(header(name, 0, b"2", linkname=target, **kw))


def hardlink(name: str | bytes, target: str | bytes, **kw) -> bytes:
    return member(header(name, 0, b"1", linkname=target, **kw))


def pax_records(records: Iterable[tuple[str | bytes, str | bytes]]) -> bytes:
    out = b""
    for k, v in records:
        body = b" " + _b(k) + b"=" + _b(v) + b"\n"
        n = len(body) + 1
        while len(str(n)) + len(body) != n:
            n = len(str(n)) + len(body)
        out += str(n).encode() + body
    return out


def pax(records: bytes | Iterable[tuple[str | bytes, str | bytes]], typeflag: bytes = b"x") -> bytes:
    """A PAX extended header member (``x``, or ``g`` for global) holding ``records``
    (already-encoded bytes are used verbatim, so lengths can lie)."""
    data = records if isinstance(records, bytes) else pax_records(records)
    return member(header("PaxHeader", len(data), typeflag), data)


def gnu_long(name: bytes, typeflag: bytes = b"L") -> bytes:
    data = name + b"\0"
    return member(header("././@LongLink", len(data), typeflag, magic=GNU_MAGIC), data)


def tar(*members: bytes, end: bytes = END) -> bytes:
    return b"".join(members) + end


# --------------------------------------------------------------------------- images


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def config_json(diff_ids: list[str], history: list | None = None, **extra) -> dict:
    cfg = {
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history
        if history is not None
        else [{"created_by": f"/bin/sh -c step {i}"} for i in range(len(diff_ids))],
    }
    cfg.update(extra)
    return cfg


def _j(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def docker_save(
    layers: list[bytes],
    *,
    config: bytes | None = None,
    manifest: bytes | None = None,
    before: list[bytes] = (),
    after: list[bytes] = (),
    end: bytes = END,
    layer_names: list[str] | None = None,
) -> bytes:
    """Legacy ``docker save``: ``l<i>/layer.tar`` members, ``<hex>.json``, ``manifest.json``.
    ``before``/``after`` are extra raw members around the standard ones."""
    names = layer_names or [f"l{i}/layer.tar" for i in range(len(layers))]
    cfg = config if config is not None else _j(config_json(["sha256:" + sha256(lay) for lay in layers]))
    cfg_name = sha256(cfg) + ".json"
    man = (
        manifest
        if manifest is not None
        else _j([{"Config": cfg_name, "RepoTags": ["hardening:test"], "Layers": names}])
    )
    parts = list(before)
    parts += [reg(n, lay) for n, lay in zip(names, layers, strict=False)]
    parts += [reg(cfg_name, cfg), reg("manifest.json", man)]
    parts += list(after)
    return tar(*parts, end=end)


def compress(data: bytes, kind: str) -> bytes:
    if kind == "gzip":
        return gzip.compress(data, mtime=0)
    if kind == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    return data


def docker25_save(
    blobs: list[bytes], diff_ids: list[str] | None = None, *, config: bytes | None = None, after: list[bytes] = ()
) -> bytes:
    """Docker 25+ ``docker save``: blobs (any compression) named by digest, and a
    ``manifest.json`` whose Layers are ``blobs/sha256/<hex>`` (what dive reads)."""
    diff_ids = diff_ids or ["sha256:" + "0" * 64] * len(blobs)
    cfg = config if config is not None else _j(config_json(diff_ids))
    cfg_hex = sha256(cfg)
    names = [f"blobs/sha256/{sha256(b)}" for b in blobs]
    man = _j([{"Config": f"blobs/sha256/{cfg_hex}", "RepoTags": ["hardening:test"], "Layers": names}])
    parts = [reg("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')]
    seen = set()
    for n, b in zip(names, blobs, strict=False):
        if n not in seen:
            seen.add(n)
            parts.append(reg(n, b))
    parts += [reg(f"blobs/sha256/{cfg_hex}", cfg), reg("manifest.json", man), *after]
    return tar(*parts)


def oci_archive(
    blobs: list[bytes],
    *,
    media: str = "application/vnd.oci.image.layer.v1.tar",
    config: bytes | None = None,
    index: bytes | None = None,
    manifest: bytes | None = None,
) -> bytes:
    """An OCI image layout archive: ``index.json`` → manifest blob → config + layer blobs."""
    cfg = config if config is not None else _j(config_json(["sha256:" + "0" * 64] * len(blobs)))
    man = (
        manifest
        if manifest is not None
        else _j(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": "sha256:" + sha256(cfg),
                    "size": len(cfg),
                },
                "layers": [{"mediaType": media, "digest": "sha256:" + sha256(b), "size": len(b)} for b in blobs],
            }
        )
    )
    idx = (
        index
        if index is not None
        else _j(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": "sha256:" + sha256(man),
                        "size": len(man),
                    }
                ],
            }
        )
    )
    parts = [reg("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')]
    seen = set()
    for b in [*blobs, cfg, man]:
        n = f"blobs/sha256/{sha256(b)}"
        if n not in seen:
            seen.add(n)
            parts.append(reg(n, b))
    parts.append(reg("index.json", idx))
    return tar(*parts)


def member_offsets(archive: bytes) -> list[tuple[int, int, int]]:
    """(header offset, data offset, data end) of each member of a well-formed raw tar."""
    out = []
    pos = 0
    while pos + BLOCK <= len(archive):
        block = archive[pos : pos + BLOCK]
        if block == bytes(BLOCK):
            break
        size = int(block[124:136].rstrip(b"\0 ") or b"0", 8)
        tf = block[156:157]
        dsize = 0 if tf in (b"1", b"2", b"3", b"4", b"5", b"6") else size
        out.append((pos, pos + BLOCK, pos + BLOCK + dsize))
        pos += BLOCK + dsize + (-dsize) % BLOCK
    return out
