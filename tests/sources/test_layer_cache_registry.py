"""The layer cache and parallel downloads against a real registry (Debian's docker-registry):
a pull of HEAD after BASE downloads only the manifest, HEAD's config and its new layers; the
result is the one a pull without any cache gives; blobs fetched ahead are verified, and an
interrupted pull leaves no download running and no partial file behind."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_oci_archive
from layerscope.archive.capture import CaptureSpec
from layerscope.sources import prefetch, pull
from layerscope.sources.archive import ReadOptions
from layerscope.sources.pull import load_from_registry
from layerscope.sources.registry import RegistryClient

from .test_layer_cache import image_facts

CAPTURE = CaptureSpec("test-v1", lambda p: p.startswith("etc/"))


def _layer(tag: str, n: int) -> LayerSpec:
    return LayerSpec(
        [M(f"{tag}/", "dir"), M(f"etc/{tag}.conf", data=tag.encode())]
        + [M(f"{tag}/f{i}", data=(f"{tag}{i}".encode() * 300)) for i in range(n)]
    )


BASE = ImageSpec(layers=[_layer("base0", 40), _layer("base1", 30), _layer("base2", 20)])
HEAD = ImageSpec(layers=[*BASE.layers, _layer("app", 5)])


@pytest.fixture(scope="module")
def pushed(registry, tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("layer-cache-images")
    out = {}
    for name, spec in (("base", BASE), ("head", HEAD)):
        path = d / f"{name}.tar"
        write_oci_archive(path, spec, compression="gzip")
        out[name] = registry.push(f"oci-archive:{path}", f"cache/{name}:v1")
    return out


@pytest.fixture
def blob_gets(monkeypatch) -> list[str]:
    """Every blob request the client makes (each one a GET the registry answers)."""
    got: list[str] = []
    real = RegistryClient.blob

    def counting(self, digest, size=None):
        got.append(digest)
        return real(self, digest, size)

    monkeypatch.setattr(RegistryClient, "blob", counting)
    return got


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("LAYERSCOPE_CACHE_DIR", str(d))
    monkeypatch.delenv("LAYERSCOPE_CACHE_MAX", raising=False)
    return d


def facts(ref: str, **kw) -> list:
    return image_facts(load_from_registry(ref, ReadOptions(insecure=True, **kw)))


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Every layer the puller parses."""
    got: list[str] = []
    real = pull.read_layer
    monkeypatch.setattr(pull, "read_layer", lambda *a, **kw: (got.append(a[1]), real(*a, **kw))[1])
    return got


@pytest.mark.parametrize("mode", [{}, {"hash_content": False}, {"capture": CAPTURE}])
def test_head_after_base_downloads_only_what_is_new(pushed, cache_dir, blob_gets, parses, mode):
    expected = facts(pushed["head"], cache=False, **mode)
    blob_gets.clear()
    parses.clear()
    facts(pushed["base"], **mode)
    assert len(blob_gets) == 1 + len(BASE.layers)  # config + every layer: nothing cached yet
    assert len(parses) == len(BASE.layers)
    blob_gets.clear()
    parses.clear()
    assert facts(pushed["head"], **mode) == expected
    assert len(blob_gets) == 2  # HEAD's config and its one new layer
    assert len(parses) == 1  # the shared layers are not parsed either
    blob_gets.clear()
    parses.clear()
    assert facts(pushed["head"], **mode) == expected
    assert blob_gets == [] and parses == []  # config from the blob cache, every layer from the layer cache


def test_blob_cache_alone_still_serves_when_layer_records_are_gone(pushed, cache_dir, blob_gets):
    expected = facts(pushed["base"], cache=False)
    facts(pushed["base"])
    for p in (cache_dir / "layers").rglob("*"):
        if p.is_file():
            p.unlink()
    blob_gets.clear()
    assert facts(pushed["base"]) == expected
    assert blob_gets == []  # the blobs were in the blob cache: parsed from disk, not fetched


def test_parallel_downloads_give_the_sequential_result(pushed, cache_dir, monkeypatch):
    started: list[int] = []
    real_close = prefetch.Prefetcher.close

    def close(self):
        started.append(self.started)
        real_close(self)

    monkeypatch.setattr(prefetch.Prefetcher, "close", close)
    monkeypatch.setattr(prefetch, "PARALLEL", 1)
    sequential = facts(pushed["head"], cache=False)
    assert started == [0]
    monkeypatch.setattr(prefetch, "PARALLEL", 3)
    assert facts(pushed["head"]) == sequential
    assert started[-1] >= 2  # layers after the first came in ahead of the parser


def test_interrupted_pull_stops_downloads_and_leaves_no_partial(pushed, cache_dir, monkeypatch):
    monkeypatch.setattr(prefetch, "PARALLEL", 3)
    real = pull.read_layer

    def interrupted(*a, **kw):
        time.sleep(0.2)  # the downloads ahead are running by now
        raise KeyboardInterrupt

    monkeypatch.setattr(pull, "read_layer", interrupted)
    with pytest.raises(KeyboardInterrupt):
        facts(pushed["head"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(t.name.startswith("layerscope-prefetch") for t in threading.enumerate()):
        time.sleep(0.05)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("layerscope-prefetch")]
    assert not [p for p in cache_dir.rglob("*.partial.*")]
    monkeypatch.setattr(pull, "read_layer", real)
    assert facts(pushed["head"]) == facts(pushed["head"], cache=False)
