"""skopeo's ``dir:`` layout (``skopeo copy … dir:DIR``, ``podman save --format docker-dir``).

Good layouts are made by the real ``skopeo`` from our generated archives and checked against
the real dive 0.13.1 on a ``docker save`` of the same image (dive cannot read ``dir:``): CI text
equal with only the path replaced, ``--json`` image section and per-layer size and command
equal.  Bad layouts are built by hand, from a description written here, so each fails for the
one reason it is built to have.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from fixtures.catalog import CASES
from fixtures.imagegen import write_docker_save, write_oci_archive
from layerscope.errors import ArchiveError
from layerscope.sources.archive import ReadOptions, read_archive
from tests.dive_oracle import DIVE, dive_unavailable

ROOT = Path(__file__).resolve().parents[2]
SKOPEO = shutil.which("skopeo")
LS = [sys.executable, "-m", "layerscope"]


DIVE_REASON = dive_unavailable()
needs_skopeo = pytest.mark.skipif(SKOPEO is None, reason="skopeo is not installed (apt-get install skopeo)")
needs_dive = pytest.mark.skipif(DIVE_REASON is not None, reason=DIVE_REASON or "")


def run(argv: list[str], cwd: Path, *, ci: bool = True) -> subprocess.CompletedProcess:
    """dive or layerscope from ``cwd``, with no stray configuration (HOME there, no CI)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "XDG_CONFIG_HOME")}
    if ci:
        env["CI"] = "true"
    env["HOME"] = str(cwd)
    return subprocess.run(argv, cwd=cwd, capture_output=True, env=env, timeout=300)


def skopeo_dir(src: str, dest: Path) -> Path:
    """``skopeo copy SRC dir:DEST``, the writer whose output we must read."""
    res = subprocess.run(
        [SKOPEO, "--insecure-policy", "copy", "-q", src, f"dir:{dest}"], capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    assert (dest / "version").read_text().startswith("Directory Transport Version")
    return dest


def pack(directory: Path, dest: Path) -> Path:
    """The same layout as a tar (``tar -C DIR -cf X.tar .``): members named ``./<hex>``."""
    with tarfile.open(dest, "w") as t:
        t.add(directory, arcname=".")
    return dest


def _image_and_layers(raw: bytes) -> tuple[dict, list]:
    doc = json.loads(raw)
    return doc["image"], [(layer["sizeBytes"], layer["command"]) for layer in doc["layer"]]


def _source(kind: str, tmp: Path) -> tuple[str, Path, str]:
    """(skopeo source, dive-readable save of the same image, compression skopeo keeps)."""
    if kind == "docker-archive":
        return f"docker-archive:{ROOT / 'fixtures' / 'demo.tar'}", ROOT / "fixtures" / "demo.tar", "none"
    comp = kind.split("-")[1]
    write_oci_archive(tmp / "oci.tar", CASES["demo"], compression=comp)
    write_docker_save(tmp / "save.tar", CASES["demo"])
    return f"oci-archive:{tmp / 'oci.tar'}", tmp / "save.tar", comp


@needs_skopeo
@needs_dive
@pytest.mark.parametrize("packed", [False, True], ids=["directory", "tar"])
@pytest.mark.parametrize("kind", ["docker-archive", "oci-gzip", "oci-zstd"])
def test_dir_layout_matches_dive_on_docker_save(kind: str, packed: bool, tmp_path: Path) -> None:
    src, save, comp = _source(kind, tmp_path)
    image = skopeo_dir(src, tmp_path / "dd")
    if packed:
        image = pack(image, tmp_path / "dd.tar")
    d = run([DIVE, "--source", "docker-archive", str(save)], tmp_path)
    o = run([*LS, str(image)], tmp_path)
    assert o.stderr == b"", o.stderr
    assert o.returncode == d.returncode
    ours = o.stdout.replace(str(image).encode(), b"IMAGE")
    theirs = d.stdout.replace(str(save).encode(), b"IMAGE")
    assert ours.decode(errors="replace") == theirs.decode(errors="replace")
    assert run([*LS, str(image), "--json", "o.json"], tmp_path, ci=False).returncode == 0
    assert run([DIVE, "--source", "docker-archive", str(save), "--json", "d.json"], tmp_path, ci=False).returncode == 0
    assert _image_and_layers((tmp_path / "o.json").read_bytes()) == _image_and_layers(
        (tmp_path / "d.json").read_bytes()
    )
    read = read_archive(str(image), "x", ReadOptions())
    assert read.layout == "dir"
    assert {layer.compression for layer in read.layers} == {comp}


# --------------------------------------------------------------------------- by hand

FILES = [("etc/motd", b"hello\n"), ("app/data.bin", b"x" * 3000)]


def _layer_tar(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def hand_dir(root: Path, *, gzip_second: bool = False) -> tuple[Path, dict, list[bytes]]:
    """A two-layer ``dir:`` layout written the way skopeo writes it: blobs named by their bare
    hex digest, one v2s2 manifest object, a ``version`` file.  Returns (dir, manifest, blobs)."""
    tars = [_layer_tar(n, d) for n, d in FILES]
    blobs = [tars[0], gzip.compress(tars[1], mtime=0) if gzip_second else tars[1]]
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [_digest(t) for t in tars]},
            "history": [{"created_by": "/bin/sh -c echo one"}, {"created_by": "/bin/sh -c echo two"}],
        }
    ).encode()
    root.mkdir()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": len(config),
            "digest": _digest(config),
        },
        "layers": [
            {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(b), "digest": _digest(b)}
            for b in blobs
        ],
    }
    for blob in [config, *blobs]:
        (root / _digest(blob).removeprefix("sha256:")).write_bytes(blob)
    (root / "manifest.json").write_text(json.dumps(manifest))
    (root / "version").write_text("Directory Transport Version: 1.1\n")
    return root, manifest, blobs


