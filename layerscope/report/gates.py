"""Growth gates and dive's rules on HEAD → one verdict for the report and the exit code.

Gates are all optional.  Sizes parse as ``.dive-ci`` sizes do (go-humanize, decimal units:
``10MB`` = 10,000,000 bytes); comparisons are strict like dive's (equal to the limit passes).
The size gates use the uncompressed (content) size: it is what the layer sizes add up to,
and it is known for every source, unlike the compressed download size.

A gate that cannot be configured (a bad size, a misconfigured dive rule, a missing
``--ci-config`` file) is an input error raised before any image is read, never a failed gate.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from ..analysis.dive_efficiency import DiveEfficiency
from ..ci.evaluate import FAIL, MISCONFIGURED, PASS, SKIP, evaluate
from ..ci.rules import DEFAULTS, RULE_KEYS, RuleSet, RuleValueError, go_parse_bytes, go_parse_float, load_rules
from ..errors import ConfigError
from ..export.gofmt import humanize_bytes
from .compare import Comparison

GATE_PASS, GATE_FAIL, GATE_SKIP = "pass", "fail", "skip"


@dataclass(slots=True)
class GateConfig:
    max_increase: int | None = None
    max_increase_percent: float | None = None
    max_size: int | None = None
    rules: RuleSet | None = None  # dive's rules, when asked for

    @property
    def any(self) -> bool:
        return (self.max_increase is not None or self.max_increase_percent is not None
                or self.max_size is not None or self.rules is not None)


@dataclass(slots=True)
class GateResult:
    name: str  # max-increase | max-increase-percent | max-size | lowestEfficiency | ...
    status: str  # pass | fail | skip
    threshold: str  # as configured
    value: str  # what was measured, human readable
    message: str = ""


@dataclass(slots=True)
class Verdict:
    results: list[GateResult] = field(default_factory=list)

    @property
    def failed(self) -> list[GateResult]:
        return [r for r in self.results if r.status == GATE_FAIL]

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def parse_size_option(flag: str, text: str) -> int:
    try:
        return go_parse_bytes(text.strip())
    except RuleValueError as e:
        raise ConfigError(f"invalid {flag} {text!r}: {e}") from None


def parse_percent_option(flag: str, text: str) -> float:
    try:
        value = go_parse_float(text.strip().rstrip("%"))
    except RuleValueError as e:
        raise ConfigError(f"invalid {flag} {text!r}: {e}") from None
    if math.isnan(value) or value < 0:
        raise ConfigError(f"invalid {flag} {text!r}: must be a number ≥ 0")
    return value


def build_config(max_increase: str | None, max_increase_percent: str | None, max_size: str | None,
                 ci_config: str | None, rule_flags: dict[str, str | None]) -> GateConfig:
    """Parse and validate every gate up front; dive's rules only when asked for."""
    cfg = GateConfig()
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
            bad = next(r for r in probe.results if r.status == MISCONFIGURED)
            raise ConfigError(f"dive rule misconfigured: {bad.key}: {bad.message}")
        cfg.rules = rules
    return cfg


# A neutral analysis, only to let dive's evaluator validate the rule values before any image is read.
_ZERO = DiveEfficiency(1.0, 0, 0.0, 0, 0, [])


def _signed(n: int) -> str:
    return ("+" if n > 0 else "-" if n < 0 else "±") + humanize_bytes(abs(n))


def evaluate_gates(cfg: GateConfig, cmp: Comparison) -> Verdict:
    v = Verdict()
    size = cmp.totals["size"]
    delta = int(size.delta or 0)
    if cfg.max_increase is not None:
        limit = cfg.max_increase
        fail = delta > limit
        v.results.append(GateResult(
            "max-increase", GATE_FAIL if fail else GATE_PASS, humanize_bytes(limit), _signed(delta),
            f"grew {_signed(delta)} ({delta} bytes) > {humanize_bytes(limit)} ({limit} bytes)" if fail else ""))
    if cfg.max_increase_percent is not None:
        limit_p = cfg.max_increase_percent
        pct = size.percent
        if pct is None:  # base was empty: any growth is an infinite increase
            pct = math.inf if delta > 0 else 0.0
        fail = pct > limit_p
        shown = "+∞%" if math.isinf(pct) else f"{pct:+.2f}%"
        v.results.append(GateResult(
            "max-increase-percent", GATE_FAIL if fail else GATE_PASS, f"{limit_p:g}%", shown,
            f"grew {shown} > {limit_p:g}%" if fail else ""))
    if cfg.max_size is not None:
        limit = cfg.max_size
        fail = cmp.head.size > limit
        v.results.append(GateResult(
            "max-size", GATE_FAIL if fail else GATE_PASS, humanize_bytes(limit), humanize_bytes(cmp.head.size),
            f"head is {humanize_bytes(cmp.head.size)} ({cmp.head.size} bytes) > {humanize_bytes(limit)} ({limit} bytes)"
            if fail else ""))
    if cfg.rules is not None:
        dive = evaluate(cfg.rules, cmp.head.dive_analysis())
        a = cmp.head
        measured = {
            "lowestEfficiency": f"{a.efficiency * 100:.2f}%",
            "highestWastedBytes": humanize_bytes(a.wasted_bytes),
            "highestUserWastedPercent": _pct(a.user_wasted_percent),
        }
        status = {PASS: GATE_PASS, FAIL: GATE_FAIL, SKIP: GATE_SKIP}
        for r in dive.results:
            v.results.append(GateResult(r.key, status.get(r.status, GATE_FAIL), r.value, measured[r.key],
                                        r.message if r.status == FAIL else ""))
    return v


def _pct(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "+∞%"
    return f"{x * 100:.2f}%"
