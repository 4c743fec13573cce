"""``layerscope explain``: text, JSON, ignore globs, and one-line errors with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fixtures import waste_cases
from fixtures.imagegen import write_docker_save


@pytest.fixture
def explain(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_docker_save(tmp_path / "img.tar", waste_cases.realistic().spec)

    def _run(*argv: str):
        from layerscope.cli import main

        capsys.readouterr()
        code = main(["explain", *argv])
        cap = capsys.readouterr()
        return code, cap.out, cap.err

    return _run


def test_text_summary_and_offenders(explain):
    code, out, err = explain("img.tar")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "layerscope explain: img.tar"
    assert "dive 0.13.1 figures (used by CI):  wasted 5.0 MB (5000000 bytes)" in out
    assert "layerscope accurate figures:       dead 5.0 MB (5000000 bytes" in out
    import re

    offenders = [lay for lay in lines if re.match(r"^ +\d+\. ", lay)]
    assert offenders[0].split() == [
        "1.",
        "31",
        "MB",
        "build",
        "toolchain",
        "in",
        "final",
        "image:",
        "C/C++",
        "compilers",
        "(2",
        "files)",
    ]
    assert "apt lists" in offenders[1] and "apt archives" in offenders[2] and "pip cache" in offenders[3]
    assert "deleted later" in offenders[4]
    assert "made dead in layer 4 (RUN rm -f /tmp/app-1.0.tar.gz)" in out
    assert "fix: Add `&& rm -rf /var/lib/apt/lists/*`" in out


def test_top_limits_groups(explain):
    _c, out, _e = explain("img.tar", "--top", "2")
    assert "   2. " in out and "   3. " not in out and "more groups: --top 0" in out


def test_json_has_every_group(explain):
    code, out, _e = explain("img.tar", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["schema"] == "layerscope/explain"
    assert [g["kind"] for g in doc["groups"]][:5] == ["toolchain", "cache", "cache", "cache", "deleted"]
    assert len(doc["groups"]) == 9  # 6 real causes + 3 documentation / man-page hints
    assert doc["accurate"]["wasted_bytes"] == 5_000_000 and doc["download"]["exact"] is False
    assert [layer["dead_bytes"] for layer in doc["layers"]] == [0, 0, 5_000_000, 0, 0, 0]
    assert [layer["killed_bytes"] for layer in doc["layers"]] == [0, 0, 0, 0, 5_000_000, 0]


def test_ignore_from_flag_and_dive_ci(explain, tmp_path):
    _c, out, _e = explain("img.tar", "--json", "--ignore", "/tmp/**")
    doc = json.loads(out)
    assert doc["accurate"]["wasted_bytes"] == 0 and doc["accurate"]["ignored_bytes"] == 5_000_000
    assert "deleted" not in [g["kind"] for g in doc["groups"]]
    (tmp_path / ".dive-ci").write_text("layerscope:\n  ignore: ['*.tar.gz']\n")
    doc = json.loads(explain("img.tar", "--json")[1])
    assert doc["ignore"] == ["*.tar.gz"] and doc["accurate"]["ignored_bytes"] == 5_000_000


def test_output_file(explain, tmp_path):
    code, out, _e = explain("img.tar", "--format", "json", "-o", "ex.json")
    assert code == 0 and out == ""
    assert json.loads((tmp_path / "ex.json").read_text())["image"] == "img.tar"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["docker-archive://missing.tar"], "layerscope: cannot open image archive 'missing.tar': no such file"),
        (["img.tar", "--ignore", "/tmp/[x"], "layerscope: explain: --ignore: unterminated character class"),
        (["img.tar", "--top", "x"], "layerscope: explain: argument --top: invalid --top 'x': not an integer"),
        (["img.tar", "--ci-config", "nope.yaml"], "layerscope: explain: --ci-config nope.yaml: no such file"),
    ],
)
def test_errors_are_one_line_exit_2(explain, argv, message):
    code, out, err = explain(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(message)


def test_bad_dive_ci_section_is_one_line(explain, tmp_path):
    (tmp_path / ".dive-ci").write_text("layerscope:\n  ignore: {a: 1}\n")
    code, _out, err = explain("img.tar")
    assert code == 2 and err.count("\n") == 1 and "expected a glob or a list of globs" in err


def test_real_process_no_traceback(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "layerscope", "explain", "docker-archive://" + str(tmp_path / "none.tar")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
