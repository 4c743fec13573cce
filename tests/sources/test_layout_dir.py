"""An image layout directory reads exactly like the archive it was unpacked from."""

from __future__ import annotations

import os
import tarfile

import pytest

from fixtures.catalog import CASES
from fixtures.imagegen import write_docker_save, write_oci_archive
from layerscope.analysis.dive_efficiency import dive_efficiency
from layerscope.sources.archive import ReadOptions, read_archive


def _unpack(archive, dest) -> None:
    with tarfile.open(archive) as t:
        t.extractall(dest, filter="tar")


@pytest.mark.parametrize("writer", ["oci", "docker-save"])
def test_directory_equals_archive(writer, tmp_path):
    archive = tmp_path / "img.tar"
    if writer == "oci":
        write_oci_archive(archive, CASES["demo"], compression="zstd")
    else:
        write_docker_save(archive, CASES["duplicate_layer"])  # has a symlinked layer.tar
    d = tmp_path / "layout"
    _unpack(archive, d)
    a = read_archive(str(archive), "a", ReadOptions())
    b = read_archive(str(d), "b", ReadOptions())
    assert [[(e.path, e.size, e.hash) for e in lay.entries] for lay in a.layers] == [
        [(e.path, e.size, e.hash) for e in lay.entries] for lay in b.layers
    ]
    assert [lay.dive_empty for lay in a.layers] == [lay.dive_empty for lay in b.layers]
    ea, eb = dive_efficiency(a), dive_efficiency(b)
    assert (ea.efficiency, ea.wasted_bytes) == (eb.efficiency, eb.wasted_bytes)


def test_symlink_out_of_directory_is_not_followed(tmp_path):
    archive = tmp_path / "img.tar"
    write_oci_archive(archive, CASES["single_layer"])
    d = tmp_path / "layout"
    _unpack(archive, d)
    secret = tmp_path / "secret.json"
    secret.write_text('{"manifests": []}')
    os.remove(d / "index.json")
    os.symlink(secret, d / "index.json")
    from layerscope.errors import LayerscopeError

    with pytest.raises(LayerscopeError):
        read_archive(str(d), "b", ReadOptions())
