"""The CI pipeline as a library call: typed settings in, a typed outcome out, no argparse.

dive's exact text is checked against dive itself in tests/dive/; here the pipeline's own
decisions: which stream gets what, which reader runs with which options, and the exit code.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from layerscope.ci.run import run
from layerscope.ci.settings import CiSettings, RuleOptions
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions

ROOT = Path(__file__).resolve().parents[2]
DEMO = str(ROOT / "fixtures" / "demo.tar")
OFF = {"lowestEfficiency": "disabled", "highestWastedBytes": "disabled", "highestUserWastedPercent": "disabled"}


def _settings(tmp_path: Path, **kw: object) -> CiSettings:
    rules = kw.pop("rules", RuleOptions(str(tmp_path / "no-such-dive-ci"), OFF))
    return CiSettings("docker-archive", DEMO, ReadOptions(hash_content=False), rules=rules, **kw)  # type: ignore[arg-type]


def _run(settings: CiSettings, env: dict[str, str] | None = None, **kw: object) -> tuple[object, str, str]:
    out, err = io.StringIO(), io.StringIO()
    outcome = run(settings, out=out, err=err, env=env or {}, **kw)  # type: ignore[arg-type]
    return outcome, out.getvalue(), err.getvalue()


def test_all_rules_disabled_pass_with_exit_0(tmp_path):
    outcome, out, err = _run(_settings(tmp_path))
    assert outcome.exit_code == 0 and outcome.verdict is not None and outcome.verdict.passed
    assert outcome.extra is None  # no rules file, so no layerscope: section
    assert "Result:PASS" in out and err == ""


def test_a_failing_rule_is_exit_1(tmp_path):
    # highestWastedBytes: 1 byte; the demo image wastes more than that (dive says so too)
    rules = RuleOptions(str(tmp_path / "none"), {**OFF, "highestWastedBytes": "1"})
    outcome, out, _err = _run(_settings(tmp_path, rules=rules))
    assert outcome.exit_code == 1 and not outcome.verdict.passed
    assert "Result:FAIL" in out


def test_the_reader_is_injected_and_gets_the_settings_options(tmp_path):
    calls = []

    def reader(source, image_arg, opts):  # noqa: ANN001, ANN202
        calls.append((source, image_arg, opts))
        return load_image(source, image_arg, opts)

    settings = _settings(tmp_path)
    _run(settings, load=reader)
    assert calls == [("docker-archive", DEMO, settings.read)]


def test_junit_replaces_dives_text_and_annotations_go_to_stderr_under_actions(tmp_path):
    _o, out, err = _run(_settings(tmp_path, format="junit"))
    assert out.startswith('<?xml version="1.0"') and "Inefficient Files" not in out and err == ""
    _o, out, err = _run(_settings(tmp_path), env={"GITHUB_ACTIONS": "true"})
    assert "Inefficient Files" in out and "::" not in out  # dive's stdout stays dive's
    assert err.rstrip().splitlines()[-1].startswith("::notice title=layerscope CI::")


def test_json_to_stdout_moves_dives_text_to_stderr(tmp_path, capsys):
    outcome = run(_settings(tmp_path, ci=False, json_path="-"), env={})  # the process's own streams
    out, err = capsys.readouterr()
    assert outcome.exit_code == 0 and outcome.verdict is None
    assert json.loads(out)["layer"]  # stdout is the JSON document alone
    assert "Image Source: " in err and "Exporting image to '-'" in err


def test_config_file_is_announced_first(tmp_path):
    _o, out, _e = _run(_settings(tmp_path, config_path="/somewhere/.dive.yaml"))
    assert out.splitlines()[0] == "Using config file: /somewhere/.dive.yaml"


@pytest.mark.parametrize("fmt", ["dive", "github", "junit", "markdown"])
def test_step_summary_in_every_format(tmp_path, fmt):
    summary = tmp_path / "summary.md"
    _run(_settings(tmp_path, format=fmt), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text().startswith("### ✅ layerscope CI: ")


def test_the_pipeline_runs_with_the_collector_paused(tmp_path):
    """The read, the analysis and the rows are acyclic: CI mode pauses the collector (one full
    collection scans every entry) and gives it back as it was."""
    import gc

    seen = []

    def reader(source, image_arg, opts):  # noqa: ANN001, ANN202
        seen.append(gc.isenabled())
        return load_image(source, image_arg, opts)

    assert gc.isenabled()
    outcome, _out, _err = _run(_settings(tmp_path), load=reader)
    assert outcome.exit_code == 0 and seen == [False]
    assert gc.isenabled()
