"""Gate parsing and evaluation on hand-built snapshots (sizes in decimal units, strict limits)."""

from __future__ import annotations

import io

import pytest

from layerscope.errors import LayerscopeError
from layerscope.report import terminal
from layerscope.report.compare import compare
from layerscope.report.gates import build_config, evaluate_gates
from layerscope.report.model import LayerSummary, Snapshot


def snap(*sizes: int) -> Snapshot:
    layers = [LayerSummary(i, f"d{i}-{s}", f"RUN {i}", s) for i, s in enumerate(sizes)]
    return Snapshot(
        "x", "docker-archive", layers, {f"/f{i}": s for i, s in enumerate(sizes)}, 1.0, 0, sum(sizes), sum(sizes[1:])
    )


def gate(base, head, **kw):
    cfg = build_config(kw.get("inc"), kw.get("pct"), kw.get("size"), None, kw.get("rules", {}))
    return evaluate_gates(cfg, compare(base, head))


def test_percent_from_an_empty_base_is_infinite():
    v = gate(snap(), snap(1), pct="1000")
    assert [(r.name, r.status, r.value) for r in v.results] == [("max-increase-percent", "fail", "+∞%")]
    assert gate(snap(), snap(), pct="0").passed


def test_shrinking_passes_every_growth_gate():
    v = gate(snap(5_000_000), snap(1_000), inc="0", pct="0", size="1kB")
    assert v.passed and [r.status for r in v.results] == ["pass", "pass", "pass"]


def test_sizes_are_decimal_like_dive_ci():
    assert gate(snap(0), snap(10_000_000), inc="10MB").passed
    assert not gate(snap(0), snap(10_000_001), inc="10MB").passed
    assert not gate(snap(0), snap(10_003_416), inc="9.54MiB").passed  # 9.54 × 1,048,576 = 10,003,415.04 B
    assert gate(snap(0), snap(10_003_415), inc="9.54MiB").passed


def test_rules_without_ci_config_use_dive_defaults_for_the_rest():
    v = gate(snap(1), snap(1), rules={"highestWastedBytes": "1kB"})
    assert {r.name: (r.status, r.threshold) for r in v.results} == {
        "highestUserWastedPercent": ("pass", "0.1"),
        "highestWastedBytes": ("pass", "1kB"),
        "lowestEfficiency": ("pass", "0.9"),
    }


@pytest.mark.parametrize(
    "kw,needle",
    [
        ({"inc": "lots"}, "--max-increase"),
        ({"size": "-1"}, "--max-size"),
        ({"pct": "nan"}, "--max-increase-percent"),
        ({"rules": {"lowestEfficiency": "1.5"}}, "outside allowed range"),
    ],
)
def test_bad_gate_values(kw, needle):
    with pytest.raises(LayerscopeError) as e:
        gate(snap(1), snap(1), **kw)
    assert needle in str(e.value) and e.value.exit_code == 2


def test_terminal_report_carries_the_verdict_and_numbers():
    base, head = snap(1_000, 2_000), snap(1_000, 14_000)
    cfg = build_config("10kB", None, None, None, {})
    cmp = compare(base, head)
    buf = io.StringIO()
    terminal.render(cmp, evaluate_gates(cfg, cmp), buf, color=False, width=150)
    out = buf.getvalue()
    assert out.splitlines()[0].startswith("❌ Gate failed: max-increase")
    assert "+12 kB" in out and "/f1" in out and "FAIL" in out and "\x1b[" not in out
