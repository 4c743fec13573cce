"""An "Insights" section for PR reports: the top waste causes of the HEAD image, with fixes.

Kept apart from :mod:`.markdown` on purpose: a report's verdict and numbers come from the
comparison; this section only adds advice, and the caller decides whether to append it (it needs
the live image with content hashes — a baseline JSON cannot provide one).
"""

from __future__ import annotations

from ..analysis.explanation import Explanation
from ..analysis.insights import KIND_TITLES, UNNEEDED
from ..escape import md_code
from ..golang.humanize import humanize_bytes


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown_section(ex: Explanation, top: int = 5) -> str:
    """``### 💡 Where the bytes go`` + a table of the top groups; empty-image safe."""
    ins, acc = ex.insights, ex.accurate
    lines = [
        "### 💡 Where the bytes go",
        "",
        f"dive (CI figure): **{humanize_bytes(ex.dive.wasted_bytes)}** wasted · layerscope: "
        f"**{humanize_bytes(acc.wasted_bytes)}** dead (no final file needs them) · "
        f"**{humanize_bytes(ins.removable_bytes)}** removable in total",
        "",
    ]
    groups = [g for g in ins.groups if g.kind != UNNEEDED][:top]
    if not groups:
        lines += ["No removable bytes found.", ""]
        return "\n".join(lines)
    lines += ["| Bytes | Kind | Layers | Paths | Packages | Fix |", "|---:|---|---|---|---|---|"]
    for g in groups:
        kind = KIND_TITLES[g.kind] + (f": {g.rule}" if g.rule else "")
        layers = f"{g.layer}" + ("" if g.killer is None or g.killer == g.layer else f" → {g.killer}")
        paths = "<br>".join(md_code(a) for a, _b, _n in g.top_anchors(2))
        pkgs = "<br>".join(f"{md_code(p.name)} {humanize_bytes(p.bytes)}" for p in g.packages[:3])
        lines.append(f"| {humanize_bytes(g.bytes)} | {_md(kind)} | {layers} | {paths} | {pkgs} | {_md(g.fix)} |")
    lines.append("")
    return "\n".join(lines)
