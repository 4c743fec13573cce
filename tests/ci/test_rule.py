"""The one rule model: statuses, results, and dive's two-pass evaluator (``runtime/ci/evaluator.go``).

The evaluator's contract is dive 0.13.1's: every rule is validated first; one misconfigured
rule stops the evaluation (the others are listed as ``CONFIGURED``, none is evaluated); a rule
configured as ``disabled`` is skipped; results come sorted by key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from layerscope.analysis.dive_efficiency import DiveEfficiency
from layerscope.ci.evaluate import DIVE_RULES, dive_rules, evaluate
from layerscope.ci.extra_rules import Forbid, parse_section, section_rules
from layerscope.ci.rule import DISABLED, RuleResult, Status, Verdict, evaluate_rules
from layerscope.ci.rules import DEFAULTS, RULE_KEYS, RuleSet, RuleValueError

S = Status


@dataclass(frozen=True)
class Probe:
    """A rule that records whether it was evaluated and answers a fixed status."""

    key: str
    configuration: str = "x"
    answer: Status = Status.PASS
    bad: str = ""  # validation error message, when set

    def validate(self) -> None:
        if self.bad:
            raise RuleValueError(self.bad)

    def evaluate(self, analysis: list[str]) -> RuleResult:
        analysis.append(self.key)
        return RuleResult(self.key, self.answer, "said so" if self.answer == S.FAIL else "", self.configuration)


def test_status_has_one_value_per_outcome_and_dive_labels():
    assert [s.value for s in Status] == ["pass", "fail", "warn", "skip", "misconfigured", "configured"]
    assert [s.label for s in Status] == ["PASS", "FAIL", "WARN", "SKIP", "MISCONFIGURED", "CONFIGURED"]
    # the reports' JSON writes the value, as it always wrote the gate status
    assert json.dumps({"status": Status.SKIP}) == '{"status": "skip"}'


def test_results_are_sorted_by_key_and_tallied():
    seen: list[str] = []
    rules = [Probe("b", answer=S.FAIL), Probe("c"), Probe("a", configuration=DISABLED)]
    v = evaluate_rules(rules, seen)
    assert [(r.key, r.status, r.message) for r in v.results] == [
        ("a", S.SKIP, "rule disabled"),
        ("b", S.FAIL, "said so"),
        ("c", S.PASS, ""),
    ]
    assert seen == ["b", "c"]  # a disabled rule is never evaluated
    assert (v.total, v.n_pass, v.n_fail, v.n_skip) == (3, 1, 1, 1)
    assert not v.misconfigured and not v.passed and v.exit_code == 1
    assert [r.key for r in v.failed] == ["b"]


def test_one_misconfigured_rule_stops_the_evaluation():
    seen: list[str] = []
    rules = [Probe("z"), Probe("m", bad="invalid config value"), Probe("d", configuration=DISABLED)]
    v = evaluate_rules(rules, seen)
    assert seen == []
    assert [(r.key, r.status, r.message) for r in v.results] == [
        ("d", S.CONFIGURED, "rule disabled"),
        ("m", S.MISCONFIGURED, "invalid config value"),
        ("z", S.CONFIGURED, "test"),
    ]
    assert v.misconfigured and not v.passed and v.exit_code == 1


def test_verdict_of_follows_its_results():
    assert Verdict.of([RuleResult("a", S.PASS), RuleResult("b", S.SKIP)]).passed
    v = Verdict.of([RuleResult("a", S.MISCONFIGURED, "bad")])
    assert v.misconfigured and not v.passed
    assert Verdict.of([]).passed


def test_dive_rules_are_dives_three_in_dives_order():
    rules = dive_rules(RuleSet(dict(DEFAULTS), None))
    assert tuple(r.key for r in rules) == RULE_KEYS == tuple(DIVE_RULES)
    assert [r.configuration for r in rules] == ["0.9", "disabled", "0.1"]


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("lowestEfficiency", "1.5", "lowestEfficiency config value is outside allowed range (0-1), given '1.5'"),
        ("highestWastedBytes", "12XB", "invalid config value ('12XB'): unhandled size name: xb"),
    ],
)
def test_a_bad_dive_value_is_misconfigured_with_dives_words(key, value, message):
    values = dict(DEFAULTS, **{key: value})
    v = evaluate(RuleSet(values, None), DiveEfficiency(1.0, 0, 0.0, 0, 0, []))
    assert v.misconfigured
    assert [(r.key, r.status.label, r.message) for r in v.results if r.key == key] == [(key, "MISCONFIGURED", message)]


def test_dive_rule_results_carry_the_configured_value():
    # efficiency 0.5 < 0.9 fails; 3 wasted bytes ≤ 1kB passes; user-wasted 0.25 > 0.1 fails
    a = DiveEfficiency(0.5, 3, 0.25, 100, 12, [])
    v = evaluate(RuleSet(dict(DEFAULTS, highestWastedBytes="1kB"), None), a)
    assert [(r.key, r.status, r.threshold) for r in v.results] == [
        ("highestUserWastedPercent", S.FAIL, "0.1"),
        ("highestWastedBytes", S.PASS, "1kB"),
        ("lowestEfficiency", S.FAIL, "0.9"),
    ]
    assert (v.n_pass, v.n_fail, v.n_skip) == (1, 2, 0)


def test_a_forbid_glob_spelled_disabled_is_a_glob():
    assert Forbid(()).configuration == DISABLED
    assert Forbid(("disabled",)).configuration != DISABLED


def test_a_misconfigured_section_lists_only_its_problems():
    section = parse_section({"layerscope": {"maxImageSize": "bogus", "Foo": 1, "maxLayerSize": "1MB"}})
    assert section is not None
    rules = section_rules(section)
    assert sorted(r.key for r in rules) == ["Foo", "maxImageSize"]


def test_forbid_of_a_path_named_disabled_is_evaluated(ci):
    r = ci("--ci", "img.tar", dive_ci="layerscope:\n  forbid: ['disabled']\n")
    assert "  PASS: forbid\n" in r.out and "SKIP" not in r.out.split("layerscope rules:")[1]
    r = ci("--ci", "img.tar", dive_ci="layerscope:\n  forbid: []\n")
    assert "  \x1b[34mSKIP\x1b[0m: forbid: rule disabled\n" in r.out
