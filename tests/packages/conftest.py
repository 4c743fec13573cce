"""Shared fixtures of the package tests: the private Docker engine of tests/realtools, and the
installed console script (``LAYERSCOPE_E2E_BIN`` when set, as in tests/e2e, else ``layerscope``
on PATH, the editable install)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.realtools.conftest import engine, workdir  # noqa: F401  (fixtures re-used as they are)


@pytest.fixture(scope="session")
def cli() -> str:
    given = os.environ.get("LAYERSCOPE_E2E_BIN")
    path = given or shutil.which("layerscope")
    if not path:
        pytest.skip("no layerscope console script installed (pip install -e . or set LAYERSCOPE_E2E_BIN)")
    return path


def run_cli(
    cli: str, *args: str, cwd: Path | None = None, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    base = os.environ if env is None else env
    env = {k: v for k, v in base.items() if not k.startswith(("DIVE_", "LAYERSCOPE_", "CI"))}
    if "LAYERSCOPE_CACHE_DIR" in base:  # the suite's own cache directory, never the user's ~/.cache
        env["LAYERSCOPE_CACHE_DIR"] = base["LAYERSCOPE_CACHE_DIR"]
    return subprocess.run([cli, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
