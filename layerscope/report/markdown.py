"""The comparison as GitHub-flavoured Markdown, for a PR comment and the job summary.

Shape: hidden marker (so a workflow finds and updates one sticky comment), a verdict line,
the totals table, where it grew, the gates, the layers that changed (shared ones folded), the
biggest file changes (small ones folded into ``<details>``).  Every cell that holds text from
the image (commands, paths, names) is a code span with ``|`` escaped, so an image cannot break
the table or inject HTML into the comment.
"""

from __future__ import annotations

from ..escape import md_code, md_text
from .compare import SHARED, Comparison, FileChange, LayerRow
from .fmt import (
    estimated_delta,
    estimated_size,
    headline,
    percent,
    points,
    ratio_percent,
    short_command,
    side_size,
    signed_int,
    signed_size,
    size,
)
from .gates import GATE_FAIL, GATE_PASS, Verdict
from .packages import KINDS, PackageChange

MARKER = "<!-- layerscope:report -->"
RESULT = {GATE_PASS: "✅ pass", GATE_FAIL: "❌ fail", "skip": "⏭️ skip"}


def code(text: str) -> str:
    """A code span that survives any content (see :func:`layerscope.escape.md_code`)."""
    return md_code(text)


def table(header: list[str], align: str, rows: list[list[str]]) -> list[str]:
    """``align`` has one letter per column: l(eft) or r(ight)."""
    sep = ["---:" if a == "r" else ":---" for a in align]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _totals(cmp: Comparison) -> list[str]:
    t = cmp.totals
    rows = [
        [
            "Size (uncompressed)",
            size(t["size"].base),
            size(t["size"].head),
            signed_size(t["size"].delta),
            percent(t["size"].percent),
        ],
        [
            "Download size (compressed)",
            estimated_size(t["compressed_size"].base, t["compressed_size"].estimated),
            estimated_size(t["compressed_size"].head, t["compressed_size"].estimated),
            estimated_delta(t["compressed_size"].delta, t["compressed_size"].estimated),
            percent(t["compressed_size"].percent),
        ],
        [
            "Layers",
            str(t["layers"].base),
            str(t["layers"].head),
            signed_int(t["layers"].delta),
            percent(t["layers"].percent),
        ],
        [
            "Files",
            str(t["files"].base),
            str(t["files"].head),
            signed_int(t["files"].delta),
            percent(t["files"].percent),
        ],
        [
            "Efficiency",
            ratio_percent(t["efficiency"].base),
            ratio_percent(t["efficiency"].head),
            points(t["efficiency"]),
            "",
        ],
        [
            "Wasted bytes",
            size(t["wasted_bytes"].base),
            size(t["wasted_bytes"].head),
            signed_size(t["wasted_bytes"].delta),
            percent(t["wasted_bytes"].percent),
        ],
    ]
    return table(["", "Base", "Head", "Δ", "Δ%"], "lrrrr", rows)


def _layer_cells(r: LayerRow) -> list[str]:
    idx = str(r.head.index) if r.head else f"({r.base.index})"  # type: ignore[union-attr]
    s = r.size
    return [
        idx,
        r.status,
        code(short_command(r.command)),
        side_size(r.base is not None, s.base),
        side_size(r.head is not None, s.head),
        signed_size(s.delta),
    ]


def _layers(cmp: Comparison) -> list[str]:
    head = ["#", "Status", "Command", "Base", "Head", "Δ"]
    changed = [r for r in cmp.layers if r.status != SHARED]
    shared = [r for r in cmp.layers if r.status == SHARED]
    out = ["### Layers", ""]
    if changed:
        out += table(head, "rllrrr", [_layer_cells(r) for r in changed])
    else:
        out.append(f"All {len(shared)} layers are shared with the base.")
    if changed and shared:
        total = sum(r.size.head or 0 for r in shared)
        out += [
            "",
            f"<details><summary>{len(shared)} shared layer{'s' if len(shared) != 1 else ''} ({size(total)})</summary>",
            "",
        ]
        out += table(head, "rllrrr", [_layer_cells(r) for r in shared])
        out += ["", "</details>"]
    return out


def _file_cells(c: FileChange) -> list[str]:
    return [
        c.change,
        code(c.path),
        side_size(c.base_size is not None, c.base_size),
        side_size(c.head_size is not None, c.head_size),
        signed_size(c.delta),
    ]


