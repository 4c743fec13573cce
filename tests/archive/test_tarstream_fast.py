"""The fast header path (``tarstream.parse_fast``) against the exact, strict path.

The fast path may only ever answer what the exact path answers: for a header it accepts, the
same :class:`TarHeader`; for anything else it must defer (``None``) so the exact path decides.
Stream-level: ``iter_headers`` (fast first) and a loop over the exact path alone give the same
headers, or the same error, for random valid and invalid archives.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerscope.archive import tarstream as ts
from layerscope.archive.tarstream import BLOCK, ChunkStream, TarHeader, iter_headers, parse_fast, read_data
from layerscope.errors import ArchiveError
from tests.hardening import tarbuild as tb

# --- random header blocks ---------------------------------------------------------------

_octal_digits = st.text("01234567", min_size=0, max_size=12).map(str.encode)
_pad = st.sampled_from([b"", b"\0", b" ", b"\0\0", b" \0", b"\0 ", b"  "])
_odd = st.sampled_from([b"", b"-1", b"+7", b"0_7", b"0o7", b" 12", b"\t5", b"8", b"12x", b"\xff\x00", b"\x80\x01"])


def _number_field(width: int) -> st.SearchStrategy[bytes]:
    """Octal in the shapes real tools write (zero-padded, space-padded, NUL- or space-ended),
    base-256, empty, and the odd inputs ``int()`` is lenient about."""
    octal = st.builds(lambda d, p: d + p, _octal_digits, _pad)
    b256 = st.integers(-(1 << (8 * width - 2)), (1 << (8 * width - 2))).map(lambda n: tb.base256(n, width))
    raw = st.binary(min_size=0, max_size=width)
    return st.one_of(octal, octal, octal, b256, _odd, raw).map(lambda b: (b + bytes(width))[:width])


_name = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=100).map(str.encode),
    st.binary(max_size=100),
)
_typeflag = st.one_of(st.sampled_from(b"0123456\x0078LKxgSDV"), st.integers(0, 255))
_magic = st.sampled_from([tb.USTAR_MAGIC, tb.GNU_MAGIC, b"\0" * 8, b"ustar\0  ", b"ustarX00"])
_checksum_kind = st.sampled_from(["unsigned", "unsigned", "signed", "wrong", "spaces", "raw"])


def _clean_field(width: int) -> st.SearchStrategy[bytes]:
    """Octal as tar, GNU tar, Go and BSD tar write it: digits, then NUL or space padding."""
    digits = st.text("01234567", min_size=1, max_size=width - 1).map(str.encode)
    return st.builds(lambda d, p: (d + p + bytes(width))[:width], digits, _pad)


@st.composite
def header_blocks(draw: st.DrawFn) -> bytes:
    """Half of them as ordinary as real layers (so the fast path is exercised), half with
    any field odd."""
    clean = draw(st.booleans())
    b = bytearray(BLOCK)
    b[0:100] = (draw(_name) + bytes(100))[:100]
    for off, width in ((100, 8), (108, 8), (116, 8), (124, 12), (136, 12)):
        b[off : off + width] = draw(_clean_field(width) if clean else _number_field(width))
    b[156] = draw(st.sampled_from(b"0123456\x007") if clean else _typeflag)
    b[157:257] = (draw(_name) + bytes(100))[:100]
    b[257:265] = draw(_magic)
    if draw(st.booleans()):
        b[345:500] = (draw(st.binary(max_size=155)) + bytes(155))[:155]
    if draw(st.booleans()):  # junk in uname/gname/devices/tail
        b[265:345] = (draw(st.binary(max_size=80)) + bytes(80))[:80]
        b[500:512] = (draw(st.binary(max_size=12)) + bytes(12))[:12]
    b[148:156] = b" " * 8
    unsigned = sum(b)
    signed = sum(x - 256 if x > 127 else x for x in b)
    kind = draw(st.sampled_from(["unsigned", "signed"]) if clean else _checksum_kind)
    if kind == "unsigned":
        b[148:156] = b"%06o\0 " % unsigned
    elif kind == "signed":
        b[148:156] = (b"%06o\0 " % signed) if signed >= 0 else tb.base256(signed, 8)
    elif kind == "wrong":
        b[148:156] = b"%06o\0 " % (unsigned + draw(st.integers(1, 300)))
    elif kind == "spaces":
        b[148:156] = (b"%o" % unsigned).rjust(7) + b" "
    else:
        b[148:156] = (draw(st.binary(max_size=8)) + bytes(8))[:8]
    return bytes(b)


# --- the two paths over a whole stream ---------------------------------------------------


def _chunks(data: bytes, size: int) -> Callable[[], bytes]:
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    pieces.reverse()
    return lambda: pieces.pop() if pieces else b""


def _exact_headers(data: bytes, chunk: int, allow_global: bool = False) -> list[TarHeader] | str:
    """Every header through the exact path alone (what the reader did before the fast path)."""
    stream = ChunkStream(_chunks(data, chunk), "t")
    out: list[TarHeader] = []
    saw_any = False
    try:
        while True:
            offset = stream.consumed
            h = ts._read_exact(stream, stream.take(BLOCK), offset, saw_any, allow_global)
            if h is None:
                return out
            saw_any = True
            out.append(h)
            read_data(stream, h, None)
    except ArchiveError as e:
        return str(e)


def _headers(data: bytes, chunk: int, allow_global: bool = False) -> list[TarHeader] | str:
    stream = ChunkStream(_chunks(data, chunk), "t")
    out: list[TarHeader] = []
    try:
        for h in iter_headers(stream, allow_global=allow_global):
            out.append(h)
            read_data(stream, h, None)
    except ArchiveError as e:
        return str(e)
    return out


def _single_exact(block: bytes) -> TarHeader | str | None:
    """The exact path's answer for one block with no records before it (its data unread)."""
    stream = ChunkStream(_chunks(block + bytes(2 * BLOCK), 1 << 20), "t")
    try:
        return ts._read_exact(stream, stream.take(BLOCK), 0, False, False)
    except ArchiveError as e:
        return str(e)


