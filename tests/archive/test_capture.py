"""The reader keeps the content of the files a CaptureSpec asks for, in every layout, in the
same single pass, with bounds.  Expected content comes from the generator's inputs."""

from __future__ import annotations

import pytest

from fixtures.catalog import write_layout
from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save, write_oci_archive
from layerscope.archive.capture import CaptureSpec
from layerscope.sources.archive import ReadOptions, read_archive

STATUS_1 = b"Package: a\nVersion: 1\n\n"
STATUS_2 = b"Package: a\nVersion: 2\n\nPackage: b\nVersion: 9\n\n"

SPEC = ImageSpec(
    layers=[
        LayerSpec(
            [
                M("var/lib/dpkg/", "dir"),
                M("var/lib/dpkg/status", data=STATUS_1),
                M("usr/bin/a", data=b"x" * 5000),
            ]
        ),
        LayerSpec(
            [
                M("./var/lib/dpkg/status", data=b"stale copy, overwritten below in the same layer"),
                M("var/lib/dpkg/status", data=STATUS_2),
                M("var/lib/dpkg/big", data=b"y" * 3000),
                M("var/lib/dpkg/link", "symlink", linkname="status"),
            ]
        ),
    ]
)


def wants(path: str) -> bool:
    return path.startswith("var/lib/dpkg/")


def read(p, spec: CaptureSpec | None, **kw):
    return read_archive(str(p), str(p), ReadOptions(capture=spec, **kw))


@pytest.mark.parametrize("writer", [write_docker_save, write_oci_archive])
@pytest.mark.parametrize("hash_content", [True, False])
def test_captured_content_is_the_files_as_written(tmp_path, writer, hash_content):
    p = tmp_path / "img.tar"
    writer(p, SPEC)
    image = read(p, CaptureSpec("t", wants, max_file_bytes=2048), hash_content=hash_content)
    first, second = (lay.captured for lay in image.layers)
    assert first is not None and second is not None
    assert first.files == {"var/lib/dpkg/status": STATUS_1}
    # the last copy in tar order wins; a file over the per-file bound is named, not kept;
    # symlinks and directories are never captured
    assert second.files == {"var/lib/dpkg/status": STATUS_2}
    assert second.too_big == ["var/lib/dpkg/big"]


def test_capture_changes_no_entry(tmp_path):
    p = tmp_path / "img.tar"
    write_oci_archive(p, SPEC)
    plain = read(p, None)
    captured = read(p, CaptureSpec("t", wants))
    assert [lay.entries for lay in plain.layers] == [lay.entries for lay in captured.layers]
    assert all(lay.captured is None for lay in plain.layers)


def test_total_bound_stops_keeping(tmp_path):
    p = tmp_path / "img.tar"
    write_docker_save(p, SPEC)
    image = read(p, CaptureSpec("t", wants, max_total_bytes=len(STATUS_1) + 10))
    first, second = (lay.captured for lay in image.layers)
    assert first.files == {"var/lib/dpkg/status": STATUS_1}
    assert second.files == {} and second.budget.exhausted


def test_every_layout_captures(tmp_path):
    from fixtures.catalog import LAYOUTS

    for layout in LAYOUTS:
        if "multiplatform" in layout:
            continue
        p = tmp_path / f"{layout}.tar"
        write_layout("demo", layout, p)
        image = read(p, CaptureSpec("t", lambda path: path == "var/lib/dpkg/status"))
        got = [sorted(lay.captured.files) for lay in image.layers if lay.captured]
        assert ["var/lib/dpkg/status"] in got, layout
