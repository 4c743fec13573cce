"""Differential tests: the real dive 0.13.1 binary is the oracle.

For every generated fixture we run ``dive`` and layerscope on the same archive and compare the
CI exit code, every byte of CI stdout, and every byte of the ``--json`` export.  Where dive's
own behaviour is undefined (an OCI archive without ``manifest.json``: dive picks layers in Go
map order) we compare our reading of that layout with dive's reading of the equivalent
``docker save`` of the same image instead.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fixtures.catalog import CASES, LAYOUT_CASES
from fixtures.imagegen import write_docker25_save, write_docker_save, write_oci_archive
from tests.dive_oracle import DIVE, dive_unavailable

SKIP_REASON = dive_unavailable()
pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


def run(cmd: list[str], cwd: str, ci: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    env["HOME"] = cwd  # no stray ~/.dive.yaml
    env.pop("XDG_CONFIG_HOME", None)
    return subprocess.run(cmd, cwd=cwd, capture_output=True, env=env, timeout=120)


LS = [sys.executable, "-m", "layerscope"]


def ci_pair(tmp: str, archive: str, extra: list[str] = ()) -> tuple:
    d = run([DIVE, "--source", "docker-archive", archive, *extra], tmp)
    o = run([*LS, "--source", "docker-archive", archive, *extra], tmp)
    return d, o


def json_pair(tmp: str, archive: str) -> tuple[bytes, bytes, subprocess.CompletedProcess]:
    dj = os.path.join(tmp, "dive.json")
    oj = os.path.join(tmp, "ours.json")
    d = run([DIVE, "--source", "docker-archive", archive, "--json", dj], tmp, ci=False)
    o = run([*LS, "--source", "docker-archive", archive, "--json", oj], tmp, ci=False)
    assert d.returncode == 0, d.stdout + d.stderr
    assert o.returncode == 0, o.stderr
    with open(dj, "rb") as f1, open(oj, "rb") as f2:
        return f1.read(), f2.read(), o


@pytest.mark.parametrize("name", sorted(CASES))
def test_ci_output_and_json_match_dive(name: str, tmp_path) -> None:
    tmp = str(tmp_path)
    archive = os.path.join(tmp, "img.tar")
    write_docker_save(archive, CASES[name])
    d, o = ci_pair(tmp, "img.tar")
    assert o.stderr == b"", o.stderr
    assert o.returncode == d.returncode, (d.stdout.decode(errors="replace"), o.stdout.decode(errors="replace"))
    assert o.stdout.decode(errors="replace") == d.stdout.decode(errors="replace")
    assert o.stdout == d.stdout
    dive_json, our_json, _ = json_pair(tmp, "img.tar")
    assert our_json == dive_json


RULE_VARIANTS = [
    ["--lowestEfficiency", "0.99"],
    ["--lowestEfficiency", "0"],
    ["--lowestEfficiency", "1.5"],
    ["--lowestEfficiency", "abc"],
    ["--highestWastedBytes", "20Mb"],
    ["--highestWastedBytes", "1KiB"],
    ["--highestWastedBytes", "10"],
    ["--highestWastedBytes", "-5"],
    ["--highestWastedBytes", "1e3"],
    ["--highestWastedBytes", "disabled", "--highestUserWastedPercent", "disabled"],
    ["--highestUserWastedPercent", "0.5"],
    ["--highestUserWastedPercent", "Disabled"],
    ["--highestUserWastedPercent", " 0.5"],
]


@pytest.mark.parametrize("flags", RULE_VARIANTS, ids=lambda f: "_".join(f))
def test_rule_flags_match_dive(flags: list[str], tmp_path) -> None:
    tmp = str(tmp_path)
    write_docker_save(os.path.join(tmp, "img.tar"), CASES["demo"])
    d, o = ci_pair(tmp, "img.tar", flags)
    assert o.returncode == d.returncode
    assert o.stdout == d.stdout


CI_FILES = {
    "camel": "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: 0.2\n",
    "partial": "rules:\n  highestWastedBytes: 1000\n",
    "caseless": "RULES:\n  LOWESTEFFICIENCY: '0.999'\n",
    "kebab_ignored": "rules:\n  lowest-efficiency: 0.999\n",
    "unknown_keys": "plugins:\n  - plugin1/rule1\nrules:\n  lowestEfficiency: 0.5\n",
    "misconfigured": "rules:\n  lowestEfficiency: off\n  highestWastedBytes: lots\n",
}


@pytest.mark.parametrize("key", sorted(CI_FILES))
def test_ci_config_file_matches_dive(key: str, tmp_path) -> None:
    tmp = str(tmp_path)
    write_docker_save(os.path.join(tmp, "img.tar"), CASES["demo"])
    with open(os.path.join(tmp, ".dive-ci"), "w") as f:
        f.write(CI_FILES[key])
    d, o = ci_pair(tmp, "img.tar")
    assert o.returncode == d.returncode
    assert o.stdout == d.stdout
    # an explicit flag beats the file
    d, o = ci_pair(tmp, "img.tar", ["--lowestEfficiency", "0.1"])
    assert o.returncode == d.returncode
    assert o.stdout == d.stdout


def test_json_wins_over_ci_like_dive(tmp_path) -> None:
    tmp = str(tmp_path)
    write_docker_save(os.path.join(tmp, "img.tar"), CASES["demo"])
    d = run([DIVE, "--source", "docker-archive", "img.tar", "--json", "d.json", "--lowestEfficiency", "0.9999"], tmp)
    o = run([*LS, "--source", "docker-archive", "img.tar", "--json", "o.json", "--lowestEfficiency", "0.9999"], tmp)
    assert (o.returncode, d.returncode) == (0, 0)
    assert o.stdout.replace(b"o.json", b"X") == d.stdout.replace(b"d.json", b"X")
    assert open(os.path.join(tmp, "o.json"), "rb").read() == open(os.path.join(tmp, "d.json"), "rb").read()


DOCKER25 = [("gzip",), ("zstd",), ("none",)]


@pytest.mark.parametrize("name", LAYOUT_CASES)
@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_docker25_save_matches_dive(name: str, compression: str, tmp_path) -> None:
    """Docker >= 25 saves (OCI layout + manifest.json): dive reads these deterministically."""
    tmp = str(tmp_path)
    write_docker25_save(os.path.join(tmp, "img.tar"), CASES[name], compression=compression)
    d, o = ci_pair(tmp, "img.tar")
    assert o.returncode == d.returncode
    assert o.stdout == d.stdout
    dive_json, our_json, _ = json_pair(tmp, "img.tar")
    assert our_json == dive_json


@pytest.mark.parametrize("name", LAYOUT_CASES)
@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_oci_archive_equals_dive_on_equivalent_save(name: str, compression: str, tmp_path) -> None:
    """dive's reading of a pure OCI layout is random; ours must equal dive's numbers on the
    same image written as a docker save (without symlink de-duplication)."""
    tmp = str(tmp_path)
    write_docker_save(os.path.join(tmp, "save.tar"), CASES[name], dedupe_symlinks=False)
    write_oci_archive(os.path.join(tmp, "oci.tar"), CASES[name], compression=compression)
    d = run([DIVE, "--source", "docker-archive", "save.tar"], tmp)
    o = run([*LS, "oci.tar"], tmp)
    assert o.returncode == d.returncode, o.stderr
    assert o.stdout.replace(b"oci.tar", b"X") == d.stdout.replace(b"save.tar", b"X")


def test_dive_yaml_is_announced_like_dive(tmp_path) -> None:
    tmp = str(tmp_path)
    write_docker_save(os.path.join(tmp, "img.tar"), CASES["single_layer"])
    with open(os.path.join(tmp, ".dive.yaml"), "w") as f:  # HOME is tmp in run()
        f.write("filetree:\n  show-attributes: false\n")
    d, o = ci_pair(tmp, "img.tar")
    assert d.stdout.startswith(b"Using config file: ")
    assert o.returncode == d.returncode
    assert o.stdout == d.stdout