_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(header_blocks())
def test_fast_path_accepts_only_what_the_exact_path_parses_identically(block: bytes) -> None:
    fast = parse_fast(block, {})
    if fast is not None:
        assert fast == _single_exact(block)


@_SETTINGS
@given(header_blocks())
def test_fast_path_with_a_warm_owner_cache_gives_the_same_header(block: bytes) -> None:
    ids: dict[bytes, tuple[int, int, int]] = {}
    first = parse_fast(block, ids)
    assert parse_fast(block, ids) == first


@_SETTINGS
@given(
    st.lists(st.tuples(header_blocks(), st.binary(max_size=700)), min_size=0, max_size=5),
    st.sampled_from([b"", bytes(BLOCK), bytes(2 * BLOCK), bytes(BLOCK) + b"x" * BLOCK, b"\0" * 100]),
    st.sampled_from([1, 7, 512, 1000, 1 << 20]),
    st.booleans(),
)
def test_stream_gives_same_headers_or_same_error_as_the_exact_reader(
    members: list[tuple[bytes, bytes]], end: bytes, chunk: int, allow_global: bool
) -> None:
    data = b"".join(block + data for block, data in members) + end
    assert _headers(data, chunk, allow_global) == _exact_headers(data, chunk, allow_global)


# hand-built valid members, including the records and encodings only the exact path handles
_member = st.one_of(
    st.builds(
        lambda n, d: tb.reg(n, d), _name.filter(lambda n: 0 < len(n) and b"\0" not in n), st.binary(max_size=600)
    ),
    st.builds(lambda n: tb.dir_(n + b"/"), st.text("abc/", min_size=1, max_size=50).map(str.encode)),
    st.builds(lambda n, t: tb.symlink(n, t), st.text("abc", min_size=1, max_size=20), st.text("xyz/", max_size=99)),
    st.builds(lambda n: tb.gnu_long(n) + tb.reg(b"short", b"data"), st.binary(min_size=1, max_size=2000)),
    st.builds(
        lambda p, s: tb.pax([("path", p), ("size", str(s))]) + tb.member(tb.header("x", 0), b"y" * s),
        st.text("abcé/", min_size=1, max_size=300),
        st.integers(0, 600),
    ),
    st.builds(lambda u: tb.reg("big-uid", b"", uid=u, gid=u), st.integers(8**7, 1 << 40)),
    st.builds(
        lambda s: tb.member(tb.header("b256", s, b"0", fields={124: tb.base256(s, 12)}), bytes(s)), st.integers(0, 900)
    ),
    st.builds(lambda m: tb.reg("gnu", b"z", magic=tb.GNU_MAGIC, mode=m), st.integers(0, 0o7777)),
    st.builds(lambda p: tb.reg("n", b"", prefix=p), st.text("pq/", max_size=155).map(str.encode)),
)


