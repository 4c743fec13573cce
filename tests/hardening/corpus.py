"""The adversarial corpus: every hostile or odd archive layerscope must survive.

Each :class:`Case` writes one archive and says what must happen:

* ``expect="error"``: exit 2, one line on stderr that starts ``layerscope:`` and contains every
  string of ``contains`` (the problem and where: archive member, layer);
* ``expect="ok"``: a normal analysis (exit 0 or 1).  With ``dive=True`` the case is one dive
  0.13.1 also accepts, and the CI output and ``--json`` export must be byte-identical to it.

Run ``python -m tests.hardening.corpus DIR`` to write the whole corpus into DIR (for a fuzzer's
seeds or a manual look).  Cases marked ``big`` write hundreds of MB or take seconds to build;
their archives are built lazily, once, when a test asks for them.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

try:
    from . import tarbuild as tb
except ImportError:  # run as a script
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tarbuild as tb  # type: ignore[no-redef]

from .tarbuild import (
    END,
    base256,
    config_json,
    dir_,
    docker25_save,
    docker_save,
    gnu_long,
    hardlink,
    header,
    member,
    oci_archive,
    pax,
    reg,
    sha256,
    symlink,
    tar,
)


@dataclass
class Case:
    name: str
    write: Callable[[Path], None]  # writes the archive at the given path
    expect: str = "error"  # "error" (exit 2) | "ok" (exit 0/1)
    contains: tuple[str, ...] = ()
    dive: bool = False  # dive accepts it too: output must be byte-identical
    args: tuple[str, ...] = ()
    timeout: float = 60.0
    big: bool = False


def _data(fn: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(fn())


# --------------------------------------------------------------------------- base material
L0 = tar(
    dir_("etc/"),
    reg("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
    dir_("bin/"),
    reg("bin/sh", b"\x7fELF" + b"x" * 300, mode=0o755),
    reg("etc/hosts", b"127.0.0.1 localhost\n"),
)
L1 = tar(
    reg("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n"),
    dir_("tmp/", mode=0o1777),
    reg("tmp/cache", b"c" * 2000),
    reg("etc/.wh.hosts"),
)
L2 = tar(reg("tmp/.wh.cache"), reg("tmp/cache2", b"d" * 500))


def valid_save() -> bytes:
    return docker_save([L0, L1, L2])


def _layer_case(*members: bytes, end: bytes = END) -> Callable[[], bytes]:
    """A docker save whose second layer is the given raw tar (the first is a normal base)."""
    return lambda: docker_save([L0, tar(*members, end=end)])


def _layer_bytes(layer: bytes) -> Callable[[], bytes]:
    return lambda: docker_save([L0, layer])


def _with_config(cfg: bytes) -> Callable[[], bytes]:
    return lambda: docker_save([L0, L1], config=cfg)


def _with_manifest(man: bytes) -> Callable[[], bytes]:
    return lambda: docker_save([L0, L1], manifest=man)


def _good_config(**over) -> dict:
    cfg = config_json(["sha256:" + sha256(L0), "sha256:" + sha256(L1)])
    cfg.update(over)
    return cfg


def _cut(at: Callable[[bytes], int]) -> Callable[[], bytes]:
    def build() -> bytes:
        data = valid_save()
        return data[: at(data)]

    return build


def _offsets(data: bytes, i: int) -> tuple[int, int, int]:
    return tb.member_offsets(data)[i]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _huge_json(path: Path, size: int = 100 << 20) -> None:
    """A docker save whose manifest.json is ``size`` bytes of valid JSON (streamed to disk)."""
    cfg = json.dumps(_good_config()).encode()
    head = b'[{"Config":"' + sha256(cfg).encode() + b'.json","Layers":["l0/layer.tar","l1/layer.tar"],"Pad":"'
    tail = b'"}]'
    fill = size - len(head) - len(tail)
    with open(path, "wb") as f:
        f.write(reg("l0/layer.tar", L0) + reg("l1/layer.tar", L1) + reg(sha256(cfg) + ".json", cfg))
        f.write(header("manifest.json", size))
        f.write(head)
        chunk = b"x" * (1 << 20)
        left = fill
        while left:
            n = min(left, len(chunk))
            f.write(chunk[:n])
            left -= n
        f.write(tail + bytes((-size) % 512) + END)


def _many_entries_layer(path: Path, n: int, compression: str = "gzip") -> None:
    """A Docker 25 save with one layer of ``n`` empty regular files (``f/0000000`` …), built
    from a header template so a million entries take seconds, streamed through gzip."""
    layer_path = path.with_suffix(".layer")
    hasher = __import__("hashlib").sha256()
    with open(layer_path, "wb") as raw:
        gz = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) if compression == "gzip" else raw
        buf = []
        for i in range(n):
            h = header(f"f{i // 1000:04d}/{i % 1000:03d}", 0)
            buf.append(h)
            if len(buf) == 4096:
                blob = b"".join(buf)
                hasher.update(blob)
                gz.write(blob)
                buf = []
        blob = b"".join(buf) + END
        hasher.update(blob)
        gz.write(blob)
        if gz is not raw:
            gz.close()
    blob_digest = __import__("hashlib").sha256(layer_path.read_bytes()).hexdigest()
    blob_size = layer_path.stat().st_size
    cfg = json.dumps(config_json(["sha256:" + hasher.hexdigest()])).encode()
    cfg_hex = sha256(cfg)
    man = json.dumps(
        [{"Config": f"blobs/sha256/{cfg_hex}", "RepoTags": ["many:1"], "Layers": [f"blobs/sha256/{blob_digest}"]}]
    ).encode()
    with open(path, "wb") as f:
        f.write(header(f"blobs/sha256/{blob_digest}", blob_size))
        with open(layer_path, "rb") as src:
            while chunk := src.read(1 << 20):
                f.write(chunk)
        f.write(bytes((-blob_size) % 512))
        f.write(reg(f"blobs/sha256/{cfg_hex}", cfg) + reg("manifest.json", man) + END)
    layer_path.unlink()


def _zero_tar_chunks(claim: int, actual: int):
    """A layer tar whose one file header claims ``claim`` bytes and ``actual`` zero bytes follow."""
    yield header("zeros", claim)
    chunk = bytes(1 << 20)
    left = actual
    while left:
        n = min(left, len(chunk))
        yield chunk[:n]
        left -= n


def _gzip_bomb() -> bytes:
    """~300 KB of gzip that inflates to 300 MiB under a header claiming one terabyte."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
        for c in _zero_tar_chunks(1 << 40, 300 << 20):
            gz.write(c)
    return buf.getvalue()


