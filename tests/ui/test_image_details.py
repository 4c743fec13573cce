"""Image Details' CI section: each rule's status, measured figure and threshold, as ``--ci`` decides."""

from __future__ import annotations

import math

from layerscope.analysis.dive_efficiency import DiveEfficiency
from layerscope.ci.evaluate import evaluate
from layerscope.ci.rules import RuleSet
from layerscope.image import Image
from layerscope.ui.widgets.image_details import image_details_text


def ci_lines(a: DiveEfficiency, **values: str) -> list[str]:
    rules = RuleSet(
        {"lowestEfficiency": "0.9", "highestWastedBytes": "disabled", "highestUserWastedPercent": "0.1", **values}, None
    )
    text = image_details_text(Image("img", "docker-archive", []), a, evaluate(rules, a), None, None).plain
    return text.split("CI rules (defaults):\n")[1].splitlines()


def test_each_rule_shows_its_figure_against_its_threshold():
    a = DiveEfficiency(0.95, 2_000_000, 0.25, 10_000_000, 8_000_000, [])
    assert ci_lines(a, highestWastedBytes="1MB") == [
        "  FAIL highestUserWastedPercent: user wasted 0.25 (threshold ≤ 0.1)",
        "  FAIL highestWastedBytes: wasted 2.0 MB (threshold ≤ 1MB)",
        "  PASS lowestEfficiency: efficiency 0.95 (threshold ≥ 0.9)",
        "  Result: FAIL",
    ]


def test_disabled_nan_and_misconfigured_rules():
    a = DiveEfficiency(1.0, 0, math.nan, 0, 0, [])
    assert ci_lines(a) == [
        "  PASS highestUserWastedPercent: user wasted NaN (threshold ≤ 0.1)",
        "  SKIP highestWastedBytes: disabled",
        "  PASS lowestEfficiency: efficiency 1 (threshold ≥ 0.9)",
        "  Result: PASS",
    ]
    assert ci_lines(a, lowestEfficiency="2") == [
        "  CONFIGURED highestUserWastedPercent: user wasted NaN (threshold ≤ 0.1)",
        "  CONFIGURED highestWastedBytes: wasted 0 B (threshold ≤ disabled)",
        "  MISCONFIGURED lowestEfficiency: lowestEfficiency config value is outside allowed range (0-1), given '2'",
        "  CI misconfigured",
    ]
