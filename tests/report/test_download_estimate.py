"""Pull cost: a legacy ``docker save`` has no blob sizes, so diff/report show the same labelled
estimate ``explain`` shows; stored blobs stay exact.  Expected figures from the inputs
(tests/report/pairs.py ``estimated_download``, the documented estimate)."""

from __future__ import annotations

import json

import pytest

from layerscope.commands.diff import main as diff_main
from layerscope.commands.explain import main as explain_main
from layerscope.commands.report import main as report_main
from layerscope.golang.humanize import humanize_bytes
from layerscope.report.model import BaselineError, from_baseline_dict
from tests.report import pairs as P


def _run(capsys, fn, *argv: str) -> str:
    capsys.readouterr()
    assert fn(list(argv)) == 0
    return capsys.readouterr().out


@pytest.fixture
def legacy_pair(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    P.write(tmp_path / "b.tar", P.BASE)
    P.write(tmp_path / "h.tar", P.head_layer_added())
    return str(tmp_path / "b.tar"), str(tmp_path / "h.tar")


def test_diff_json_estimate_is_flagged(capsys, legacy_pair):
    doc = json.loads(_run(capsys, diff_main, *legacy_pair, "--format", "json", "-q"))
    c = doc["totals"]["compressed_size"]
    assert (c["base"], c["head"], c["estimated"]) == (
        P.estimated_download(P.BASE),
        P.estimated_download(P.head_layer_added()),
        True,
    )
    assert all(lay["compressed_size"]["estimated"] for lay in doc["layers"])


def test_diff_text_and_explain_show_the_same_figure(capsys, legacy_pair, tmp_path):
    out = tmp_path / "d.txt"
    _run(capsys, diff_main, *legacy_pair, "-q", "-o", str(out))
    head = humanize_bytes(P.estimated_download(P.head_layer_added()))
    assert f"≈ {head} (estimate)" in out.read_text(encoding="utf-8")
    ex = json.loads(_run(capsys, explain_main, legacy_pair[1], "--json", "-q"))
    assert ex["download"] == {"size": P.estimated_download(P.head_layer_added()), "exact": False}


def test_exact_blob_sizes_are_not_estimates(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    bi = P.write(tmp_path / "b.tar", P.BASE, "oci")[0]
    doc = json.loads(_run(capsys, diff_main, str(tmp_path / "b.tar"), str(tmp_path / "b.tar"), "--format", "json"))
    c = doc["totals"]["compressed_size"]
    assert (c["head"], c["estimated"]) == (sum(P.blob_sizes(tmp_path / "b.tar", bi)), False)
    md = _run(capsys, diff_main, str(tmp_path / "b.tar"), str(tmp_path / "b.tar"), "--format", "markdown")
    assert "(estimate)" not in md


def test_baseline_keeps_the_flag_and_old_ones_load(capsys, legacy_pair, tmp_path):
    path = str(tmp_path / "base.json")
    _run(capsys, report_main, legacy_pair[0], "-o", path, "-q")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    assert doc["totals"]["compressed_estimated"] is True
    assert doc["totals"]["compressed_size"] == P.estimated_download(P.BASE)
    assert from_baseline_dict(doc, "b").compressed_estimated is True
    for lay in doc["layers"]:
        del lay["compressed_estimated"]  # a baseline of an earlier layerscope
    del doc["totals"]["compressed_estimated"]
    assert from_baseline_dict(doc, "b").compressed_estimated is False
    doc["layers"][0]["compressed_estimated"] = "yes"
    with pytest.raises(BaselineError, match=r"layers\[0\].compressed_estimated' must be true or false"):
        from_baseline_dict(doc, "b")
