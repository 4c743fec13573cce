"""The TUI's extract (layerscope/ui/content.py) writes exactly one regular file, inside the
directory the user confirmed, never through a symlink and never over an existing file without
consent, whatever names and links the image holds."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from layerscope.errors import LayerscopeError
from layerscope.image import Entry
from layerscope.sources.archive import ReadOptions, read_archive
from layerscope.ui.content import extract, extract_target, safe_name

from .tarbuild import dir_, docker_save, hardlink, reg, symlink, tar

HOSTILE = [
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    ".",
    "",
    "a/..",
    "a/../..",
    "x/\x00y",
    "evil\nname",
    "back\\slash",
    "..\\..\\win",
    " .. ",
    "\x1b[31mred",
    "d/" * 300 + "deep",
    "n" * 1000,
    "é" * 200,
    "caf\udce9",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_safe_name_cannot_leave_the_directory(path: str, tmp_path: Path) -> None:
    name = safe_name(path)
    assert name and "/" not in name and "\\" not in name and "\0" not in name
    assert name not in (".", "..")
    assert all(ord(ch) >= 32 and ord(ch) != 127 for ch in name)
    target = extract_target(str(tmp_path), path)
    assert os.path.dirname(target) == os.path.realpath(tmp_path)


@pytest.fixture
def image(tmp_path: Path):
    layer0 = tar(
        dir_("etc/"),
        reg("etc/passwd", b"root:x:0:0\n"),
        symlink("etc/link", "/etc/shadow"),
        hardlink("etc/hard", "etc/passwd"),
        symlink("up", "../../../../tmp"),
        reg("a/b/..name", b"dots"),
        reg("newline\nfile", b"nl"),
    )
    layer1 = tar(reg("etc/passwd", b"root:x:0:0\nuser:x:1000\n"))
    archive = tmp_path / "img.tar"
    archive.write_bytes(docker_save([layer0, layer1]))
    img = read_archive(str(archive), "img", ReadOptions())
    return img, str(archive)


def _entry(img, layer: int, path: str) -> Entry:
    return next(e for e in img.layers[layer].entries if e.path == path)


def _out(tmp_path: Path) -> Path:
    d = tmp_path / "out"
    d.mkdir(exist_ok=True)
    return d


def test_extract_writes_one_file_inside(image, tmp_path: Path) -> None:
    img, archive = image
    out = _out(tmp_path)
    before = sorted(os.listdir(tmp_path))
    written = extract(img, archive, 1, _entry(img, 1, "etc/passwd"), str(out))
    assert written == str(out / "passwd")
    assert (out / "passwd").read_bytes() == b"root:x:0:0\nuser:x:1000\n"
    assert os.listdir(out) == ["passwd"]
    assert sorted(os.listdir(tmp_path)) == before
    # the version in layer 0 is the layer-0 content
    (out / "passwd").unlink()
    extract(img, archive, 0, _entry(img, 0, "etc/passwd"), str(out))
    assert (out / "passwd").read_bytes() == b"root:x:0:0\n"


@pytest.mark.parametrize("path", ["a/b/..name", "newline\nfile"])
def test_odd_names_are_sanitised(image, tmp_path: Path, path: str) -> None:
    img, archive = image
    out = _out(tmp_path)
    written = extract(img, archive, 0, _entry(img, 0, path), str(out))
    assert os.path.dirname(written) == str(out)
    assert os.listdir(out) == [os.path.basename(written)]
    assert "\n" not in written


@pytest.mark.parametrize("path", ["etc/link", "etc/hard", "up", "etc"])
def test_links_and_dirs_from_the_image_are_never_extracted(image, tmp_path: Path, path: str) -> None:
    img, archive = image
    out = _out(tmp_path)
    with pytest.raises(LayerscopeError, match="only regular files"):
        extract(img, archive, 0, _entry(img, 0, path), str(out))
    assert os.listdir(out) == []


def test_no_overwrite_without_consent(image, tmp_path: Path) -> None:
    img, archive = image
    out = _out(tmp_path)
    (out / "passwd").write_bytes(b"precious")
    with pytest.raises(LayerscopeError, match="already exists"):
        extract(img, archive, 1, _entry(img, 1, "etc/passwd"), str(out))
    assert (out / "passwd").read_bytes() == b"precious"
    extract(img, archive, 1, _entry(img, 1, "etc/passwd"), str(out), overwrite=True)  # consent given
    assert (out / "passwd").read_bytes() == b"root:x:0:0\nuser:x:1000\n"


@pytest.mark.parametrize("overwrite", [False, True])
def test_symlink_at_the_target_is_not_followed(image, tmp_path: Path, overwrite: bool) -> None:
    img, archive = image
    out = _out(tmp_path)
    victim = tmp_path / "victim"
    victim.write_bytes(b"untouched")
    os.symlink(victim, out / "passwd")
    with pytest.raises(LayerscopeError):
        extract(img, archive, 1, _entry(img, 1, "etc/passwd"), str(out), overwrite=overwrite)
    assert victim.read_bytes() == b"untouched"
    assert os.path.islink(out / "passwd")


def test_dangling_symlink_at_the_target_is_not_created_through(image, tmp_path: Path) -> None:
    img, archive = image
    out = _out(tmp_path)
    os.symlink(tmp_path / "would-be-created", out / "passwd")
    for overwrite in (False, True):
        with pytest.raises(LayerscopeError):
            extract(img, archive, 1, _entry(img, 1, "etc/passwd"), str(out), overwrite=overwrite)
    assert not (tmp_path / "would-be-created").exists()


def test_fifo_at_the_target_neither_hangs_nor_is_written(image, tmp_path: Path) -> None:
    """Regression: with overwrite consent, an existing FIFO named like the file made extract
    block forever in open(); now it is refused at once."""
    img, archive = image
    out = _out(tmp_path)
    os.mkfifo(out / "passwd")
    errors: list[BaseException] = []

    def go() -> None:
        try:
            extract(img, archive, 1, _entry(img, 1, "etc/passwd"), str(out), overwrite=True)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():  # unblock the stuck open so the test process can finish
        fd = os.open(out / "passwd", os.O_RDONLY | os.O_NONBLOCK)
        t.join(5)
        os.close(fd)
        pytest.fail("extract blocked on a FIFO")
    assert errors and isinstance(errors[0], LayerscopeError), errors


def test_symlinked_directory_inside_the_output_is_not_used(image, tmp_path: Path) -> None:
    """The name is a base name, so a symlinked subdirectory in the output dir is never entered."""
    img, archive = image
    out = _out(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, out / "etc")
    extract(img, archive, 1, _entry(img, 1, "etc/passwd"), str(out))
    assert os.listdir(elsewhere) == []
    assert (out / "passwd").is_file()


def test_missing_entry_leaves_nothing_behind(image, tmp_path: Path) -> None:
    img, archive = image
    out = _out(tmp_path)
    ghost = Entry("etc/ghost", 48, "", 3, 0o644, 0, 0, 0)
    with pytest.raises(LayerscopeError):
        extract(img, archive, 1, ghost, str(out))
    assert os.listdir(out) == []


def test_not_a_directory(image, tmp_path: Path) -> None:
    img, archive = image
    f = tmp_path / "plain"
    f.write_bytes(b"x")
    with pytest.raises(LayerscopeError, match="not a directory"):
        extract(img, archive, 1, _entry(img, 1, "etc/passwd"), str(f))
