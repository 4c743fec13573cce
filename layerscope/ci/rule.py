"""What a rule is, what it says, and how a set of rules becomes one verdict.

dive models a CI rule as an interface (``runtime/ci/rule.go``: ``Key``, ``Configuration``,
``Validate``, ``Evaluate``) and runs every rule through one evaluator
(``runtime/ci/evaluator.go``).  layerscope does the same for all of its rule sets, so each face
(the CI text, JUnit, markdown, GitHub annotations, the UI's Image Details, the diff report)
reads one result type with one :class:`Status`, whichever set a rule comes from:

* dive's three rules (:mod:`.evaluate`), on a dive-compatible analysis;
* the ``layerscope:`` section of ``.dive-ci`` (:mod:`.extra_rules`), on the image;
* the growth gates of ``layerscope diff`` (:mod:`layerscope.report.gates`), on a comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol, TypeVar

from .rules import RuleValueError

DISABLED = "disabled"  # the configured value that switches any rule off, as in dive


class Status(str, Enum):
    """A rule's outcome: dive's ``RuleStatus`` values, minus its internal ``RuleUnknown``.

    A ``str`` enum written out rather than ``enum.StrEnum``, which Python 3.10 (still
    supported) lacks: members compare equal to, print as and format as their value.

    The value is the lower-case spelling that layerscope's own reports (the diff JSON and
    markdown) print; :attr:`label` is dive's upper-case one (its CI text, the step summary).
    ``CONFIGURED`` is dive's state of a rule that was not evaluated because another rule of
    the set is misconfigured.
    """

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    MISCONFIGURED = "misconfigured"
    CONFIGURED = "configured"

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @property
    def label(self) -> str:
        """dive's spelling: ``PASS``, ``FAIL``, ``SKIP``, ``MISCONFIGURED``..."""
        return self.name


@dataclass(frozen=True, slots=True)
class RuleResult:
    """What one rule said.  ``threshold`` is the rule's configured value as written (``0.9``,
    ``disabled``, ``10 MB``); ``value`` is what was measured, human readable, for faces that
    show it next to the threshold (empty where a face does not)."""

    key: str
    status: Status
    message: str = ""
    threshold: str = ""
    value: str = ""

    @property
    def name(self) -> str:
        """The reports call a gate's key its name."""
        return self.key


A = TypeVar("A", contravariant=True)


class Rule(Protocol[A]):
    """One rule over an analysis of type ``A`` (dive's ``CiRule``)."""

    @property
    def key(self) -> str:
        """The rule's name, as configured and as printed."""
        ...

    @property
    def configuration(self) -> str:
        """The configured value as written; :data:`DISABLED` switches the rule off."""
        ...

    def validate(self) -> None:
        """Raise :class:`RuleValueError` (dive's message) when the value cannot be used."""
        ...

    def evaluate(self, analysis: A) -> RuleResult:
        """The outcome on ``analysis``; only called on a valid, enabled rule."""
        ...


@dataclass(slots=True)
class Verdict:
    """The results of one rule set and whether it passed (dive's ``Pass`` and ``Misconfigured``)."""

    results: list[RuleResult] = field(default_factory=list)
    misconfigured: bool = False
    passed: bool = True

    @classmethod
    def of(cls, results: list[RuleResult]) -> Verdict:
        """A verdict whose flags follow from its results: misconfigured when any result is,
        passed when it is not and no rule failed."""
        misconfigured = any(r.status == Status.MISCONFIGURED for r in results)
        failed = any(r.status == Status.FAIL for r in results)
        return cls(results, misconfigured, not misconfigured and not failed)

    def _count(self, status: Status) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def n_pass(self) -> int:
        return self._count(Status.PASS)

    @property
    def n_fail(self) -> int:
        return self._count(Status.FAIL)

    @property
    def n_skip(self) -> int:
        return self._count(Status.SKIP)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.status == Status.FAIL]

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def _configured(rule: Rule[A]) -> RuleResult:
    """dive's first pass over one rule: disabled, misconfigured, or ready to test."""
    value = rule.configuration
    if value == DISABLED:
        return RuleResult(rule.key, Status.CONFIGURED, "rule disabled", value)
    try:
        rule.validate()
    except RuleValueError as e:
        return RuleResult(rule.key, Status.MISCONFIGURED, str(e), value)
    return RuleResult(rule.key, Status.CONFIGURED, "test", value)


def _by_key(results: dict[str, RuleResult]) -> list[RuleResult]:
    """Results in key order, as dive prints them (it sorts its result map's keys)."""
    return [results[k] for k in sorted(results)]


def evaluate_rules(rules: Sequence[Rule[A]], analysis: A) -> Verdict:
    """dive's evaluator: validate every rule first; if any is misconfigured, evaluate none (the
    others stay ``CONFIGURED``); otherwise a disabled rule is ``SKIP`` and the rest are
    evaluated.  A later rule with an earlier rule's key replaces it, as in dive's result map."""
    first = {rule.key: _configured(rule) for rule in rules}
    if any(r.status == Status.MISCONFIGURED for r in first.values()):
        return Verdict(_by_key(first), misconfigured=True, passed=False)
    results: dict[str, RuleResult] = {}
    for rule in rules:
        if rule.configuration == DISABLED:
            results[rule.key] = RuleResult(rule.key, Status.SKIP, "rule disabled", rule.configuration)
        else:
            results[rule.key] = rule.evaluate(analysis)
    return Verdict.of(_by_key(results))
