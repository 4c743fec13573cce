"""The layer-analysis cache never changes a result: cold, warm and ``--no-cache`` reads give
the same Image in every layout and read mode; a damaged or planted cache file is recomputed
with at most a warning; a warm read parses nothing it has cached; the bounds still apply.

The expected Image is always the one read with the cache off (the reader as it was before the
cache existed), never something the cache produced."""

from __future__ import annotations

import io
import logging
import os
import tarfile
from pathlib import Path

import pytest

from fixtures.catalog import LAYOUTS, write_layout
from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save, write_oci_archive
from layerscope.archive import outer
from layerscope.archive.capture import CaptureSpec
from layerscope.archive.decompress import Limits
from layerscope.errors import LayerscopeError
from layerscope.layercache.store import layers_dir
from layerscope.sources.archive import ReadOptions, read_archive

CASE = "demo"
CAPTURE = CaptureSpec("test-v1", lambda p: p.startswith("etc/") or p.endswith("status"), max_file_bytes=1 << 20)


def image_facts(img) -> list:
    """Everything a layer's analysis holds, per layer: entries (all fields and the entry
    class), sizes, compression, captured files."""
    out = []
    for layer in img.layers:
        cap = layer.captured
        out.append(
            (
                layer.member,
                layer.diff_id,
                layer.size,
                layer.compression,
                layer.compressed_size,
                layer.dive_empty,
                [
                    (type(e).__name__, e.path, e.typeflag, e.linkname, e.size, e.mode, e.uid, e.gid, e.hash)
                    for e in layer.entries
                ],
                None if layer.dive_all_entries is None else len(layer.dive_all_entries),
                None if cap is None else (sorted(cap.files.items()), sorted(cap.too_big), cap.budget.exhausted),
            )
        )
    return out


def read(path: Path, **kw) -> list:
    return image_facts(read_archive(str(path), str(path), ReadOptions(**kw)))


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("LAYERSCOPE_CACHE_DIR", str(d))
    monkeypatch.delenv("LAYERSCOPE_CACHE_MAX", raising=False)
    return d


def records(cache_dir: Path) -> list[Path]:
    d = Path(layers_dir(str(cache_dir)))
    return sorted(p for p in d.iterdir() if not p.name.startswith("b-")) if d.is_dir() else []


MODES = [
    {"hash_content": True},
    {"hash_content": False},
    {"hash_content": True, "capture": CAPTURE},
    {"hash_content": False, "capture": CAPTURE},
]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cold_warm_and_no_cache_reads_are_identical(layout, cache_dir, tmp_path):
    path = tmp_path / f"{layout}.tar"
    write_layout(CASE, layout, path)
    for mode in MODES:  # each mode after the others: records written by one mode serve (or not) the next
        expected = read(path, cache=False, **mode)
        cold = read(path, **mode)
        warm = read(path, **mode)
        assert cold == expected, mode
        assert warm == expected, mode
    assert records(cache_dir), "the reads stored nothing"


def test_warm_read_parses_no_cached_layer(cache_dir, tmp_path, monkeypatch):
    """docker save (layers named by path: bound through manifest + config) and an OCI archive
    (named by digest): the second read calls the layer parser for no layer at all."""
    calls: list[str] = []
    real = outer.read_layer

    def counting(*a, **kw):
        calls.append(a[1])
        return real(*a, **kw)

    monkeypatch.setattr(outer, "read_layer", counting)
    for layout in ("docker-save", "oci-gzip", "docker25-zstd"):
        path = tmp_path / f"{layout}.tar"
        write_layout(CASE, layout, path)
        read(path)
        assert calls, layout
        calls.clear()
        read(path)
        assert calls == [], layout
        read(path, cache=False)
        assert calls, layout
        calls.clear()


def test_head_after_base_reads_only_new_layers(cache_dir, tmp_path, monkeypatch):
    base = ImageSpec(layers=[LayerSpec([M("base/a", data=b"a" * 9000)]), LayerSpec([M("base/b", data=b"b" * 7000)])])
    head = ImageSpec(layers=[*base.layers, LayerSpec([M("app/x", data=b"new")])])
    calls: list[str] = []
    real = outer.read_layer
    monkeypatch.setattr(outer, "read_layer", lambda *a, **kw: (calls.append(a[1]), real(*a, **kw))[1])
    for writer in (write_docker_save, lambda p, s: write_oci_archive(p, s, compression="gzip")):
        b, h = tmp_path / "base.tar", tmp_path / "head.tar"
        writer(b, base)
        writer(h, head)
        read(b)
        calls.clear()
        got = read(h)
        assert len(calls) == 1  # the one layer BASE does not have
        calls.clear()
        assert got == read(h, cache=False)


