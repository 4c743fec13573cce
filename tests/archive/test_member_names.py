"""How member names are read: absolute names resolve under the root, ``..`` escapes
are refused, and path depth and total name bytes are bounded.

The dive-facing behaviour (what dive 0.13.1 prints and exports for such names) is checked
against the real dive in ``tests/dive/test_other_tools_layouts.py``; these tests pin the
reader's own rules, including the ones dive has no opinion on (the bounds)."""

from __future__ import annotations

import pytest

from layerscope.archive.decompress import Budget, Limits
from layerscope.archive.layer_reader import PathTally, read_layer, resolve_member_name
from layerscope.errors import ArchiveError, LimitError
from layerscope.image import Entry, RootedEntry
from tests.hardening.tarbuild import dir_, hardlink, pax, reg, tar


def _chunks(data: bytes):
    parts = [data[i : i + 700] for i in range(0, len(data), 700)]
    parts.reverse()
    return lambda: parts.pop() if parts else b""


def _read(data: bytes, limits: Limits | None = None, paths: PathTally | None = None):
    return read_layer(_chunks(data), "layer L", Budget(limits or Limits()), paths=paths)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("/", ("", True)),
        ("//", ("", True)),
        ("/bin/x", ("bin/x", True)),
        ("//usr//bin/./tool/", ("usr/bin/tool", True)),
        ("/a/../b", ("b", True)),
        ("./", (".", False)),
        ("./etc/p", ("etc/p", False)),
        ("a/../b", ("b", False)),
    ],
)
def test_resolve_member_name_reads_absolute_names_under_the_root(name: str, expected) -> None:
    assert resolve_member_name(name, "layer L") == expected


@pytest.mark.parametrize("name", ["..", "../x", "/../x", "//../../etc/shadow", "a/../../x", "/a/../../x"])
def test_resolve_member_name_refuses_dotdot_escapes(name: str) -> None:
    with pytest.raises(ArchiveError, match="escapes the layer root"):
        resolve_member_name(name, "layer L")


def test_kaniko_root_member_counts_its_size_but_adds_no_entry() -> None:
    # dive: path.Clean("/") is "/", not ".", so its size is summed, but AddPath adds nothing
    data = tar(reg("/", b"s" * 100), dir_("./"), dir_("/"), reg("/bin/x", b"x" * 10), reg("bin/y", b"y" * 3))
    entries, size = _read(data)
    assert size == 113
    assert [(e.path, type(e)) for e in entries] == [("bin/x", RootedEntry), ("bin/y", Entry)]


def test_rooted_entry_keeps_the_leading_slash_only_for_dives_json() -> None:
    entries, _ = _read(tar(reg("/bin/x", b"1"), hardlink("/bin/h", "/bin/x"), reg("bin/y", b"2")))
    assert [e.path for e in entries] == ["bin/x", "bin/h", "bin/y"]
    assert [e.dive_path for e in entries] == ["/bin/x", "/bin/h", "bin/y"]
    assert entries[1].linkname == "/bin/x"  # dive exports link targets as written


def test_path_depth_is_bounded_and_the_error_names_the_member_shortened() -> None:
    deep = "d/" * 5 + "f"  # 6 components
    entries, _ = _read(tar(pax([("path", deep)]) + reg("x", b"1")), Limits(max_path_depth=6))
    assert [e.path for e in entries] == [deep]
    long_deep = "/".join(["component"] * 50)
    with pytest.raises(LimitError) as err:
        _read(tar(reg("ok", b"1"), pax([("path", long_deep)]) + reg("x", b"1")), Limits(max_path_depth=6))
    msg = str(err.value)
    assert msg.startswith("layer L: member 'component/component/component/component/…' is 50 directories deep")
    assert "(limit 6)" in msg and len(msg) < 200


def test_absolute_names_count_their_depth_without_the_root() -> None:
    entries, _ = _read(tar(reg("/a/b/c", b"1")), Limits(max_path_depth=3))
    assert entries[0].path == "a/b/c"


def test_path_bytes_are_summed_over_layers_of_one_read() -> None:
    layer = tar(reg("a" * 40, b"1"), reg("b" * 40, b"1"))  # 80 name bytes
    limits = Limits(max_path_bytes=150)
    tally = PathTally()
    _read(layer, limits, tally)
    assert tally.used == 80
    with pytest.raises(LimitError, match=r"total more than 150 bytes .* at member 'bbbb"):
        _read(layer, limits, tally)  # the second layer of the same image: 160 > 150


def test_link_targets_count_toward_path_bytes() -> None:
    with pytest.raises(LimitError, match="member names and link targets total more than 100 bytes"):
        _read(tar(hardlink("h", "t" * 120)), Limits(max_path_bytes=100))


def test_each_layer_alone_is_bounded_without_a_shared_tally() -> None:
    layer = tar(reg("a" * 40, b"1"), reg("b" * 40, b"1"))
    limits = Limits(max_path_bytes=100)
    _read(layer, limits)
    _read(layer, limits)  # a fresh tally per call: 80 bytes each time


def test_default_bounds_admit_what_linux_can_hold() -> None:
    # PATH_MAX is 4096 bytes: "a/a/…/a" of 2048 components is the deepest path a filesystem holds
    limits = Limits()
    assert limits.max_path_depth == 2048
    entries, _ = _read(tar(pax([("path", "/".join(["a"] * 2048))]) + reg("x", b"1")))
    assert entries[0].path.count("/") == 2047
