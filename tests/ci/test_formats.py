"""CI output formats: JUnit, GitHub annotations, the step-summary markdown; dive's text kept."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from layerscope.ci.evaluate import FAIL, PASS, RuleResult, Verdict
from layerscope.ci.formats import annotations

RULES = "rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: 1MB\n"
EXTRA = "layerscope:\n  maxImageSize: 1GB\n  forbid: ['*.whl']\n"


def test_junit_one_testcase_per_rule(ci):
    r = ci("--format", "junit", "img.tar", dive_ci=RULES + EXTRA)
    assert r.code == 1
    root = ET.fromstring(r.out)  # stdout is only the XML document
    assert root.tag == "testsuites" and root.get("tests") == "5" and root.get("failures") == "2"
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert set(cases) == {
        ("dive", "highestUserWastedPercent"),
        ("dive", "highestWastedBytes"),
        ("dive", "lowestEfficiency"),
        ("layerscope", "forbid"),
        ("layerscope", "maxImageSize"),
    }
    fail = cases[("dive", "highestWastedBytes")].find("failure")
    assert (
        fail is not None and fail.get("message") == "too many bytes wasted (wasted-bytes=5000000 > threshold=1000000)"
    )
    assert cases[("layerscope", "forbid")].find("failure") is not None
    assert len(list(cases[("dive", "lowestEfficiency")])) == 0
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["wastedBytes"] == "5000000" and props["wastedBytesAccurate"] == "5000000"


def test_junit_misconfigured_dive_rule_is_an_error(ci):
    r = ci("--format", "junit", "img.tar", dive_ci="rules:\n  lowestEfficiency: abc\n")
    root = ET.fromstring(r.out)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["lowestEfficiency"].find("error") is not None
    assert cases["highestUserWastedPercent"].find("skipped").get("message") == "not evaluated: CI misconfigured"
    assert r.code == 1


def test_github_format_is_dive_text_then_annotations(ci):
    dive = ci("--ci", "img.tar", dive_ci=RULES)
    r = ci("--format", "github", "img.tar", dive_ci=RULES)
    assert r.out.startswith(dive.out) and r.err == ""
    assert r.out[len(dive.out) :] == (
        "::error title=dive highestWastedBytes::img.tar: highestWastedBytes: too many bytes wasted "
        "(wasted-bytes=5000000 > threshold=1000000)\n"
        "::notice title=layerscope CI::img.tar: FAIL\n"
    )
    assert r.code == dive.code == 1


def test_github_actions_env_writes_annotations_to_stderr_only(ci):
    plain = ci("--ci", "img.tar", dive_ci=RULES)
    r = ci("--ci", "img.tar", dive_ci=RULES, env={"GITHUB_ACTIONS": "true"})
    assert r.out == plain.out  # dive's stdout is never altered
    assert r.err.startswith("::error title=dive highestWastedBytes::") and r.err.endswith("FAIL\n")


def test_step_summary_appended_in_every_format(ci, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier\n")
    r = ci("--ci", "img.tar", dive_ci=RULES + EXTRA, env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text()
    assert text.startswith("earlier\n### ❌ layerscope CI: `img.tar` — FAIL")
    assert (
        "| `highestWastedBytes` | dive | FAIL | too many bytes wasted (wasted-bytes=5000000 > threshold=1000000) |"
        in text
    )
    assert "| `forbid` | layerscope | FAIL |" in text
    assert "| wasted bytes (layerscope, accurate) | 5000000 (5.0 MB) |" in text
    assert "| 2 | 5.0 MB | `/tmp/app-1.0.tar.gz` |" in text
    assert "###" not in r.out


def test_markdown_format_prints_only_the_summary(ci):
    r = ci("--format", "markdown", "img.tar", dive_ci=RULES)
    assert r.out.startswith("### ❌ layerscope CI: `img.tar` — FAIL\n") and "\x1b[" not in r.out
    r = ci("--format", "markdown", "img.tar", dive_ci="rules:\n  lowestEfficiency: 0.5\n")
    assert r.out.startswith("### ✅") and r.code == 0


def test_annotation_escaping():
    v = Verdict([RuleResult("k", FAIL, "50% bad,\nnext: line"), RuleResult("p", PASS)], False, False)
    out = annotations(v, None, "img:1.0")
    assert out.splitlines()[0] == "::error title=dive k::img:1.0: k: 50%25 bad,%0Anext: line"
