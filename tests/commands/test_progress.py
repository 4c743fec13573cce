"""The progress display of ``explain``, ``diff`` and ``report``: on a terminal's stderr only.

Run in a real pseudo-terminal: the command's stderr is the pty (a person watching), its stdout
a pipe (a redirect).  Progress must show on the terminal and stdout must be byte-identical to a
run with no terminal at all; without a terminal, under CI, or with ``--quiet`` nothing is
printed on stderr.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from tests.report import pairs as P

LS = [sys.executable, "-m", "layerscope"]


@pytest.fixture
def images(tmp_path):
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", P.head_layer_added())
    return tmp_path


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS")}
    env.update(HOME=str(tmp_path), COLUMNS="120", TERM="xterm-256color", **extra)
    return env


def run_with_tty_stderr(argv: list[str], cwd, env) -> tuple[int, bytes, bytes]:
    """(exit code, stdout from a pipe, everything written to the pty on stderr)."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(
            [*LS, *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave
        )
    finally:
        os.close(slave)
    out = p.stdout.read()  # type: ignore[union-attr]
    tty = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([master], [], [], 0.2)
        if not ready:
            if p.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        tty += chunk
    os.close(master)
    return p.wait(timeout=60), out, tty


def run_plain(argv: list[str], cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run([*LS, *argv], cwd=cwd, env=env, capture_output=True, timeout=120)


COMMANDS = {
    "explain": ["explain", "h.tar"],
    "diff": ["diff", "b.tar", "h.tar", "--no-step-summary"],
    "report": ["report", "h.tar"],
}


@pytest.mark.parametrize("cmd", list(COMMANDS))
def test_progress_on_a_terminal_stdout_clean(images, cmd):
    env = _env(images)
    code, out, tty = run_with_tty_stderr(COMMANDS[cmd], images, env)
    plain = run_plain(COMMANDS[cmd], images, env)
    assert code == plain.returncode == 0, plain.stderr
    text = tty.decode("utf-8", "replace")
    assert "Reading" in text and "h.tar" in text and "layers" in text and "entries" in text
    if cmd == "diff":
        assert "Reading base b.tar" in text and "Reading head h.tar" in text
    assert out == plain.stdout  # the display never leaks into stdout
    assert plain.stderr == b""  # and without a terminal there is none


@pytest.mark.parametrize(
    ("extra_env", "flag"),
    [({"CI": "true"}, []), ({"CI": "1"}, []), ({}, ["--quiet"]), ({}, ["-q"])],
    ids=["CI=true", "CI=1", "--quiet", "-q"],
)
def test_no_progress_under_ci_or_quiet(images, extra_env, flag):
    code, _out, tty = run_with_tty_stderr([*COMMANDS["explain"], *flag], images, _env(images, **extra_env))
    assert code == 0
    assert tty == b""


def test_go_falsy_ci_still_shows_progress(images):
    """``CI=false`` (or anything outside Go's truthy set) is not CI, as dive reads it."""
    code, _out, tty = run_with_tty_stderr(COMMANDS["report"], images, _env(images, CI="yes"))
    assert code == 0
    assert b"Reading" in tty


def test_dive_ci_text_has_no_progress_on_a_terminal(images):
    """dive's CI text stays byte-identical: CI mode prints no progress, even on a terminal."""
    env = _env(images, CI="true")
    code, out, tty = run_with_tty_stderr(["h.tar"], images, env)
    plain = run_plain(["h.tar"], images, env)
    assert code == plain.returncode
    assert out == plain.stdout and b"Result:" in out
    assert tty == plain.stderr == b""
