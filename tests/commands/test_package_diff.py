"""``diff`` and ``report`` on a dependency bump (tests/report/pkgpairs.py): package changes in
text, Markdown and JSON, the ``--max-package-increase`` gate, baselines with and without
packages.  Every expected figure comes from the generator's inputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from markdown_it import MarkdownIt

from layerscope.golang.humanize import humanize_bytes
from tests.report import pkgpairs as K


@pytest.fixture
def pair(tmp_path):
    return K.write_pair(tmp_path)


def _json(run, *argv):
    r = run("diff", *argv, "--format", "json", "--no-step-summary")
    return r, r.json()


def test_json_lists_each_change_with_the_inputs_deltas(run, pair):
    r, doc = _json(run, *pair)
    assert r.code == 0
    pk = doc["packages"]
    assert pk["known"] is True
    assert pk["changed"] == [
        {
            "name": "numpy",
            "ecosystem": "python",
            "arch": "",
            "change": "upgraded",
            "base": {"version": "1.26.4", "bytes": K.NUMPY_OLD.bytes, "database": K.SITE},
            "head": {"version": "2.1.3", "bytes": K.NUMPY_NEW.bytes, "database": K.SITE},
            "delta": K.NUMPY_DELTA,
        }
    ]
    assert [(a["name"], a["ecosystem"], a["version"], a["bytes"]) for a in pk["added"]] == [
        ("git", "deb", "1:2.39.2-1.1", K.GIT.bytes)
    ]
    assert [(a["name"], a["ecosystem"], a["version"], a["bytes"]) for a in pk["removed"]] == [
        ("curl", "deb", "7.88.1-10+deb12u5", K.CURL.bytes)
    ]
    assert pk["counts"]["upgraded"] == 1 and pk["counts"]["rebuilt"] == 0  # libc6, requests unchanged


def test_text_orders_by_biggest_delta(run, pair, tmp_path):
    out = tmp_path / "diff.txt"
    r = run("diff", *pair, "--no-step-summary", "-o", str(out))  # plain text, 120 columns
    assert r.code == 0
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("│ ") and ("(deb)" in line or "(python)" in line)]
    cells = [[c.strip() for c in row.strip("│").split("│")] for row in rows]
    assert cells == [
        ["added", "git (deb)", "1:2.39.2-1.1", "+" + humanize_bytes(K.GIT.bytes)],
        ["upgraded", "numpy (python)", "1.26.4 → 2.1.3", "+" + humanize_bytes(K.NUMPY_DELTA)],
        ["removed", "curl (deb)", "7.88.1-10+deb12u5", "-" + humanize_bytes(K.CURL.bytes)],
    ]


def test_markdown_has_a_folded_package_table(run, pair):
    r = run("diff", *pair, "--format", "markdown", "--no-step-summary", "--no-insights")
    assert r.code == 0
    md = r.out
    start = md.index("### Packages")
    section = md[start : md.index("</details>", start)]
    assert "<details><summary>1 added · 1 removed · 1 upgraded (" in section
    net = K.GIT.bytes - K.CURL.bytes + K.NUMPY_DELTA
    assert f"(+{humanize_bytes(net)} in all)</summary>" in section
    tokens = MarkdownIt("gfm-like").parse(section)
    cells = [t.content for t in tokens if t.type == "inline"]
    assert cells[cells.index("upgraded") : cells.index("upgraded") + 5] == [
        "upgraded",
        "`numpy`",
        "python",
        "`1.26.4` → `2.1.3`",
        "+" + humanize_bytes(K.NUMPY_DELTA),
    ]


def test_gate_passes_and_fails_on_the_biggest_package(run, pair):
    biggest = K.GIT.bytes  # git, added, grows from 0 more than numpy's upgrade
    r, doc = _json(run, *pair, "--max-package-increase", str(biggest))  # equal to the limit passes
    assert r.code == 0
    assert [(g["name"], g["status"]) for g in doc["gates"]] == [("max-package-increase", "pass")]
    r, doc = _json(run, *pair, "--max-package-increase", str(biggest - 1))
    assert r.code == 1
    assert doc["verdict"]["failed_gates"] == ["max-package-increase"]
    assert "git" in doc["gates"][0]["message"] and f"({biggest} bytes)" in doc["gates"][0]["message"]
    r = run("diff", *pair, "--max-package-increase", "1 banana", "--no-step-summary")
    assert r.code == 2 and r.err.startswith("layerscope: invalid --max-package-increase")


def test_baseline_round_trip_keeps_packages(run, pair, tmp_path):
    base_json = str(tmp_path / "base.json")
    r = run("report", pair[0], "-o", base_json)
    assert r.code == 0
    with open(base_json, encoding="utf-8") as f:
        doc = json.load(f)
    got = {(p["ecosystem"], p["name"], p["version"], p["bytes"]) for p in doc["packages"]}
    want = {("deb", d.name, d.version, d.bytes) for d in K.V1_DEBS}
    want |= {("python", w.name, w.version, w.bytes) for w in K.V1_WHEELS}
    assert got == want
    r, diff = _json(run, base_json, pair[1])
    assert r.code == 0
    assert [c["delta"] for c in diff["packages"]["changed"]] == [K.NUMPY_DELTA]
    assert [a["name"] for a in diff["packages"]["added"]] == ["git"]


def test_old_baseline_without_packages(run, pair, tmp_path):
    base_json = str(tmp_path / "old.json")
    assert run("report", pair[0], "-o", base_json).code == 0
    with open(base_json, encoding="utf-8") as f:
        doc = json.load(f)
    del doc["packages"]  # what a baseline of an earlier layerscope looks like
    with open(base_json, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    r, diff = _json(run, base_json, pair[1], "--max-package-increase", "1")
    assert r.code == 0  # the gate cannot measure: skipped, not failed
    assert diff["packages"]["known"] is False
    assert "not recorded in the base baseline" in diff["packages"]["note"]
    assert diff["gates"][0]["status"] == "skip"
    r = run("diff", base_json, pair[1], "--format", "markdown", "--no-step-summary")
    assert "not recorded in the base baseline" in r.out


HOSTILE_NAME = "evil|`x`<img src=x>"


def test_hostile_package_names_stay_in_code_spans(run, tmp_path):
    from fixtures.imagegen import write_docker_save

    bad = K.Wheel(HOSTILE_NAME, "1.0\x1b[31m", {"evil/x.py": 100})
    write_docker_save(str(tmp_path / "a.tar"), K.spec([K.LIBC], [], "a:1"))
    write_docker_save(str(tmp_path / "b.tar"), K.spec([K.LIBC], [bad], "b:1"))
    r = run("diff", str(tmp_path / "a.tar"), str(tmp_path / "b.tar"), "--format", "markdown", "--no-step-summary")
    section = r.out[r.out.index("### Packages") :]
    assert "<img" not in MarkdownIt("gfm-like").render(section).replace("&lt;img", "")
    assert "\x1b" not in r.out
    r = run("diff", str(tmp_path / "a.tar"), str(tmp_path / "b.tar"), "--no-step-summary", "-o", str(tmp_path / "t"))
    with open(tmp_path / "t", encoding="utf-8") as f:
        assert "\x1b" not in f.read()


@pytest.fixture(scope="module")
def cli() -> str:
    path = os.environ.get("LAYERSCOPE_E2E_BIN") or shutil.which("layerscope")
    if not path:
        pytest.skip("no layerscope console script installed")
    return path


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_console_script_each_format(cli, pair, fmt):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVE_", "LAYERSCOPE_", "GITHUB_", "CI"))}
    p = subprocess.run(
        [cli, "diff", *pair, "--format", fmt, "--max-package-increase", "10MB"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    if fmt == "json":
        assert json.loads(p.stdout)["packages"]["changed"][0]["delta"] == K.NUMPY_DELTA
    else:
        assert "1.26.4 → 2.1.3" in p.stdout or "`1.26.4` → `2.1.3`" in p.stdout
        assert "+" + humanize_bytes(K.NUMPY_DELTA) in p.stdout
