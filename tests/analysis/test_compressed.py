"""Download sizes: exact from stored compressed blobs, labelled estimates otherwise."""

from __future__ import annotations

import json
import tarfile

from fixtures import waste_cases
from fixtures.imagegen import write_docker_save, write_oci_archive
from layerscope.analysis.compressed import (
    GZIP_OVERHEAD,
    HEADER_COST,
    RATIO_OTHER,
    RATIO_STORED,
    RATIO_TEXT,
    image_compressed,
    layer_compressed,
)
from layerscope.sources import load_image, pick_source
from layerscope.sources.archive import ReadOptions


def _load(path):
    return load_image(*pick_source(str(path), None), ReadOptions())


def _blob_sizes(path) -> list[int]:
    """Layer descriptor sizes from the OCI archive itself (index → manifest → layers)."""
    with tarfile.open(path) as tf:
        read = lambda name: json.load(tf.extractfile(name))  # noqa: E731
        index = read("index.json")
        manifest = read("blobs/sha256/" + index["manifests"][0]["digest"].split(":")[1])
        return [layer["size"] for layer in manifest["layers"]]


def test_oci_gzip_sizes_are_exact(tmp_path):
    case = waste_cases.realistic()
    write_oci_archive(tmp_path / "img.tar", case.spec, compression="gzip")
    img = _load(tmp_path / "img.tar")
    sizes = [layer_compressed(layer) for layer in img.layers]
    assert all(s.exact for s in sizes)
    assert [s.size for s in sizes] == _blob_sizes(tmp_path / "img.tar")
    total = image_compressed(img)
    assert total.exact and total.size == sum(_blob_sizes(tmp_path / "img.tar"))


def test_docker_save_sizes_are_estimates_by_file_type(tmp_path):
    f, L = waste_cases.f, waste_cases.L
    spec = waste_cases._img(
        "est", L("COPY x", f("a/lib.so", 100_000), f("a/mod.py", 10_000), f("a/pkg.whl", 50_000), t=1)
    )
    write_docker_save(tmp_path / "img.tar", spec)
    img = _load(tmp_path / "img.tar")
    est = layer_compressed(img.layers[1])
    assert not est.exact and est.label() == "estimate"
    n_entries = len(img.layers[1].entries)
    assert est.size == (
        GZIP_OVERHEAD
        + HEADER_COST * n_entries
        + int(100_000 * RATIO_OTHER)
        + int(10_000 * RATIO_TEXT)
        + int(50_000 * RATIO_STORED)
    )
    assert not image_compressed(img).exact
