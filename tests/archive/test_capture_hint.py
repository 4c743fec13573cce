"""``CaptureSpec.hint``: the reader's fused loop asks the capture predicate only about paths
that end with one of the hint's suffixes or start with one of its prefixes, so the hint must
hold for every path the predicate wants (the package databases' ``CAPTURE`` here), and a read
with it must keep exactly what the same read without it keeps."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.archive.capture import LayerCapture
from layerscope.archive.decompress import Budget
from layerscope.archive.layer_reader import read_layer
from layerscope.packages.capture import CAPTURE, wants
from tests.hardening import tarbuild as tb

# components of every database path the predicate knows, and ordinary ones
_PARTS = [
    *"var lib dpkg status status.d info x.list apk db installed usr rpm sysimage rpmdb.sqlite".split(),
    *"Packages Packages.db etc os-release node_modules @scope @ pkg package.json site-packages".split(),
    *"a.dist-info RECORD METADATA b.egg-info PKG-INFO installed-files.txt x bin .wh.x".split(),
]
_DATABASES = [
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/base",
    "var/lib/dpkg/info/libc6.list",
    "lib/apk/db/installed",
    "usr/lib/apk/db/installed",
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
    "etc/os-release",
    "usr/lib/os-release",
    "usr/lib/python3/site-packages/a.dist-info/RECORD",
    "usr/lib/python3/site-packages/a.dist-info/METADATA",
    "usr/lib/python3/site-packages/b.egg-info/PKG-INFO",
    "usr/lib/python3/site-packages/b.egg-info/installed-files.txt",
    "app/node_modules/pkg/package.json",
    "app/node_modules/@scope/pkg/package.json",
]


def _hinted(path: str) -> bool:
    assert CAPTURE.hint is not None
    tails, heads = CAPTURE.hint
    return path.endswith(tails) or path.startswith(heads)


def test_every_wanted_database_path_is_hinted() -> None:
    wanted = [path for path in _DATABASES if wants(path)]
    assert len(wanted) >= 13  # the list is about the predicate's own paths
    assert [path for path in wanted if not _hinted(path)] == []


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PARTS), min_size=1, max_size=7))
def test_the_hint_holds_for_every_wanted_path(parts: list[str]) -> None:
    path = "/".join(parts)
    if wants(path):
        assert _hinted(path), path


def _read(data: bytes, spec) -> tuple[object, ...]:  # noqa: ANN001
    capture = LayerCapture(spec)
    entries, size = read_layer(iter([data, b""]).__next__, "L", Budget(), hash_content=False, capture=capture)
    return [(e.path, e.typeflag, e.size, e.hash) for e in entries], size, dict(capture.files), list(capture.too_big)


def test_a_read_with_the_hint_keeps_what_one_without_it_keeps() -> None:
    members = [tb.reg(p, f"content of {p}".encode()) for p in _DATABASES]
    members += [tb.reg("usr/bin/tool", b"x" * 700), tb.dir_("usr/lib/"), tb.reg("var/lib/dpkg/lock", b"")]
    data = tb.tar(*members)
    with_hint = _read(data, CAPTURE)
    assert with_hint == _read(data, replace(CAPTURE, hint=None))
    assert "var/lib/dpkg/status" in with_hint[2] and "app/node_modules/@scope/pkg/package.json" in with_hint[2]
