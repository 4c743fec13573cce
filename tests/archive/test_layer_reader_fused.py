"""The fused loop of ``layer_reader.read_layer`` (CI mode's: no hashing, no capture) against
the general per-header step alone (``fused=False``, what the reader did before).

For random layer tars, valid and not (odd names, records only the exact path reads, truncation,
bounds about to be crossed), read in random chunkings, with and without a seek, both must give
the same entries and size or the same error, leave the same budget and name tally, and pull the
same bytes from the source in the same calls: the fused loop may only ever be a faster way to
the general step's answer.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerscope.archive.decompress import Budget, Limits
from layerscope.archive.layer_reader import PathTally, read_layer
from layerscope.errors import ArchiveError
from tests.archive.test_tarstream_fast import _member, header_blocks
from tests.hardening import tarbuild as tb

_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# names the general step treats specially (go_clean's slow cases, absolute and climbing names,
# the root, whiteouts and hidden files, which are ordinary)
_NAMES = [
    "a",
    "a/b",
    "dir/",
    "./a",
    "a/./b",
    "a//b",
    "a/../b",
    "a/..",
    "..",
    "../x",
    "/abs",
    "/",
    ".",
    "./",
    ".wh.x",
    "d/.wh.y",
    "d/.wh..wh..opq",
    ".bashrc",
    "d/.hidden/f",
    "d/..x",
    "a/b/c/d/e/f",
    "é/ü",
]
_name = st.one_of(st.sampled_from(_NAMES), st.text("ab/.", min_size=1, max_size=12))
_plain_member = st.one_of(
    st.builds(lambda n, d: tb.reg(n, d), _name, st.binary(max_size=1500)),
    st.builds(lambda n: tb.dir_(n), _name),
    st.builds(lambda n, t: tb.symlink(n, t), _name, st.text("xyz/", max_size=30)),
    st.builds(lambda n, t: tb.hardlink(n, t), _name, st.text("xyz/", max_size=30)),
    st.builds(lambda n, m: tb.reg(n, b"q", mode=m, uid=m % 7, gid=m % 5), _name, st.integers(0, 0o7777)),
)
_any_member = st.one_of(_plain_member, _plain_member, _plain_member, _member)


class _Source:
    """Chunks of ``data`` of ``chunk`` bytes, with an optional seek; records every call."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self.data, self.chunk, self.pos = data, chunk, 0
        self.calls: list[tuple[str, int, int]] = []

    def read(self) -> bytes:
        c = self.data[self.pos : self.pos + self.chunk]
        self.calls.append(("read", self.pos, len(c)))
        self.pos += len(c)
        return c

    def skip(self, n: int) -> int:
        k = max(0, min(n, len(self.data) - self.pos))
        self.calls.append(("skip", self.pos, k))
        self.pos += k
        return k


def _read(
    data: bytes, chunk: int, seek: bool, limits: Limits, fused: bool, tally_start: int, entries_start: int
) -> tuple[object, ...]:
    src = _Source(data, chunk)
    budget = Budget(limits)
    budget.used_entries = entries_start
    tally = PathTally(tally_start)
    counted = [0]

    def read() -> bytes:  # what the scanner's plain() charges
        c = src.read()
        counted[0] += len(c)
        return c

    skip: Callable[[int], int] | None = src.skip if seek else None
    try:
        entries, size = read_layer(read, "L", budget, hash_content=False, skip=skip, paths=tally, fused=fused)
        result: object = (
            [(type(e).__name__, e.path, e.typeflag, e.linkname, e.size, e.mode, e.uid, e.gid, e.hash) for e in entries],
            size,
        )
    except ArchiveError as e:
        result = (type(e).__name__, str(e))
    return result, budget.used_entries, tally.used, counted[0], src.calls


_limits = st.builds(
    lambda entries, depth, names: Limits(max_entries=entries, max_path_depth=depth, max_path_bytes=names),
    st.sampled_from([10_000_000, 1, 2, 3, 5]),
    st.sampled_from([2048, 1, 2, 3]),
    st.sampled_from([1 << 30, 10, 40, 100]),
)


@_SETTINGS
@given(
    st.lists(_any_member, min_size=0, max_size=8),
    st.sampled_from([tb.END, b"", bytes(512), bytes(512) + b"x" * 512, b"junk"]),
    st.sampled_from([1, 7, 512, 700, 4096, 1 << 20]),
    st.booleans(),
    _limits,
    st.sampled_from([0, 5]),
    st.sampled_from([0, 1]),
    st.integers(0, 64),
)
def test_fused_loop_reads_as_the_general_step(
    members: list[bytes], end: bytes, chunk: int, seek: bool, limits: Limits, tally: int, used: int, cut: int
) -> None:
    data = b"".join(members) + end
    if cut and data:
        data = data[: max(0, len(data) - cut * 97)]  # truncated somewhere (or not at all)
    fused = _read(data, chunk, seek, limits, True, tally, used)
    general = _read(data, chunk, seek, limits, False, tally, used)
    assert fused == general