def _damage(kind: str, rec: Path, tmp_path: Path) -> None:
    if kind == "truncated":
        rec.write_bytes(rec.read_bytes()[:-7])
    elif kind == "flipped":
        data = bytearray(rec.read_bytes())
        data[-3] ^= 0xFF
        rec.write_bytes(bytes(data))
    elif kind == "garbage":
        rec.write_bytes(b"not a record at all")
    elif kind == "empty":
        rec.write_bytes(b"")
    elif kind == "wrong-version":
        data = rec.read_bytes()
        vlen = data[7]
        rec.write_bytes(data[:8] + b"9" * vlen + data[8 + vlen :])
    elif kind == "wrong-format":
        data = bytearray(rec.read_bytes())
        data[4] ^= 0x7F
        rec.write_bytes(bytes(data))
    elif kind == "symlink":
        target = tmp_path / "elsewhere"
        target.write_bytes(rec.read_bytes())
        rec.unlink()
        rec.symlink_to(target)
    elif kind == "fifo":
        rec.unlink()
        os.mkfifo(rec)
    elif kind == "directory":
        rec.unlink()
        rec.mkdir()
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    ["truncated", "flipped", "garbage", "empty", "wrong-version", "wrong-format", "symlink", "fifo", "directory"],
)
@pytest.mark.parametrize("layout", ["docker-save", "oci-gzip"])
def test_damaged_record_is_recomputed_with_a_warning(kind, layout, cache_dir, tmp_path, caplog):
    path = tmp_path / "img.tar"
    write_layout(CASE, layout, path)
    expected = read(path, cache=False)
    assert read(path) == expected
    recs = records(cache_dir)
    assert recs
    for rec in recs:
        _damage(kind, rec, tmp_path)
    blobs = [p for p in Path(layers_dir(str(cache_dir))).iterdir() if p.name.startswith("b-")]
    if kind != "directory":
        for b in blobs:  # the small per-blob records too
            _damage(kind, b, tmp_path)
    with caplog.at_level(logging.WARNING, logger="layerscope.layercache"):
        assert read(path) == expected
    assert any("unusable" in r.getMessage() for r in caplog.records)
    caplog.clear()
    # recomputed and stored again: the next read is served and warns no more
    with caplog.at_level(logging.WARNING, logger="layerscope.layercache"):
        assert read(path) == expected
    assert not caplog.records
    for rec in records(cache_dir):
        assert rec.is_file() and not rec.is_symlink()


def test_limits_apply_to_cached_layers(cache_dir, tmp_path):
    """A warm read under a bound the image crosses fails exactly as a cold read does."""
    path = tmp_path / "img.tar"
    write_layout(CASE, "docker-save", path)
    read(path)
    n = sum(len(layer[6]) for layer in read(path, cache=False))
    for limits in (Limits(max_entries=n - 1), Limits(max_bytes=20_000), Limits(max_path_bytes=200)):
        with pytest.raises(LayerscopeError) as cold:
            read(path, cache=False, limits=limits)
        with pytest.raises(LayerscopeError) as warm:
            read(path, limits=limits)
        assert str(warm.value) == str(cold.value)


def test_no_cache_writes_nothing(cache_dir, tmp_path):
    path = tmp_path / "img.tar"
    write_layout(CASE, "oci-gzip", path)
    read(path, cache=False)
    assert not cache_dir.exists()


def test_bound_evicts_least_recently_used(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERSCOPE_CACHE_MAX", "3000")
    path = tmp_path / "img.tar"
    write_layout(CASE, "oci-gzip", path)
    assert read(path) == read(path, cache=False)
    d = Path(layers_dir(str(cache_dir)))
    assert sum(p.stat().st_size for p in d.iterdir()) <= 3000


def test_unwritable_cache_is_a_note_not_a_failure(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("LAYERSCOPE_CACHE_DIR", str(blocker))
    path = tmp_path / "img.tar"
    write_layout(CASE, "docker-save", path)
    assert read(path) == read(path, cache=False)
    assert "not written" in capsys.readouterr().err


def test_a_lying_blob_name_is_still_caught_when_its_layer_is_cached(cache_dir, tmp_path):
    """A cached layer is not parsed again, but an archive member is still verified against
    the digest in its name (unless --no-verify)."""
    good = tmp_path / "good.tar"
    write_layout(CASE, "oci-gzip", good)
    read(good)
    bad = tmp_path / "bad.tar"
    with tarfile.open(good) as src, tarfile.open(bad, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            if data is not None and m.name.startswith("blobs/") and data[:2] == b"\x1f\x8b":
                data += b"junk"  # ignored after the gzip stream: same entries, another digest
            if data is not None:
                m.size = len(data)
                dst.addfile(m, io.BytesIO(data))
            else:
                dst.addfile(m)
    with pytest.raises(LayerscopeError, match="does not match"):
        read(bad, cache=False)
    with pytest.raises(LayerscopeError, match="does not match"):
        read(bad)


@pytest.mark.parametrize("pause", [0.0, 0.06])
def test_background_sha256_is_sha256_even_when_its_worker_idles_out(monkeypatch, pause):
    import hashlib
    import time

    from layerscope.layercache import hashing

    monkeypatch.setattr(hashing, "IDLE", 0.05)
    chunks = [os.urandom(n) for n in (10, 1 << 20, 5000, 1 << 16)] * 10
    h = hashing.BackgroundSha256(b"head")
    for i, c in enumerate(chunks):
        h.update(c)
        if pause and i % 7 == 0:
            time.sleep(pause)  # the worker ends; what follows is hashed in order all the same
    assert h.hexdigest() == hashlib.sha256(b"head" + b"".join(chunks)).hexdigest()


@pytest.mark.parametrize("layout", ["docker-save", "oci-none", "oci-gzip"])
def test_a_member_cut_short_is_not_served_from_the_cache(layout, cache_dir, tmp_path):
    """A layer cached from a good copy of the image, then read from a copy whose member was
    cut short (same config, same names): the read fails as it does with no cache."""
    from fixtures.imagegen import rewrite_member

    path = tmp_path / "img.tar"
    write_layout(CASE, layout, path)
    read(path)
    with tarfile.open(path) as t:
        member = next(m for m in t if m.isfile() and (m.name.endswith("layer.tar") or m.size > 2000))
        data = t.extractfile(member).read()
    rewrite_member(path, path, member.name, data[: len(data) // 2 + 7])
    with pytest.raises(LayerscopeError) as cold:
        read(path, cache=False)
    with pytest.raises(LayerscopeError) as warm:
        read(path)
    assert str(warm.value) == str(cold.value)
