"""End-to-end tests run the *installed* product, the way a user gets it.

The unit tests import the checkout (``tests/conftest.py`` puts the repo root first on
``sys.path``) and the system Python holds an editable install: both read files straight from
the source tree, which hid a wheel that shipped no stylesheet.  Here every test runs the
``layerscope`` console script of a real install as a subprocess:

* ``LAYERSCOPE_E2E_BIN`` set (``.ci/run`` does it): that script, installed from the wheel into a
  fresh virtual environment outside the repository;
* otherwise: a wheel is built from this checkout and installed into a new ``python -m venv``
  (no ``--system-site-packages``, so the editable install cannot leak in), once per session.

The subprocess gets no stdin, a timeout, a temporary ``HOME`` and working directory, and an
environment without the variables that change the CLI's behaviour (``CI``, ``GITHUB_*``,
``DIVE_*``, ...), unless a test sets them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
ARCHIVES = ("demo.tar", "demo-oci.tar", "multi-image.tar", "demo-docker25-zstd.tar", "multiplatform-oci.tar")

BIN_ENV = "LAYERSCOPE_E2E_BIN"
WHEEL_ENV = "LAYERSCOPE_E2E_WHEEL"
RUN_TIMEOUT = 120.0  # seconds for one CLI run on a shipped fixture (they take well under 5 s)
BUILD_TIMEOUT = 900.0  # building the wheel, and installing it with its dependencies

# Variables that change what the CLI does; a test that wants one passes it explicitly.
_DROPPED_PREFIXES = ("GITHUB_", "DIVE_", "LAYERSCOPE_", "DOCKER_", "CONTAINER_", "XDG_", "PYTHON", "VIRTUAL_ENV")
_DROPPED = {"CI", "HOME", "RUNNER_TEMP", "TERM", "COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TEXTUAL"}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True)
class Result:
    """What a user sees of one run: the exit code and both streams, decoded."""

    code: int
    stdout: str
    stderr: str

    @property
    def plain(self) -> str:
        """stdout without ANSI colour sequences (dive's text is coloured)."""
        return _ANSI.sub("", self.stdout)

    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment minus everything that would steer the CLI, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED and not k.startswith(_DROPPED_PREFIXES)}
    env["HOME"] = str(home)  # no stray ~/.dive.yaml, ~/.docker/config.json or blob cache
    env["DOCKER_HOST"] = f"unix://{home}/no-docker.sock"  # never reach a real daemon by accident
    env["CONTAINER_HOST"] = f"unix://{home}/no-podman.sock"
    env.update(extra or {})
    return env


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _check(argv: list[str], what: str, cwd: Path | None = None) -> None:
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        pytest.fail(f"{what} failed (exit {p.returncode}): {' '.join(argv)}\n{_tail(p.stdout)}\n{_tail(p.stderr)}")


def build_wheel(dest: Path) -> Path:
    """``pip wheel`` of the checkout, as ``pip install .`` builds it (isolated build, no deps)."""
    _check(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dest), str(REPO)], "building the wheel"
    )
    wheels = sorted(dest.glob("layerscope-*.whl"))
    if len(wheels) != 1:
        pytest.fail(f"expected one layerscope wheel in {dest}, found {[w.name for w in wheels]}")
    return wheels[0]


def install_in_venv(wheel: Path, venv: Path) -> Path:
    """A fresh venv (no system site-packages) with the wheel and its dependencies; its script."""
    _check([sys.executable, "-m", "venv", str(venv)], "creating a virtual environment")
    python = venv / "bin" / "python"
    _check(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        "installing the wheel",
    )
    script = venv / "bin" / "layerscope"
    if not script.is_file():
        pytest.fail(f"installing {wheel.name} created no console script {script}")
    return script


@pytest.fixture(scope="session")
def e2e_tmp() -> Iterator[Path]:
    """A session directory outside the repository (a wheel and a venv live here)."""
    with tempfile.TemporaryDirectory(prefix="layerscope-e2e-") as d:
        yield Path(d)


@pytest.fixture(scope="session")
def wheel(e2e_tmp: Path) -> Path:
    """The wheel users install: ``LAYERSCOPE_E2E_WHEEL`` or one built from the checkout."""
    given = os.environ.get(WHEEL_ENV)
    if given:
        path = Path(given)
        if not path.is_file():
            pytest.fail(f"{WHEEL_ENV}={given} is not a file")
        return path
    return build_wheel(e2e_tmp / "dist")


@pytest.fixture(scope="session")
def layerscope_bin(e2e_tmp: Path, request: pytest.FixtureRequest) -> Path:
    """The installed ``layerscope`` console script (``LAYERSCOPE_E2E_BIN`` or a fresh venv)."""
    given = os.environ.get(BIN_ENV)
    if given:
        path = Path(given)
        if not (path.is_file() and os.access(path, os.X_OK)):
            pytest.fail(f"{BIN_ENV}={given} is not an executable file")
        return path
    return install_in_venv(request.getfixturevalue("wheel"), e2e_tmp / "venv")


@pytest.fixture(scope="session")
def installed_python(layerscope_bin: Path) -> Path:
    """The interpreter of the install (the console script's ``#!`` line)."""
    first = layerscope_bin.read_bytes().split(b"\n", 1)[0].decode()
    if not first.startswith("#!"):
        pytest.fail(f"{layerscope_bin} has no #! line")
    return Path(first[2:].strip().split()[0])


def run_installed(
    binary: Path,
    *args: str | os.PathLike[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
) -> Result:
    """Run the installed CLI as a pipeline would; never a traceback on stderr, whatever the verdict."""
    home = cwd / ".home"
    home.mkdir(exist_ok=True)
    p = subprocess.run(
        [str(binary), *map(str, args)],
        cwd=cwd,
        env=clean_env(home, env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
    )
    result = Result(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"))
    assert "Traceback" not in result.stderr, f"traceback on stderr of {args}:\n{result.stderr}"
    return result


@pytest.fixture
def run(layerscope_bin: Path, tmp_path: Path):  # noqa: ANN201 - a callable, see run_installed
    """``run(*args, env=..., cwd=...)`` → :class:`Result` of the installed script, in ``tmp_path``."""

    def _run(
        *args: str | os.PathLike[str],
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = RUN_TIMEOUT,
    ) -> Result:
        return run_installed(layerscope_bin, *args, cwd=cwd or tmp_path, env=env, timeout=timeout)

    return _run
