"""The sources behind one interface: which class serves a reference, and that the one object
both reads the image and reopens its layers (the explorer's loader uses nothing else)."""

from __future__ import annotations

import json
import tarfile

import pytest

from layerscope.errors import LayerscopeError
from layerscope.sources import (
    PREFIXES,
    load_image,
    open_source,
    pick_source,
    resolver_name,
    source_for,
)
from layerscope.sources.archive import ReadOptions, ReadState
from layerscope.sources.kinds import (
    SOURCES,
    ArchiveFile,
    DockerEngineImage,
    LayoutDir,
    PodmanImage,
    RegistryImage,
)
from layerscope.ui.content import read_content
from tests.sources.test_content import check_source, entry, tar_oracle


@pytest.mark.parametrize(
    ("arg", "flag", "cls", "reference"),
    [
        ("docker://a/b:c", None, DockerEngineImage, "a/b:c"),
        ("no/such/file:tag", None, DockerEngineImage, "no/such/file:tag"),
        ("x", "docker", DockerEngineImage, "x"),
        ("podman://a", "docker", PodmanImage, "a"),
        ("x", "podman", PodmanImage, "x"),
        ("registry://127.0.0.1:5000/a/b:c", None, RegistryImage, "127.0.0.1:5000/a/b:c"),
        ("docker-archive:///no.tar", None, ArchiveFile, "/no.tar"),
        ("docker-tar:///no.tar", None, ArchiveFile, "/no.tar"),
        ("/no.tar", "docker-tar", ArchiveFile, "/no.tar"),
    ],
)
def test_open_source_picks_one_class_per_source(arg, flag, cls, reference):
    src = open_source(arg, flag)
    assert type(src) is cls and src.reference == reference
    assert (src.name, src.reference) == pick_source(arg, flag)


def test_existing_paths_are_archives_and_layout_dirs(archives, tmp_path):
    assert type(open_source(str(archives["save"]), None)) is ArchiveFile
    d = tmp_path / "layout"
    with tarfile.open(archives["oci"]) as t:
        t.extractall(d, filter="tar")
    assert type(open_source(str(d), None)) is LayoutDir


def test_every_prefix_names_a_known_source():
    assert set(PREFIXES.values()) == set(SOURCES)
    for cls in SOURCES.values():
        assert SOURCES[cls.name] is cls


def test_registry_source_keeps_how_to_reach_the_registry_again():
    src = open_source("registry://h:1/r:t", None, ReadOptions(insecure=True, cache=False))
    assert src == RegistryImage("h:1/r:t", insecure=True, cache=False)
    assert open_source("registry://h:1/r:t", None) == RegistryImage("h:1/r:t", insecure=False, cache=True)


def test_unknown_source_name_is_one_clear_error():
    with pytest.raises(LayerscopeError, match="^unable to determine image source: foo$"):
        open_source("x", "foo")
    with pytest.raises(LayerscopeError, match="^unable to determine image source: nosuch$"):
        source_for("nosuch", "x")


# dive 0.13.1's resolver names, as recorded from its CI text in tests/ci/test_preamble.py
@pytest.mark.parametrize(
    ("name", "resolver"),
    [
        ("docker", "docker-engine"),
        ("podman", "podman"),
        ("docker-archive", "docker-archive"),
        ("registry", "registry"),
    ],
)
def test_each_source_describes_its_resolver(name, resolver):
    assert resolver_name(name) == resolver
    assert SOURCES[name].resolver == resolver


def test_one_source_reads_and_reopens_an_archive_with_a_selector(archives, tmp_path):
    """``archive.tar:name:tag`` reads the selected image and the viewer reopens ``archive.tar``."""
    with tarfile.open(archives["save"]) as t:
        tag = json.load(t.extractfile("manifest.json"))[0]["RepoTags"][0]
    src = open_source(f"{archives['save']}:{tag}", None)
    assert isinstance(src, ArchiveFile) and src.path == str(archives["save"])
    image = src.read(ReadOptions())
    assert [lay.digest for lay in image.layers] == [
        lay.digest for lay in load_image("docker-archive", str(archives["save"]), ReadOptions()).layers
    ]
    check_source(image, src, archives["save"], tmp_path)


def test_read_uses_the_callers_state(archives):
    opts = ReadOptions()
    state = ReadState.start(opts)
    image = open_source(str(archives["save"]), None).read(opts, state)
    assert state.progress.layers_read == len(image.layers) > 0
    assert state.progress.bytes_read == archives["save"].stat().st_size


def test_explorer_loader_reopens_layers_through_the_source_it_read(archives):
    from layerscope.ui.app import make_loader
    from layerscope.ui.progress import LoadProgress

    opts = ReadOptions()
    model = make_loader("docker-archive", str(archives["oci"]), opts)(LoadProgress(ReadState.start(opts)))
    assert model.content == ArchiveFile(str(archives["oci"]))
    got = read_content(model.image, model.content, 0, entry(model.image, 0, "etc/os-release"))
    assert got.data == tar_oracle(archives["save"], 0, "etc/os-release")