@_SETTINGS
@given(st.lists(_member, min_size=1, max_size=6), st.sampled_from([1, 512, 4096, 1 << 20]))
def test_valid_archives_read_identically(members: list[bytes], chunk: int) -> None:
    data = tb.tar(*members)
    assert _headers(data, chunk) == _exact_headers(data, chunk)


# --- the fast path is actually taken, and defers where it must -------------------------


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT])
@pytest.mark.parametrize("kind", [tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_ordinary_headers_from_tarfile_take_the_fast_path(fmt: int, kind: bytes) -> None:
    info = tarfile.TarInfo("usr/lib/x86_64-linux-gnu/libc.so.6")
    info.type = kind
    info.size = 12345 if kind == tarfile.REGTYPE else 0
    info.mode, info.uid, info.gid = 0o755, 1000, 1000
    if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
        info.linkname = "libc-2.31.so"
    block = info.tobuf(fmt)[:BLOCK]
    fast = parse_fast(block, {})
    assert fast is not None
    assert fast == _single_exact(block)
    assert (fast.name, fast.size, fast.mode, fast.uid, fast.linkname) == (
        info.name + ("/" if kind == tarfile.DIRTYPE else ""),  # tarfile writes a directory's slash
        info.size,
        0o755,
        1000,
        info.linkname,
    )


def test_ustar_prefix_is_joined_on_the_fast_path() -> None:
    block = tb.header("name.txt", 3, prefix=b"some/deep/dir")
    fast = parse_fast(block, {})
    assert fast is not None and fast.name == "some/deep/dir/name.txt"
    gnu = tb.header("name.txt", 3, prefix=b"ignored", magic=tb.GNU_MAGIC)
    assert parse_fast(gnu, {}).name == "name.txt"  # type: ignore[union-attr]


def _signed(block: bytes) -> bytes:
    """``block`` with the checksum old tools wrote: bytes summed as signed chars."""
    b = bytearray(block)
    b[148:156] = b" " * 8
    b[148:156] = b"%06o\0 " % sum(x - 256 if x > 127 else x for x in b)
    return bytes(b)


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(_signed(tb.header("s", 0, fields={0: "é".encode() * 40})), id="signed-checksum"),
        pytest.param(tb.header("n", 0, fields={124: tb.base256(5, 12)}), id="base256-size"),
        pytest.param(tb.header("n", 0, fields={108: b"\0" * 8}), id="empty-uid"),
        pytest.param(tb.header("n", 0, typeflag=b"x"), id="pax-record"),
        pytest.param(tb.header("n", 0, typeflag=b"S", magic=tb.GNU_MAGIC), id="sparse"),
        pytest.param(bytes(BLOCK), id="zero-block"),
        pytest.param(tb.header("n", 0, checksum=b"0000000\0"), id="bad-checksum"),
    ],
)
def test_unusual_headers_defer_to_the_exact_path(block: bytes) -> None:
    assert parse_fast(block, {}) is None


def test_signed_checksum_is_still_accepted() -> None:
    got = _headers(_signed(tb.header("été".encode("latin-1") + b"xyz", 0)) + bytes(1024), 512)
    assert isinstance(got, list) and len(got) == 1 and got[0].raw_name == "été".encode("latin-1") + b"xyz"


def test_owner_cache_is_bounded() -> None:
    ids: dict[bytes, tuple[int, int, int]] = {}
    for uid in range(ts._IDS_CACHE_MAX + 50):
        assert parse_fast(tb.header("f", 0, uid=uid), ids) is not None
    assert len(ids) == ts._IDS_CACHE_MAX
