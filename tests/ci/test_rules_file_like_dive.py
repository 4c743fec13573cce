"""Odd ``.dive-ci`` documents read as dive 0.13.1 reads them (viper over yaml.v3): the real dive
is the oracle for the CI text and the exit code."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.dive_oracle import DIVE, dive_unavailable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "fixtures", "demo.tar")
REASON = dive_unavailable()

# documents dive analyses (and reports rule by rule): stdout must be dive's bytes
ANALYSED = {
    "rules-not-a-mapping": "rules: 5\n",
    "list-and-mapping-values": "rules:\n  lowestEfficiency: [1,2]\n  highestWastedBytes: {a: 1}\n",
    "float-out-of-range": "rules:\n  lowestEfficiency: 1e400\n",
    "rules-null": "rules:\n",
}
# documents dive refuses before analysing: exit 1 and the reason, in one line of ours
REFUSED = {
    "duplicate-top-level-key": (
        "rules:\n  lowestEfficiency: 0.5\nrules:\n  lowestEfficiency: 0.9\n",
        'mapping key "rules" already defined at line 1',
    ),
    "duplicate-rule-key": (
        "rules:\n  lowestEfficiency: 0.5\n  lowestEfficiency: 0.7\n",
        'mapping key "lowestEfficiency" already defined at line 2',
    ),
    "top-level-list": ("- 1\n", "cannot unmarshal !!seq"),
}


def _run(argv: list[str], cwd: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CI", "GITHUB", "DIVE"))}
    return subprocess.run(argv, cwd=cwd, env={**env, "HOME": cwd}, capture_output=True, timeout=300)


@pytest.mark.skipif(REASON is not None, reason=REASON or "")
@pytest.mark.parametrize("name", sorted(ANALYSED))
def test_analysed_documents_match_dive(name, tmp_path):
    (tmp_path / "ci.yaml").write_text(ANALYSED[name])
    os.symlink(DEMO, tmp_path / "demo.tar")
    dive = _run([DIVE, "--ci", "--source", "docker-archive", "--ci-config", "ci.yaml", "demo.tar"], str(tmp_path))
    ours = _run([sys.executable, "-m", "layerscope", "--ci", "--ci-config", "ci.yaml", "demo.tar"], str(tmp_path))
    assert ours.returncode == dive.returncode
    assert ours.stdout == dive.stdout


@pytest.mark.skipif(REASON is not None, reason=REASON or "")
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_documents_exit_1_with_the_reason(name, tmp_path):
    text, reason = REFUSED[name]
    (tmp_path / "ci.yaml").write_text(text)
    os.symlink(DEMO, tmp_path / "demo.tar")
    dive = _run([DIVE, "--ci", "--source", "docker-archive", "--ci-config", "ci.yaml", "demo.tar"], str(tmp_path))
    ours = _run([sys.executable, "-m", "layerscope", "--ci", "--ci-config", "ci.yaml", "demo.tar"], str(tmp_path))
    assert dive.returncode == 1 and reason in dive.stdout.decode()  # the oracle refuses it, for this reason
    lines = ours.stderr.decode().strip().splitlines()
    assert ours.returncode == 1 and len(lines) == 1 and reason in lines[0], ours.stderr
