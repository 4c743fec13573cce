"""Seeds and structure-aware mutations for fuzzing layerscope's archive reader.

A fuzz input is ``(seed index, plan)``: a valid generated archive and a short list of mutation
steps.  The same :func:`apply_plan` serves the hypothesis strategy (``plans()``, used by the
test suite and ``fuzz_archive.py --hypothesis``) and the fast seeded random driver (``random_plan``),
so every input is reproducible from its numbers alone.

Steps work at three depths, because random bytes alone mostly die at the first header checksum:

* raw bytes of the outer archive (flip, set, insert, delete, truncate, splice);
* a header field of an outer member, with the checksum recomputed (so the parser believes it);
* inside a layer: the layer tar is decompressed, a header field or byte is changed (checksum
  fixed), recompressed with the same codec, and put back (member size fixed); and inside a JSON
  document: a node replaced by a value of another type, deep nesting, a huge string, a key
  dropped or duplicated.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.hardening import tarbuild as tb  # noqa: E402
from tests.hardening.corpus import L0, L1, L2  # noqa: E402

BLOCK = 512

OPS = (
    "flip",
    "set",
    "insert",
    "delete",
    "truncate",
    "splice",
    "outer_field",
    "layer_field",
    "layer_bytes",
    "layer_member",
    "json",
)
_FIELDS = (
    (0, 100),
    (100, 8),
    (108, 8),
    (116, 8),
    (124, 12),
    (156, 1),
    (157, 100),
    (257, 8),
    (345, 155),
    (483, 12),
    (482, 1),
)
_INTERESTING = [
    b"",
    b"\0",
    b"\xff" * 12,
    b"\x80" + b"\0" * 10 + b"\x01",
    b"\xff" * 11 + b"\xfe",
    b"77777777777",
    b"-1",
    b"99999999999",
    b"0",
    b"../../x",
    b"/abs",
    b".wh..wh..opq",
    b".wh.",
    b"a/",
    b".",
    b"5",
    b"2",
    b"1",
    b"S",
    b"L",
    b"K",
    b"x",
    b"g",
    b"ustar  \0",
    b"ustar\x0000",
    b"\n",
    b"a\0b",
]


def _j(o) -> bytes:
    return json.dumps(o, separators=(",", ":")).encode()


def seeds() -> list[bytes]:
    """Small valid archives in every layout and codec (built once; deterministic)."""
    small = tb.tar(
        tb.reg("a", b"1" * 40),
        tb.symlink("s", "a"),
        tb.hardlink("h", "a"),
        tb.dir_("d/"),
        tb.reg("d/.wh.x"),
        tb.tar(tb.pax([("path", "p/" + "q" * 120)]), tb.reg("z", b"zz"), end=b""),
        tb.gnu_long(b"g/" + b"n" * 150) + tb.reg("ignored", b"g"),
    )
    return [
        tb.docker_save([L0, L1, L2]),
        tb.docker_save([L0, small]),
        tb.docker25_save(
            [tb.compress(L0, "gzip"), tb.compress(L1, "gzip")], ["sha256:" + tb.sha256(L0), "sha256:" + tb.sha256(L1)]
        ),
        tb.docker25_save([tb.compress(L0, "zstd"), tb.compress(small, "zstd")]),
        tb.oci_archive([L0, L1], media="application/vnd.oci.image.layer.v1.tar"),
        tb.oci_archive([tb.compress(L1, "gzip")], media="application/vnd.oci.image.layer.v1.tar+gzip"),
    ]


_SEEDS: list[bytes] | None = None


def get_seeds() -> list[bytes]:
    global _SEEDS
    if _SEEDS is None:
        _SEEDS = seeds()
    return _SEEDS


# --------------------------------------------------------------------------- tar surgery


def _fix_checksum(block: bytearray) -> None:
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\x00 " % sum(block)


def _headers(data: bytes) -> list[tuple[int, int, int]]:
    """(header offset, data offset, data end) of the members we can find (stops at junk)."""
    out = []
    pos = 0
    while pos + BLOCK <= len(data) and len(out) < 10_000:
        block = data[pos : pos + BLOCK]
        if block == bytes(BLOCK):
            break
        try:
            size = int(block[124:136].rstrip(b"\0 ") or b"0", 8)
        except ValueError:
            break
        tf = block[156:157]
        dsize = 0 if tf in (b"1", b"2", b"3", b"4", b"5", b"6") else size
        out.append((pos, pos + BLOCK, pos + BLOCK + dsize))
        pos += BLOCK + dsize + (-dsize) % BLOCK
    return out


def _set_field(data: bytes, hdr: int, a: int, value: bytes) -> bytes:
    off, width = _FIELDS[a % len(_FIELDS)]
    block = bytearray(data[hdr : hdr + BLOCK])
    v = value[:width].ljust(width, b"\0") if len(value) < width and a % 3 else value[:width]
    block[off : off + len(v)] = v
    _fix_checksum(block)
    return data[:hdr] + bytes(block) + data[hdr + BLOCK :]


def _members(data: bytes) -> list[tuple[str, int, int, int]]:
    return [(data[h : h + 100].split(b"\0", 1)[0].decode("latin-1"), h, d, e) for h, d, e in _headers(data)]


def _replace_member(data: bytes, h: int, d: int, e: int, new: bytes) -> bytes:
    block = bytearray(data[h : h + BLOCK])
    block[124:136] = tb.octal(len(new), 12)
    _fix_checksum(block)
    end_padded = e + (-(e - d)) % BLOCK
    return data[:h] + bytes(block) + tb.pad(new) + data[end_padded:]


def _codec(blob: bytes) -> str:
    if blob[:2] == b"\x1f\x8b":
        return "gzip"
    if blob[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    return "none"


def _decode(blob: bytes, codec: str) -> bytes | None:
    try:
        if codec == "gzip":
            return gzip.decompress(blob)
        if codec == "zstd":
            import zstandard

            return zstandard.ZstdDecompressor().decompressobj().decompress(blob)
    except Exception:  # noqa: BLE001 - an already-mutated blob: leave it alone
        return None
    return blob


def _mutate_json(doc, rng: random.Random, depth: int = 0):
    """Replace one random node of a JSON document (returns the new document)."""
    if isinstance(doc, dict) and doc and depth < 6 and rng.random() < 0.7:
        k = rng.choice(sorted(doc))
        r = rng.random()
        if r < 0.15:
            return {kk: v for kk, v in doc.items() if kk != k}
        return {**doc, k: _mutate_json(doc[k], rng, depth + 1)}
    if isinstance(doc, list) and doc and depth < 6 and rng.random() < 0.7:
        i = rng.randrange(len(doc))
        if rng.random() < 0.15:
            return doc[:i] + doc[i + 1 :]
        if rng.random() < 0.15:
            return doc + [doc[i]] * rng.randrange(1, 4)
        return doc[:i] + [_mutate_json(doc[i], rng, depth + 1)] + doc[i + 1 :]
    choices = [
        None,
        True,
        False,
        0,
        -1,
        1.5,
        10**30,
        "",
        "x" * rng.randrange(1, 5000),
        [],
        {},
        [[[]]],
        "sha256:" + "0" * 64,
        "../../etc/passwd",
        "/bin/sh -c x",
        {"a": [1, {"b": None}]},
        "\udcff" if False else "\u0000",
        "blobs/sha256/../x",
        ["layer.tar"],
        {"type": "layers", "diff_ids": 5},
    ]
    return rng.choice(choices)


def apply_step(data: bytes, op: str, a: int, b: int, blob: bytes, rng: random.Random) -> bytes:
    n = len(data)
    if n == 0:
        return blob
    if op == "flip":
        i = a % n
        return data[:i] + bytes([data[i] ^ (1 << (b % 8))]) + data[i + 1 :]
    if op == "set":
        i = a % n
        return data[:i] + blob + data[i + len(blob) :]
    if op == "insert":
        i = a % (n + 1)
        return data[:i] + blob * (1 + b % 64) + data[i:]
    if op == "delete":
        i = a % n
        return data[:i] + data[i + 1 + b % 2048 :]
    if op == "truncate":
        return data[: a % n]
    if op == "splice":
        other = get_seeds()[b % len(get_seeds())]
        i, j = a % n, (a >> 8) % max(1, len(other))
        return data[:i] + other[j : j + 1 + (b >> 4) % 4096] + data[i:]
    members = _members(data)
    if not members:
        return data
    if op == "outer_field":
        _name, h, _d, _e = members[a % len(members)]
        return _set_field(data, h, b, blob if rng.random() < 0.5 else rng.choice(_INTERESTING))
    if op == "json":
        js = [m for m in members if m[0].endswith(".json") or m[0].startswith("blobs/")]
        if not js:
            return data
        _name, h, d, e = js[a % len(js)]
        try:
            doc = json.loads(data[d:e])
        except (ValueError, RecursionError):
            return data
        r = rng.random()
        if r < 0.05:
            new = b"[" * (1000 + b % 200_000) + b"]" * (b % 7)
        elif r < 0.1:
            new = data[d:e][: b % max(1, e - d)]
        else:
            new = json.dumps(_mutate_json(doc, rng), ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
        return _replace_member(data, h, d, e, new)
    # layer-level steps
    layers = [
        m
        for m in members
        if m[0].endswith(".tar") or (m[0].startswith("blobs/") and data[m[2] : m[2] + 1] not in (b"{", b"["))
    ]
    if not layers:
        return data
    _name, h, d, e = layers[a % len(layers)]
    codec = _codec(data[d:e])
    inner = _decode(data[d:e], codec)
    if inner is None or not inner:
        return data
    if op == "layer_field":
        hs = _headers(inner)
        if not hs:
            return data
        hh = hs[b % len(hs)][0]
        inner = _set_field(inner, hh, a >> 4, blob if rng.random() < 0.4 else rng.choice(_INTERESTING))
    elif op == "layer_member":  # append a crafted member before the end blocks
        hs = _headers(inner)
        end = hs[-1][2] + (-(hs[-1][2] - hs[-1][1])) % BLOCK if hs else 0
        name = rng.choice(
            [b"n", b"./n", b"n/", b"a/.wh.b", b".wh..wh..opq", b"../x", b"/x", b"\xff\xfe", b"a\nb", b"d/" * 50]
        )
        tf = rng.choice(b"0123456LKxgS7V\0")
        body = blob * (b % 100)
        extra = tb.member(
            tb.header(name, len(body), bytes([tf]), magic=rng.choice([tb.USTAR_MAGIC, tb.GNU_MAGIC])), body
        )
        inner = inner[:end] + extra + inner[end:]
    else:  # layer_bytes
        i = a % len(inner)
        inner = inner[:i] + blob + inner[i + len(blob) :]
    if codec == "gzip":
        new = gzip.compress(inner, compresslevel=1, mtime=0)
    elif codec == "zstd":
        import zstandard

        new = zstandard.ZstdCompressor(level=1).compress(inner)
    else:
        new = inner
    return _replace_member(data, h, d, e, new)


def apply_plan(seed: int, plan: list[tuple[str, int, int, bytes]]) -> bytes:
    data = get_seeds()[seed % len(get_seeds())]
    rng = random.Random(repr((seed, plan)))
    for op, a, b, blob in plan:
        data = apply_step(data, op, a, b, blob, rng)
        if len(data) > 64 << 20:
            data = data[: 64 << 20]
    return data


def random_plan(rng: random.Random) -> tuple[int, list[tuple[str, int, int, bytes]]]:
    seed = rng.randrange(len(get_seeds()))
    steps = []
    for _ in range(1 + int(rng.expovariate(0.9)) % 5):
        op = rng.choice(OPS)
        blob = rng.choice(_INTERESTING) if rng.random() < 0.5 else rng.randbytes(rng.randrange(1, 24))
        steps.append((op, rng.getrandbits(32), rng.getrandbits(32), blob))
    return seed, steps


def plans():
    """Hypothesis strategy for (seed index, plan)."""
    from hypothesis import strategies as st

    step = st.tuples(
        st.sampled_from(OPS),
        st.integers(0, 2**32 - 1),
        st.integers(0, 2**32 - 1),
        st.one_of(st.sampled_from(_INTERESTING), st.binary(min_size=1, max_size=24)),
    )
    return st.tuples(st.integers(0, len(get_seeds()) - 1), st.lists(step, min_size=1, max_size=4))
