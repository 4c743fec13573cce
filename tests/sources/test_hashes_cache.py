"""The explorer's late hashes fill the layer cache (layerscope.sources.hashes, docs/cache.md).

The explorer reads headers only, so its read stores layer records without content hashes
(or, for a legacy ``docker save`` read by seeking, none at all).  The late pass then reads
layers again; with ``record`` it stores the full record a hashing read would store, and
:func:`record_layers` does so for the layers the explorer did not need.  The oracle is always a
hashing read with the cache *off* (the reader alone); "served" is counted at the reader
(``outer.read_layer``), which every parsed layer goes through.
"""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest

from fixtures.imagegen import (
    ImageSpec,
    LayerSpec,
    M,
    whiteout,
    write_docker25_save,
    write_docker_save,
    write_oci_archive,
)
from layerscope.archive import outer
from layerscope.errors import LayerscopeError
from layerscope.image import Image
from layerscope.layercache.store import LayerStore, layers_dir
from layerscope.packages import CAPTURE
from layerscope.sources.archive import ReadOptions, read_archive
from layerscope.sources.hashes import (
    apply,
    cached_entries,
    from_cache,
    hash_layer,
    plan_hashes,
    prepare,
    record_layers,
)
from layerscope.sources.kinds import ArchiveFile, RegistryImage


def spec(seed: int = 0) -> ImageSpec:
    """Three layers: overlapping paths (the late pass reads layers 0 and 1) and a layer with
    nothing to compare (only :func:`record_layers` reads it), a package database to capture."""
    return ImageSpec(
        [
            LayerSpec(
                [
                    M("etc/", "dir"),
                    M("etc/os-release", data=b'ID=debian\nVERSION_ID="12"\n'),
                    M("var/lib/dpkg/status", data=b"Package: a\nStatus: install ok installed\nVersion: 1\n\n"),
                    M("app/same.txt", data=b"s" * 300),
                    M("app/changed.txt", data=b"c" * 300),
                    M("app/unique.bin", data=bytes(range(256)) * 9),
                    M("app/link", "symlink", linkname="same.txt"),
                ],
                created_by="ADD base",
            ),
            LayerSpec(
                [
                    M("app/same.txt", data=b"s" * 300),
                    M("app/changed.txt", data=bytes([seed + 1]) * 300),
                    whiteout("app/unique.bin"),
                ],
                created_by="RUN touch",
            ),
            LayerSpec([M("opt/alone.bin", data=b"x" * 5000), M("opt/empty", data=b"")], created_by="RUN alone"),
        ],
        tags=["layerscope/latecache:test"],
    )


LAYOUTS = {
    "save": lambda p, s: write_docker_save(p, s),  # legacy: the header read seeks, stores nothing
    "docker25": lambda p, s: write_docker25_save(p, s),  # uncompressed, named by digest
    "docker25-gzip": lambda p, s: write_docker25_save(p, s, compression="gzip"),
    "oci-zstd": lambda p, s: write_oci_archive(p, s, compression="zstd"),
}


def facts(img: Image) -> list:
    out = []
    for layer in img.layers:
        cap = layer.captured
        out.append(
            (
                layer.diff_id,
                layer.size,
                layer.compression,
                [
                    (type(e).__name__, e.path, e.typeflag, e.linkname, e.size, e.mode, e.uid, e.gid, e.hash)
                    for e in layer.entries
                ],
                None if cap is None else (sorted(cap.files.items()), sorted(cap.too_big)),
            )
        )
    return out


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("LAYERSCOPE_CACHE_DIR", str(d))
    monkeypatch.delenv("LAYERSCOPE_CACHE_MAX", raising=False)
    return d


def hashing(path: Path, **kw) -> Image:
    """What ``explain`` / ``diff`` read: content hashes and the package databases."""
    return read_archive(str(path), str(path), ReadOptions(hash_content=True, capture=CAPTURE, **kw))