def _zstd_bomb() -> bytes:
    """A small zstd blob that inflates to 2 GiB of zeros under a header claiming a terabyte."""
    import zstandard

    buf = io.BytesIO()
    with zstandard.ZstdCompressor(level=19).stream_writer(buf, closefd=False) as w:
        for c in _zero_tar_chunks(1 << 40, 2 << 30):
            w.write(c)
    return buf.getvalue()


def _zstd_claim_terabyte() -> bytes:
    """A single zstd frame whose header claims a 1 TiB content size but holds a tiny tar."""
    import zstandard

    layer = tar(reg("a", b"hello" * 100))
    frame = zstandard.ZstdCompressor(write_content_size=True).compress(layer)
    fhd = frame[4]
    fcs_len = {0: 1, 1: 2, 2: 4, 3: 8}[fhd >> 6]
    return frame[:4] + bytes([(3 << 6) | (1 << 5)]) + (1 << 40).to_bytes(8, "little") + frame[5 + fcs_len :]


def _gzip_claim_terabyte() -> bytes:
    """A gzip member whose ISIZE trailer lies (says 4 GiB - 1) around a tiny tar."""
    g = bytearray(gzip.compress(tar(reg("a", b"hello" * 100)), mtime=0))
    g[-4:] = (0xFFFFFFFF).to_bytes(4, "little")
    return bytes(g)


def _wide_dir(width: int = 10_000) -> bytes:
    parts = [dir_("a/"), dir_("a/b/"), dir_("a/b/c/"), dir_("a/b/c/d/")]
    parts += [reg(f"a/b/c/d/f{i:05d}", b"") for i in range(width)]
    # and a 10x10x10x10 tree: 10k leaves four levels down
    parts += [
        reg(f"t{i}/u{j}/v{k}/w{m}", b"") for i in range(10) for j in range(10) for k in range(10) for m in range(10)
    ]
    return tar(*parts)


def _pax_bad_lengths() -> list[tuple[str, bytes]]:
    return [
        ("pax_length_too_long", b"99 path=a\n"),
        ("pax_length_too_short", b"5 path=abcdef\n"),
        ("pax_length_not_number", b"xx path=a\n"),
        ("pax_length_zero", b"0 path=a\n"),
        ("pax_length_negative", b"-9 path=a\n"),
        ("pax_no_equals", b"11 pathabc\n"),
        ("pax_no_newline", b"11 path=abcX"),
        ("pax_huge_size", tb.pax_records([("size", "9" * 40)])),
        ("pax_negative_size", tb.pax_records([("size", "-5")])),
        ("pax_size_not_number", tb.pax_records([("size", "12abc")])),
        ("pax_nul_in_path", tb.pax_records([("path", "a\0b")])),
    ]


def _history_cases() -> list[Case]:
    out = []
    for name, over, contains in [
        ("config_history_not_list", {"history": {"a": 1}}, ("history",)),
        ("config_history_items_not_objects", {"history": [1, 2]}, ("history",)),
        ("config_diff_ids_not_list", {"rootfs": {"type": "layers", "diff_ids": "sha256:x"}}, ("diff_ids",)),
        ("config_diff_ids_ints", {"rootfs": {"type": "layers", "diff_ids": [1, 2]}}, ("diff_ids",)),
        ("config_history_longer_than_diff_ids", {"history": [{"created_by": "a"}] * 5}, ("history has 5",)),
    ]:
        cfg = json.dumps(_good_config(**over)).encode()
        out.append(Case(name, _data(_with_config(cfg)), "error", contains))
    # odd but valid types: dive ignores or stringifies; we analyze
    for name, over in [
        ("config_rootfs_not_object", {"rootfs": "layers"}),
        ("config_created_by_not_string", {"history": [{"created_by": 7}, {"created_by": None}]}),
        ("config_empty_layer_not_bool", {"history": [{"created_by": "a", "empty_layer": "yes"}, {"created_by": "b"}]}),
        ("config_is_list", None),
    ]:
        if over is None:
            out.append(Case(name, _data(_with_config(b"[1,2,3]")), "error", ("image config",)))
            continue
        cfg = json.dumps(_good_config(**over)).encode()
        expect = "error" if name == "config_rootfs_not_object" else "ok"
        out.append(Case(name, _data(_with_config(cfg)), expect, ("history",) if expect == "error" else ()))
    return out


