"""Bad input: every malformed archive gives one line on stderr naming the problem, exit 2,
no traceback, and nothing written."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

import pytest
import zstandard

from fixtures.catalog import BROKEN_CASES, CASES
from fixtures.imagegen import rewrite_member, truncate_file, write_docker_save, write_oci_archive


def run_cli(cwd, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CI="true", HOME=str(cwd))
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def assert_clean_failure(cwd, archive: str, must_contain: str, *extra: str) -> str:
    before = sorted(os.listdir(cwd))
    r = run_cli(cwd, archive, "--json", "out.json", *extra)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert lines[0].startswith("layerscope: ")
    assert must_contain in lines[0], lines[0]
    assert sorted(os.listdir(cwd)) == before  # no --json left behind, nothing else written
    r2 = run_cli(cwd, archive, *extra)  # CI mode: the same error and code
    assert r2.returncode == 2 and r2.stderr.strip() == lines[0]
    return lines[0]


def _tar_bytes(members: list[tuple[tarfile.TarInfo, bytes | None]], fmt=tarfile.PAX_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for ti, data in members:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    return ti, data


def _save_with_layer(path, layer: bytes, history=None, diff_ids=None) -> None:
    """A minimal legacy docker save with one given layer tar."""
    config = {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids or ["sha256:" + hashlib.sha256(layer).hexdigest()]},
        "history": history if history is not None else [{"created_by": "ADD x /"}],
    }
    cfg = json.dumps(config).encode()
    manifest = json.dumps([{"Config": "c.json", "RepoTags": ["x:1"], "Layers": ["l0/layer.tar"]}]).encode()
    with open(path, "wb") as f:
        f.write(_tar_bytes([_file("l0/layer.tar", layer), _file("c.json", cfg), _file("manifest.json", manifest)]))


@pytest.fixture
def demo(tmp_path):
    p = tmp_path / "demo.tar"
    write_docker_save(p, CASES["demo"])
    return tmp_path, p


def test_not_a_tar(tmp_path):
    (tmp_path / "x.tar").write_bytes(b"hello, this is not a tar archive\n" * 40)
    assert_clean_failure(tmp_path, "x.tar", "not a tar archive")


def test_empty_file(tmp_path):
    (tmp_path / "x.tar").write_bytes(b"")
    assert_clean_failure(tmp_path, "x.tar", "empty")


def test_missing_file(tmp_path):
    assert_clean_failure(tmp_path, "nothere.tar", "no such file", "--source", "docker-archive")


def _member_offsets(path) -> list[tuple[str, int, int]]:
    with tarfile.open(path) as t:
        return [(m.name, m.offset, m.offset_data + m.size) for m in t]


@pytest.mark.parametrize("where", ["in-first-header", "in-first-data", "middle", "in-last-member"])
def test_truncated_outer_tar(demo, where):
    tmp, p = demo
    members = _member_offsets(p)
    cut = {
        "in-first-header": 100,
        "in-first-data": members[0][1] + 512 + 1,
        "middle": os.path.getsize(p) // 2,
        "in-last-member": members[-1][2] - 3,
    }[where]
    truncate_file(p, cut)
    assert_clean_failure(tmp, p.name, "truncated")


def test_truncated_end_blocks_still_analyzes(demo):
    """Losing only the end-of-archive zero blocks loses no data: Go's reader (and dive) accept
    it, and so do we, with the same numbers."""
    tmp, p = demo
    full = run_cli(tmp, p.name)
    truncate_file(p, _member_offsets(p)[-1][2] + (-_member_offsets(p)[-1][2]) % 512)
    cut = run_cli(tmp, p.name)
    assert cut.returncode == full.returncode and cut.stdout == full.stdout


def test_truncated_layer(demo):
    tmp, p = demo
    with tarfile.open(p) as t:
        name = next(m.name for m in t if m.name.endswith("layer.tar"))
        data = t.extractfile(name).read()
    rewrite_member(p, p, name, data[: len(data) // 2 + 7])
    assert_clean_failure(tmp, p.name, name)


def test_missing_manifest_and_index(demo):
    tmp, p = demo
    rewrite_member(p, p, "manifest.json", None)
    assert_clean_failure(tmp, p.name, "could not find image manifest")


def test_missing_config(demo):
    tmp, p = demo
    with tarfile.open(p) as t:
        manifest = json.load(t.extractfile("manifest.json"))
    rewrite_member(p, p, manifest[0]["Config"], None)
    assert_clean_failure(tmp, p.name, manifest[0]["Config"])


def test_missing_layer(demo):
    tmp, p = demo
    with tarfile.open(p) as t:
        manifest = json.load(t.extractfile("manifest.json"))
    gone = manifest[0]["Layers"][2]
    rewrite_member(p, p, gone, None)
    assert_clean_failure(tmp, p.name, gone)


@pytest.mark.parametrize("what", ["manifest", "config"])
def test_invalid_json(demo, what):
    tmp, p = demo
    with tarfile.open(p) as t:
        manifest = json.load(t.extractfile("manifest.json"))
    name = "manifest.json" if what == "manifest" else manifest[0]["Config"]
    rewrite_member(p, p, name, b'{"this is": not json')
    assert_clean_failure(tmp, p.name, "invalid JSON")


def test_manifest_empty_list(demo):
    tmp, p = demo
    rewrite_member(p, p, "manifest.json", b"[]")
    assert_clean_failure(tmp, p.name, "non-empty list")


def test_manifest_wrong_types(demo):
    tmp, p = demo
    rewrite_member(p, p, "manifest.json", b'[{"Config": 7, "Layers": "x"}]')
    assert_clean_failure(tmp, p.name, "manifest.json")


def test_history_longer_than_diff_ids(tmp_path):
    layer = _tar_bytes([_file("a", b"x" * 10)])
    _save_with_layer(tmp_path / "x.tar", layer, history=[{"created_by": "a"}, {"created_by": "b"}])
    assert_clean_failure(tmp_path, "x.tar", "history has 2 layer entries but rootfs.diff_ids has 1")


def test_blob_digest_mismatch(tmp_path):
    p = tmp_path / "oci.tar"
    write_oci_archive(p, CASES["demo"], compression="gzip")
    with tarfile.open(p) as t:
        index = json.load(t.extractfile("index.json"))
        man_name = "blobs/sha256/" + index["manifests"][0]["digest"].split(":")[1]
        man = json.load(t.extractfile(man_name))
        layer_name = "blobs/sha256/" + man["layers"][1]["digest"].split(":")[1]
        data = t.extractfile(layer_name).read()
    tampered = gzip.compress(gzip.decompress(data) + b"\0" * 512, mtime=0)
    rewrite_member(p, p, layer_name, tampered)
    line = assert_clean_failure(tmp_path, p.name, layer_name)
    assert "does not match" in line
    ok = run_cli(tmp_path, p.name, "--no-verify")  # the user can opt out
    assert ok.returncode in (0, 1), ok.stderr


@pytest.mark.parametrize("bad", ["/../etc/passwd", "../../etc/passwd", "a/../../b"])
def test_unsafe_member_names(tmp_path, bad):
    layer = _tar_bytes([_file("ok", b"1"), _file(bad, b"root::0:0")], fmt=tarfile.GNU_FORMAT)
    _save_with_layer(tmp_path / "x.tar", layer)
    assert_clean_failure(tmp_path, "x.tar", "escapes the layer root")


def test_absolute_member_names_are_read_under_the_root(tmp_path):
    # kaniko writes "/" and "/etc/passwd"; Docker, containerd and dive read them
    layer = _tar_bytes([_file("ok", b"1"), _file("/etc/passwd", b"root::0:0")], fmt=tarfile.GNU_FORMAT)
    _save_with_layer(tmp_path / "x.tar", layer)
    r = run_cli(tmp_path, "x.tar")
    assert r.returncode in (0, 1), r.stderr
    assert r.stderr == ""


def test_pax_global_header(tmp_path):
    spec, _rc, _text = BROKEN_CASES["pax_global_header"]
    write_docker_save(tmp_path / "x.tar", spec)
    assert_clean_failure(tmp_path, "x.tar", "PAX global header")


def _oci_with_layer_blob(tmp_path, blob: bytes, media: str) -> str:
    """An OCI archive with one layer whose blob is ``blob`` (digests made to match)."""
    digest = hashlib.sha256(blob).hexdigest()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]},
            "history": [{"created_by": "bomb"}],
        }
    ).encode()
    cdig = hashlib.sha256(config).hexdigest()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + cdig,
                "size": len(config),
            },
            "layers": [{"mediaType": media, "digest": "sha256:" + digest, "size": len(blob)}],
        }
    ).encode()
    mdig = hashlib.sha256(manifest).hexdigest()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + mdig,
                    "size": len(manifest),
                }
            ],
        }
    ).encode()
    path = tmp_path / "bomb.tar"
    path.write_bytes(
        _tar_bytes(
            [
                _file("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                _file(f"blobs/sha256/{digest}", blob),
                _file(f"blobs/sha256/{cdig}", config),
                _file(f"blobs/sha256/{mdig}", manifest),
                _file("index.json", index),
            ]
        )
    )
    return path.name


def _zero_file_tar_stream(size: int):
    """A tar holding one file of ``size`` zero bytes, produced in pieces (never in memory)."""
    ti = tarfile.TarInfo("zeros")
    ti.size = size
    yield ti.tobuf(tarfile.PAX_FORMAT)
    chunk = bytes(1 << 20)
    left = size
    while left:
        n = min(left, len(chunk))
        yield chunk[:n]
        left -= n
    yield bytes((-size) % 512) + bytes(1024)


def test_gzip_bomb_hits_max_bytes(tmp_path):
    co = gzip.GzipFile(fileobj=(buf := io.BytesIO()), mode="wb", compresslevel=9, mtime=0)
    for piece in _zero_file_tar_stream(300 << 20):
        co.write(piece)
    co.close()
    name = _oci_with_layer_blob(tmp_path, buf.getvalue(), "application/vnd.oci.image.layer.v1.tar+gzip")
    assert_clean_failure(tmp_path, name, "--max-bytes", "--max-bytes", "100MB")


def test_zstd_bomb_ratio(tmp_path):
    cctx = zstandard.ZstdCompressor(level=19)
    buf = io.BytesIO()
    with cctx.stream_writer(buf, closefd=False) as w:
        for piece in _zero_file_tar_stream(600 << 20):
            w.write(piece)
    name = _oci_with_layer_blob(tmp_path, buf.getvalue(), "application/vnd.oci.image.layer.v1.tar+zstd")
    assert len(buf.getvalue()) < 200_000
    assert_clean_failure(tmp_path, name, "decompression bomb")


def test_zstd_frame_lying_about_size(tmp_path):
    layer = _tar_bytes([_file("a", b"hello" * 100)])
    frame = zstandard.ZstdCompressor(write_content_size=True).compress(layer)
    fhd = frame[4]
    fcs_flag, single = fhd >> 6, (fhd >> 5) & 1
    assert single == 1 and (fhd & 3) == 0
    fcs_len = {0: 1, 1: 2, 2: 4, 3: 8}[fcs_flag]
    body = frame[5 + fcs_len :]
    lie = frame[:4] + bytes([(3 << 6) | (1 << 5)]) + (1 << 40).to_bytes(8, "little") + body
    name = _oci_with_layer_blob(tmp_path, lie, "application/vnd.oci.image.layer.v1.tar+zstd")
    assert_clean_failure(tmp_path, name, "zstd")


def test_symlink_loop_between_layers(tmp_path):
    layer = _tar_bytes([_file("a", b"1")])
    cfg = json.dumps({"rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]}, "history": []}).encode()
    l1 = tarfile.TarInfo("l1/layer.tar")
    l1.type, l1.linkname = tarfile.SYMTYPE, "../l2/layer.tar"
    l2 = tarfile.TarInfo("l2/layer.tar")
    l2.type, l2.linkname = tarfile.SYMTYPE, "../l1/layer.tar"
    manifest = json.dumps([{"Config": "c.json", "Layers": ["l0/layer.tar", "l1/layer.tar"]}]).encode()
    (tmp_path / "x.tar").write_bytes(
        _tar_bytes(
            [
                _file("l0/layer.tar", layer),
                (l1, None),
                (l2, None),
                _file("c.json", cfg),
                _file("manifest.json", manifest),
            ]
        )
    )
    assert_clean_failure(tmp_path, "x.tar", "symlink loop")


def test_unknown_source(tmp_path):
    assert_clean_failure(tmp_path, "x", "unable to determine image source: foo", "--source", "foo")


def test_engine_source_without_daemon(tmp_path, monkeypatch):
    # the engine source exists now; with no daemon it is one clean line, exit 2
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    assert_clean_failure(tmp_path, "docker://alpine:3", "cannot connect to the Docker daemon")