def explorer(path: Path, *, complete: bool = True) -> Image:
    """The explorer's read and late pass, as ``MainScreen._compute_hashes`` runs them."""
    img = read_archive(str(path), str(path), ReadOptions(hash_content=False, capture=CAPTURE))
    plan = plan_hashes(img)
    prepare(img, plan)
    done = from_cache(img, plan, cached_entries)
    src = ArchiveFile(str(path))
    for index, part in sorted(plan.layers.items()):
        done.append((part, hash_layer(src, img.layers[index], part, None, record=True)))
    for part, hashes in done:
        apply(part, hashes)
    if complete:
        record_layers(src, img)
    return img


def parsed_layers(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = outer.read_layer
    monkeypatch.setattr(outer, "read_layer", lambda *a, **kw: (calls.append(a[1]), real(*a, **kw))[1])
    return calls


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_after_the_explorer_a_hashing_read_is_served_from_the_cache(layout, cache_dir, tmp_path, monkeypatch):
    archive = tmp_path / "i.tar"
    LAYOUTS[layout](archive, spec())
    cold = facts(hashing(archive, cache=False))
    late = explorer(archive)
    # the hashes the explorer computed are the hashing read's
    for mine, theirs in zip(facts(late), cold, strict=True):
        for a, b in zip(mine[3], theirs[3], strict=True):
            if a[-1]:
                assert a == b
    calls = parsed_layers(monkeypatch)
    warm = facts(hashing(archive))
    assert calls == []  # every layer from the cache
    assert warm == cold


@pytest.mark.parametrize("layout", ["save", "docker25-gzip"])
def test_the_late_pass_alone_records_the_layers_it_read(layout, cache_dir, tmp_path, monkeypatch):
    archive = tmp_path / "i.tar"
    LAYOUTS[layout](archive, spec())
    cold = facts(hashing(archive, cache=False))
    explorer(archive, complete=False)
    calls = parsed_layers(monkeypatch)
    assert facts(hashing(archive)) == cold
    assert len(calls) == 1  # the layer nothing overlaps was not read by the late pass


def test_without_record_the_header_records_are_not_upgraded(cache_dir, tmp_path, monkeypatch):
    """The brief's starting point, and the rule that a record never holds only the hashes the
    explorer needed: hashing the planned members alone leaves every record as the header read
    wrote it, so a hashing read parses every layer."""
    archive = tmp_path / "i.tar"
    write_docker25_save(archive, spec())
    img = read_archive(str(archive), str(archive), ReadOptions(hash_content=False, capture=CAPTURE))
    recs = {p.name: p.read_bytes() for p in Path(layers_dir(str(cache_dir))).iterdir()}
    plan = plan_hashes(img)
    prepare(img, plan)
    for index, part in sorted(plan.layers.items()):
        apply(part, hash_layer(ArchiveFile(str(archive)), img.layers[index], part))
    assert {p.name: p.read_bytes() for p in Path(layers_dir(str(cache_dir))).iterdir()} == recs
    assert all(not LayerStore().load_layer(layer.diff_id, zero_hashes=False).hashes for layer in img.layers)
    calls = parsed_layers(monkeypatch)
    hashing(archive)
    assert len(calls) == 3


def test_a_record_is_stored_under_the_digest_of_the_bytes_read(cache_dir, tmp_path):
    """The source changed between the read and the late pass, with the same headers: the hashes
    read are those of the new bytes, and they are stored under the new layer's digest, never
    under the diff_id the image named."""
    archive = tmp_path / "i.tar"
    write_docker_save(archive, spec(seed=0))
    img = read_archive(str(archive), str(archive), ReadOptions(hash_content=False, capture=CAPTURE))
    old_ids = [layer.diff_id for layer in img.layers]
    data = archive.read_bytes()
    assert data.count(bytes([1]) * 300) == 1
    archive.write_bytes(data.replace(bytes([1]) * 300, bytes([8]) * 300))  # layer 1's changed.txt, in place
    new = hashing(archive, cache=False)
    with tarfile.open(archive) as t:
        member = t.extractfile(img.layers[1].member)
        assert member is not None
        real = "sha256:" + hashlib.sha256(member.read()).hexdigest()
    assert real != old_ids[1] == new.layers[1].diff_id  # the config still names the old layer
    plan = plan_hashes(img)
    prepare(img, plan)
    got = hash_layer(ArchiveFile(str(archive)), img.layers[1], plan.layers[1], record=True)
    changed = next(e for e in img.layers[1].entries if e.path == "app/changed.txt")
    assert got[id(changed)] == next(e.hash for e in new.layers[1].entries if e.path == "app/changed.txt")
    store = LayerStore()
    assert store.load_layer(old_ids[1], zero_hashes=False) is None  # the legacy header read stored nothing
    rec = store.load_layer(real, zero_hashes=False)
    assert rec is not None and rec.hashes
    assert [(e.path, e.hash) for e in rec.entries] == [(e.path, e.hash) for e in new.layers[1].entries]


def test_a_member_that_changed_is_an_error_and_stores_nothing(cache_dir, tmp_path):
    archive = tmp_path / "i.tar"
    write_docker_save(archive, spec())
    img = read_archive(str(archive), str(archive), ReadOptions(hash_content=False, capture=CAPTURE))
    other = spec()
    other.layers[1].members[1] = M("app/changed.txt", data=b"longer now" * 100)
    write_docker_save(archive, other)
    img.layers[1].member = hashing(archive, cache=False).layers[1].member  # the same member, other content
    plan = plan_hashes(img)
    prepare(img, plan)
    with pytest.raises(LayerscopeError, match="changed in the source"):
        hash_layer(ArchiveFile(str(archive)), img.layers[1], plan.layers[1], record=True)
    d = Path(layers_dir(str(cache_dir)))
    assert not d.exists() or not [p for p in d.iterdir() if not p.name.startswith(".tmp.")]


def test_no_cache_and_cancelled_record_nothing(cache_dir, tmp_path, monkeypatch):
    archive = tmp_path / "i.tar"
    write_docker25_save(archive, spec())
    img = read_archive(str(archive), str(archive), ReadOptions(hash_content=False, capture=CAPTURE, cache=False))
    assert record_layers(ArchiveFile(str(archive)), img, cancelled=lambda: True) == 0
    assert not cache_dir.exists()
    monkeypatch.setenv("LAYERSCOPE_CACHE_MAX", "0")
    assert record_layers(ArchiveFile(str(archive)), img) == 0
    assert not cache_dir.exists()
    monkeypatch.delenv("LAYERSCOPE_CACHE_MAX")
    assert record_layers(ArchiveFile(str(archive)), img) == 3
    assert record_layers(ArchiveFile(str(archive)), img) == 0  # already held with hashes


def test_a_layer_that_is_not_local_is_not_read_again(cache_dir, tmp_path):
    archive = tmp_path / "i.tar"
    write_oci_archive(archive, spec())
    img = read_archive(str(archive), str(archive), ReadOptions(hash_content=False, capture=CAPTURE))
    # a registry source whose blobs are not in the blob cache: reading one again is a download
    assert record_layers(RegistryImage("127.0.0.1:9/none/such:tag"), img) == 0


def test_a_quit_mid_layer_stops_at_the_next_chunk_and_stores_nothing(cache_dir, tmp_path):
    archive = tmp_path / "i.tar"
    write_docker25_save(archive, spec(), compression="gzip")
    img = read_archive(str(archive), str(archive), ReadOptions(hash_content=False, capture=CAPTURE, cache=False))
    asked = []

    def cancelled() -> bool:  # the explorer quits while the first layer is being read
        asked.append(1)
        return len(asked) > 1

    assert record_layers(ArchiveFile(str(archive)), img, cancelled=cancelled) == 0
    assert len(asked) == 2  # asked before the layer, then at its first chunk: stopped there
    d = Path(layers_dir(str(cache_dir)))
    assert not d.exists() or not [p for p in d.iterdir() if not p.name.startswith(".tmp.")]
