"""CI outputs beyond dive's text: the ``layerscope:`` rules section, JUnit, GitHub annotations and
the step-summary markdown.

Where each thing goes (``layerscope --ci --format F``):

=========  ===================================================================================
dive       dive's stdout, byte for byte; when ``.dive-ci`` has a ``layerscope:`` section, its
           results follow dive's (after dive's final empty line).  With ``GITHUB_ACTIONS=true``
           the annotations are written to **stderr** (the Actions runner reads workflow
           commands from both streams), so dive's stdout is never altered.
github     the same stdout as ``dive``, then the annotations on stdout (nothing on stderr).
junit      only a JUnit XML document on stdout: one ``testcase`` per rule (dive's, then ours).
markdown   only the markdown summary on stdout.
=========  ===================================================================================

In every format the markdown summary is appended to ``$GITHUB_STEP_SUMMARY`` when that is set.
The exit code is dive's (0 pass, 1 fail or misconfigured), made 1 by a failing or misconfigured
``layerscope:`` rule.  ``--format`` other than ``dive`` implies CI mode.
"""

# No ``from __future__ import annotations``: its name would clash with annotations() below.
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..analysis.dive_efficiency import DiveEfficiency
from ..escape import gh_data, gh_prop, md_code, md_text, terminal, xml_attr, xml_text
from ..golang.humanize import humanize_bytes
from ..golang.strconv import go_percent
from .render import rule_line
from .rule import RuleResult, Status, Verdict

if TYPE_CHECKING:  # the extra rules are imported only by a run whose rules file has them
    from .extra_rules import ExtraVerdict

# Text from the image (paths in rule messages, the image name) is escaped for each consumer by
# layerscope.escape, at the moment it is written.


def render_extra(ev: "ExtraVerdict") -> str:
    """dive-styled lines for our rules, printed after dive's results."""
    lines = ["\x1b[1mlayerscope rules:\x1b[0m\n"]
    if ev.accurate is not None:
        w = ev.accurate.wasted_bytes
        line = f"  wastedBytesAccurate: {w} bytes ({humanize_bytes(w)})"
        if ev.accurate.ignored_bytes:
            line += f", ignoring {ev.accurate.ignored_bytes} bytes matched by ignore"
        lines.append(line + "\n")
    lines += [rule_line(r.status, r.key, terminal(r.message)) for r in ev.results]
    if ev.misconfigured:
        lines.append("\x1b[31mlayerscope rules misconfigured\x1b[0m\n")
    else:
        status = "PASS" if ev.passed else "FAIL"
        colour = "\x1b[32m" if ev.passed else "\x1b[31m"
        lines.append(
            f"{colour}Result:{status} [Total:{len(ev.results)}] [Passed:{ev.n_pass}] "
            f"[Failed:{ev.n_fail}] [Skipped:{ev.n_skip}]\x1b[0m\n"
        )
    return "".join(lines)


def _all_results(verdict: Verdict, ev: "ExtraVerdict | None") -> list[tuple[str, RuleResult]]:
    """Every result with the name of its rule set: dive's first, then layerscope's."""
    out: list[tuple[str, RuleResult]] = [("dive", r) for r in verdict.results]
    if ev is not None:
        out += [("layerscope", r) for r in ev.results]
    return out


# ---------------------------------------------------------------- GitHub annotations
def annotations(verdict: Verdict, ev: "ExtraVerdict | None", image_name: str) -> str:
    """``::error`` per failing or misconfigured rule, ``::notice`` with the outcome."""
    lines = []
    for suite, r in _all_results(verdict, ev):
        if r.status in (Status.FAIL, Status.MISCONFIGURED):
            title = gh_prop(f"{suite} {r.key}")
            what = "misconfigured: " if r.status == Status.MISCONFIGURED else ""
            lines.append(f"::error title={title}::{gh_data(f'{image_name}: {r.key}: {what}{r.message}')}\n")
    ok = verdict.passed and (ev is None or ev.passed)
    lines.append(f"::notice title=layerscope CI::{gh_data(f'{image_name}: ' + ('PASS' if ok else 'FAIL'))}\n")
    return "".join(lines)


