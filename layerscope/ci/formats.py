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

from __future__ import annotations

import os
import sys
from typing import TextIO

from ..analysis.accurate import accurate_waste
from ..analysis.dive_efficiency import DiveEfficiency
from ..analysis.globs import PathGlobs
from ..escape import gh_data, gh_prop, md_code, md_text, terminal, xml_attr, xml_text
from ..golang.humanize import humanize_bytes
from ..golang.strconv import go_percent
from ..image import Image
from ..report.output import append_step_summary
from .extra_rules import ExtraVerdict, evaluate_extra, parse_section
from .render import rule_line
from .rule import RuleResult, Status, Verdict
from .rules import RuleSet

# Text from the image (paths in rule messages, the image name) is escaped for each consumer by
# layerscope.escape, at the moment it is written.


def extra_verdict(rules: RuleSet, image: Image) -> ExtraVerdict | None:
    """Evaluate the ``layerscope:`` section, or None when the rules file has none."""
    section = parse_section(rules.extra)
    if section is None:
        return None
    acc = None
    if "ignore" not in section.problems:
        acc = accurate_waste(image, PathGlobs(section.ignore))
    return evaluate_extra(section, image, acc)


def render_extra(ev: ExtraVerdict) -> str:
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


def _all_results(verdict: Verdict, ev: ExtraVerdict | None) -> list[tuple[str, RuleResult]]:
    """Every result with the name of its rule set: dive's first, then layerscope's."""
    out: list[tuple[str, RuleResult]] = [("dive", r) for r in verdict.results]
    if ev is not None:
        out += [("layerscope", r) for r in ev.results]
    return out


# ---------------------------------------------------------------- GitHub annotations
def annotations(verdict: Verdict, ev: ExtraVerdict | None, image_name: str) -> str:
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
def junit(verdict: Verdict, ev: ExtraVerdict | None, image_name: str, a: DiveEfficiency) -> str:
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


def markdown(verdict: Verdict, ev: ExtraVerdict | None, image_name: str, a: DiveEfficiency, top: int = 10) -> str:
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
def finish_ci(
    fmt: str,
    image: Image,
    analysis: DiveEfficiency,
    verdict: Verdict,
    rules: RuleSet,
    out: TextIO | None = None,
    err: TextIO | None = None,
    env: dict[str, str] | None = None,
) -> int:
    """Everything CI mode prints after dive's results; returns the combined exit code.

    ``out`` is the real stdout (dive's text was written to it already in the dive and github
    formats, to a discarded buffer otherwise).
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    env = os.environ if env is None else env
    ev = extra_verdict(rules, image)
    name = image.name
    if fmt in ("dive", "github") and ev is not None:
        out.write(render_extra(ev))
    if fmt == "github":
        out.write(annotations(verdict, ev, name))
    elif fmt == "dive" and env.get("GITHUB_ACTIONS") == "true":
        out.flush()
        err.write(annotations(verdict, ev, name))
    elif fmt == "junit":
        out.write(junit(verdict, ev, name, analysis))
    elif fmt == "markdown":
        out.write(markdown(verdict, ev, name, analysis))
    out.flush()
    append_step_summary(markdown(verdict, ev, name, analysis), env)
    return max(verdict.exit_code, 0 if ev is None else ev.exit_code)
