"""``explain``, ``diff`` and ``report`` on the malformed layers of ``test_accurate_real_engine_malformed``:
one clean run each (no traceback), and ``explain`` names no byte a top-level opaque marker killed
(the engines show every lower path under it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.analysis.test_accurate_real_engine import _archive
from tests.analysis.test_accurate_real_engine_malformed import CASES


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("malformed")
    return {name: _archive(tmp, name, layers)[0] for name, layers in CASES.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_explain_diff_and_report_run_clean(archives, name, tmp_path) -> None:
    ref = f"docker-archive://{archives[name]}"
    other = f"docker-archive://{next(path for n, path in sorted(archives.items()) if n != name)}"
    for args in (["explain", ref], ["explain", "--format", "json", ref], ["diff", other, ref], ["report", ref]):
        r = _run(*args)
        assert r.returncode == 0, (args, r.stderr)
        assert "Traceback" not in r.stderr, args


def test_explain_names_no_deletion_by_a_top_level_marker(archives) -> None:
    r = _run("explain", "--format", "json", f"docker-archive://{archives['opaque-marker-at-the-root']}")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["accurate"]["wasted_bytes"] == 0
    assert doc["final_files"] == 3  # /a/f, /g, /y
    assert {k["kind"]: k["bytes"] for k in doc["kinds"]}["deleted"] == 0
