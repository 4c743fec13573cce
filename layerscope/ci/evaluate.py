"""Apply dive's rules to a dive-compatible analysis: statuses, messages, tally (dive 0.13.1)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analysis.dive_efficiency import DiveEfficiency
from ..export.gofmt import go_g
from .rules import RULE_KEYS, RuleSet, RuleValueError, parse_ratio, parse_size

PASS, FAIL, SKIP, MISCONFIGURED, CONFIGURED = "PASS", "FAIL", "SKIP", "MISCONFIGURED", "CONFIGURED"


@dataclass(slots=True)
class RuleResult:
    key: str
    status: str
    message: str = ""
    value: str = ""  # the configured value, for UIs and reports


@dataclass(slots=True)
class Verdict:
    results: list[RuleResult]  # sorted by key, as dive prints them
    misconfigured: bool
    passed: bool
    total: int = 0
    n_pass: int = 0
    n_fail: int = 0
    n_skip: int = 0
    rules: RuleSet | None = field(default=None, repr=False)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def _validate(key: str, value: str) -> None:
    if key == "highestWastedBytes":
        parse_size(value)
    else:
        parse_ratio(key, value)


def _evaluate(key: str, value: str, a: DiveEfficiency) -> tuple[str, str]:
    if key == "lowestEfficiency":
        t = parse_ratio(key, value)
        if t > a.efficiency:
            return FAIL, f"image efficiency is too low (efficiency={go_g(a.efficiency)} < threshold={go_g(t)})"
    elif key == "highestWastedBytes":
        t = parse_size(value)
        if a.wasted_bytes > t:
            return FAIL, f"too many bytes wasted (wasted-bytes={a.wasted_bytes} > threshold={t})"
    else:
        t = parse_ratio(key, value)
        if t < a.user_wasted_percent:
            return FAIL, (
                "too many bytes wasted, relative to the user bytes added "
                f"(%-user-wasted-bytes={go_g(a.user_wasted_percent)} > threshold={go_g(t)})"
            )
    return PASS, ""


def evaluate(rules: RuleSet, analysis: DiveEfficiency) -> Verdict:
    results: dict[str, RuleResult] = {}
    can_evaluate = True
    for key in RULE_KEYS:
        value = rules.values[key]
        if value == "disabled":
            results[key] = RuleResult(key, CONFIGURED, "rule disabled", value)
            continue
        try:
            _validate(key, value)
            results[key] = RuleResult(key, CONFIGURED, "test", value)
        except RuleValueError as e:
            results[key] = RuleResult(key, MISCONFIGURED, str(e), value)
            can_evaluate = False
    ordered = lambda: [results[k] for k in sorted(results)]  # noqa: E731
    if not can_evaluate:
        return Verdict(ordered(), misconfigured=True, passed=False, rules=rules)
    passed = True
    for key in RULE_KEYS:
        value = rules.values[key]
        if value == "disabled":
            results[key] = RuleResult(key, SKIP, "rule disabled", value)
            continue
        status, message = _evaluate(key, value, analysis)
        if status == FAIL:
            passed = False
        results[key] = RuleResult(key, status, message, value)
    rs = ordered()
    return Verdict(
        rs, misconfigured=False, passed=passed, total=len(rs),
        n_pass=sum(r.status == PASS for r in rs), n_fail=sum(r.status == FAIL for r in rs),
        n_skip=sum(r.status == SKIP for r in rs), rules=rules,
    )
