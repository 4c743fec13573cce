"""OCI index and manifest fields: error lines stay short however big the index, and
a field of the wrong type is a located one-line error (the corpus in ``tests/hardening`` has one
case per field; these pin the shape of the line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from layerscope.archive.resolve import MAX_LISTED, _listed
from tests.hardening.corpus import CASES


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["HOME"] = str(cwd)
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def test_listed_names_at_most_twenty_then_counts_the_rest() -> None:
    items = [f"p{i}" for i in range(25)]
    assert MAX_LISTED == 20
    assert _listed(items[:20]) == ", ".join(items[:20])
    assert _listed(items) == ", ".join(items[:20]) + " … and 5 more"


@pytest.mark.parametrize("extra", [("--platform", "linux/none"), ()])
def test_platform_errors_of_a_10k_index_are_one_short_line(tmp_path: Path, extra: tuple[str, ...]) -> None:
    archive = tmp_path / "many.tar"
    CASES["oci_index_10k_platforms_none_matches"].write(archive)
    r = _cli(tmp_path, "--ci", str(archive), *extra)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("layerscope: ")
    assert lines[0].endswith("linux/arch00019 … and 9980 more)"), lines[0][-200:]
    assert len(lines[0].encode()) < 1000  # was 159 KB


def test_a_wrong_type_deep_in_a_descriptor_names_its_place(tmp_path: Path) -> None:
    archive = tmp_path / "bad.tar"
    CASES["oci_field_platform_os_int"].write(archive)
    r = _cli(tmp_path, "--ci", str(archive))
    assert r.returncode == 2
    assert r.stderr.strip() == "layerscope: index.json: manifests[0].platform.os: expected a string, got 5"