def cases() -> list[Case]:
    c: list[Case] = []
    add = c.append

    # ---------------------------------------------------------------- not an archive at all
    add(Case("not_a_tar", _data(lambda: b"this is not a tar archive\n" * 100), contains=("not a tar archive",)))
    add(Case("empty_file", _data(lambda: b""), contains=("empty",)))
    add(Case("only_end_blocks", _data(lambda: END), contains=("empty",)))
    add(Case("one_byte", _data(lambda: b"\0"), contains=("truncated tar header",)))
    add(Case("random_bytes", _data(lambda: bytes((i * 7919 + 13) % 256 for i in range(8192))), contains=("not a tar",)))
    add(Case("gzip_of_a_save", _data(lambda: gzip.compress(valid_save(), mtime=0)), contains=("not a tar",)))

    # ---------------------------------------------------------------- truncations
    add(Case("truncated_outer_in_first_header", _data(_cut(lambda d: 100)), contains=("truncated",)))
    add(
        Case(
            "truncated_outer_at_layer_data",
            _data(_cut(lambda d: _offsets(d, 0)[1] + 700)),
            contains=("truncated", "l0/layer.tar"),
        )
    )
    add(
        Case(
            "truncated_outer_in_second_header", _data(_cut(lambda d: _offsets(d, 1)[0] + 300)), contains=("truncated",)
        )
    )
    add(
        Case(
            "truncated_outer_at_member_boundary",
            _data(_cut(lambda d: _offsets(d, 1)[0])),
            contains=("could not find image manifest",),
        )
    )
    add(
        Case(
            "truncated_outer_in_manifest",
            _data(_cut(lambda d: _offsets(d, -1)[2] - 5)),
            contains=("truncated", "manifest.json"),
        )
    )
    add(
        Case(
            "truncated_outer_in_padding",
            _data(_cut(lambda d: _offsets(d, -1)[2] + 3)),
            contains=("truncated", "manifest.json"),
        )
    )
    add(
        Case(
            "truncated_outer_before_end_blocks",
            _data(_cut(lambda d: _offsets(d, -1)[2] + (-_offsets(d, -1)[2]) % 512)),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "truncated_layer_in_header",
            _data(_layer_bytes(L1[:300])),
            contains=("truncated tar header", "l1/layer.tar"),
        )
    )
    add(
        Case(
            "truncated_layer_in_second_header",
            _data(_layer_bytes(L1[: 1024 + 300])),
            contains=("truncated tar header", "l1/layer.tar"),
        )
    )
    add(
        Case(
            "truncated_layer_at_header_boundary",
            _data(_layer_bytes(L1[:512])),
            contains=("truncated", "l1/layer.tar", "etc/passwd"),
        )
    )
    add(
        Case(
            "truncated_layer_in_data",
            _data(_layer_bytes(L1[: 512 + 20])),
            contains=("truncated", "l1/layer.tar", "etc/passwd"),
        )
    )
    add(
        Case("truncated_layer_in_padding", _data(_layer_bytes(L1[: 512 + 100])), contains=("truncated", "l1/layer.tar"))
    )
    add(
        Case(
            "truncated_layer_in_pax_record",
            _data(_layer_bytes(pax([("path", "x" * 200)])[:600])),
            contains=("truncated", "l1/layer.tar"),
        )
    )
    add(Case("truncated_layer_no_end_blocks", _data(_layer_bytes(L1[:-1024])), "ok", dive=True))
    add(
        Case(
            "truncated_gzip_layer",
            _data(lambda: docker25_save([gzip.compress(L1, mtime=0)[:-30]])),
            contains=("blobs/sha256/",),
        )
    )
    add(
        Case(
            "truncated_zstd_layer",
            _data(lambda: docker25_save([tb.compress(L1, "zstd")[:-20]])),
            contains=("blobs/sha256/",),
        )
    )

    # ---------------------------------------------------------------- checksums and numbers
    add(
        Case(
            "outer_bad_checksum_first",
            _data(lambda: reg("x", b"1", checksum=b"0000000\0") + valid_save()),
            contains=("not a tar archive",),
        )
    )
    add(
        Case(
            "outer_bad_checksum_later",
            _data(lambda: docker_save([L0, L1], before=[reg("a", b"1"), reg("b", b"2", checksum=b"0001234\0")])),
            contains=("bad checksum", "offset 1024"),
        )
    )
    add(
        Case(
            "layer_bad_checksum",
            _data(_layer_case(reg("ok", b"1"), reg("bad", b"2", checksum=b"0000777\0"))),
            contains=("bad checksum", "l1/layer.tar"),
        )
    )
    add(
        Case(
            "layer_checksum_not_octal",
            _data(_layer_case(reg("ok", b"1"), reg("bad", b"2", checksum=b"zzzzzz\0 "))),
            contains=("checksum", "l1/layer.tar"),
        )
    )
    add(
        Case(
            "outer_size_past_end",
            _data(lambda: valid_save()[:-1024] + header("extra", 1 << 30) + b"x" * 100),
            contains=("truncated",),
        )
    )
    add(
        Case(
            "outer_manifest_size_past_end",
            _data(
                lambda: (
                    docker_save([L0, L1], manifest=b"[]")[: -1024 - 512 * 2] + header("manifest.json", 1 << 33) + b"[]"
                )
            ),
            contains=("truncated", "manifest.json"),
        )
    )
    add(
        Case(
            "layer_size_past_end",
            _data(_layer_case(reg("a", b"1"), header("big", 10 << 20) + b"x" * 512, end=b"")),
            contains=("truncated", "l1/layer.tar", "big"),
        )
    )
    add(
        Case(
            "layer_negative_size_b256",
            _data(_layer_case(header("neg", -5) + bytes(512))),
            contains=("negative size", "l1/layer.tar"),
        )
    )
    add(
        Case(
            "layer_huge_size_b256",
            _data(_layer_case(header("huge", 1 << 90, fields={124: base256(1 << 90, 12)}))),
            contains=("l1/layer.tar",),
        )
    )
    add(
        Case(
            "layer_uid_b256_max",
            _data(_layer_case(reg("u", b"1", fields={108: b"\x80" + b"\xff" * 7}))),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "layer_size_b256_over_int64",
            _data(_layer_case(header("h", 0, fields={124: b"\x80" + b"\xff" * 11}))),
            contains=("l1/layer.tar", "size field out of range"),
        )
    )
    add(
        Case(
            "pax_uid_over_int64",
            _data(_layer_case(pax([("uid", "9" * 30)]), reg("a", b"1"))),
            contains=("l1/layer.tar", "uid value out of range"),
        )
    )
    add(Case("layer_negative_uid_b256", _data(_layer_case(reg("u", b"1", uid=-2))), "ok", dive=True))
    add(Case("layer_big_uid_b256", _data(_layer_case(reg("u", b"1", uid=3_000_000_000))), "ok", dive=True))
    add(
        Case(
            "layer_size_b256_valid",
            _data(_layer_case(member(header("b", 700, fields={124: base256(700, 12)}), b"q" * 700))),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "layer_mode_garbage",
            _data(_layer_case(reg("m", b"1", fields={100: b"9z9z9z9\0"}))),
            contains=("mode", "l1/layer.tar"),
        )
    )
    add(Case("layer_mode_all_bits", _data(_layer_case(reg("m", b"1", mode=0o7777777))), "ok", dive=True))
    add(
        Case(
            "layer_size_spaces_only",
            _data(_layer_case(member(header("s", 0, fields={124: b"           \0"})))),
            "ok",
            dive=True,
        )
    )

    # ---------------------------------------------------------------- PAX and GNU records
    for name, records in _pax_bad_lengths():
        add(Case(name, _data(_layer_case(pax(records), reg("a", b"1"))), contains=("l1/layer.tar",)))
    add(
        Case(
            "pax_global_in_layer",
            _data(_layer_case(pax([("comment", "x")], typeflag=b"g"), reg("a", b"1"))),
            contains=("PAX global header", "l1/layer.tar"),
        )
    )
    add(
        Case(
            "pax_global_in_outer",
            _data(lambda: docker_save([L0, L1], before=[pax([("comment", "x")], typeflag=b"g")])),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "pax_record_over_1mib",
            _data(_layer_case(pax([("comment", "x" * (1 << 20))]), reg("a", b"1"))),
            contains=("exceeds 1 MiB", "l1/layer.tar"),
        )
    )
    add(
        Case(
            "pax_long_path_and_uid",
            _data(_layer_case(pax([("path", "p/" + "n" * 300), ("uid", "3000000")]), reg("short", b"zz"))),
            "ok",
            dive=True,
        )
    )
    add(Case("pax_only_at_end", _data(_layer_case(reg("a", b"1"), pax([("path", "b")]))), "ok", dive=True))
    add(
        Case(
            "gnu_long_name_70k",
            _data(_layer_case(gnu_long(b"d/" + b"n" * 70_000), reg("x", b"1"))),
            contains=("l1/layer.tar", "member name of 70002 bytes", "exceeds 64 KiB"),
        )
    )
    add(Case("gnu_long_name_4k", _data(_layer_case(gnu_long(b"d/" + b"n" * 4000), reg("x", b"1"))), "ok", dive=True))
    add(
        Case(
            "gnu_long_link_70k",
            _data(_layer_case(gnu_long(b"t" * 70_000, b"K"), symlink("s", "x"))),
            contains=("l1/layer.tar", "link target of 70000 bytes"),
        )
    )
    add(
        Case(
            "pax_path_70k",
            _data(_layer_case(pax([("path", "p" * 70_000)]), reg("x", b"1"))),
            contains=("l1/layer.tar", "exceeds 64 KiB"),
        )
    )
    add(
        Case(
            "gnu_long_name_over_1mib",
            _data(_layer_case(gnu_long(b"n" * ((1 << 20) + 10)), reg("x", b"1"))),
            contains=("exceeds 1 MiB", "l1/layer.tar"),
        )
    )
    add(Case("gnu_long_name_then_eof", _data(_layer_case(gnu_long(b"dangling"))), "ok", dive=True))

    # ---------------------------------------------------------------- names
    add(
        Case(
            "name_with_newline",
            _data(_layer_case(reg("etc/new\nline", b"1" * 10), reg("etc/new\nline", b"2" * 10))),
            "ok",
            dive=True,
        )
    )
    add(Case("name_with_nul_in_header", _data(_layer_case(reg(b"a\0hidden", b"1"))), "ok", dive=True))
    add(
        Case(
            "name_non_utf8",
            _data(_layer_case(reg(b"caf\xe9", b"1" * 100), reg(b"caf\xe9", b"2" * 100))),
            "ok",
            dive=True,
        )
    )
    # absolute names resolve under the root, as in Docker, containerd and dive (kaniko writes them)
    add(Case("name_absolute", _data(_layer_case(reg("/etc/shadow", b"x"))), "ok", dive=True))
    add(
        Case(
            "name_root_and_absolute_mixed",
            _data(
                _layer_case(
                    dir_("/"),
                    dir_("./"),
                    reg("/etc/passwd", b"p" * 40),
                    reg("etc/passwd", b"q" * 50),
                    hardlink("/etc/p2", "/etc/passwd"),
                    reg("//etc//x", b"r"),
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(Case("name_root_regular_file", _data(_layer_case(reg("/", b"s" * 100), reg("x", b"1"))), "ok", dive=True))
    add(
        Case(
            "name_dotdot_rooted",
            _data(_layer_case(reg("/../etc/shadow", b"x"))),
            contains=("escapes the layer root", "l1/layer.tar"),
        )
    )
    add(
        Case(
            "name_dotdot",
            _data(_layer_case(reg("../../etc/shadow", b"x"))),
            contains=("escapes the layer root", "l1/layer.tar"),
        )
    )
    add(
        Case(
            "name_dotdot_inside",
            _data(_layer_case(reg("a/../../b", b"x"))),
            contains=("escapes the layer root", "l1/layer.tar"),
        )
    )
    add(
        Case("name_dotdot_harmless", _data(_layer_case(reg("a/../b", b"x" * 10), reg("b", b"y" * 10))), "ok", dive=True)
    )
    add(
        Case(
            "names_collide_after_clean",
            _data(_layer_case(reg("a", b"1" * 10), reg("./a", b"2" * 20), dir_("a/"), reg("a//", b""))),
            "ok",
            dive=True,
        )
    )
    add(Case("name_dot_only", _data(_layer_case(dir_("./"), dir_("."), reg("x", b"1"))), "ok", dive=True))
    add(Case("name_empty", _data(_layer_case(reg("", b"1"), reg("x", b"2"))), "ok", dive=True))
    add(
        Case(
            "file_replaced_by_dir_and_back",
            _data(_layer_case(reg("p", b"1" * 10), dir_("p/"), reg("p/q", b"2" * 5), reg("p", b"3" * 7))),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "file_dir_file_across_layers",
            _data(
                lambda: docker_save(
                    [tar(reg("p", b"1" * 10)), tar(dir_("p/"), reg("p/q", b"2")), tar(reg("p", b"3" * 9))]
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "linkname_absolute_and_dotdot",
            _data(_layer_case(symlink("s1", "/etc/shadow"), symlink("s2", "../../../../etc"), hardlink("h", "../x"))),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "outer_member_absolute_and_dotdot",
            _data(lambda: docker_save([L0, L1], before=[reg("/etc/evil", b"x"), reg("../evil.json", b"{}")])),
            "ok",
            dive=True,
        )
    )

    # ---------------------------------------------------------------- whiteouts, links, devices
    add(
        Case("whiteout_missing_path", _data(_layer_case(reg("nothere/.wh.gone"), reg(".wh.alsogone"))), "ok", dive=True)
    )
    add(Case("whiteout_root", _data(_layer_case(reg(".wh."), reg("x", b"1"))), "ok", dive=True))
    add(Case("whiteout_dot", _data(_layer_case(reg(".wh..", b""), reg("x", b"1"))), "ok", dive=True))
    add(Case("whiteout_dotdot", _data(_layer_case(reg(".wh...", b""), reg("x", b"1"))), "ok", dive=True))
    add(Case("whiteout_of_etc_dir", _data(_layer_case(reg(".wh.etc"))), "ok", dive=True))
    add(Case("whiteout_with_content", _data(_layer_case(reg("etc/.wh.passwd", b"not empty" * 10))), "ok", dive=True))
    add(Case("opaque_at_root", _data(_layer_case(reg(".wh..wh..opq"), reg("y", b"1"))), "ok", dive=True))
    add(
        Case(
            "opaque_everywhere",
            _data(_layer_case(reg("etc/.wh..wh..opq"), reg("tmp/.wh..wh..opq"), reg("zz/.wh..wh..opq"))),
            "ok",
            dive=True,
        )
    )
    add(Case("hardlink_to_missing", _data(_layer_case(hardlink("h", "nothere"))), "ok", dive=True))
    add(
        Case(
            "hardlink_to_later_member",
            _data(_layer_case(hardlink("h", "later"), reg("later", b"1" * 10))),
            "ok",
            dive=True,
        )
    )
    add(Case("hardlink_to_itself", _data(_layer_case(hardlink("h", "h"))), "ok", dive=True))
    add(
        Case(
            "symlink_cycle",
            _data(_layer_case(symlink("a", "b"), symlink("b", "a"), symlink("c", "c"), symlink("d", "d/d"))),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "symlink_dir_then_files_under_it",
            _data(_layer_case(symlink("etc2", "/etc"), reg("etc2/passwd", b"x"))),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "device_files",
            _data(
                _layer_case(
                    member(header("dev/null", 0, b"3", mode=0o666)),
                    member(header("dev/sda", 0, b"4", mode=0o660)),
                    member(header("run/fifo", 0, b"6")),
                    member(header("dev/sz", 4096, b"3")),
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "unknown_typeflags",
            _data(
                _layer_case(
                    member(header("v", 10, b"V"), b"v" * 10),
                    member(header("z", 3, b"Z"), b"zzz"),
                    member(header("c", 4, b"7"), b"cccc"),
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "gnu_sparse_not_gnu_format",
            _data(_layer_case(member(header("s", 10, b"S"), b"s" * 10))),
            contains=("l1/layer.tar", "GNU sparse"),
        )
    )
    add(
        Case(
            "gnu_sparse_with_extension_block",
            _data(_layer_case(_gnu_sparse(), reg("y", b"1"), reg("sp", b"again"))),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "gnu_sparse_truncated_map",
            _data(_layer_case(_gnu_sparse()[: 512 + 100], end=b"")),
            contains=("l1/layer.tar", "sparse map"),
        )
    )
    add(
        Case(
            "gnu_sparse_empty_map",
            _data(
                _layer_case(
                    member(header("sp", 10, b"S", magic=tb.GNU_MAGIC, fields={483: tb.octal(5000, 12)}), b"s" * 10)
                )
            ),
            "ok",
        )
    )
    add(Case("regtype_nul_typeflag", _data(_layer_case(member(header("r", 5, b"\0"), b"12345"))), "ok", dive=True))

    # ---------------------------------------------------------------- sizes and shapes
    add(Case("wide_dir_10k_and_4_levels", _data(lambda: docker_save([L0, _wide_dir()])), "ok", dive=True, timeout=120))
    add(
        Case(
            "deep_path_2000_levels",
            _data(_layer_case(pax([("path", "/".join(["d"] * 2000) + "/f")]), reg("x", b"1"))),
            "ok",
            dive=True,
        )
    )
    # memory bombs --max-bytes misses: a few KB of gzip naming paths 32,000 levels deep
    add(
        Case(
            "deep_path_32000_levels_gzip",
            _data(lambda: docker25_save([L0, gzip.compress(_deep_paths(32_000, 16), mtime=0)])),
            contains=("blobs/sha256/", "32001 directories deep", "limit 2048"),
        )
    )
    add(
        Case(
            "deep_path_2049_levels",
            _data(_layer_case(pax([("path", "/".join(["d"] * 2048) + "/f")]), reg("x", b"1"))),
            contains=("l1/layer.tar", "2049 directories deep", "limit 2048"),
        )
    )
    add(
        Case(
            "path_bytes_over_1gib",
            _data(lambda: docker25_save([L0, _long_names_gzip(17_000)])),
            contains=("blobs/sha256/", "member names and link targets total more than 1073741824 bytes"),
            timeout=180,
            big=True,
        )
    )
    add(Case("many_entries_1m", lambda p: _many_entries_layer(p, 1_000_000), "ok", timeout=300, big=True))
    add(
        Case(
            "max_entries_cap",
            lambda p: _many_entries_layer(p, 20_000),
            contains=("--max-entries", "blobs/sha256/"),
            args=("--max-entries", "10000"),
        )
    )
    add(
        Case(
            "max_bytes_cap",
            _data(lambda: docker_save([L0, tar(reg("big", b"b" * 300_000))])),
            contains=("--max-bytes", "l1/layer.tar"),
            args=("--max-bytes", "100KB"),
        )
    )

    # ---------------------------------------------------------------- compression
    add(
        Case(
            "gzip_bomb_terabyte_claim",
            _data(lambda: docker25_save([_gzip_bomb()])),
            contains=("blobs/sha256/", "truncated data"),
            timeout=120,
            big=True,
        )
    )
    add(
        Case(
            "gzip_bomb_max_bytes",
            _data(lambda: docker25_save([_gzip_bomb()])),
            contains=("blobs/sha256/", "--max-bytes"),
            args=("--max-bytes", "100MB"),
            big=True,
        )
    )
    add(
        Case(
            "zstd_bomb_terabyte_claim",
            _data(lambda: docker25_save([_zstd_bomb()])),
            contains=("blobs/sha256/", "decompression bomb"),
            timeout=120,
            big=True,
        )
    )
    add(
        Case(
            "zstd_frame_claims_terabyte",
            _data(lambda: oci_archive([_zstd_claim_terabyte()])),
            contains=("blobs/sha256/", "zstd"),
        )
    )
    add(Case("gzip_isize_lies", _data(lambda: docker25_save([_gzip_claim_terabyte()])), contains=("blobs/sha256/",)))
    add(
        Case(
            "gzip_concatenated_members",
            _data(
                lambda: docker25_save(
                    [gzip.compress(L1[:1536], mtime=0) + gzip.compress(L1[1536:], mtime=0)], ["sha256:" + sha256(L1)]
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "gzip_many_empty_members",
            _data(
                lambda: docker25_save(
                    [gzip.compress(b"", mtime=0) * 5000 + gzip.compress(L1, mtime=0)], ["sha256:" + sha256(L1)]
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "gzip_trailing_garbage",
            _data(lambda: docker25_save([gzip.compress(L1, mtime=0) + b"garbage!" * 10], ["sha256:" + sha256(L1)])),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "gzip_corrupt_deflate",
            _data(
                lambda: docker25_save(
                    [(lambda g: g[:20] + bytes(b ^ 0x55 for b in g[20:40]) + g[40:])(gzip.compress(L1, mtime=0))]
                )
            ),
            contains=("blobs/sha256/",),
        )
    )
    add(
        Case(
            "zstd_concatenated_frames",
            _data(
                lambda: docker25_save(
                    [tb.compress(L1[:1536], "zstd") + tb.compress(L1[1536:], "zstd")], ["sha256:" + sha256(L1)]
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "zstd_skippable_frame",
            _data(
                lambda: docker25_save(
                    [b"\x50\x2a\x4d\x18" + (8).to_bytes(4, "little") + b"skipme!!" + tb.compress(L1, "zstd")],
                    ["sha256:" + sha256(L1)],
                )
            ),
            "ok",
        )
    )
    add(
        Case(
            "zstd_corrupt",
            _data(
                lambda: docker25_save([(lambda z: z[:12] + bytes(b ^ 0xA5 for b in z[12:]))(tb.compress(L1, "zstd"))])
            ),
            contains=("blobs/sha256/",),
        )
    )
    add(
        Case(
            "gzip_of_garbage",
            _data(lambda: docker25_save([gzip.compress(b"not a tar" * 100, mtime=0)])),
            contains=("blobs/sha256/",),
        )
    )

    # ---------------------------------------------------------------- trailing data
    add(Case("outer_trailing_garbage", _data(lambda: valid_save() + b"trailing garbage" * 1000), "ok", dive=True))
    add(
        Case(
            "layer_trailing_garbage", _data(_layer_case(reg("a", b"1" * 10), end=END + b"junk" * 300)), "ok", dive=True
        )
    )
    add(
        Case(
            "layer_single_zero_block_then_garbage",
            _data(_layer_case(reg("a", b"1" * 10), end=bytes(512) + b"\xff" * 512)),
            contains=("l1/layer.tar", "zero block at offset 1024 is followed by data"),
        )
    )
    add(
        Case(
            "layer_single_zero_block_then_eof", _data(_layer_case(reg("a", b"1" * 10), end=bytes(512))), "ok", dive=True
        )
    )
    add(
        Case(
            "layer_dot_entries_with_size",
            _data(_layer_case(reg("./x/..", b"12345"), dir_("./"), reg("", b"abc"), reg("y", b"1"))),
            "ok",
            dive=True,
        )
    )

    # ---------------------------------------------------------------- JSON documents
    add(
        Case(
            "manifest_invalid_json",
            _data(_with_manifest(b'[{"Config": ')),
            contains=("manifest", "manifest.json", "invalid JSON"),
        )
    )
    add(Case("manifest_not_utf8", _data(_with_manifest(b'[{"Config": "\xff\xfe"}]')), contains=("manifest.json",)))
    add(
        Case(
            "config_invalid_json",
            _data(_with_config(b'{"rootfs": nope}')),
            contains=("image config", ".json", "invalid JSON"),
        )
    )
    add(Case("manifest_huge_100mb", _huge_json, contains=("manifest.json", "larger than 16 MiB"), big=True))
    add(
        Case(
            "manifest_nested_100k",
            _data(_with_manifest(_nested(100_000))),
            contains=("manifest.json", "nested too deeply"),
        )
    )
    add(
        Case(
            "config_nested_100k",
            _data(_with_config(b'{"history":' + _nested(100_000) + b"}")),
            contains=("image config", "nested too deeply"),
        )
    )
    add(Case("config_nested_900", _data(_with_config(b'{"x":' + _nested(900) + b"}")), "ok"))
    add(
        Case(
            "manifest_is_object",
            _data(_with_manifest(b'{"Config": "x"}')),
            contains=("manifest.json", "non-empty list"),
        )
    )
    add(Case("manifest_elements_not_objects", _data(_with_manifest(b'[1, "two"]')), contains=("manifest.json",)))
    add(
        Case(
            "manifest_config_not_string",
            _data(_with_manifest(b'[{"Config": ["a"], "Layers": []}]')),
            contains=("manifest.json", "Config"),
        )
    )
    add(
        Case(
            "manifest_layers_not_strings",
            _data(_with_manifest(b'[{"Config": "c.json", "Layers": [1, {"a": 2}]}]')),
            contains=("manifest.json", "Layers"),
        )
    )
    add(
        Case(
            "manifest_repotags_not_list",
            _data(
                lambda: docker_save(
                    [L0],
                    manifest=json.dumps(
                        [
                            {
                                "Config": sha256(
                                    json.dumps(config_json(["sha256:" + sha256(L0)]), separators=(",", ":")).encode()
                                )
                                + ".json",
                                "RepoTags": "x:1",
                                "Layers": ["l0/layer.tar"],
                            }
                        ]
                    ).encode(),
                )
            ),
            contains=("manifest.json", "RepoTags"),
        )
    )
    add(
        Case(
            "manifest_layer_escapes",
            _data(
                lambda: docker_save(
                    [L0], manifest=json.dumps([{"Config": "../../etc/passwd", "Layers": ["/etc/shadow"]}]).encode()
                )
            ),
            contains=("could not find",),
        )
    )
    add(
        Case(
            "manifest_duplicate_keys",
            _data(
                lambda: docker_save(
                    [L0, L1],
                    manifest=b'[{"Config": "nope.json", "Layers": [], '
                    + b'"Config": "'
                    + sha256(json.dumps(_good_config(), separators=(",", ":")).encode()).encode()
                    + b'.json", "Layers": ["l0/layer.tar", "l1/layer.tar"]}]',
                    config=json.dumps(_good_config(), separators=(",", ":")).encode(),
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "config_duplicate_keys",
            _data(
                _with_config(
                    b'{"rootfs": {"type": "x", "diff_ids": []}, "history": [], '
                    + json.dumps(_good_config())[1:].encode()
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(
        Case(
            "manifest_more_layers_than_diff_ids",
            _data(
                lambda: docker_save(
                    [L0, L1, L2],
                    config=json.dumps(config_json(["sha256:" + sha256(L0)], history=[{"created_by": "a"}])).encode(),
                )
            ),
            "ok",
            dive=True,
        )
    )
    add(Case("config_empty_object", _data(_with_config(b"{}")), "ok", dive=True))
    add(Case("manifest_empty_list", _data(_with_manifest(b"[]")), contains=("manifest.json", "non-empty list")))
    add(
        Case(
            "json_bom",
            _data(_with_manifest(b"\xef\xbb\xbf" + json.dumps([{"Config": "x.json", "Layers": []}]).encode())),
            contains=("x.json",),
        )
    )
    c.extend(_history_cases())

    # ---------------------------------------------------------------- OCI index
    add(
        Case(
            "oci_index_invalid_json",
            _data(lambda: oci_archive([L1], index=b"{")),
            contains=("index.json", "invalid JSON"),
        )
    )
    add(
        Case(
            "oci_index_nested_100k",
            _data(lambda: oci_archive([L1], index=_nested(100_000))),
            contains=("index.json", "nested too deeply"),
        )
    )
    add(
        Case(
            "oci_index_wrong_types",
            _data(lambda: oci_archive([L1], index=b'{"manifests": {"a": 1}}')),
            contains=("index.json",),
        )
    )
    add(
        Case(
            "oci_index_descriptor_not_object",
            _data(lambda: oci_archive([L1], index=b'{"manifests": [7]}')),
            contains=("index.json",),
        )
    )
    add(
        Case(
            "oci_index_digest_escapes",
            _data(lambda: oci_archive([L1], index=b'{"manifests": [{"digest": "sha256:../../etc/passwd"}]}')),
            contains=("index.json", "digest"),
        )
    )
    add(
        Case(
            "oci_index_digest_not_string",
            _data(lambda: oci_archive([L1], index=b'{"manifests": [{"digest": 12}]}')),
            contains=("index.json", "digest"),
        )
    )
    # regressions from the fuzzer (seed 1, inputs 20128 and 18270): a mediaType that is an object
    # or a list reached a set-membership test and crashed with TypeError (unhashable)
    add(
        Case(
            "oci_descriptor_mediatype_object",
            _data(lambda: _oci_index_edit(lambda d: d.update(mediaType={"a": 1}))),
            contains=("index.json: manifests[0].mediaType: expected a string",),
        )
    )
    add(
        Case(
            "oci_descriptor_mediatype_list",
            _data(lambda: _oci_index_edit(lambda d: d.update(mediaType=["x"]))),
            contains=("index.json: manifests[0].mediaType: expected a string",),
        )
    )
    # a field of the wrong type is refused where Go's json.Unmarshal (the engines') refuses it
    add(
        Case(
            "oci_manifest_mediatype_list",
            _data(lambda: _oci_manifest_mediatype([1, 2])),
            contains=("image manifest blobs/sha256/", ": mediaType: expected a string"),
        )
    )
    add(Case("oci_index_self_loop", _data(lambda: _oci_index_loop()), contains=("nested more than",)))
    add(
        Case(
            "oci_manifest_layers_not_list",
            _data(lambda: oci_archive([L1], manifest=b'{"config": {"digest": "sha256:00"}, "layers": 5}')),
            contains=("manifest",),
        )
    )
    add(
        Case(
            "oci_platform_not_object",
            _data(lambda: _oci_platform_string()),
            contains=("index.json: manifests[0].platform: expected an object",),
        )
    )
    c.extend(_descriptor_field_cases())
    # "no platform matches" lists at most 20 platforms of a 10,000-entry index (was one 159 KB line)
    add(
        Case(
            "oci_index_10k_platforms_none_matches",
            _data(lambda: _many_platforms(10_000)),
            args=("--platform", "linux/none"),
            contains=(
                "platform linux/none not in the image (available: linux/arch00000, ",
                "linux/arch00019 … and 9980 more)",
            ),
        )
    )
    add(
        Case(
            "oci_layer_digest_mismatch",
            _data(lambda: _oci_digest_mismatch()),
            contains=("does not match", "blobs/sha256/"),
        )
    )
    add(
        Case(
            "oci_config_digest_mismatch",
            _data(lambda: _oci_config_mismatch()),
            contains=("does not match", "blobs/sha256/"),
        )
    )
    add(
        Case(
            "oci_blob_neither_tar_nor_json",
            _data(lambda: oci_archive([b"plain text, not a layer" * 50])),
            contains=("blobs/sha256/",),
        )
    )
    return c


def _deep_paths(depth: int, n: int) -> bytes:
    """A layer tar of ``n`` files, each ``depth`` directories deep (``a/a/…/f``, PAX names):
    about 64 KB per name, a few KB once gzipped, and quadratic work for every later stage."""
    return tar(*(pax([("path", f"{i}/" + "a/" * (depth - 1) + "f")]) + reg("x", b"1") for i in range(n)))


def _long_names_gzip(n: int) -> bytes:
    """A gzip layer of ``n`` files with 63 KiB names (each distinct): past 1 GiB of names for
    17,000 of them, about 1 MB once gzipped.  Streamed into the compressor, never whole."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=1) as gz:
        for i in range(n):
            gz.write(pax([("path", f"{i:08d}/" + "n" * (63 << 10))]) + reg("x", b"1"))
        gz.write(END)
    return buf.getvalue()


def _oci_field_edit(where: str, edit) -> Callable[[], bytes]:
    """An OCI archive whose index (``where="index"``) or manifest has one field edited."""

    def build() -> bytes:
        good = tb.oci_archive([L1])
        index = json.loads(_member(good, "index.json"))
        if where == "index":
            edit(index)
            return tb.oci_archive([L1], index=json.dumps(index).encode())
        man = json.loads(_member(good, "blobs/sha256/" + index["manifests"][0]["digest"][7:]))
        edit(man)
        return tb.oci_archive([L1], manifest=json.dumps(man).encode())

    return build


def _set(path: str, value):  # noqa: ANN001, ANN202 - a tiny JSON editor for the cases below
    def edit(doc) -> None:  # noqa: ANN001
        *parents, last = path.split(".")
        for key in parents:
            doc = doc[int(key)] if key.isdigit() else doc.setdefault(key, {})
        doc[int(last) if last.isdigit() else last] = value

    return edit


def _descriptor_field_cases() -> list[Case]:
    """Every malformed descriptor field gives a located one-line error."""
    m = "image manifest blobs/sha256/"
    rows = [
        (
            "platform_os_int",
            "index",
            "manifests.0.platform",
            {"os": 5, "architecture": "amd64"},
            "index.json: manifests[0].platform.os: expected a string",
        ),
        (
            "platform_arch_list",
            "index",
            "manifests.0.platform",
            {"os": "linux", "architecture": ["amd64"]},
            "manifests[0].platform.architecture: expected a string",
        ),
        (
            "platform_variant_obj",
            "index",
            "manifests.0.platform",
            {"os": "linux", "architecture": "arm", "variant": {}},
            "manifests[0].platform.variant: expected a string",
        ),
        (
            "platform_features_str",
            "index",
            "manifests.0.platform",
            {"os": "linux", "architecture": "amd64", "os.features": "x"},
            "manifests[0].platform.os.features: expected a list",
        ),
        ("index_manifests_int", "index", "manifests", 5, "index.json: manifests: expected a list"),
        ("index_size_negative", "index", "manifests.0.size", -1, "index.json: manifests[0].size: expected an integer"),
        ("index_size_huge", "index", "manifests.0.size", 1 << 70, "index.json: manifests[0].size: expected an integer"),
        ("index_size_float", "index", "manifests.0.size", 2.5, "manifests[0].size: expected an integer"),
        ("index_size_bool", "index", "manifests.0.size", True, "manifests[0].size: expected an integer"),
        (
            "index_annotations_list",
            "index",
            "manifests.0.annotations",
            ["a"],
            "manifests[0].annotations: expected an object of strings",
        ),
        (
            "index_ref_name_int",
            "index",
            "manifests.0.annotations",
            {"org.opencontainers.image.ref.name": 7},
            "manifests[0].annotations: expected an object of strings",
        ),
        (
            "index_digest_list",
            "index",
            "manifests.0.digest",
            ["sha256:00"],
            "index.json: manifests[0].digest: expected a string",
        ),
        ("manifest_layers_str", "manifest", "layers", "x", ": layers: expected a list"),
        ("manifest_config_int", "manifest", "config", 5, ": config: expected an object"),
        ("manifest_config_digest_int", "manifest", "config.digest", 5, ": config.digest: expected a string"),
        ("manifest_layer_not_object", "manifest", "layers.0", "sha256:00", ": layers[0]: expected an object"),
        ("manifest_layer_digest_null", "manifest", "layers.0.digest", None, ": layers[0].digest: expected a string"),
        ("manifest_layer_size_negative", "manifest", "layers.0.size", -5, ": layers[0].size: expected an integer"),
        ("manifest_layer_size_huge", "manifest", "layers.0.size", 10**40, ": layers[0].size: expected an integer"),
        (
            "manifest_layer_mediatype_int",
            "manifest",
            "layers.0.mediaType",
            3,
            ": layers[0].mediaType: expected a string",
        ),
        (
            "manifest_layer_annotations_str",
            "manifest",
            "layers.0.annotations",
            "x",
            ": layers[0].annotations: expected an object of strings",
        ),
    ]
    return [
        Case(
            f"oci_field_{name}",
            _data(_oci_field_edit(where, _set(path, value))),
            contains=(needle,) if where == "index" else (m, needle),
        )
        for name, where, path, value, needle in rows
    ]


def _many_platforms(n: int) -> bytes:
    """An OCI archive whose index lists ``n`` platforms (all the same manifest)."""
    good = tb.oci_archive([L1])
    index = json.loads(_member(good, "index.json"))
    desc = index["manifests"][0]
    index["manifests"] = [{**desc, "platform": {"os": "linux", "architecture": f"arch{i:05d}"}} for i in range(n)]
    return tb.oci_archive([L1], index=json.dumps(index).encode())


def _gnu_sparse() -> bytes:
    """An old-GNU sparse member: real size 5000, two data fragments (one in an extension
    block), 16 stored bytes."""
    fields = {483: tb.octal(5000, 12), 482: b"\1", 386: tb.octal(0, 12), 398: tb.octal(10, 12)}
    ext = bytearray(512)
    ext[0:12], ext[12:24] = tb.octal(4000, 12), tb.octal(6, 12)
    return header("sp", 16, b"S", magic=tb.GNU_MAGIC, fields=fields) + bytes(ext) + tb.pad(b"s" * 16)


def _oci_index_loop() -> bytes:
    # an index blob that lists itself as a nested index cannot have its own digest, so chain
    # nine distinct nested indexes instead (each listing the next)
    inner = tb.oci_archive([L1])
    base_index = json.loads(_member(inner, "index.json"))
    blobs = []
    doc = base_index
    for i in range(10):
        data = json.dumps({**doc, "n": i}).encode()
        blobs.append(data)
        doc = {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.index.v1+json",
                    "digest": "sha256:" + sha256(data),
                    "size": len(data),
                }
            ],
        }
    parts = [m for m in _members(inner) if m[0] != "index.json"]
    raw = b"".join(reg(n, d) for n, d in parts) + b"".join(reg(f"blobs/sha256/{sha256(b)}", b) for b in blobs)
    return raw + reg("index.json", json.dumps(doc).encode()) + END


def _oci_index_edit(edit) -> bytes:
    inner = tb.oci_archive([L1])
    index = json.loads(_member(inner, "index.json"))
    edit(index["manifests"][0])
    return tb.oci_archive([L1], index=json.dumps(index).encode())


def _oci_manifest_mediatype(value) -> bytes:
    good = tb.oci_archive([L1])
    man_name = "blobs/sha256/" + json.loads(_member(good, "index.json"))["manifests"][0]["digest"][7:]
    man = json.loads(_member(good, man_name))
    man["mediaType"] = value
    return tb.oci_archive([L1], manifest=json.dumps(man).encode())


def _oci_platform_string() -> bytes:
    inner = tb.oci_archive([L1])
    index = json.loads(_member(inner, "index.json"))
    index["manifests"][0]["platform"] = "linux/amd64"
    return tb.oci_archive([L1], index=json.dumps(index).encode())


def _oci_digest_mismatch() -> bytes:
    good = tb.oci_archive([L1])
    wrong = L1[:-1024] + reg("added", b"x") + END
    return _replace_member_data(good, f"blobs/sha256/{sha256(L1)}", wrong)


def _oci_config_mismatch() -> bytes:
    good = tb.oci_archive([L1])
    man = json.loads(
        _member(good, "blobs/sha256/" + json.loads(_member(good, "index.json"))["manifests"][0]["digest"][7:])
    )
    cfg_name = "blobs/sha256/" + man["config"]["digest"][7:]
    cfg = json.loads(_member(good, cfg_name))
    cfg["history"] = [{"created_by": "tampered"}]
    return _replace_member_data(good, cfg_name, json.dumps(cfg).encode())


def _members(archive: bytes) -> list[tuple[str, bytes]]:
    out = []
    for h, d, e in tb.member_offsets(archive):
        name = archive[h : h + 100].split(b"\0", 1)[0].decode()
        out.append((name, archive[d:e]))
    return out


def _member(archive: bytes, name: str) -> bytes:
    return dict(_members(archive))[name]


def _replace_member_data(archive: bytes, name: str, data: bytes) -> bytes:
    return b"".join(reg(n, data if n == name else d) for n, d in _members(archive)) + END


CASES: dict[str, Case] = {}
for _c in cases():
    assert _c.name not in CASES, _c.name
    CASES[_c.name] = _c


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "corpus")
    out.mkdir(parents=True, exist_ok=True)
    for case in CASES.values():
        if case.big and "--big" not in argv:
            continue
        case.write(out / f"{case.name}.tar")
    print(f"wrote {len(list(out.iterdir()))} archives to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