@_SETTINGS
@given(
    st.lists(st.tuples(header_blocks(), st.binary(max_size=700)), min_size=0, max_size=5),
    st.sampled_from([tb.END, b"", bytes(512)]),
    st.sampled_from([1, 512, 1000, 1 << 20]),
    st.booleans(),
)
def test_fused_loop_on_random_header_blocks(
    members: list[tuple[bytes, bytes]], end: bytes, chunk: int, seek: bool
) -> None:
    data = b"".join(block + body for block, body in members) + end
    limits = Limits()
    assert _read(data, chunk, seek, limits, True, 0, 0) == _read(data, chunk, seek, limits, False, 0, 0)


def test_fused_loop_takes_ordinary_headers_and_hands_over_the_rest() -> None:
    """The loop is actually used: a plain layer ends with one hand-over (the end of the archive),
    and an odd name in the middle is decided by the general step, the loop resuming after it."""
    import layerscope.archive.layer_reader as lr

    calls: list[int] = []
    real = lr._plain_run

    def spy(*a, **k):  # noqa: ANN002, ANN003, ANN202
        out = real(*a, **k)
        calls.append(out[3])
        return out

    data = tb.tar(
        tb.dir_("d/"), tb.reg("d/a", b"x" * 700), tb.reg("./d/b", b"y"), tb.reg("d/c", b""), tb.reg("d/.wh.e")
    )
    lr._plain_run = spy  # type: ignore[assignment]
    try:
        entries, size = read_layer(_Source(data, 1 << 20).read, "L", Budget(), hash_content=False)
    finally:
        lr._plain_run = real  # type: ignore[assignment]
    assert [e.path for e in entries] == ["d", "d/a", "d/b", "d/c", "d/.wh.e"]
    assert size == 701
    assert calls == [2, 2]  # d, d/a; then "./d/b" by the general step; then d/c, d/.wh.e; then the end


def _read_captured(
    data: bytes, chunk: int, seek: bool, fused: bool, max_file: int, max_total: int
) -> tuple[object, ...]:
    """As :func:`_read`, with a capture that wants every path ending in ``b`` (the explorer's
    header-only read captures package databases this way)."""
    from layerscope.archive.capture import CaptureSpec, LayerCapture

    spec = CaptureSpec("test/1", lambda p: p.endswith("b"), max_file_bytes=max_file, max_total_bytes=max_total)
    capture = LayerCapture(spec)
    src = _Source(data, chunk)
    budget = Budget()
    skip: Callable[[int], int] | None = src.skip if seek else None
    try:
        entries, size = read_layer(src.read, "L", budget, hash_content=False, skip=skip, capture=capture, fused=fused)
        result: object = ([(e.path, e.typeflag, e.size, e.mode, e.hash) for e in entries], size)
    except ArchiveError as e:
        result = (type(e).__name__, str(e))
    return result, dict(capture.files), list(capture.too_big), capture.budget.used, capture.budget.exhausted, src.calls


@_SETTINGS
@given(
    st.lists(_any_member, min_size=0, max_size=8),
    st.sampled_from([tb.END, b"", bytes(512)]),
    st.sampled_from([1, 512, 700, 1 << 20]),
    st.booleans(),
    st.sampled_from([0, 1, 100, 1 << 20]),
    st.sampled_from([0, 50, 1 << 20]),
)
def test_fused_loop_with_a_capture_reads_as_the_general_step(
    members: list[bytes], end: bytes, chunk: int, seek: bool, max_file: int, max_total: int
) -> None:
    data = b"".join(members) + end
    fused = _read_captured(data, chunk, seek, True, max_file, max_total)
    assert fused == _read_captured(data, chunk, seek, False, max_file, max_total)


def test_fused_loop_hands_wanted_files_to_the_capture() -> None:
    """With a capture the loop is still used (it takes d, d/a; hands d/b over; takes d/c), a wanted
    file's content is kept, and the others are skipped by seeking, not read."""
    import layerscope.archive.layer_reader as lr

    calls: list[int] = []
    real = lr._plain_run

    def spy(*a, **k):  # noqa: ANN002, ANN003, ANN202
        out = real(*a, **k)
        calls.append(out[3])
        return out

    data = tb.tar(tb.dir_("d/"), tb.reg("d/a", b"x" * 700), tb.reg("d/b", b"kept"), tb.reg("d/c", b"z" * 600))
    lr._plain_run = spy  # type: ignore[assignment]
    try:
        fused = _read_captured(data, 512, True, True, 1 << 20, 1 << 20)
    finally:
        lr._plain_run = real  # type: ignore[assignment]
    assert calls == [2, 1]
    assert fused[1] == {"d/b": b"kept"}
    assert [c[0] for c in fused[5]].count("skip") == 2
    assert fused == _read_captured(data, 512, True, False, 1 << 20, 1 << 20)
