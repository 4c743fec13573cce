"""dive's log file (``log.enabled`` / ``log.path`` / ``log.level``).

dive 0.13.1's defaults (cmd/root.go, checked): disabled, ``./dive.log``, ``info``; the file is
opened for append.  dive itself is the oracle for the default path and the env spelling.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from layerscope import log
from layerscope.cli import main
from layerscope.config import load_run_settings

ROOT = Path(__file__).resolve().parents[1]
DEMO = str(ROOT / "fixtures" / "demo.tar")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for k in list(os.environ):
        if k.startswith(("DIVE_", "LAYERSCOPE_", "XDG_CONFIG")) or k == "CI":
            monkeypatch.delenv(k)
    yield
    log.reset()


def test_dive_defaults():
    s = load_run_settings(None, env={}, home="/nonexistent")
    assert (s.ignore_errors, s.log.enabled, s.log.path, s.log.level) == (False, False, "./dive.log", "info")


def test_disabled_writes_no_log(tmp_path):
    assert main(["--ci", DEMO]) in (0, 1)
    assert not (tmp_path / "dive.log").exists()


def test_enabled_appends_what_was_read_and_timings(tmp_path):
    cfg = tmp_path / "dive.yaml"
    cfg.write_text("log:\n  enabled: true\n")
    main(["--config", str(cfg), "--ci", DEMO])
    main(["--config", str(cfg), "--json", str(tmp_path / "o.json"), DEMO])
    text = (tmp_path / "dive.log").read_text()
    reads = [ln for ln in text.splitlines() if "read docker-archive image" in ln]
    assert len(reads) == 2  # appended, not truncated
    assert "7 layers" in reads[0] and " bytes in " in reads[0] and "level=INFO" in reads[0]


@pytest.mark.parametrize("var", ["DIVE_LOG_ENABLED", "DIVE_LOG.ENABLED", "LAYERSCOPE_LOG_ENABLED"])
def test_env_enables_it_with_a_path(var, tmp_path, monkeypatch):
    monkeypatch.setenv(var, "true")
    monkeypatch.setenv("DIVE_LOG_PATH", str(tmp_path / "custom.log"))
    main(["--ci", DEMO])
    assert "read docker-archive image" in (tmp_path / "custom.log").read_text()


def test_level_filters(tmp_path, monkeypatch):
    monkeypatch.setenv("DIVE_LOG_ENABLED", "1")
    monkeypatch.setenv("DIVE_LOG_LEVEL", "warn")
    main(["--ci", DEMO])
    assert "read docker-archive image" not in (tmp_path / "dive.log").read_text()
    monkeypatch.setenv("DIVE_LOG_LEVEL", "DEBUG")
    main(["--ci", DEMO])
    assert "level=DEBUG" in (tmp_path / "dive.log").read_text()


def test_bad_level_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv("DIVE_LOG_LEVEL", "loud")
    assert main(["--ci", DEMO]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "log.level" in err[0]


def test_unopenable_path_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIVE_LOG_ENABLED", "true")
    monkeypatch.setenv("DIVE_LOG_PATH", str(tmp_path / "no" / "such" / "dir.log"))
    assert main(["--ci", DEMO]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"layerscope: cannot open log file {tmp_path / 'no' / 'such' / 'dir.log'}: No such file or directory"
    ]


def test_internal_error_traceback_goes_to_the_log(tmp_path, monkeypatch, capsys):
    import layerscope.cli as cli

    def boom(*a, **k):  # noqa: ANN002, ANN003
        raise RuntimeError("kaboom")

    monkeypatch.setattr(cli, "load_image", boom)
    monkeypatch.setenv("DIVE_LOG_ENABLED", "true")
    assert main(["--ci", DEMO]) == 2
    assert "Traceback" not in capsys.readouterr().err  # one line on stderr...
    text = (tmp_path / "dive.log").read_text()
    assert "internal error" in text and "Traceback (most recent call last)" in text and "kaboom" in text


def test_skipped_layers_are_warnings_in_the_log(tmp_path, monkeypatch):
    from tests.hardening.tarbuild import docker_save, reg, tar

    archive = tmp_path / "img.tar"
    archive.write_bytes(docker_save([tar(reg("a", b"1")), tar(reg("b", b"x" * 600))[:700]]))
    monkeypatch.setenv("DIVE_LOG_ENABLED", "true")
    assert main(["-i", "--ci", str(archive)]) == 0
    assert "level=WARNING" in (tmp_path / "dive.log").read_text()


def test_dive_writes_its_log_at_the_same_default_path(tmp_path):
    """The oracle: dive with log.enabled and no path writes ./dive.log in the working directory,
    and reads the key from DIVE_LOG.ENABLED (viper maps only '-' to '_')."""
    dive = shutil.which("dive")
    if not dive:
        pytest.skip("dive is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIVE_")}
    env.update({"HOME": str(tmp_path / "home"), "DIVE_LOG.ENABLED": "true"})
    subprocess.run(
        [dive, "--source", "docker-archive", DEMO, "--json", str(tmp_path / "d.json")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert (tmp_path / "dive.log").exists()
    os.unlink(tmp_path / "dive.log")
    env = {**{k: v for k, v in env.items() if k != "DIVE_LOG.ENABLED"}, "DIVE_LOG_ENABLED": "true"}
    subprocess.run(
        [dive, "--source", "docker-archive", DEMO, "--json", str(tmp_path / "d.json")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert not (tmp_path / "dive.log").exists()  # dive ignores this spelling; layerscope accepts both


@pytest.mark.parametrize("argv", [["explain", DEMO], ["report", DEMO], ["diff", DEMO, DEMO]])
def test_sub_commands_log_what_they_read(argv, tmp_path, monkeypatch, capsys):
    """diff / report / explain honour dive's log settings too (env here: they take no --config)."""
    monkeypatch.setenv("DIVE_LOG_ENABLED", "true")
    monkeypatch.setenv("DIVE_LOG_PATH", str(tmp_path / "sub.log"))
    assert main(argv) == 0
    reads = [ln for ln in (tmp_path / "sub.log").read_text().splitlines() if "read docker-archive image" in ln]
    assert len(reads) == (2 if argv[0] == "diff" else 1)
