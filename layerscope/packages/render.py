"""Text, JSON, CSV and Markdown faces of a :class:`~.model.PackageReport`.

Names, versions and paths come from the image: the text goes through
:func:`layerscope.escape.terminal`, Markdown through :func:`~layerscope.escape.md_text` /
:func:`~layerscope.escape.md_code`, and CSV cells that a spreadsheet would run as a formula are
quoted with a leading ``'``.  The JSON keeps raw values (non-UTF-8 bytes as U+FFFD).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from ..escape import md_code, md_text
from ..escape import terminal as term
from ..golang.humanize import humanize_bytes
from .model import Package, PackageReport

SCHEMA = "layerscope.packages/1"


@dataclass(frozen=True, slots=True)
class Selection:
    """What the listing shows (totals and coverage are always of the whole image)."""

    sort: str = "size"  # size | name
    ecosystem: str | None = None
    layer: int | None = None
    top: int = 0  # 0 = all


def select(report: PackageReport, sel: Selection) -> list[Package]:
    pkgs = [
        p
        for p in report.packages
        if (sel.ecosystem is None or p.ecosystem == sel.ecosystem)
        and (sel.layer is None or p.layer == sel.layer or sel.layer in p.rewritten_by)
    ]
    if sel.sort == "name":
        pkgs.sort(key=lambda p: (p.name.lower(), p.name, p.version, p.ecosystem))
    else:
        pkgs.sort(key=lambda p: (-p.bytes, p.name, p.version, p.ecosystem))
    return pkgs[: sel.top] if sel.top > 0 else pkgs


def _layer(p: Package) -> str:
    if p.layer is None:
        return "-"
    return str(p.layer) + (f" (+{','.join(map(str, p.rewritten_by))})" if p.rewritten_by else "")


def _raw(s: str) -> str:
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def render_text(report: PackageReport, image: str, sel: Selection) -> str:
    pkgs = select(report, sel)
    total = report.total_bytes
    owned = total - report.unowned.bytes
    pct = 0.0 if total <= 0 else 100.0 * owned / total
    out = [
        f"layerscope packages: {term(image)}",
        f"  {len(report.packages)} packages own {humanize_bytes(owned)} of {humanize_bytes(total)} "
        f"({pct:.1f} %) in {report.total_files} files; unowned {humanize_bytes(report.unowned.bytes)} "
        f"in {report.unowned.files} files",
        "",
    ]
    rows = [("NAME", "VERSION", "ECOSYSTEM", "SIZE", "FILES", "LAYER", "WASTE")]
    for p in pkgs:
        waste = humanize_bytes(p.wasted_bytes) if p.wasted_bytes else "-"
        rows.append(
            (term(p.name), term(p.version), p.ecosystem, humanize_bytes(p.bytes), str(p.files), _layer(p), waste)
        )
    widths = [min(max(len(r[i]) for r in rows), 48) for i in range(len(rows[0]))]
    for r in rows:
        cells = [c if len(c) <= widths[i] else c[: widths[i] - 1] + "…" for i, c in enumerate(r)]
        line = "  ".join(c.rjust(widths[i]) if i in (3, 4, 6) else c.ljust(widths[i]) for i, c in enumerate(cells))
        out.append("  " + line.rstrip())
    if len(pkgs) == 0:
        out.append("  (no packages" + (" match the selection)" if report.packages else " found)"))
    shown = len(select(report, Selection(ecosystem=sel.ecosystem, layer=sel.layer)))
    if shown > len(pkgs):
        out.append(f"  … {shown - len(pkgs)} more (--top 0 shows all)")
    out.append("")
    out.append("  Databases")
    for d in report.databases:
        layer = "-" if d.layer is None else str(d.layer)
        flag = "  (partial)" if d.partial else ""
        out.append(
            f"    {d.ecosystem:7} /{term(d.path)}  layer {layer}  {d.packages} packages  "
            f"{humanize_bytes(d.bytes)} ({d.percent:.1f} %){flag}"
        )
        for n in d.notes[:5]:
            out.append(f"      note: {term(n)}")
        if len(d.notes) > 5:
            out.append(f"      note: … {len(d.notes) - 5} more notes (--format json lists them)")
    if not report.databases:
        out.append("    none found")
    if report.unowned.dirs:
        out.append("")
        out.append("  Unowned, by directory")
        for u in report.unowned.dirs[:10]:
            noun = "file " if u.files == 1 else "files"
            out.append(f"    {humanize_bytes(u.bytes):>10}  {u.files:>7} {noun}  /{term(u.path)}")
    for n in report.notes:
        out.append(f"  note: {term(n)}")
    return "\n".join(out) + "\n"


def package_json(p: Package) -> dict:
    return {
        "ecosystem": p.ecosystem,
        "name": _raw(p.name),
        "version": _raw(p.version),
        "arch": _raw(p.arch),
        "purl": _raw(p.purl),
        "bytes": p.bytes,
        "files": p.files,
        "layer": p.layer,
        "rewrittenBy": p.rewritten_by,
        "wastedBytes": p.wasted_bytes,
        "wastedFiles": p.wasted_files,
        "bytesByLayer": {str(k): v for k, v in sorted(p.bytes_by_layer.items())},
        "declared": p.declared,
        "missing": p.missing,
        "shared": p.shared,
        "database": "/" + _raw(p.database),
        "notes": [_raw(n) for n in p.notes],
    }


def to_json(report: PackageReport, image: str, sel: Selection) -> dict:
    return {
        "schema": SCHEMA,
        "image": _raw(image),
        "layers": report.layers,
        "totalBytes": report.total_bytes,
        "totalFiles": report.total_files,
        "packages": [package_json(p) for p in select(report, sel)],
        "unowned": {
            "bytes": report.unowned.bytes,
            "files": report.unowned.files,
            "dirs": [{"path": "/" + _raw(u.path), "bytes": u.bytes, "files": u.files} for u in report.unowned.dirs],
            "moreDirs": report.unowned.more_dirs,
        },
        "databases": [
            {
                "ecosystem": d.ecosystem,
                "path": "/" + _raw(d.path),
                "layer": d.layer,
                "packages": d.packages,
                "files": d.files,
                "bytes": d.bytes,
                "percent": round(d.percent, 2),
                "partial": d.partial,
                "notes": [_raw(n) for n in d.notes],
            }
            for d in report.databases
        ],
        "notes": [_raw(n) for n in report.notes],
    }


def render_json(report: PackageReport, image: str, sel: Selection) -> str:
    return json.dumps(to_json(report, image, sel), indent=2, ensure_ascii=False) + "\n"


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(s: str) -> str:
    s = _raw(s)
    return "'" + s if s.startswith(_FORMULA) else s


def render_csv(report: PackageReport, image: str, sel: Selection) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["ecosystem", "name", "version", "bytes", "files", "layer", "rewritten_by", "wasted_bytes", "purl"])
    for p in select(report, sel):
        w.writerow(
            [
                p.ecosystem,
                _cell(p.name),
                _cell(p.version),
                p.bytes,
                p.files,
                "" if p.layer is None else p.layer,
                " ".join(map(str, p.rewritten_by)),
                p.wasted_bytes,
                _cell(p.purl),
            ]
        )
    return buf.getvalue()


def render_markdown(report: PackageReport, image: str, sel: Selection) -> str:
    pkgs = select(report, sel)
    total = report.total_bytes
    owned = total - report.unowned.bytes
    out = [
        f"### Packages of {md_code(image)}",
        "",
        f"{len(report.packages)} packages own **{humanize_bytes(owned)}** of {humanize_bytes(total)}; "
        f"unowned {humanize_bytes(report.unowned.bytes)} in {report.unowned.files} files.",
        "",
        "| Package | Version | Ecosystem | Size | Files | Layer | Waste |",
        "|---|---|---|---:|---:|---|---:|",
    ]
    for p in pkgs:
        waste = humanize_bytes(p.wasted_bytes) if p.wasted_bytes else ""
        out.append(
            f"| {md_text(p.name)} | {md_text(p.version)} | {p.ecosystem} | {humanize_bytes(p.bytes)} | "
            f"{p.files} | {md_text(_layer(p))} | {waste} |"
        )
    if report.databases:
        out += ["", "| Database | Ecosystem | Packages | Size | Share |", "|---|---|---:|---:|---:|"]
        for d in report.databases:
            share = f"{d.percent:.1f} %" + (" (partial)" if d.partial else "")
            out.append(
                f"| {md_code('/' + d.path)} | {d.ecosystem} | {d.packages} | {humanize_bytes(d.bytes)} | {share} |"
            )
    if report.unowned.dirs:
        out += ["", "| Unowned directory | Size | Files |", "|---|---:|---:|"]
        for u in report.unowned.dirs[:10]:
            out.append(f"| {md_code('/' + u.path)} | {humanize_bytes(u.bytes)} | {u.files} |")
    for n in report.notes:
        out.append(f"\n> note: {md_text(n)}")
    return "\n".join(out) + "\n"
