"""File content for every source: the viewer's and extract's bytes come from the one
layer that holds the file, streamed again from the archive, the layout directory, the
registry (cached blob or a fresh fetch) or podman — and equal what an independent reader
(:mod:`tarfile`, on the docker-save archive the image was made from) finds."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from layerscope.errors import LayerscopeError
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.sources.kinds import ArchiveFile, LayoutDir, RegistryImage
from layerscope.sources.kinds import source_for as layer_source
from layerscope.ui.content import extract, read_content

# (path, layer index) of regular files of the demo image, one per interesting case: a small
# text file in layer 0, a file rewritten in layer 2, a 12000-byte binary
FILES = [("etc/os-release", 0), ("etc/passwd", 2), ("bin/dash", 0)]


def tar_oracle(save: Path, layer: int, path: str) -> bytes:
    """The member's bytes as Python's tarfile reads them from the docker-save archive."""
    with tarfile.open(save) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        blob = outer.extractfile(manifest[0]["Layers"][layer]).read()
    with tarfile.open(fileobj=io.BytesIO(blob)) as inner:
        found = [m for m in inner.getmembers() if m.name.lstrip("./") == path]
        return inner.extractfile(found[-1]).read()


def entry(image, layer: int, path: str):
    return next(e for e in image.layers[layer].entries if e.path == path)


def check_source(image, src, save: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    for path, layer in FILES:
        want = tar_oracle(save, layer, path)
        got = read_content(image, src, layer, entry(image, layer, path))
        assert got.data == want and got.size == len(want)
        small = read_content(image, src, layer, entry(image, layer, path), limit=10)
        assert small.data == want[:10] and small.truncated
        written = extract(image, src, layer, entry(image, layer, path), str(out), overwrite=True)
        assert Path(written).read_bytes() == want and Path(written).parent == out.resolve()


def test_archive_file(archives, tmp_path):
    image = load_image("docker-archive", str(archives["save"]), ReadOptions())
    src = layer_source("docker-archive", str(archives["save"]))
    assert isinstance(src, ArchiveFile)
    check_source(image, src, archives["save"], tmp_path)


def test_oci_archive_gzip_layers(archives, tmp_path):
    image = load_image("docker-archive", str(archives["oci"]), ReadOptions())
    check_source(image, layer_source("docker-archive", str(archives["oci"])), archives["save"], tmp_path)


def test_oci_layout_directory(archives, tmp_path):
    d = tmp_path / "layout"
    with tarfile.open(archives["oci"]) as t:
        t.extractall(d, filter="tar")
    image = load_image("docker-archive", str(d), ReadOptions())
    src = layer_source("docker-archive", str(d))
    assert isinstance(src, LayoutDir)
    check_source(image, src, archives["save"], tmp_path)


def test_layout_directory_blob_link_out_of_the_directory_is_refused(archives, tmp_path):
    d = tmp_path / "layout"
    with tarfile.open(archives["oci"]) as t:
        t.extractall(d, filter="tar")
    image = load_image("docker-archive", str(d), ReadOptions())
    layer = image.layers[0]
    blob = d / layer.member
    outside = tmp_path / "outside-blob"
    os.rename(blob, outside)
    os.symlink(outside, blob)
    with pytest.raises(LayerscopeError, match="outside"):
        read_content(image, LayoutDir(str(d)), 0, entry(image, 0, "etc/os-release"))


def test_changed_archive_is_an_error_not_a_wrong_file(archives, tmp_path):
    """The content's hash is checked against the analysis: a source replaced since is noticed."""
    image = load_image("docker-archive", str(archives["save"]), ReadOptions())
    e = entry(image, 2, "etc/passwd")
    forged = type(e)(e.path, e.typeflag, e.linkname, e.size, e.mode, e.uid, e.gid, e.hash ^ 1)
    image.layers[2].entries[image.layers[2].entries.index(e)] = forged
    with pytest.raises(LayerscopeError, match="changed in the source"):
        read_content(image, layer_source("docker-archive", str(archives["save"])), 2, forged)


@pytest.fixture(scope="module")
def pushed_save(registry, archives) -> str:
    return registry.push(f"docker-archive:{archives['save']}", "content/save:v1")


