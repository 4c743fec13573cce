"""Growth gates and dive's rules on HEAD → one verdict for the report and the exit code.

Gates are all optional.  Sizes parse as ``.dive-ci`` sizes do (go-humanize, decimal units:
``10MB`` = 10,000,000 bytes); comparisons are strict like dive's (equal to the limit passes).
The size gates use the uncompressed (content) size: it is what the layer sizes add up to,
and it is known for every source, unlike the compressed download size.

A gate that cannot be configured (a bad size, a misconfigured dive rule, a missing
``--ci-config`` file) is an input error raised before any image is read, never a failed gate.

Each growth gate is a rule object (:class:`layerscope.ci.rule.Rule`) over the comparison, and
every result is a :class:`layerscope.ci.rule.RuleResult`, as for the CI rules.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from typing import ClassVar

from ..analysis.dive_efficiency import DiveEfficiency
from ..ci.evaluate import DIVE_RULES, evaluate
from ..ci.rule import Rule, RuleResult, Status, Verdict
from ..ci.rules import DEFAULTS, RULE_KEYS, RuleSet, load_rules
from ..errors import ConfigError
from ..golang.humanize import go_parse_bytes, humanize_bytes
from ..golang.strconv import GoValueError, go_parse_float
from .compare import Comparison

# The statuses under the names the report modules use (the value is the reports' spelling).
GATE_PASS, GATE_FAIL, GATE_SKIP = Status.PASS, Status.FAIL, Status.SKIP
# A gate's result is a rule result: ``name`` (its key), ``status``, ``threshold`` (as
# configured), ``value`` (what was measured, human readable), ``message`` (why it failed).
__all__ = [
    "GATE_FAIL",
    "GATE_PASS",
    "GATE_SKIP",
    "GateConfig",
    "Verdict",
    "build_config",
    "evaluate_gates",
    "parse_percent_option",
    "parse_size_option",
]


@dataclass(slots=True)
class GateConfig:
    max_increase: int | None = None
    max_increase_percent: float | None = None
    max_size: int | None = None
    rules: RuleSet | None = None  # dive's rules, when asked for
    max_package_increase: int | None = None

    @property
    def any(self) -> bool:
        return (
            self.max_increase is not None
            or self.max_increase_percent is not None
            or self.max_size is not None
            or self.rules is not None
            or self.max_package_increase is not None
        )


def parse_size_option(flag: str, text: str) -> int:
    try:
        return go_parse_bytes(text.strip())
    except GoValueError as e:
        raise ConfigError(f"invalid {flag} {text!r}: {e}") from None


def parse_percent_option(flag: str, text: str) -> float:
    try:
        value = go_parse_float(text.strip().rstrip("%"))
    except GoValueError as e:
        raise ConfigError(f"invalid {flag} {text!r}: {e}") from None
    if math.isnan(value) or value < 0:
        raise ConfigError(f"invalid {flag} {text!r}: must be a number ≥ 0")
    return value


def build_config(
    max_increase: str | None,
    max_increase_percent: str | None,
    max_size: str | None,
    ci_config: str | None,
    rule_flags: dict[str, str | None],
    max_package_increase: str | None = None,
) -> GateConfig:
    """Parse and validate every gate up front; dive's rules only when asked for."""
    cfg = GateConfig()
    if max_package_increase is not None:
        cfg.max_package_increase = parse_size_option("--max-package-increase", max_package_increase)
    if max_increase is not None:
        cfg.max_increase = parse_size_option("--max-increase", max_increase)
    if max_increase_percent is not None:
        cfg.max_increase_percent = parse_percent_option("--max-increase-percent", max_increase_percent)
    if max_size is not None:
        cfg.max_size = parse_size_option("--max-size", max_size)
    flags = {k: v for k, v in rule_flags.items() if v is not None}
    if ci_config is not None or flags:
        if ci_config is not None and not os.path.isfile(ci_config):
            raise ConfigError(f"--ci-config {ci_config}: no such file")
        if ci_config is not None:
            rules = load_rules(ci_config, flags)
        else:  # only the flags (and dive's defaults) count, not a stray .dive-ci in the cwd
            rules = RuleSet({k: flags[k] if k in flags else DEFAULTS[k] for k in RULE_KEYS}, None)
        probe = evaluate(rules, _ZERO)
        if probe.misconfigured:
            bad = next(r for r in probe.results if r.status == Status.MISCONFIGURED)
            raise ConfigError(f"dive rule misconfigured: {bad.key}: {bad.message}")
        cfg.rules = rules
    return cfg


# A neutral analysis, only to let dive's evaluator validate the rule values before any image is read.
_ZERO = DiveEfficiency(1.0, 0, 0.0, 0, 0, [])


def _signed(n: int) -> str:
    return ("+" if n > 0 else "-" if n < 0 else "±") + humanize_bytes(abs(n))


@dataclass(frozen=True, slots=True)
class MaxIncrease:
    """HEAD may grow by at most ``limit`` bytes over the base."""

    limit: int
    key: ClassVar[str] = "max-increase"

    @property
    def configuration(self) -> str:
        return humanize_bytes(self.limit)

    def validate(self) -> None:
        """Parsed and checked by :func:`build_config`."""

    def evaluate(self, analysis: Comparison) -> RuleResult:
        delta = int(analysis.totals["size"].delta or 0)
        fail = delta > self.limit
        message = (
            f"grew {_signed(delta)} ({delta} bytes) > {humanize_bytes(self.limit)} ({self.limit} bytes)" if fail else ""
        )
        return RuleResult(self.key, GATE_FAIL if fail else GATE_PASS, message, self.configuration, _signed(delta))


