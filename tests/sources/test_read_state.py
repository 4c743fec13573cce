"""Read options are immutable and shared; each read's budget and progress are its own."""

from __future__ import annotations

import dataclasses
import tarfile

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save
from layerscope.archive.decompress import Limits
from layerscope.errors import LayerscopeError
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions, ReadState

SPEC = ImageSpec([LayerSpec([M("a.bin", size=30_000), M("b.txt", data=b"x" * 100)], "COPY . /")], tags=["t:1"])


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "img.tar"
    info = write_docker_save(str(path), SPEC)
    with tarfile.open(str(path)) as tf:
        layer_bytes = sum(tf.getmember(n).size for n in info[0]["layers"])
    return str(path), layer_bytes


def test_options_are_frozen():
    opts = ReadOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.verify = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.limits.max_bytes = 1  # type: ignore[misc]


def test_one_options_value_reads_twice_under_its_cap(archive):
    """Before: the running totals lived in ``opts.limits``, so the second read of the same
    image started where the first ended and crossed a cap the image alone fits under."""
    path, layer_bytes = archive
    opts = ReadOptions(limits=Limits(max_bytes=layer_bytes, max_entries=2))
    first = load_image("docker-archive", path, opts)
    second = load_image("docker-archive", path, opts)
    assert [len(lay.entries) for lay in first.layers] == [len(lay.entries) for lay in second.layers] == [2]


def test_each_state_counts_its_own_read(archive):
    path, layer_bytes = archive
    opts = ReadOptions()
    states = [ReadState.start(opts), ReadState.start(opts)]
    for s in states:
        load_image("docker-archive", path, opts, s)
    for s in states:
        assert s.budget.used_entries == 2
        assert 0 < s.budget.used_bytes <= layer_bytes
        assert s.progress.layers_read == 1
        assert s.progress.bytes_total == s.progress.bytes_read  # the whole file, once


def test_cap_below_the_image_still_stops_it(archive):
    path, _layer_bytes = archive
    with pytest.raises(LayerscopeError, match="--max-entries"):
        load_image("docker-archive", path, ReadOptions(limits=Limits(max_entries=1)))