def _files(cmp: Comparison, top: int, fold_below: int) -> list[str]:
    out = ["### File changes", ""]
    if not cmp.files:
        return out + ["No files were added, removed or resized."]
    tl = cmp.tallies
    out.append(
        " · ".join(
            f"{k} {tl[k].count} ({signed_size(tl[k].delta)})"
            for k in ("added", "removed", "grown", "shrunk")
            if tl[k].count
        )
    )
    out.append("")
    shown = cmp.files if top <= 0 else cmp.files[:top]
    big = [c for c in shown if abs(c.delta) >= fold_below]
    small = [c for c in shown if abs(c.delta) < fold_below]
    head = ["Change", "Path", "Base", "Head", "Δ"]
    if big:
        out += table(head, "llrrr", [_file_cells(c) for c in big])
    if small:
        net = sum(c.delta for c in small)
        out += [
            "",
            f"<details><summary>{len(small)} small change{'s' if len(small) != 1 else ''} "
            f"(each under {size(fold_below)}, {signed_size(net)} in all)</summary>",
            "",
        ]
        out += table(head, "llrrr", [_file_cells(c) for c in small])
        out += ["", "</details>"]
    rest = len(cmp.files) - len(shown)
    if rest > 0:
        out += ["", f"_{rest} more change{'s' if rest != 1 else ''} not shown (`--top {top}`)._"]
    return out


def _package_cells(c: PackageChange) -> list[str]:
    if c.base is not None and c.head is not None and c.base.version != c.head.version:
        version = f"{code(c.base.version)} → {code(c.head.version)}"
    else:
        version = code((c.head or c.base).version)  # type: ignore[union-attr]
    return [c.kind, code(c.name), md_text(c.ecosystem), version, signed_size(c.delta)]


def _packages(cmp: Comparison, top: int) -> list[str]:
    """A folded ``<details>`` table (names and versions are image text: code spans only), or
    nothing when no package changed."""
    pk = cmp.packages
    if not pk.known:
        return ["### Packages", "", f"Package changes: {md_text(pk.note)}."]
    if not pk.changes:
        return []
    counts = pk.counts()
    what = " · ".join(f"{counts[k]} {k}" for k in KINDS if counts[k])
    net = sum(c.delta for c in pk.changes)
    shown = pk.changes if top <= 0 else pk.changes[:top]
    out = ["### Packages", "", f"<details><summary>{what} ({signed_size(net)} in all)</summary>", ""]
    out += table(["Change", "Package", "Ecosystem", "Version", "Δ"], "llllr", [_package_cells(c) for c in shown])
    rest = len(pk.changes) - len(shown)
    if rest > 0:
        out += ["", f"_{rest} more package change{'s' if rest != 1 else ''} not shown (`--top {top}`)._"]
    return out + ["", "</details>"]


def _insight(cmp: Comparison) -> list[str]:
    ins = cmp.insight
    items = []
    if ins.layers:
        items.append(
            "- **Layers:** "
            + "; ".join(
                f"{code(short_command(r.command, 40))} (#{r.head.index}, {r.status}) {signed_size(r.size.delta)}"  # type: ignore[union-attr]
                for r in ins.layers
            )
        )
    if ins.directories:
        items.append("- **Directories:** " + "; ".join(f"{code(d)} {signed_size(v)}" for d, v in ins.directories))
    if ins.new_waste:
        items.append(
            "- **New waste:** "
            + "; ".join(
                f"{code(w.path)} ×{w.count}, {size(w.head_size)} ({signed_size(w.delta)})" for w in ins.new_waste
            )
        )
    return ["### Where it grew", ""] + items if items else []


def _gates(verdict: Verdict) -> list[str]:
    if not verdict.results:
        return []
    rows = [[r.name, r.threshold, r.value, RESULT.get(r.status, r.status)] for r in verdict.results]
    out = ["### Gates", ""] + table(
        ["Gate", "Limit", "HEAD", "Result"], "lrrl", [[code(a), code(b) if b else "", c, d] for a, b, c, d in rows]
    )
    notes = [f"- {code(r.name)}: {md_text(r.message)}" for r in verdict.results if r.status == GATE_FAIL and r.message]
    return out + ([""] + notes if notes else [])


def render(cmp: Comparison, verdict: Verdict, *, top: int = 20, fold_below: int = 10_000) -> str:
    emoji, title, detail = headline(cmp, verdict)
    names = f"**Base** {code(cmp.base.name)} → **Head** {code(cmp.head.name)}"
    parts: list[list[str]] = [
        [MARKER, f"## {emoji} {title}", "", f"{detail}", "", names, ""],
        _totals(cmp),
        _insight(cmp),
        _gates(verdict),
        _layers(cmp),
        _packages(cmp, top),
        _files(cmp, top, fold_below),
    ]
    lines: list[str] = []
    for p in parts:
        if p:
            if lines and lines[-1] != "":
                lines.append("")
            lines += p
    return "\n".join(lines).rstrip("\n") + "\n"