# ---------------------------------------------------------------- JUnit
def junit(verdict: Verdict, ev: "ExtraVerdict | None", image_name: str, a: DiveEfficiency) -> str:
    """One ``testsuite`` per rule set, one ``testcase`` per rule; FAIL → ``failure``,
    MISCONFIGURED → ``error``, SKIP / disabled → ``skipped``."""
    suites = [("dive", [r for s, r in _all_results(verdict, ev) if s == "dive"])]
    if ev is not None:
        suites.append(("layerscope", [r for s, r in _all_results(verdict, ev) if s == "layerscope"]))
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    total = sum(len(rs) for _s, rs in suites)
    fails = sum(r.status == Status.FAIL for _s, rs in suites for r in rs)
    errors = sum(r.status == Status.MISCONFIGURED for _s, rs in suites for r in rs)
    out.append(
        f'<testsuites name={xml_attr("layerscope CI: " + image_name)} tests="{total}" '
        f'failures="{fails}" errors="{errors}">\n'
    )
    for name, rs in suites:
        skipped = sum(r.status in (Status.SKIP, Status.CONFIGURED) for r in rs)
        n_fail = sum(r.status == Status.FAIL for r in rs)
        n_error = sum(r.status == Status.MISCONFIGURED for r in rs)
        out.append(
            f'  <testsuite name="{name}" tests="{len(rs)}" failures="{n_fail}" '
            f'errors="{n_error}" skipped="{skipped}">\n'
        )
        if name == "dive":
            props = {
                "efficiency": repr(a.efficiency),
                "wastedBytes": str(a.wasted_bytes),
                "userWastedPercent": repr(a.user_wasted_percent),
            }
            if ev is not None and ev.accurate is not None:
                props["wastedBytesAccurate"] = str(ev.accurate.wasted_bytes)
            out.append("    <properties>\n")
            out += [f"      <property name={xml_attr(k)} value={xml_attr(v)}/>\n" for k, v in props.items()]
            out.append("    </properties>\n")
        for r in rs:
            head = f'    <testcase classname="{name}" name={xml_attr(r.key)}'
            if r.status == Status.PASS:
                out.append(head + "/>\n")
            elif r.status == Status.FAIL:
                out.append(
                    head + f">\n      <failure message={xml_attr(r.message)}>{xml_text(r.message)}"
                    "</failure>\n    </testcase>\n"
                )
            elif r.status == Status.MISCONFIGURED:
                out.append(
                    head + f">\n      <error message={xml_attr(r.message)}>{xml_text(r.message)}"
                    "</error>\n    </testcase>\n"
                )
            else:  # SKIP, or CONFIGURED: not evaluated because a rule is misconfigured
                why = r.message if r.status == Status.SKIP else "not evaluated: CI misconfigured"
                out.append(head + f">\n      <skipped message={xml_attr(why)}/>\n    </testcase>\n")
        out.append("  </testsuite>\n")
    out.append("</testsuites>\n")
    return "".join(out)


# ---------------------------------------------------------------- markdown


def markdown(verdict: Verdict, ev: "ExtraVerdict | None", image_name: str, a: DiveEfficiency, top: int = 10) -> str:
    ok = verdict.passed and (ev is None or ev.passed)
    lines = [f"### {'✅' if ok else '❌'} layerscope CI: {md_code(image_name)} — {'PASS' if ok else 'FAIL'}", ""]
    lines.append("| Figure | Value |")
    lines.append("|---|---|")
    lines.append(f"| efficiency (dive) | {go_percent(a.efficiency * 100)} % |")
    lines.append(f"| wasted bytes (dive) | {a.wasted_bytes} ({humanize_bytes(a.wasted_bytes)}) |")
    lines.append(f"| user wasted percent (dive) | {go_percent(a.user_wasted_percent * 100)} % |")
    if ev is not None and ev.accurate is not None:
        w = ev.accurate.wasted_bytes
        lines.append(f"| wasted bytes (layerscope, accurate) | {w} ({humanize_bytes(w)}) |")
    lines += ["", "| Rule | Set | Status | Message |", "|---|---|---|---|"]
    for suite, r in _all_results(verdict, ev):
        lines.append(f"| {md_code(r.key)} | {suite} | {r.status.label} | {md_text(r.message)} |")
    rows = [] if verdict.misconfigured else a.inefficient_files[:top]
    if rows:
        lines += [
            "",
            "<details><summary>Inefficient files (dive)</summary>",
            "",
            "| Count | Wasted | Path |",
            "|---:|---:|---|",
        ]
        lines += [f"| {r.count} | {humanize_bytes(r.size)} | {md_code(r.path)} |" for r in rows]
        more = len(a.inefficient_files) - len(rows)
        if more > 0:
            lines.append(f"| | | … {more} more |")
        lines += ["", "</details>"]
    lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- the CI tail
@dataclass(frozen=True, slots=True)
class Tail:
    """What CI mode prints after dive's results: ``out`` for stdout, then ``err`` for stderr."""

    out: str
    err: str = ""


def tail(
    fmt: str, verdict: Verdict, ev: "ExtraVerdict | None", image_name: str, a: DiveEfficiency, github_actions: bool
) -> Tail:
    """The format's output after dive's results (see the table at the top of this module).

    For ``dive`` and ``github`` dive's text was already written to stdout; ``junit`` and
    ``markdown`` replace it.  Under GitHub Actions (``github_actions``) the dive format puts
    the annotations on stderr, so dive's stdout stays byte for byte."""
    extra = render_extra(ev) if fmt in ("dive", "github") and ev is not None else ""
    if fmt == "github":
        return Tail(extra + annotations(verdict, ev, image_name))
    if fmt == "dive":
        return Tail(extra, annotations(verdict, ev, image_name) if github_actions else "")
    if fmt == "junit":
        return Tail(junit(verdict, ev, image_name, a))
    if fmt == "markdown":
        return Tail(markdown(verdict, ev, image_name, a))
    raise ValueError(f"unknown CI format {fmt!r}")
