"""The baseline file: lossless round trip of a snapshot, and validation of what is read."""

from __future__ import annotations

import json

import pytest

from layerscope.analysis.dive_efficiency import InefficientFile
from layerscope.report.model import BaselineError, LayerSummary, Snapshot, dumps_baseline, from_baseline_dict


def sample() -> Snapshot:
    return Snapshot(
        name="app.tar", source="docker-archive",
        layers=[LayerSummary(0, "sha256:aa", "ADD x /", 1_000, 400, "2024-01-01T00:00:00Z"),
                LayerSummary(1, "sha256:bb", "RUN y", 234, None)],
        files={"/etc/\udcffraw": 1_000, "/app/é.txt": 200, "/app/link": 0, "/app/x": 34},
        efficiency=0.8312345678901234, wasted_bytes=468, dive_size=1_234, dive_user_size=234,
        inefficient_files=[InefficientFile("/app/x", 2, 468)], tags=["app:1"], layout="docker-save",
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


@pytest.mark.parametrize("edit,needle", [
    (lambda d: d.__setitem__("schema", "other"), "not a layerscope baseline"),
    (lambda d: d.__setitem__("version", "1"), 'unsupported baseline schema version "1"'),
    (lambda d: d.__setitem__("version", 2), "unsupported baseline schema version 2"),
    (lambda d: d["layers"][1].__setitem__("index", 5), "'layers[1].index' must be 1"),
    (lambda d: d["layers"][0].__setitem__("size", True), "'layers[0].size' must be a non-negative integer"),
    (lambda d: d["layers"][0].__setitem__("compressed_size", -1), "or null"),
    (lambda d: d["totals"].__setitem__("efficiency", "x"), "'totals.efficiency' must be a finite number"),
    (lambda d: d["image"].pop("name"), "'image.name' is missing"),
    (lambda d: d.__setitem__("files", []), "'files' must be an object"),
    (lambda d: d["totals"].__setitem__("compressed_size", 5), "totals.compressed_size"),
])
def test_validation_messages_name_the_field(edit, needle):
    doc = json.loads(dumps_baseline(sample()))
    edit(doc)
    with pytest.raises(BaselineError) as e:
        from_baseline_dict(doc, "base: baseline b.json")
    msg = str(e.value)
    assert msg.startswith("base: baseline b.json: ") and needle in msg and "\n" not in msg
    assert e.value.exit_code == 2
