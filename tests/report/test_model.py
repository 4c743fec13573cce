"""The baseline file: lossless round trip of a snapshot, and validation of what is read."""

from __future__ import annotations

import json

import pytest

from layerscope.analysis.dive_efficiency import InefficientFile
from layerscope.report.model import BaselineError, LayerSummary, Snapshot, dumps_baseline, from_baseline_dict


def sample() -> Snapshot:
    return Snapshot(
        name="app.tar",
        source="docker-archive",
        layers=[
            LayerSummary(0, "sha256:aa", "ADD x /", 1_000, 400, "2024-01-01T00:00:00Z"),
            LayerSummary(1, "sha256:bb", "RUN y", 234, None),
        ],
        files={"/etc/\udcffraw": 1_000, "/app/é.txt": 200, "/app/link": 0, "/app/x": 34},
        efficiency=0.8312345678901234,
        wasted_bytes=468,
        dive_size=1_234,
        dive_user_size=234,
        inefficient_files=[InefficientFile("/app/x", 2, 468)],
        tags=["app:1"],
        layout="docker-save",
    )


def test_round_trip_is_lossless():
    s = sample()
    text = dumps_baseline(s)
    back = from_baseline_dict(json.loads(text), "t")
    assert back.origin == "baseline"
    back.origin = s.origin
    assert back == s
    assert back.compressed_size is None  # one layer has no blob size → unknown, not a partial sum
    assert json.loads(text)["totals"]["user_wasted_percent"] == 468 / 234


def test_single_layer_nan_is_written_as_null():
    s = sample()
    s.layers, s.dive_user_size, s.wasted_bytes, s.inefficient_files = s.layers[:1], 0, 0, []
    s.files = {"/etc/\udcffraw": 1_000}
    doc = json.loads(dumps_baseline(s))
    assert doc["totals"]["user_wasted_percent"] is None and doc["totals"]["compressed_size"] == 400


@pytest.mark.parametrize(
    "edit,needle",
    [
        (lambda d: d.__setitem__("schema", "other"), "not a layerscope baseline"),
        (lambda d: d.__setitem__("version", "1"), 'b.json: version: expected an integer, got "1"'),
        (lambda d: d.__setitem__("version", True), "b.json: version: expected an integer, got true"),
        (lambda d: d["totals"].__setitem__("layers", True), "'totals.layers' must be a non-negative integer"),
        (lambda d: d.__setitem__("version", 2), "unsupported baseline schema version 2"),
        (lambda d: d["layers"][1].__setitem__("index", 5), "'layers[1].index' must be 1"),
        (lambda d: d["layers"][0].__setitem__("size", True), "'layers[0].size' must be a non-negative integer"),
        (lambda d: d["layers"][0].__setitem__("compressed_size", -1), "or null"),
        (lambda d: d["totals"].__setitem__("efficiency", "x"), "'totals.efficiency' must be a finite number"),
        (lambda d: d["image"].pop("name"), "'image.name' is missing"),
        (lambda d: d.__setitem__("files", []), "'files' must be an object"),
        (lambda d: d["totals"].__setitem__("compressed_size", 5), "totals.compressed_size"),
    ],
)
def test_validation_messages_name_the_field(edit, needle):
    doc = json.loads(dumps_baseline(sample()))
    edit(doc)
    with pytest.raises(BaselineError) as e:
        from_baseline_dict(doc, "base: baseline b.json")
    msg = str(e.value)
    assert msg.startswith("base: baseline b.json: ") and needle in msg and "\n" not in msg
    assert e.value.exit_code == 2


# ------------------------------------------------------------------ load_baseline: hostile files
from layerscope.report import model as _model  # noqa: E402
from layerscope.report.model import load_baseline  # noqa: E402


def _write_doc(tmp_path, text: str):  # noqa: ANN001, ANN202
    p = tmp_path / "base.json"
    p.write_text(text)
    return p


def _load_error(path) -> str:  # noqa: ANN001
    with pytest.raises(BaselineError) as e:
        load_baseline(str(path), "base")
    msg = str(e.value)
    assert "\n" not in msg and e.value.exit_code == 2
    return msg


@pytest.mark.parametrize("where", ["totals.size", "layers[0].size", "version"])
def test_5000_digit_integer_is_a_located_error(tmp_path, where):
    """json.loads raises ValueError past 4300 digits (Python's conversion limit), not
    JSONDecodeError: it used to escape as an internal error."""
    doc = json.loads(dumps_baseline(sample()))
    marker = 424242424242
    if where == "version":
        doc["version"] = marker
    elif where == "totals.size":
        doc["totals"]["size"] = marker
    else:
        doc["layers"][0]["size"] = marker
    path = _write_doc(tmp_path, json.dumps(doc).replace(str(marker), "9" * 5000))
    msg = _load_error(path)
    assert msg.startswith(f"base: baseline {path}: ") and where in msg and "5000 digits" in msg


def test_version_true_is_refused(tmp_path):
    doc = json.loads(dumps_baseline(sample()))
    doc["version"] = True  # True == 1 in Python: it used to pass
    msg = _load_error(_write_doc(tmp_path, json.dumps(doc)))
    assert msg.endswith("base.json: version: expected an integer, got true")


def test_deep_nesting_is_a_located_error(tmp_path):
    msg = _load_error(_write_doc(tmp_path, "[" * 200_000 + "]" * 200_000))
    assert "base.json: corrupt baseline JSON (nested too deeply)" in msg


def test_size_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(_model, "MAX_BASELINE_BYTES", 1 << 10)
    path = _write_doc(tmp_path, dumps_baseline(sample()) + " " * (1 << 10))
    assert "larger than" in _load_error(path)