@dataclass(frozen=True, slots=True)
class MaxIncreasePercent:
    """HEAD may grow by at most ``limit`` percent of the base; from an empty base any growth
    is an infinite increase."""

    limit: float
    key: ClassVar[str] = "max-increase-percent"

    @property
    def configuration(self) -> str:
        return f"{self.limit:g}%"

    def validate(self) -> None:
        """Parsed and checked by :func:`build_config`."""

    def evaluate(self, analysis: Comparison) -> RuleResult:
        size = analysis.totals["size"]
        delta = int(size.delta or 0)
        pct = size.percent
        if pct is None:  # base was empty: any growth is an infinite increase
            pct = math.inf if delta > 0 else 0.0
        fail = pct > self.limit
        shown = "+∞%" if math.isinf(pct) else f"{pct:+.2f}%"
        message = f"grew {shown} > {self.configuration}" if fail else ""
        return RuleResult(self.key, GATE_FAIL if fail else GATE_PASS, message, self.configuration, shown)


@dataclass(frozen=True, slots=True)
class MaxSize:
    """HEAD's uncompressed size may be at most ``limit`` bytes."""

    limit: int
    key: ClassVar[str] = "max-size"

    @property
    def configuration(self) -> str:
        return humanize_bytes(self.limit)

    def validate(self) -> None:
        """Parsed and checked by :func:`build_config`."""

    def evaluate(self, analysis: Comparison) -> RuleResult:
        size = analysis.head.size
        fail = size > self.limit
        message = (
            f"head is {humanize_bytes(size)} ({size} bytes) > {humanize_bytes(self.limit)} ({self.limit} bytes)"
            if fail
            else ""
        )
        return RuleResult(self.key, GATE_FAIL if fail else GATE_PASS, message, self.configuration, humanize_bytes(size))


@dataclass(frozen=True, slots=True)
class MaxPackageIncrease:
    """No single package may grow by more than ``limit`` bytes (an added package grows from 0).

    Skipped when either side has no package list (a baseline of an older layerscope): a gate
    that cannot measure neither passes nor fails silently."""

    limit: int
    key: ClassVar[str] = "max-package-increase"

    @property
    def configuration(self) -> str:
        return humanize_bytes(self.limit)

    def validate(self) -> None:
        """Parsed and checked by :func:`build_config`."""

    def evaluate(self, analysis: Comparison) -> RuleResult:
        pk = analysis.packages
        if not pk.known:
            return RuleResult(self.key, Status.SKIP, f"packages {pk.note}", self.configuration, "n/a")
        top = pk.biggest_growth()
        if top is None:
            return RuleResult(self.key, Status.PASS, "", self.configuration, "no package grew")
        grew = top.growth
        value = _signed(grew)  # the name (image-controlled) only in the message, which every renderer escapes
        fail = grew > self.limit
        message = (
            f"{top.ecosystem} package {top.name} {top.kind} {_signed(grew)} ({grew} bytes) > "
            f"{humanize_bytes(self.limit)} ({self.limit} bytes)"
            if fail
            else ""
        )
        return RuleResult(self.key, Status.FAIL if fail else Status.PASS, message, self.configuration, value)


def growth_gates(cfg: GateConfig) -> list[Rule[Comparison]]:
    """The configured growth gates, in the order the reports list them."""
    gates: list[Rule[Comparison]] = []
    if cfg.max_increase is not None:
        gates.append(MaxIncrease(cfg.max_increase))
    if cfg.max_increase_percent is not None:
        gates.append(MaxIncreasePercent(cfg.max_increase_percent))
    if cfg.max_size is not None:
        gates.append(MaxSize(cfg.max_size))
    if cfg.max_package_increase is not None:
        gates.append(MaxPackageIncrease(cfg.max_package_increase))
    return gates


def _dive_gate(r: RuleResult, head: DiveEfficiency) -> RuleResult:
    """A dive rule's result as a gate: the measured figure added, a message only on failure,
    and anything but pass or skip (never reached: :func:`build_config` refuses a
    misconfigured rule) a failure."""
    rule = DIVE_RULES[r.key](r.threshold)
    x = rule.measure(head)
    measured = humanize_bytes(int(x)) if rule.in_bytes else _pct(x)
    status = r.status if r.status in (Status.PASS, Status.FAIL, Status.SKIP) else Status.FAIL
    return replace(r, status=status, value=measured, message=r.message if r.status == Status.FAIL else "")


def evaluate_gates(cfg: GateConfig, cmp: Comparison) -> Verdict:
    """The growth gates in order, then dive's rules on HEAD (in dive's key order)."""
    results = [gate.evaluate(cmp) for gate in growth_gates(cfg)]
    if cfg.rules is not None:
        head = cmp.head.dive_analysis()
        results += [_dive_gate(r, head) for r in evaluate(cfg.rules, head).results]
    return Verdict.of(results)


def _pct(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "+∞%"
    return f"{x * 100:.2f}%"
