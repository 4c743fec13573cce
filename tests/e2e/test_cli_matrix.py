"""Every command × every output format × pass and fail, run through the installed script.

Outputs are parsed the way their consumers parse them: JSON with :mod:`json`, JUnit with
:mod:`xml.etree`, Markdown with markdown-it-py.  Exit codes are the contract: 0 pass, 1 a rule or
gate failed, 2 the input could not be read (one line on stderr).  ``run`` itself fails any test
whose stderr holds a traceback.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import tomllib
from markdown_it import MarkdownIt

from .conftest import ARCHIVES, FIXTURES, REPO, Result

LENIENT = ("--lowestEfficiency", "0", "--highestWastedBytes", "1GB", "--highestUserWastedPercent", "1")
STRICT = ("--lowestEfficiency", "0.99")
VERDICTS = {"pass": (LENIENT, 0), "fail": (STRICT, 1)}
CI_FORMATS = ("dive", "github", "junit", "markdown")

DIVE_LAYER_KEYS = {"index", "id", "digestId", "sizeBytes", "command", "fileList"}
DIVE_IMAGE_KEYS = {"sizeBytes", "inefficientBytes", "efficiencyScore", "fileReference"}


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def markdown_html(text: str) -> tuple[str, list[str]]:
    """GitHub-style rendering (CommonMark + tables): the HTML and the token types."""
    md = MarkdownIt("commonmark").enable("table")
    return md.render(text), [t.type for t in md.parse(text)]


def assert_rendered_markdown(text: str) -> str:
    html, tokens = markdown_html(text)
    assert "table_open" in tokens, f"no table in the markdown:\n{text}"
    # A pipe table whose rows did not parse stays as literal text in a paragraph.
    assert not re.search(r"<p>[^<]*\|\s*-{3,}", html), f"a table did not render:\n{html}"
    return html


def notes_only(result: Result) -> None:
    """Nothing on stderr but the notes about which image of an archive was picked."""
    others = [line for line in result.stderr_lines() if not line.startswith("note: ")]
    assert not others, result.stderr


def one_error_line(result: Result) -> str:
    lines = result.stderr_lines()
    assert result.code == 2, (result.code, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("layerscope: "), result.stderr
    return lines[0]


# ---------------------------------------------------------------------------- CI mode
@pytest.mark.parametrize("verdict", sorted(VERDICTS))
@pytest.mark.parametrize("fmt", CI_FORMATS)
@pytest.mark.parametrize("archive", ARCHIVES)
def test_ci_format_verdict(run, archive: str, fmt: str, verdict: str) -> None:
    flags, code = VERDICTS[verdict]
    r = run("--ci", "--format", fmt, *flags, fixture(archive))
    assert r.code == code, (r.code, r.stdout[-2000:], r.stderr)
    notes_only(r)
    word = "PASS" if code == 0 else "FAIL"
    if fmt in ("dive", "github"):
        assert re.search(rf"^Result:{word} \[Total:\d+\]", r.plain, re.M), r.plain
        annotations = [line for line in r.stdout.splitlines() if line.startswith("::error")]
        if fmt == "github" and code == 1:
            assert any("lowestEfficiency" in a for a in annotations), r.stdout
        else:
            assert not annotations, r.stdout
    elif fmt == "junit":
        root = ET.fromstring(r.stdout)
        cases = root.findall(".//testcase")
        names = {c.get("name") for c in cases}
        assert {"lowestEfficiency", "highestWastedBytes", "highestUserWastedPercent"} <= names, names
        failed = {c.get("name") for c in cases if c.find("failure") is not None}
        assert ("lowestEfficiency" in failed) == (code == 1), ET.tostring(root, encoding="unicode")
        if code == 0:
            assert not failed, failed
    else:
        html = assert_rendered_markdown(r.stdout)
        heading = re.search(r"<h\d>(.*?)</h\d>", html)
        assert heading and word in heading.group(1), html[:500]


@pytest.mark.parametrize("archive", ARCHIVES)
def test_json_export(run, tmp_path: Path, archive: str) -> None:
    out = tmp_path / "out.json"
    out.write_text("stale content that must be truncated " * 100)
    r = run("--json", out, *STRICT, fixture(archive))  # with --json no rule is evaluated: exit 0
    assert r.code == 0, r.stderr
    notes_only(r)
    doc = json.loads(out.read_text())
    assert list(doc) == ["layer", "image"], list(doc)
    assert doc["layer"] and all(DIVE_LAYER_KEYS <= set(layer) for layer in doc["layer"]), doc["layer"][0]
    assert [layer["index"] for layer in doc["layer"]] == list(range(len(doc["layer"])))
    assert DIVE_IMAGE_KEYS <= set(doc["image"]), doc["image"].keys()
    assert 0 < doc["image"]["efficiencyScore"] <= 1


# ---------------------------------------------------------------------------- diff
DIFF_PAIRS = {
    "unchanged": (fixture("demo-oci.tar"), fixture("demo.tar")),
    "file-added": (fixture("demo.tar"), fixture("multi-image.tar") + ":layerscope/demo:second"),
    "platform": (fixture("demo.tar"), fixture("multiplatform-oci.tar"), "--platform", "linux/arm64"),
    "baseline": ("BASELINE", fixture("demo-docker25-zstd.tar")),
}
GATES = {"no-gate": ((), 0), "gate-passes": (("--max-size", "1GB"), 0), "gate-fails": (("--max-size", "1B"), 1)}


def diff_args(run, tmp_path: Path, pair: str) -> list[str]:
    args = list(DIFF_PAIRS[pair])
    if args[0] == "BASELINE":
        base = tmp_path / "base.json"
        r = run("report", fixture("demo-oci.tar"), "--format", "json", "-o", base)
        assert r.code == 0 and base.is_file(), r.stderr
        args[0] = str(base)
    return args


@pytest.mark.parametrize("gate", list(GATES))
@pytest.mark.parametrize("fmt", ("text", "markdown", "json"))
@pytest.mark.parametrize("pair", list(DIFF_PAIRS))
def test_diff(run, tmp_path: Path, pair: str, fmt: str, gate: str) -> None:
    flags, code = GATES[gate]
    r = run("diff", *diff_args(run, tmp_path, pair), "--format", fmt, *flags)
    assert r.code == code, (r.code, r.stdout[-2000:], r.stderr)
    assert not r.stderr_lines(), r.stderr
    if fmt == "json":
        doc = json.loads(r.stdout)
        assert doc["schema"] == "layerscope/diff" and doc["verdict"]["exit_code"] == code, doc["verdict"]
        assert doc["verdict"]["passed"] == (code == 0)
        assert ("max-size" in doc["verdict"]["failed_gates"]) == (gate == "gate-fails"), doc["verdict"]
        grew = doc["totals"]["size"]["delta"]
        assert (grew == 0) == (pair in ("unchanged", "baseline")), doc["totals"]["size"]
    elif fmt == "markdown":
        html = assert_rendered_markdown(r.stdout)
        assert ("Gate failed" in html) == (gate == "gate-fails"), html[:800]
    else:
        assert r.stdout.strip(), "empty text report"
        first = r.stdout.splitlines()[0]
        assert ("max-size" in first) == (gate == "gate-fails"), first


def test_diff_output_file(run, tmp_path: Path) -> None:
    out = tmp_path / "diff.json"
    r = run("diff", fixture("demo.tar"), fixture("demo-oci.tar"), "--format", "json", "-o", out)
    assert r.code == 0 and not r.stdout.strip(), (r.stdout, r.stderr)
    assert json.loads(out.read_text())["schema"] == "layerscope/diff"


# ---------------------------------------------------------------------------- report, explain
@pytest.mark.parametrize("to_file", (False, True), ids=("stdout", "output-file"))
@pytest.mark.parametrize("fmt", ("text", "json"))
@pytest.mark.parametrize("archive", ARCHIVES)
def test_report(run, tmp_path: Path, archive: str, fmt: str, to_file: bool) -> None:
    out = tmp_path / f"report.{fmt}"
    r = run("report", fixture(archive), "--format", fmt, *(("-o", out) if to_file else ()))
    assert r.code == 0, r.stderr
    notes_only(r)
    text = out.read_text() if to_file else r.stdout
    if to_file:
        assert not r.stdout.strip(), r.stdout
    if fmt == "json":
        doc = json.loads(text)
        assert doc["schema"] == "layerscope/baseline" and doc["layers"], doc.keys()
        assert doc["totals"]["layers"] == len(doc["layers"])
    else:
        assert text.strip()


def test_report_rerenders_a_baseline(run, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    assert run("report", fixture("demo.tar"), "--format", "json", "-o", base).code == 0
    again = run("report", base, "--format", "json")
    assert again.code == 0, again.stderr
    assert json.loads(again.stdout)["totals"] == json.loads(base.read_text())["totals"]


@pytest.mark.parametrize(
    "form",
    (("--format", "text"), ("--format", "json"), ("--json",), ("-o", "OUT")),
    ids=("text", "json", "json-flag", "output-file"),
)
@pytest.mark.parametrize("archive", ARCHIVES)
def test_explain(run, tmp_path: Path, archive: str, form: tuple[str, ...]) -> None:
    out = tmp_path / "explain.out"
    args = [str(out) if a == "OUT" else a for a in form]
    r = run("explain", fixture(archive), *args)
    assert r.code == 0, r.stderr
    notes_only(r)
    text = out.read_text() if "-o" in form else r.stdout
    assert text.strip()
    if "json" in " ".join(form):
        assert isinstance(json.loads(text), dict)


# ---------------------------------------------------------------------------- version, help
def project_version() -> str:
    """The version the wheel was built with, from pyproject.toml (not from the package)."""
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


@pytest.mark.parametrize("argv", (("version",), ("--version",), ("-v",)))
def test_version(run, argv: tuple[str, ...]) -> None:
    r = run(*argv)
    assert r.code == 0 and not r.stderr
    assert r.stdout.strip() == f"layerscope {project_version()}"


@pytest.mark.parametrize("command", ("", "diff", "report", "explain"))
def test_help(run, command: str) -> None:
    r = run(*([command] if command else []), "--help")
    assert r.code == 0 and not r.stderr, r.stderr
    assert r.stdout.startswith(f"usage: layerscope{' ' + command if command else ''}"), r.stdout[:200]


# ---------------------------------------------------------------------------- bad input
def _bad_inputs(tmp: Path) -> dict[str, Path]:
    garbage = tmp / "garbage.tar"
    garbage.write_bytes(b"this is not a tar archive\n" * 40)
    return {"missing": tmp / "no-such-image.tar", "garbage": garbage}


BAD_COMMANDS = {
    "ci": lambda p: ["--ci", f"docker-archive://{p}"],
    "json": lambda p: ["--json", "out.json", f"docker-archive://{p}"],
    "diff-base": lambda p: ["diff", str(p), fixture("demo.tar")],
    "diff-head": lambda p: ["diff", fixture("demo.tar"), str(p), "--format", "json"],
    "report": lambda p: ["report", str(p)],
    "explain": lambda p: ["explain", f"docker-archive://{p}"],
}


@pytest.mark.parametrize("kind", ("missing", "garbage"))
@pytest.mark.parametrize("command", list(BAD_COMMANDS))
def test_bad_input_is_one_line_exit_2(run, tmp_path: Path, command: str, kind: str) -> None:
    path = _bad_inputs(tmp_path)[kind]
    line = one_error_line(run(*BAD_COMMANDS[command](path)))
    assert path.name in line, line


def test_build_without_arguments_is_one_line_exit_2(run) -> None:
    one_error_line(run("build"))


def test_analyze_without_image_is_one_line_exit_2(run) -> None:
    one_error_line(run("--ci"))
