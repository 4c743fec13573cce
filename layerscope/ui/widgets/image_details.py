"""Image Details: dive's totals and inefficient-files table, and the .dive-ci verdict.

The first lines are dive's (``runtime/ui/view/image_details.go``): name, total size, potential
wasted space, the efficiency score truncated to an integer, then the ``%5s  %12s  %-s`` table in CI
order. Below them the CI rules are evaluated on the same analysis, so what ``--ci`` will say (PASS /
FAIL / SKIP with value and threshold) is visible while exploring.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ...analysis.dive_efficiency import DiveEfficiency
from ...ci.evaluate import DIVE_RULES
from ...ci.rule import RuleResult, Status, Verdict
from ...golang.humanize import humanize_bytes
from ...golang.strconv import go_g
from ...image import Image
from .lines_pane import LinesPane

_STATUS_STYLE = {
    Status.PASS: "bold green",
    Status.FAIL: "bold red",
    Status.SKIP: "blue",
    Status.MISCONFIGURED: "bold red",
}


def _measured(r: RuleResult, a: DiveEfficiency) -> str:
    """The rule's figure next to its threshold, e.g. ``efficiency 0.95 (threshold ≥ 0.9)``."""
    rule = DIVE_RULES[r.key](r.threshold)
    x = rule.measure(a)
    shown = humanize_bytes(int(x)) if rule.in_bytes else go_g(x)
    return f"{rule.label} {shown} (threshold {rule.bound} {r.threshold})"


def image_details_text(
    image: Image, a: DiveEfficiency, verdict: Verdict | None, ci_source: str | None, ci_error: str | None
) -> Text:
    t = Text(no_wrap=True, overflow="crop")  # table rows stay rows, as in dive

    def line(label: str, value: str) -> None:
        t.append(label, style="bold")
        t.append(f" {value}\n")

    line("Image name:", image.name)
    line("Total Image size:", humanize_bytes(a.size_bytes))
    line("Potential wasted space:", humanize_bytes(a.wasted_bytes))
    line("Image efficiency score:", f"{int(100.0 * a.efficiency)} %")
    t.append("\n")
    t.append("%5s  %12s  %-s\n" % ("Count", "Total Space", "Path"), style="bold")
    for f in a.inefficient_files:
        t.append("%5s  %12s  %-s\n" % (f.count, humanize_bytes(f.size), f.path))
    t.append("\n")
    where = ci_source if ci_source else "defaults"
    t.append(f"CI rules ({where}):\n", style="bold")
    if ci_error:
        t.append(f"  {ci_error}\n", style="red")
    elif verdict is not None:
        for r in verdict.results:
            t.append("  ")
            t.append(f"{r.status.label:<4}", style=_STATUS_STYLE.get(r.status, ""))
            if r.status == Status.SKIP:
                t.append(f" {r.key}: disabled\n")
            elif r.status == Status.MISCONFIGURED:
                t.append(f" {r.key}: {r.message}\n")
            else:
                t.append(f" {r.key}: {_measured(r, a)}\n")
        if verdict.misconfigured:
            t.append("  CI misconfigured\n", style="bold red")
        else:
            t.append("  Result: ")
            t.append("PASS" if verdict.passed else "FAIL", style="bold green" if verdict.passed else "bold red")
            t.append("\n")
    return t


class ImageDetails(LinesPane):
    """Whole-image totals, the inefficient files, and the CI verdict."""

    def __init__(self, **kw: Any) -> None:
        super().__init__("Image Details", **kw)
