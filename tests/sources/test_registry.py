"""``registry://`` against a real distribution registry on loopback, pushed to by skopeo.

Each image pulled through the registry must analyze exactly like the archive it was pushed
from (dive numbers, inefficient files, every layer entry), with compressed sizes from the
manifest; every failure a user can meet is one line.
"""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from layerscope.cli import main
from layerscope.errors import LayerscopeError
from layerscope.sources import load_image, pick_source
from layerscope.sources.archive import ReadOptions
from layerscope.sources.pull import load_from_registry

from .conftest import PASSWORD, USER, archive_summary, free_port, summary


@pytest.fixture(scope="module")
def pushed(registry, archives):
    return {
        "save": registry.push(f"docker-archive:{archives['save']}", "demo/save:v1"),
        "oci": registry.push(f"oci-archive:{archives['oci']}", "demo/oci:v1"),
        "multi": registry.push(f"oci-archive:{archives['multi']}", "demo/multi:v1", all_platforms=True),
    }


def pull(ref: str, **kw):
    kw.setdefault("insecure", True)
    return load_from_registry(ref, ReadOptions(**kw))


def test_pick_source_registry_prefix():
    assert pick_source("registry://127.0.0.1:5000/a/b:c", None) == ("registry", "127.0.0.1:5000/a/b:c")
    assert pick_source("x/y:z", "registry") == ("registry", "x/y:z")


@pytest.mark.parametrize("kind", ["save", "oci"])
def test_pull_matches_archive(docker_config, pushed, archives, kind):
    image = pull(pushed[kind])
    assert summary(image) == archive_summary(archives[kind])
    assert image.source == "registry"
    assert image.tags == [pushed[kind]]
    # skopeo pushes gzip layers: the compressed sizes are the manifest's descriptor sizes
    assert all(layer.compression == "gzip" and layer.compressed_size for layer in image.layers)
    assert all(layer.blob_digest.startswith("sha256:") for layer in image.layers)


def test_pull_by_digest_and_platforms(docker_config, pushed, archives):
    amd = pull(pushed["multi"], platform="linux/amd64")
    arm = pull(pushed["multi"], platform="linux/arm64")
    assert summary(amd) == archive_summary(archives["multi"], platform="linux/amd64")
    assert summary(arm) == archive_summary(archives["multi"], platform="linux/arm64")
    assert amd.platform == "linux/amd64" and arm.platform.startswith("linux/arm64")
    with pytest.raises(LayerscopeError, match="not found in registry"):  # an unknown digest: 404
        pull(pushed["multi"].rsplit(":", 1)[0] + "@sha256:" + "0" * 64)
    with pytest.raises(
        LayerscopeError, match=r"platform linux/s390x not in the index .*available: linux/amd64, linux/arm64/v8"
    ):
        pull(pushed["multi"], platform="linux/s390x")


def test_manifest_digest_reference(docker_config, registry, pushed):
    import requests

    r = requests.get(
        f"http://{registry.host}/v2/demo/oci/manifests/v1",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
        timeout=10,
    )
    digest = r.headers["Docker-Content-Digest"]
    by_digest = pull(f"{registry.host}/demo/oci@{digest}")
    assert summary(by_digest) == summary(pull(pushed["oci"]))


def test_cli_ci_and_json_match_archive(docker_config, pushed, archives, tmp_path, capsys):
    assert main([f"registry://{pushed['save']}", "--insecure", "--ci", "--json", str(tmp_path / "r.json")]) == 0
    assert main([str(archives["save"]), "--ci", "--json", str(tmp_path / "a.json")]) == 0
    reg, arc = (json.loads((tmp_path / n).read_text()) for n in ("r.json", "a.json"))
    assert reg["image"] == arc["image"]
    assert [(x["digestId"], x["sizeBytes"], x["command"]) for x in reg["layer"]] == [
        (x["digestId"], x["sizeBytes"], x["command"]) for x in arc["layer"]
    ]


