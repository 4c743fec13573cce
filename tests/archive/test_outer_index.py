"""The header-index pass over a seekable archive, and the single streaming pass that stays
for input that cannot seek (a pipe, an engine's ``image save``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures.catalog import write_layout
from fixtures.imagegen import ImageSpec, LayerSpec, M
from layerscope.archive import outer
from layerscope.archive.decompress import Limits
from layerscope.archive.outer import index_documents
from layerscope.archive.resolve import layer_ids_by_member
from layerscope.sources.archive import ReadOptions, ReadState, read_archive
from layerscope.sources.stream import read_stream


class Counted:
    """A seekable file source that counts the bytes it actually reads."""

    def __init__(self, path: Path) -> None:
        self.f = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the test
        self.size = os.path.getsize(path)
        self.read_bytes = 0

    def read(self) -> bytes:
        c = self.f.read(1 << 16)
        self.read_bytes += len(c)
        return c

    def skip(self, n: int) -> int:
        k = max(0, min(n, self.size - self.f.tell()))
        self.f.seek(k, os.SEEK_CUR)
        return k


BIG = ImageSpec(layers=[LayerSpec([M(f"d{k}/f{i}", size=50_000, seed=k) for i in range(10)]) for k in range(3)])


def test_index_pass_reads_documents_and_seeks_over_layers(tmp_path):
    path = tmp_path / "save.tar"
    write_layout(BIG, "docker-save", path)
    src = Counted(path)
    docs = index_documents(src.read, str(path), src.skip, Limits().max_path_bytes)
    src.f.close()
    assert docs is not None
    assert "manifest.json" in docs.jsons
    assert all(name.endswith(".json") for name in docs.jsons)
    assert any(name.endswith("layer.tar") for name in docs.members)
    assert src.read_bytes < src.size / 4  # the layer tars were seeked over
    ids = layer_ids_by_member(docs, None, None)
    image = read_archive(str(path), str(path), ReadOptions(cache=False))
    # every layer member maps to the diff_id the config gives its position
    assert ids == {layer.member: layer.diff_id for layer in image.layers if not layer.dive_empty}


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_index_pass_gives_up_on_a_damaged_archive(tmp_path, damage):
    path = tmp_path / "save.tar"
    write_layout(BIG, "docker-save", path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if damage == "truncated" else b"\x07" * 4096)
    src = Counted(path)
    assert index_documents(src.read, str(path), src.skip, Limits().max_path_bytes) is None
    src.f.close()


@pytest.mark.parametrize("layout", ["docker-save", "oci-gzip"])
@pytest.mark.parametrize("keep", [0.5, 0.8])
def test_a_damaged_archive_fails_as_it_does_without_cache(tmp_path, monkeypatch, layout, keep):
    """Layers served from the cache, then the archive turns out truncated: the error is the
    ordinary pass's (the read is done again without the cache)."""
    monkeypatch.setenv("LAYERSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "img.tar"
    write_layout(BIG, layout, path)
    read_archive(str(path), str(path), ReadOptions())  # cache the layers
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    errors = []
    for cache in (False, True):
        try:
            read_archive(str(path), str(path), ReadOptions(cache=cache))
        except Exception as e:  # noqa: BLE001 - compared below
            errors.append((type(e), str(e)))
    assert len(errors) == 2 and errors[0] == errors[1]


@pytest.mark.parametrize("layout", ["docker-save", "docker25-gzip", "oci-zstd"])
def test_stream_input_keeps_one_pass_and_gives_the_same_image(tmp_path, monkeypatch, layout):
    """A pipe cannot seek: no index pass; docker save's path-named layers are parsed as they
    stream by, layers named by digest are taken from the cache (still read, to verify)."""
    monkeypatch.setenv("LAYERSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "img.tar"
    write_layout("demo", layout, path)
    calls: list[str] = []
    real = outer.read_layer
    monkeypatch.setattr(outer, "read_layer", lambda *a, **kw: (calls.append(a[1]), real(*a, **kw))[1])

    def streamed(cache: bool):
        opts = ReadOptions(cache=cache)
        with open(path, "rb") as f:
            return read_stream(
                lambda: f.read(1 << 16), str(path), str(path), opts, "docker-archive", ReadState.start(opts)
            )

    def facts(img):
        return [(layer.diff_id, layer.size, [(e.path, e.size, e.hash) for e in layer.entries]) for layer in img.layers]

    expected = facts(streamed(False))
    parsed_cold = len(calls)
    assert facts(streamed(True)) == expected
    calls.clear()
    assert facts(streamed(True)) == expected
    if layout == "docker-save":
        assert len(calls) == parsed_cold  # named by path: nothing to look up before the manifest
    else:
        assert calls == []
