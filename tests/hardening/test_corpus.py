"""Every adversarial corpus case (tests/hardening/corpus.py) run through the real CLI.

For each case, in CI mode and in ``--json`` mode, in a fresh working directory with a fresh
HOME and TMPDIR:

* broken input: exit 2, exactly one stderr line ``layerscope: …`` naming the problem and where,
  the same line in both modes, and no ``out.json`` left behind;
* odd but valid input: exit 0/1, nothing on stderr but ``note:`` lines, and (when dive 0.13.1
  also accepts the case and is installed) CI stdout and JSON byte-identical to dive's;
* always: no ``Traceback``, no ``internal error``, finished within the case's timeout, and no
  file written anywhere but the requested ``--json`` output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .corpus import CASES

DIVE = shutil.which("dive")


def _snapshot(*dirs: Path) -> dict[str, list[str]]:
    out = {}
    for d in dirs:
        files = []
        for root, dnames, fnames in os.walk(d):
            files += [os.path.relpath(os.path.join(root, n), d) for n in dnames + fnames]
        out[str(d)] = sorted(files)
    return out


def _run(
    cmd: list[str], cwd: Path, home: Path, tmp: Path, timeout: float, ci: bool = True
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "XDG_CONFIG_HOME")}
    env.update(HOME=str(home), TMPDIR=str(tmp))
    if ci:
        env["CI"] = "true"
    return subprocess.run(cmd, cwd=cwd, capture_output=True, env=env, timeout=timeout)


@pytest.fixture(scope="session")
def big_archives(tmp_path_factory):
    """Big cases are built once per session, on first use."""
    base = tmp_path_factory.mktemp("big-corpus")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            p = base / f"{name}.tar"
            CASES[name].write(p)
            built[name] = p
        return built[name]

    return get


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_case(name: str, tmp_path: Path, big_archives) -> None:
    case = CASES[name]
    inputs, work, home, tmp = (tmp_path / d for d in ("in", "work", "home", "tmp"))
    for d in (inputs, work, home, tmp):
        d.mkdir()
    if case.big:
        archive = big_archives(name)
    else:
        archive = inputs / "image.tar"
        case.write(archive)
    before = _snapshot(inputs, work, home, tmp)
    ls = [sys.executable, "-m", "layerscope", str(archive), *case.args]

    ci = _run(ls, work, home, tmp, case.timeout)
    err = ci.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err
    assert _snapshot(inputs, work, home, tmp) == before, "the CI run wrote a file"

    if case.expect == "error":
        lines = err.strip().splitlines()
        assert ci.returncode == 2, (ci.returncode, err)
        assert len(lines) == 1, err
        assert lines[0].startswith("layerscope: "), lines[0]
        for needle in case.contains:
            assert needle in lines[0], (needle, lines[0])
    else:
        assert ci.returncode in (0, 1), (ci.returncode, err)
        assert all(lay.startswith("note: ") for lay in err.strip().splitlines() if lay), err

    if name == "many_entries_1m":
        return  # the JSON of a million entries is the memory benchmark's job (benchmarks/bench_memory.py)

    js = _run([*ls, "--json", "out.json"], work, home, tmp, case.timeout, ci=False)
    jerr = js.stderr.decode("utf-8", "replace")
    assert "Traceback" not in jerr and "internal error" not in jerr, jerr
    after = _snapshot(inputs, work, home, tmp)
    if case.expect == "error":
        assert js.returncode == 2, (js.returncode, jerr)
        assert jerr.strip() == err.strip()  # the same single line in both modes
        assert after == before, "a failed --json run left a file behind"
        return
    assert js.returncode == 0, jerr
    expected = dict(before)
    expected[str(work)] = sorted(before[str(work)] + ["out.json"])
    assert after == expected, "the --json run wrote something besides out.json"

    if case.dive and DIVE is not None:
        d_ci = _run([DIVE, "--source", "docker-archive", str(archive), *case.args], work, home, tmp, 120)
        assert d_ci.returncode == ci.returncode, (d_ci.stdout, ci.stdout)
        assert ci.stdout == d_ci.stdout
        d_js = _run(
            [DIVE, "--source", "docker-archive", str(archive), "--json", "dive.json"], work, home, tmp, 120, ci=False
        )
        assert d_js.returncode == 0, d_js.stdout
        assert (work / "out.json").read_bytes() == (work / "dive.json").read_bytes()