def test_cache_second_run_reads_no_blob(docker_config, pushed, registry, tmp_path, monkeypatch):
    first = pull(pushed["oci"])
    blobs = tmp_path / "cache" / "blobs" / "sha256"
    cached = sorted(os.listdir(blobs))
    assert {layer.blob_digest.split(":")[1] for layer in first.layers} <= set(cached)
    # with the layer and config blobs gone from the registry's storage (the manifest stays),
    # only the cache can serve them
    store = registry.workdir / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256"
    hidden = []
    for hexd in cached:
        data = store / hexd[:2] / hexd / "data"
        data.rename(data.with_name("hidden"))
        hidden.append(data)
    try:
        with pytest.raises(LayerscopeError):
            pull(pushed["oci"], cache=False)
        second = pull(pushed["oci"])
    finally:
        for data in hidden:
            data.with_name("hidden").rename(data)
    assert summary(second) == summary(first)


def test_corrupt_cache_entry_is_refetched(docker_config, pushed, tmp_path):
    first = pull(pushed["save"])
    victim = tmp_path / "cache" / "blobs" / "sha256" / first.layers[-1].blob_digest.split(":")[1]
    victim.chmod(stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    assert summary(pull(pushed["save"])) == summary(first)


def test_cache_is_size_bounded(docker_config, pushed, monkeypatch, tmp_path):
    monkeypatch.setenv("LAYERSCOPE_CACHE_MAX", "3000")
    pull(pushed["save"])
    blobs = tmp_path / "cache" / "blobs" / "sha256"
    total = sum(p.stat().st_size for p in blobs.iterdir()) if blobs.exists() else 0
    assert total <= 3000


def test_auth_basic_from_docker_config(docker_config, auth_registry, archives):
    ref = auth_registry.push(f"docker-archive:{archives['save']}", "private/demo:v1")
    with pytest.raises(LayerscopeError, match=r"authentication required .*\(401\).*docker login"):
        pull(ref)
    token = base64.b64encode(f"{USER}:wrong".encode()).decode()
    (docker_config / "config.json").write_text(json.dumps({"auths": {auth_registry.host: {"auth": token}}}))
    with pytest.raises(LayerscopeError, match=r"credentials were rejected .*\(401\)"):
        pull(ref)
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (docker_config / "config.json").write_text(
        json.dumps({"auths": {f"https://{auth_registry.host}": {"auth": token}}})
    )
    assert summary(pull(ref)) == archive_summary(archives["save"])


def test_auth_credential_helper(docker_config, auth_registry, archives, tmp_path, monkeypatch):
    ref = auth_registry.push(f"docker-archive:{archives['save']}", "private/helper:v1")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    helper = bindir / "docker-credential-lstest"
    helper.write_text(
        "#!/bin/sh\nread server\n"
        f'[ "$server" = "{auth_registry.host}" ] || {{ echo \'credentials not found\'; exit 1; }}\n'
        f'printf \'{{"ServerURL":"%s","Username":"{USER}","Secret":"{PASSWORD}"}}\' "$server"\n'
    )
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    (docker_config / "config.json").write_text(json.dumps({"credHelpers": {auth_registry.host: "lstest"}}))
    assert summary(pull(ref, cache=False)) == archive_summary(archives["save"])


@pytest.mark.parametrize(
    "argv, pattern",
    [
        (["registry://{host}/demo/none:v1", "--insecure"], r"image .*demo/none:v1 not found in registry .*\(404\)"),
        (["registry://{host}/demo/save:v1"], r"TLS failure talking to registry .*use --insecure"),
        (
            ["registry://127.0.0.1:{closed}/demo/save:v1", "--insecure"],
            r"cannot reach registry 127\.0\.0\.1:\d+: connection refused",
        ),
    ],
)
def test_errors_are_one_line(docker_config, pushed, registry, capsys, argv, pattern):
    argv = [a.format(host=registry.host, closed=free_port()) for a in argv]
    assert main(argv + ["--ci"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("layerscope: ")
    import re

    assert re.search(pattern, err[0]), err[0]


def test_load_image_dispatch(docker_config, pushed):
    image = load_image("registry", pushed["save"], ReadOptions(insecure=True, cache=False))
    assert image.layers