@pytest.mark.parametrize("cache", [True, False])
def test_registry_cached_blob_or_refetch(docker_config, pushed_save, archives, tmp_path, cache):
    opts = ReadOptions(insecure=True, cache=cache)
    image = load_image("registry", pushed_save, opts)
    src = layer_source("registry", pushed_save, opts)
    assert isinstance(src, RegistryImage) and src.cache is cache
    check_source(image, src, archives["save"], tmp_path)


def test_registry_refetches_when_the_cache_lost_the_blob(docker_config, pushed_save, archives, tmp_path):
    opts = ReadOptions(insecure=True)
    image = load_image("registry", pushed_save, opts)
    cache = Path(os.environ["LAYERSCOPE_CACHE_DIR"])
    for blob in cache.rglob("*"):
        if blob.is_file():
            blob.unlink()
    check_source(image, layer_source("registry", pushed_save, opts), archives["save"], tmp_path)


def test_podman_binary(podman_loaded, archives, tmp_path, monkeypatch):
    for k, v in podman_loaded.env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.setenv("PATH", os.path.dirname(podman_loaded.binary) + os.pathsep + os.environ["PATH"])
    with tarfile.open(archives["save"]) as t:
        tag = json.load(t.extractfile("manifest.json"))[0]["RepoTags"][0]
    image = load_image("podman", tag, ReadOptions())
    check_source(image, layer_source("podman", tag), archives["save"], tmp_path)


def _pilot_view_and_extract(source: str, arg: str, opts: ReadOptions, out: Path, tmp_path: Path) -> tuple[str, bytes]:
    """In the real app (Textual's Pilot): select layer 2, find /etc/passwd, press v, then x."""
    import asyncio

    from layerscope.ci.settings import RuleOptions
    from layerscope.config import UISettings
    from layerscope.ui.app import create_app
    from layerscope.ui.screens.extract import ExtractScreen
    from layerscope.ui.screens.file_view import FileViewScreen
    from layerscope.ui.screens.main import MainScreen
    from layerscope.ui.widgets.file_viewer import FileViewer

    args = RuleOptions(ci_config=str(tmp_path / "none"))

    async def until(pilot, cond) -> None:  # noqa: ANN001
        for _ in range(500):
            if cond():
                return
            await pilot.pause(0.01)
        raise AssertionError("timed out")

    async def run() -> tuple[str, bytes]:
        app = create_app(source, arg, opts, UISettings(), args)
        async with app.run_test(size=(160, 50)) as pilot:
            await until(
                pilot,
                lambda: (
                    app.load_error is not None or (isinstance(app.screen, MainScreen) and app.screen.view is not None)
                ),
            )
            assert app.load_error is None, app.load_error
            screen = app.screen
            await pilot.press("down", "down")
            await until(pilot, lambda: screen.layer_index == 2 and not screen.computing)
            await app.workers.wait_for_complete()
            await pilot.press("tab", "slash", *"^/etc/passwd$", "enter")
            assert screen.view.current_path == "/etc/passwd"
            await pilot.press("v")
            viewer = app.screen
            assert isinstance(viewer, FileViewScreen)
            await until(pilot, lambda: viewer.content or viewer.error)
            assert viewer.error is None, viewer.error
            body = viewer.query_one(FileViewer).body
            await pilot.press("escape")
            await pilot.press("x")
            dialog = app.screen
            assert isinstance(dialog, ExtractScreen)
            dialog.query_one("#extract-dir").value = str(out)
            await pilot.pause()
            await pilot.press("enter")
            await until(pilot, lambda: app.screen is screen)
        return body, (out / "passwd").read_bytes()

    return asyncio.run(run())


@pytest.mark.parametrize("kind", ["layout-dir", "registry"])
def test_ui_views_and_extracts_from_every_source(kind, archives, tmp_path, request):
    want = tar_oracle(archives["save"], 2, "etc/passwd")
    out = tmp_path / "out"
    out.mkdir()
    if kind == "layout-dir":
        d = tmp_path / "layout"
        with tarfile.open(archives["oci"]) as t:
            t.extractall(d, filter="tar")
        source, arg, opts = "docker-archive", str(d), ReadOptions()
    else:
        request.getfixturevalue("docker_config")
        source, arg, opts = "registry", request.getfixturevalue("pushed_save"), ReadOptions(insecure=True)
    body, written = _pilot_view_and_extract(source, arg, opts, out, tmp_path)
    assert body == want.decode() and written == want
