"""Every layout real tools write reads to the same image, and image/platform selection works.

Expected values come from the generator's inputs (the ImageSpec), not from our reader."""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest

from fixtures.catalog import CASES, LAYOUT_CASES, LAYOUTS, platform_variant, second_image, write_layout
from fixtures.imagegen import ImageSpec, LayerSpec, M, layer_size, write_docker_save, write_oci_archive
from layerscope.errors import ArchiveError
from layerscope.sources.archive import ReadOptions, read_archive


def read(path, **kw):
    return read_archive(str(path), str(path), ReadOptions(**kw))


def spec_paths(spec: ImageSpec, i: int) -> list[str]:
    out = []
    for m in spec.layers[i].members:
        name = m.name if isinstance(m.name, str) else m.name.decode("utf-8", "surrogateescape")
        clean = "/".join(p for p in name.split("/") if p not in ("", "."))
        if clean:
            out.append(clean)
    return out


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", LAYOUT_CASES)
def test_every_layout_reads_the_spec(layout, name, tmp_path):
    spec = CASES[name]
    p = tmp_path / "img.tar"
    write_layout(name, layout, p)
    kw = {"platform": "linux/amd64"} if layout == "oci-multiplatform-nested" else {}
    image = read(p, **kw)
    n = len(spec.layers) + (1 if layout == "docker-save-dupe-symlink" else 0)
    assert len(image.layers) == n
    for i, layer in enumerate(spec.layers):
        got = image.layers[i]
        assert [e.path for e in got.entries] == spec_paths(spec, i), (layout, i)
        if layout == "oci-estargz":  # dive's size also counts the TOC and landmark members
            assert sum(e.size for e in got.entries) == layer_size(layer)
            assert {e.path for e in got.dive_entries} - {e.path for e in got.entries} <= {
                "stargz.index.json",
                ".prefetch.landmark",
                ".no.prefetch.landmark",
            }
        else:
            assert got.size == layer_size(layer)
    if layout.startswith("oci-") or layout.startswith("docker25-"):
        assert all(lay.id == "blobs" for lay in image.layers)
        comp = layout.split("-")[1] if layout.count("-") else "none"
        if comp in ("gzip", "zstd"):
            assert all(lay.compression == comp for lay in image.layers)
            assert all(lay.compressed_size and lay.compressed_size > 0 for lay in image.layers)
    if layout == "docker-save-dupe-symlink":
        top, dup = image.layers[-2], image.layers[-1]
        assert dup.dive_empty and dup.dive_entries == [] and dup.dive_size == 0
        assert [e.path for e in dup.entries] == [e.path for e in top.entries]  # accurate: followed
        assert image.size == sum(lay.size for lay in image.layers if not lay.dive_empty) < image.accurate_size


def test_multiplatform_pick_default_and_errors(tmp_path):
    spec = CASES["demo"]
    p = tmp_path / "mp.tar"
    write_oci_archive(
        p, {"linux/amd64": spec, "linux/arm64/v8": platform_variant(spec, "linux/arm64/v8")}, nested_index=True
    )
    arm = read(p, platform="linux/arm64/v8")
    amd = read(p, platform="linux/amd64")
    assert "etc/platform" in [e.path for e in arm.layers[0].entries]
    assert "etc/platform" not in [e.path for e in amd.layers[0].entries]
    assert arm.platform == "linux/arm64/v8" and amd.platform == "linux/amd64"
    assert read(p, platform="linux/arm64").platform == "linux/arm64/v8"  # variant optional
    with pytest.raises(ArchiveError, match=r"linux/amd64, linux/arm64/v8"):
        read(p, platform="linux/s390x")
    with pytest.raises(ArchiveError, match="invalid --platform"):
        read(p, platform="linux")


def test_single_platform_index_needs_no_flag(tmp_path):
    p = tmp_path / "one.tar"
    write_oci_archive(p, {"linux/riscv64": CASES["single_layer"]})
    assert read(p).platform == "linux/riscv64"


def test_multi_image_selection(tmp_path):
    a = CASES["demo"]
    b = second_image(a, "layerscope/other:v2")
    p = tmp_path / "multi.tar"
    write_docker_save(p, [a, b])
    first = read(p)
    assert first.tags == a.tags and any("2 images" in n for n in first.notes)
    picked = read(p, image="layerscope/other:v2")
    assert picked.tags == ["layerscope/other:v2"] and len(picked.layers) == len(a.layers) + 1
    by_arg = read_archive(f"{p}:layerscope/other:v2", "x", ReadOptions())
    assert by_arg.tags == ["layerscope/other:v2"]
    with pytest.raises(ArchiveError, match="not in the archive"):
        read(p, image="nope:1")


def test_history_pairing_like_dive(tmp_path):
    spec = CASES["history_empty_layers"]
    p = tmp_path / "h.tar"
    info = write_docker_save(p, spec)
    image = read(p)
    expected = [h["created_by"] for h in spec.history if not h.get("empty_layer")] if spec.history else None
    if expected:
        assert [lay.command for lay in image.layers] == [c.removeprefix("/bin/sh -c ") for c in expected]
    assert [lay.digest for lay in image.layers] == info[0]["diff_ids"]
    short = tmp_path / "s.tar"
    write_docker_save(short, CASES["history_short"])
    cmds = [lay.command for lay in read(short).layers]
    assert cmds[1:] == ["(missing)"] * (len(cmds) - 1)
    assert [lay.digest for lay in read(short).layers][1:] == [""] * (len(cmds) - 1)


def test_hundred_thousand_entry_layer(tmp_path):
    members = [M(f"d{i // 1000:03d}/f{i:06d}", data=b"x" if i % 2 else b"") for i in range(100_000)]
    p = tmp_path / "wide.tar"
    write_docker_save(p, ImageSpec([LayerSpec(members, "ADD wide /"), LayerSpec([M("z", data=b"z")], "z")]))
    image = read(p)
    assert len(image.layers[0].entries) == 100_000
    assert image.layers[0].size == 50_000
    assert image.layers[0].entries[12345].path == "d012/f012345"


def test_non_utf8_names_are_kept_losslessly(tmp_path):
    p = tmp_path / "n.tar"
    write_docker_save(p, CASES["non_utf8_name"])
    raw = set()
    with tarfile.open(p, encoding="utf-8", errors="surrogateescape") as outer:
        for m in outer:
            if m.name.endswith("layer.tar"):
                with tarfile.open(
                    fileobj=io.BytesIO(outer.extractfile(m).read()), encoding="utf-8", errors="surrogateescape"
                ) as inner:
                    raw |= {n.name.encode("utf-8", "surrogateescape").rstrip(b"/") for n in inner}
    got = {e.path.encode("utf-8", "surrogateescape") for lay in read(p).layers for e in lay.entries}
    assert {r.removeprefix(b"./") for r in raw} == got
    assert any(b"\xe9" in g for g in got)


def test_content_hash_is_xxh64_of_content(tmp_path):
    import xxhash

    p = tmp_path / "x.tar"
    write_docker_save(p, ImageSpec([LayerSpec([M("a", data=b"hello world"), M("d", "dir")])]))
    entries = {e.path: e for e in read(p).layers[0].entries}
    assert entries["a"].hash == xxhash.xxh64_intdigest(b"hello world")
    assert entries["d"].hash == 0 and entries["d"].is_dir
    assert hashlib.sha256  # sha256 is used for blob digests, xxh64 only for content
