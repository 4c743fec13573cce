"""dive's three CI rules as rule objects, and their verdict on a dive-compatible analysis.

Each rule is dive 0.13.1's (``runtime/ci/rules.go``): its key, the value it was configured
with, the validation that makes a bad value a misconfiguration with dive's wording, and the
comparison with dive's failure message.  A rule also says how the faces that show the measured
figure next to the threshold (Image Details, the diff report) should label it, so no face has
to switch on rule keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..analysis.dive_efficiency import DiveEfficiency
from ..golang.strconv import go_g
from .rule import RuleResult, Status, Verdict, evaluate_rules
from .rules import RULE_KEYS, RuleSet, parse_ratio, parse_size

__all__ = [
    "CONFIGURED",
    "DIVE_RULES",
    "FAIL",
    "MISCONFIGURED",
    "PASS",
    "SKIP",
    "DiveRule",
    "RuleResult",
    "Verdict",
    "dive_rules",
    "evaluate",
]

# The statuses under the names the CI code has always used.
PASS, FAIL, SKIP = Status.PASS, Status.FAIL, Status.SKIP
MISCONFIGURED, CONFIGURED = Status.MISCONFIGURED, Status.CONFIGURED


@dataclass(frozen=True, slots=True)
class DiveRule:
    """One of dive's rules with its configured value (still a string, as dive keeps it)."""

    configuration: str
    key: ClassVar[str]
    label: ClassVar[str]  # what the measured figure is called next to the threshold
    bound: ClassVar[str]  # how the figure must relate to the threshold to pass
    in_bytes: ClassVar[bool]  # the figure is a byte count (else a ratio)

    def measure(self, a: DiveEfficiency) -> float:
        """The figure this rule compares with its threshold."""
        raise NotImplementedError

    def validate(self) -> None:
        self.threshold()

    def threshold(self) -> float:
        """The parsed configured value; raises ``RuleValueError`` with dive's message."""
        return parse_ratio(self.key, self.configuration)

    def evaluate(self, analysis: DiveEfficiency) -> RuleResult:
        message = self.failure(analysis)
        status = FAIL if message else PASS
        return RuleResult(self.key, status, message, self.configuration)

    def failure(self, a: DiveEfficiency) -> str:
        """dive's message when the rule fails on ``a``, else the empty string."""
        raise NotImplementedError


class LowestEfficiency(DiveRule):
    key = "lowestEfficiency"
    label = "efficiency"
    bound = "≥"
    in_bytes = False

    def measure(self, a: DiveEfficiency) -> float:
        return a.efficiency

    def failure(self, a: DiveEfficiency) -> str:
        t = self.threshold()
        if t > a.efficiency:
            return f"image efficiency is too low (efficiency={go_g(a.efficiency)} < threshold={go_g(t)})"
        return ""


class HighestWastedBytes(DiveRule):
    key = "highestWastedBytes"
    label = "wasted"
    bound = "≤"
    in_bytes = True

    def threshold(self) -> float:
        return parse_size(self.configuration)

    def measure(self, a: DiveEfficiency) -> float:
        return a.wasted_bytes

    def failure(self, a: DiveEfficiency) -> str:
        t = parse_size(self.configuration)
        if a.wasted_bytes > t:
            return f"too many bytes wasted (wasted-bytes={a.wasted_bytes} > threshold={t})"
        return ""


class HighestUserWastedPercent(DiveRule):
    key = "highestUserWastedPercent"
    label = "user wasted"
    bound = "≤"
    in_bytes = False

    def measure(self, a: DiveEfficiency) -> float:
        return a.user_wasted_percent

    def failure(self, a: DiveEfficiency) -> str:
        t = self.threshold()
        if t < a.user_wasted_percent:
            return (
                "too many bytes wasted, relative to the user bytes added "
                f"(%-user-wasted-bytes={go_g(a.user_wasted_percent)} > threshold={go_g(t)})"
            )
        return ""


DIVE_RULES: dict[str, type[DiveRule]] = {
    cls.key: cls for cls in (LowestEfficiency, HighestWastedBytes, HighestUserWastedPercent)
}


def dive_rules(rules: RuleSet) -> list[DiveRule]:
    """dive's rules with the values ``rules`` gives them, in dive's order."""
    return [DIVE_RULES[key](rules.values[key]) for key in RULE_KEYS]


def evaluate(rules: RuleSet, analysis: DiveEfficiency) -> Verdict:
    """dive's verdict: results sorted by key, as dive prints them."""
    return evaluate_rules(dive_rules(rules), analysis)
