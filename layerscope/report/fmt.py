"""Wording and number formats shared by the terminal, markdown and JSON renderers.

One place decides how a size delta, a percentage and the verdict line read, so the three
outputs never disagree about what happened.
"""

from __future__ import annotations

from ..golang.humanize import humanize_bytes
from .compare import Comparison, Delta
from .gates import Verdict

NONE, GREW, SHRANK, SAME_SIZE = "none", "grew", "shrank", "same-size"
EMOJI = {"fail": "❌", NONE: "✅", GREW: "📈", SHRANK: "📉", SAME_SIZE: "✅"}


def display(s: str) -> str:
    """Text safe to print: raw bytes of non-UTF-8 names (surrogate escapes) become U+FFFD."""
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def size(n: int | float | None) -> str:
    """A size (``Delta`` sides are typed ``int | float``: sizes are always whole numbers)."""
    return "n/a" if n is None else humanize_bytes(int(n))


def estimated_size(n: int | float | None, estimated: bool) -> str:
    """A download size; an estimate reads ``≈ 12.3 MB (estimate)``."""
    if n is None or not estimated:
        return size(None if n is None else int(n))
    return f"≈ {humanize_bytes(int(n))} (estimate)"


def estimated_delta(n: int | float | None, estimated: bool) -> str:
    text = signed_size(n)
    return f"≈ {text}" if estimated and n is not None and n != 0 else text


def side_size(present: bool, n: int | float | None) -> str:
    """A layer's or file's size on one side; an em dash when it does not exist there."""
    return size(n) if present else "—"


def signed_size(n: int | float | None) -> str:
    if n is None:
        return "n/a"
    n = int(n)
    if n == 0:
        return "0 B"
    return ("+" if n > 0 else "-") + humanize_bytes(abs(n))


def signed_int(n: int | float | None) -> str:
    if n is None:
        return "n/a"
    return f"{int(n):+d}" if n else "0"


def percent(p: float | None) -> str:
    if p is None:
        return "n/a"
    if p == 0:
        return "0.00%"
    return f"{p:+.2f}%"


def ratio_percent(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.2f}%"


def points(d: Delta) -> str:
    """Efficiency delta in percentage points."""
    if d.delta is None:
        return "n/a"
    pp = d.delta * 100
    return "0.00 pp" if abs(pp) < 0.005 else f"{pp:+.2f} pp"


def short_command(cmd: str, width: int = 60) -> str:
    """One line, ``/bin/sh -c`` noise and BuildKit's suffix dropped, cut at ``width``."""
    text = " ".join(display(cmd).split())
    if text.endswith("# buildkit"):
        text = text[: -len("# buildkit")].rstrip()
    for prefix, keep in (("RUN /bin/sh -c ", "RUN "), ("/bin/sh -c #(nop) ", ""), ("#(nop) ", "")):
        if text.startswith(prefix):
            text = keep + text[len(prefix) :].lstrip()
    if not text:
        return "(no command)"
    return text if len(text) <= width else text[: width - 1] + "…"


def change_kind(cmp: Comparison) -> str:
    if cmp.unchanged:
        return NONE
    d = cmp.totals["size"].delta or 0
    return GREW if d > 0 else SHRANK if d < 0 else SAME_SIZE


def gate_brief(verdict: Verdict) -> str:
    n = len(verdict.results)
    if not n:
        return "no gates set"
    skipped = sum(r.status == "skip" for r in verdict.results)
    failed = len(verdict.failed)
    if failed:
        return f"{failed} of {n - skipped} gates failed"
    return f"{n - skipped} gate{'s' if n - skipped != 1 else ''} passed"


def headline(cmp: Comparison, verdict: Verdict) -> tuple[str, str, str]:
    """(emoji, title, detail) of the verdict line; the title names any failed gate."""
    kind = change_kind(cmp)
    s = cmp.totals["size"]
    move = f"{size(s.base)} → {size(s.head)}"
    if kind == GREW:
        title, detail = f"Image grew {signed_size(s.delta)} ({percent(s.percent)})", move
    elif kind == SHRANK:
        title, detail = f"Image shrank {signed_size(s.delta)} ({percent(s.percent)})", move
    elif kind == SAME_SIZE:
        title, detail = "Same size, contents changed", f"{size(s.head)}"
    else:
        title, detail = "No change", f"{size(s.head)}"
    if not verdict.passed:
        names = ", ".join(r.name for r in verdict.failed)
        why = "; ".join(f"{r.name}: {r.value} vs limit {r.threshold}" for r in verdict.failed)
        return EMOJI["fail"], f"Gate failed: {names}", f"{title.lower()[0] + title[1:]}, {detail} ({why})"
    return EMOJI[kind], title, f"{detail} · {gate_brief(verdict)}"


def headline_text(cmp: Comparison, verdict: Verdict) -> str:
    emoji, title, detail = headline(cmp, verdict)
    return f"{emoji} {title} — {detail}"