def _rewrite_manifest(root: Path, manifest: dict) -> None:
    (root / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("gzip_second", [False, True], ids=["plain", "gzip"])
def test_hand_built_layout_reads_its_description(gzip_second: bool, tmp_path: Path) -> None:
    """The baseline of the bad cases below: the good layout reads to what it was built from."""
    root, _, blobs = hand_dir(tmp_path / "dd", gzip_second=gzip_second)
    image = read_archive(str(root), "x", ReadOptions())
    assert [[e.path for e in layer.entries] for layer in image.layers] == [[n] for n, _ in FILES]
    assert [layer.size for layer in image.layers] == [len(d) for _, d in FILES]
    assert [layer.command for layer in image.layers] == ["echo one", "echo two"]
    assert [layer.blob_digest for layer in image.layers] == [_digest(b) for b in blobs]
    assert image.layers[1].compression == ("gzip" if gzip_second else "none")


def _fails(image: Path, cwd: Path) -> str:
    """layerscope's verdict on a bad layout: exit 2, exactly one ``layerscope:`` line."""
    res = run([*LS, str(image)], cwd)
    err = res.stderr.decode()
    assert res.returncode == 2, (res.stdout, err)
    assert err.count("\n") == 1 and err.startswith("layerscope: "), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("packed", [False, True], ids=["directory", "tar"])
def test_missing_layer_blob_is_a_located_error(packed: bool, tmp_path: Path) -> None:
    root, manifest, _ = hand_dir(tmp_path / "dd")
    missing = manifest["layers"][1]["digest"]
    os.remove(root / missing.removeprefix("sha256:"))
    image = pack(root, tmp_path / "dd.tar") if packed else root
    err = _fails(image, tmp_path)
    assert "manifest.json: layers[1]" in err and missing in err and "missing" in err


def test_missing_config_blob_is_a_located_error(tmp_path: Path) -> None:
    root, manifest, _ = hand_dir(tmp_path / "dd")
    os.remove(root / manifest["config"]["digest"].removeprefix("sha256:"))
    err = _fails(root, tmp_path)
    assert "manifest.json: config" in err and manifest["config"]["digest"] in err


@pytest.mark.parametrize(
    ("layers", "where"),
    [
        ({"0": "x"}, "layers: expected a list"),
        (None, "layers: expected a list"),
        ([5], "layers[0]: expected an object"),
        ([{"mediaType": "x", "size": 1}], "layers[0].digest: expected a string"),
        ([{"digest": "sha256:zz", "size": 1}], "layers[0].digest: invalid digest"),
        ([{"digest": "md5:" + "0" * 32, "size": 1}], "layers[0].digest: invalid digest"),
        ([{"digest": "sha256:../../../etc/passwd", "size": 1}], "layers[0].digest: invalid digest"),
        ([{"digest": "sha256:" + "0" * 64, "size": -1}], "layers[0].size: expected an integer"),
    ],
)
def test_manifest_with_bad_layers_is_a_located_error(layers, where: str, tmp_path: Path) -> None:
    root, manifest, _ = hand_dir(tmp_path / "dd")
    manifest["layers"] = layers
    _rewrite_manifest(root, manifest)
    assert f"manifest.json: {where}" in _fails(root, tmp_path)


@pytest.mark.parametrize(
    ("key", "value", "where"),
    [
        ("schemaVersion", 1, "schemaVersion: expected 2"),
        ("schemaVersion", "2", "schemaVersion: expected 2"),
        ("manifests", [], "an image index"),
        ("config", "sha256:abc", "config: expected an object"),
    ],
)
def test_manifest_object_of_another_kind_is_refused(key: str, value, where: str, tmp_path: Path) -> None:
    root, manifest, _ = hand_dir(tmp_path / "dd")
    manifest[key] = value
    _rewrite_manifest(root, manifest)
    assert f"manifest.json: {where}" in _fails(root, tmp_path)


@pytest.mark.parametrize("which", ["layer", "config"])
def test_blob_symlinked_out_of_the_directory_is_not_read(which: str, tmp_path: Path) -> None:
    """A blob that is a symlink to a file outside the layout — even one with the right content —
    is refused, never followed."""
    root, manifest, _ = hand_dir(tmp_path / "dd")
    digest = manifest["layers"][0]["digest"] if which == "layer" else manifest["config"]["digest"]
    blob = root / digest.removeprefix("sha256:")
    outside = tmp_path / "outside"
    outside.write_bytes(blob.read_bytes())
    blob.unlink()
    blob.symlink_to(outside)
    err = _fails(root, tmp_path)
    assert digest in err and "not a regular file" in err


def test_blob_whose_content_does_not_match_its_name(tmp_path: Path) -> None:
    root, manifest, blobs = hand_dir(tmp_path / "dd")
    blob = root / manifest["layers"][0]["digest"].removeprefix("sha256:")
    swapped = _layer_tar("etc/motd", b"HELLO\n")  # same size, other bytes
    blob.write_bytes(swapped)
    err = _fails(root, tmp_path)
    assert "does not match its name" in err and _digest(swapped) in err
    with pytest.raises(ArchiveError):
        read_archive(str(root), "x", ReadOptions())
    unverified = read_archive(str(root), "x", ReadOptions(verify=False))
    assert [e.path for e in unverified.layers[0].entries] == ["etc/motd"]
