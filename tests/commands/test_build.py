"""``layerscope build``: a real build (podman, or the docker CLI against podman's Docker API),
then the analysis of what it built, compared with the same image saved to an archive."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sources.conftest import (  # noqa: F401  (pytest fixtures used by name)
    archive_summary,
    archives,
    docker_config,
    podman,
    podman_loaded,
    podman_service,
    registry,
    summary,
)

from layerscope.cli import main
from layerscope.commands.build import container_engine, split_args
from layerscope.errors import ConfigError
from layerscope.sources.archive import ReadOptions
from layerscope.sources.engine import load_from_engine
from layerscope.sources.podman import load_from_podman


def test_split_args_takes_dives_build_flags_and_leaves_the_rest_in_order(tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    own, build = split_args(
        [
            "--ci",
            "-t",
            "app:1",
            "--platform",
            "linux/amd64",
            "--no-cache",
            "--json=out.json",
            "--lowestEfficiency",
            "0.9",
            "--source",
            "podman",
            "--format",
            "junit",
            "-i",
            str(ctx),
            "--ci",
            "--",
            "--json",
            "x",
        ]
    )
    assert vars(own) == {
        "ci": True,
        "json_path": "out.json",
        "lowestEfficiency": "0.9",
        "engine": "podman",
        "format": "junit",
        "ignore_errors": True,
    }
    # after the context and after --, even our own flag names belong to the engine
    assert build == ["-t", "app:1", "--platform", "linux/amd64", "--no-cache", str(ctx), "--ci", "--json", "x"]


def test_split_args_engine_spellings():
    for flag in ("--source", "--engine", "--container-engine"):
        own, build = split_args([flag, "podman", "-t", "x"])
        assert (own.engine, build) == ("podman", ["-t", "x"])
    with pytest.raises(ConfigError, match="build: argument --source.*invalid choice: 'docker-archive'"):
        split_args(["--source", "docker-archive", "."])


def test_container_engine_from_config(tmp_path, monkeypatch):
    monkeypatch.delenv("DIVE_CONTAINER_ENGINE", raising=False)
    monkeypatch.delenv("LAYERSCOPE_CONTAINER_ENGINE", raising=False)
    cfg = tmp_path / "dive.yaml"
    cfg.write_text("container-engine: podman\n")
    assert container_engine(str(cfg), None) == "podman"
    assert container_engine(str(cfg), "docker") == "docker"
    cfg.write_text("container-engine: rkt\n")
    with pytest.raises(ConfigError, match="invalid container-engine 'rkt'"):
        container_engine(str(cfg), None)


@pytest.fixture
def context(tmp_path):
    d = tmp_path / "ctx"
    d.mkdir()
    (d / "a.txt").write_text("hello\n")
    (d / "b.txt").write_text("hello, again\n")
    (d / "big.bin").write_bytes(bytes(range(256)) * 400)
    (d / "Dockerfile").write_text(
        "FROM scratch\nCOPY a.txt /a.txt\nCOPY big.bin /data/big.bin\nCOPY big.bin /data/copy.bin\nCOPY b.txt /a.txt\n"
    )
    return d


def _saved_summary(podman, name: str, tmp_path) -> dict:
    out = tmp_path / "saved.tar"
    res = podman.run("save", "-o", str(out), name)
    assert res.returncode == 0, res.stderr
    return archive_summary(out)


def test_build_with_podman_then_ci(docker_config, podman, context, tmp_path, monkeypatch, capsys):
    for k, v in podman.env.items():
        monkeypatch.setenv(k, v)
    cfg = tmp_path / "layerscope.yaml"
    cfg.write_text("container-engine: podman\n")
    code = main(
        ["build", "--config", str(cfg), "--ci", "--json", str(tmp_path / "b.json"), "-t", "lsbuild/app:1", str(context)]
    )
    cap = capsys.readouterr()
    assert code == 0, cap.err
    assert "Building image..." in cap.err
    assert "STEP" not in cap.out  # the builder's output never reaches stdout
    exported = json.loads((tmp_path / "b.json").read_text())
    assert exported["image"]["inefficientBytes"] > 0  # /a.txt twice: waste the build really made
    built = load_from_podman("lsbuild/app:1", ReadOptions())
    assert summary(built) == _saved_summary(podman, "lsbuild/app:1", tmp_path)


def test_build_ci_rules_apply(docker_config, podman, context, tmp_path, monkeypatch, capsys):
    for k, v in podman.env.items():
        monkeypatch.setenv(k, v)
    code = main(["build", "--engine", "podman", "--ci", "--lowestEfficiency", "0.99999", str(context)])
    out = capsys.readouterr().out
    assert code == 1 and "lowestEfficiency" in out and "Result:FAIL" in out


def test_failed_build_is_one_line_exit_2(docker_config, podman, tmp_path, monkeypatch, capsys):
    for k, v in podman.env.items():
        monkeypatch.setenv(k, v)
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY missing.txt /x\n")
    code = main(["build", "--engine", "podman", "--ci", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2  # operational: the image was never there to judge
    assert err[-1].startswith("layerscope: cannot build image: podman build exited with status")


def test_docker_build_through_engine_api(docker_config, podman_service, podman, context, tmp_path, monkeypatch, capsys):
    docker_cli = shutil.which("docker")
    if not docker_cli:
        pytest.skip("no docker CLI on this machine (the build command shells out to it)")
    monkeypatch.setenv("DOCKER_HOST", podman_service)
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")  # podman's API serves the classic /build endpoint
    code = main(["build", "--ci", "-t", "lsbuild/docker:1", str(context)])
    cap = capsys.readouterr()
    if code != 0 and "cannot build image" in cap.err:
        res = subprocess.run([docker_cli, "version"], capture_output=True, text=True, timeout=30)
        pytest.skip(f"docker build cannot use this engine API: {res.stderr.strip()[-200:]}")
    assert code == 0, cap.err
    assert "Result:PASS" in cap.out
    assert summary(load_from_engine("lsbuild/docker:1", ReadOptions())) == _saved_summary(
        podman, "docker.io/lsbuild/docker:1", tmp_path
    )


def test_build_source_podman_real(docker_config, podman, context, tmp_path, monkeypatch, capsys):
    """``layerscope build --source podman …``, with a real podman: ``--source podman`` picks the engine and
    never reaches ``podman build`` (which would refuse it)."""
    for k, v in podman.env.items():
        monkeypatch.setenv(k, v)
    code = main(["build", "--source", "podman", "--ci", "-t", "lsbuild/source:1", str(context)])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    assert "Image Source: \x1b[0mpodman://" in cap.out and "Result:PASS" in cap.out
    assert summary(load_from_podman("lsbuild/source:1", ReadOptions())) == _saved_summary(
        podman, "lsbuild/source:1", tmp_path
    )
