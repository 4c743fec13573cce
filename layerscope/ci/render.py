"""dive 0.13.1's CI text, byte for byte (ANSI colours always on, as dive does)."""

from __future__ import annotations

from ..analysis.dive_efficiency import DiveEfficiency
from ..escape import terminal
from ..golang.humanize import humanize_bytes
from ..golang.strconv import go_percent
from .rule import Status, Verdict

BOLD = "\x1b[1m"
RESET = "\x1b[0m"
# dive's status column: its label, coloured as dive colours it
# (``RuleStatus.String`` in dive's ``runtime/ci/rule.go``)
_STATUS = {
    Status.PASS: "PASS",
    Status.FAIL: "\x1b[1;7;31mFAIL\x1b[0m",
    Status.WARN: "\x1b[34mWARN\x1b[0m",
    Status.SKIP: "\x1b[34mSKIP\x1b[0m",
    Status.MISCONFIGURED: "\x1b[1;7;31mMISCONFIGURED\x1b[0m",
    Status.CONFIGURED: "CONFIGURED   ",
}


def rule_line(status: Status, key: str, message: str) -> str:
    """One result line as dive prints it (also used for layerscope's own rules)."""
    shown = _STATUS[status]
    return f"  {shown}: {key}: {message}\n" if message else f"  {shown}: {key}\n"


def title(text: str) -> str:
    return f"{BOLD}{text}{RESET}"


def config_line(source: str | None) -> str:
    return f"  Using CI config: {source}\n" if source else "  Using default CI config\n"


def preamble(source: str, image_arg: str) -> str:
    """dive's first two CI lines: ``Image Source: SOURCE://IMAGE`` (the source's name, the
    argument without its prefix), then the resolver that reads it (each source names its own,
    see :mod:`layerscope.sources.kinds`)."""
    from ..sources import resolver_name

    return (
        f"{title('Image Source: ')}{source}://{image_arg}\n"
        f"{title(f'Extracting image from {resolver_name(source)}...')} (this can take a while for large images)\n"
    )


def analysis_lines(a: DiveEfficiency) -> str:
    return (
        f"{title('Analyzing image...')}\n"
        f"  efficiency: {go_percent(a.efficiency * 100)} %\n"
        f"  wastedBytes: {a.wasted_bytes} bytes ({humanize_bytes(a.wasted_bytes)})\n"
        f"  userWastedPercent: {go_percent(a.user_wasted_percent * 100)} %\n"
    )


def report(a: DiveEfficiency, v: Verdict) -> str:
    lines = [title("Inefficient Files:") + "\n", "%5s  %12s  %-s\n" % ("Count", "Wasted Space", "File Path")]
    rows = [] if v.misconfigured else a.inefficient_files
    if not rows:
        lines.append("None\n")
    for r in rows:
        # a name's control characters made visible (a newline would forge a line, ESC drive
        # the terminal); raw non-UTF-8 bytes are kept, as dive prints them
        lines.append("%5s  %12s  %-s\n" % (r.count, humanize_bytes(r.size), terminal(r.path, keep_bytes=True)))
    lines.append(title("Results:") + "\n")
    lines += [rule_line(r.status, r.key, r.message) for r in v.results]
    if v.misconfigured:
        lines.append("\x1b[31mCI Misconfigured\x1b[0m\n")
    else:
        status = "PASS" if v.n_fail == 0 else "FAIL"
        summary = (
            f"Result:{status} [Total:{v.total}] [Passed:{v.n_pass}] [Failed:{v.n_fail}] [Warn:0] [Skipped:{v.n_skip}]"
        )
        colour = "\x1b[32m" if v.passed else "\x1b[31m"
        lines.append(f"{colour}{summary}\x1b[0m\n")
    return "".join(lines) + "\n"
