"""``docker://`` against a real Docker-compatible API (``podman system service``) and
``podman://`` through the podman binary, each compared with the archive read from disk."""

from __future__ import annotations

import json
import os
import re

import pytest

from layerscope.cli import main
from layerscope.errors import LayerscopeError
from layerscope.sources.archive import ReadOptions
from layerscope.sources.engine import load_from_engine
from layerscope.sources.podman import load_from_podman

from .conftest import archive_summary, free_port, summary

DEMO = "layerscope/demo:latest"  # the tag the demo archive carries


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("layerscope: "), err
    return err[0]


# ----------------------------------------------------------------------------- docker engine


def test_engine_stream_matches_archive(docker_config, podman_service, archives, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", podman_service)
    image = load_from_engine(DEMO, ReadOptions())
    assert summary(image) == archive_summary(archives["save"])
    assert image.source == "docker"


def test_engine_loaded_with_sdk_then_analyzed(docker_config, podman_service, monkeypatch, tmp_path):
    """The SDK loads a generated archive (as a user's docker load would), then docker://."""
    import dataclasses

    import docker

    from fixtures.catalog import CASES
    from fixtures.imagegen import write_docker25_save

    path = tmp_path / "sdk-load.tar"  # a Docker >= 25 save: OCI layout + manifest.json, zstd
    write_docker25_save(path, dataclasses.replace(CASES["demo"], tags=["lsload/demo:v25"]), compression="gzip")
    client = docker.APIClient(base_url=podman_service, version="auto")
    with open(path, "rb") as f:
        events = list(client.load_image(f))
    client.close()
    loaded = " ".join(str(e.get("stream", "")) for e in events)
    assert "lsload/demo:v25" in loaded, events
    monkeypatch.setenv("DOCKER_HOST", podman_service)
    assert summary(load_from_engine("lsload/demo:v25", ReadOptions())) == archive_summary(path)


def test_engine_via_docker_context(docker_config, podman_service, archives, monkeypatch):
    import hashlib

    meta = docker_config / "contexts" / "meta" / hashlib.sha256(b"lstest").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": "lstest",
                "Metadata": {},
                "Endpoints": {"docker": {"Host": podman_service, "SkipTLSVerify": False}},
            }
        )
    )
    (docker_config / "config.json").write_text(json.dumps({"currentContext": "lstest"}))
    assert summary(load_from_engine(DEMO, ReadOptions())) == archive_summary(archives["save"])
    monkeypatch.setenv("DOCKER_CONTEXT", "missing")
    with pytest.raises(LayerscopeError, match="docker context 'missing' not found"):
        load_from_engine(DEMO, ReadOptions())


def test_engine_pulls_when_missing(docker_config, podman_service, registry, archives, monkeypatch, capsys):
    ref = registry.push(f"docker-archive:{archives['save']}", "pullme/demo:v1")
    monkeypatch.setenv("DOCKER_HOST", podman_service)
    image = load_from_engine(ref, ReadOptions())
    assert summary(image) == archive_summary(archives["save"])
    assert "pulling it" in capsys.readouterr().err


def test_engine_cli_json_matches_archive(docker_config, podman_service, archives, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DOCKER_HOST", podman_service)
    assert main([f"docker://{DEMO}", "--json", str(tmp_path / "e.json")]) == 0
    assert main([str(archives["save"]), "--json", str(tmp_path / "a.json")]) == 0
    eng, arc = (json.loads((tmp_path / n).read_text()) for n in ("e.json", "a.json"))
    assert eng["image"] == arc["image"]
    assert [x["fileList"] for x in eng["layer"]] == [x["fileList"] for x in arc["layer"]]


def test_engine_errors(docker_config, podman_service, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nothing.sock")
    line = one_line_error(capsys, ["docker://x:y", "--ci"])
    assert re.search(r"cannot connect to the Docker daemon at unix://.*nothing\.sock: is it running\?", line)
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{free_port()}")
    assert "is it running?" in one_line_error(capsys, ["docker://x:y", "--ci"])
    monkeypatch.setenv("DOCKER_HOST", podman_service)
    line = one_line_error(capsys, ["docker://sha256:" + "ab" * 32, "--ci"])
    assert "image not found in the Docker daemon" in line


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a socket nobody may open")
def test_engine_permission_denied(docker_config, tmp_path, monkeypatch, capsys):
    import socket
    import subprocess

    sock_path = tmp_path / "locked.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock_path))
    s.listen(1)
    sock_path.chmod(0o600)
    try:
        # Import everything while still root: the checkout (e.g. under a 0700 temp dir) and
        # site-packages may be unreadable for "nobody"; only the socket's permission is tested.
        code = (
            "import sys, os, pkgutil, importlib, layerscope, docker, docker.tls, yaml, encodings.idna; "
            "[importlib.import_module(m.name) for m in pkgutil.walk_packages(layerscope.__path__, 'layerscope.') "
            "if not m.name.endswith('__main__') and '.ui' not in m.name]; "
            "from layerscope.cli import main; "
            "os.setgid(65534); os.setuid(65534); sys.exit(main(['docker://x:y', '--ci']))"
        )
        env = {**os.environ, "DOCKER_HOST": f"unix://{sock_path}", "HOME": "/nonexistent"}
        res = subprocess.run(["python3", "-c", code], capture_output=True, text=True, env=env, timeout=60)
    finally:
        s.close()
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "permission denied connecting to the Docker daemon" in lines[0], res.stderr


# ----------------------------------------------------------------------------- podman


def test_podman_binary_matches_archive(docker_config, podman_loaded, archives, monkeypatch):
    for k, v in podman_loaded.env.items():
        monkeypatch.setenv(k, v)
    image = load_from_podman(DEMO, ReadOptions())
    assert summary(image) == archive_summary(archives["save"])
    assert image.source == "podman"


def test_podman_container_host_uses_api(docker_config, podman_service, archives, monkeypatch):
    monkeypatch.setenv("CONTAINER_HOST", podman_service)
    assert summary(load_from_podman(DEMO, ReadOptions())) == archive_summary(archives["save"])


def test_podman_errors(docker_config, podman_loaded, monkeypatch, capsys, tmp_path):
    for k, v in podman_loaded.env.items():
        monkeypatch.setenv(k, v)
    assert (
        one_line_error(capsys, ["podman://no/such:image", "--ci"])
        == "layerscope: image not found in podman: no/such:image"
    )
    monkeypatch.setenv("PATH", str(tmp_path))  # no podman binary at all
    assert "needs the podman binary" in one_line_error(capsys, ["podman://x", "--ci"])
