"""The comparison as JSON: schema ``layerscope/diff`` version 1 (docs/report-schema.md).

Raw numbers only (bytes as integers, ratios as floats, unknowns as ``null``), so a script can
recompute or re-threshold anything; the human strings live in the other renderers.  The
version changes only when a field changes meaning or disappears; new fields may be added.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from .compare import Comparison, Delta, LayerRow
from .fmt import change_kind, headline_text
from .gates import Verdict
from .model import PackageRecord, Snapshot
from .packages import PackageChange, PackageDiff

DIFF_SCHEMA = "layerscope/diff"
DIFF_VERSION = 1


def _delta(d: Delta) -> dict[str, Any]:
    return {"base": d.base, "head": d.head, "delta": d.delta, "delta_percent": d.percent}


def _compressed(d: Delta) -> dict[str, Any]:
    """A download size: ``estimated`` says whether a side is an estimate (no stored blob size)."""
    return {**_delta(d), "estimated": d.estimated}


def _image(s: Snapshot) -> dict[str, Any]:
    return {
        "name": s.name,
        "source": s.source,
        "origin": s.origin,
        "tags": list(s.tags),
        "layout": s.layout,
        "platform": s.platform,
        "config_digest": s.config_digest,
    }


def _layer(r: LayerRow) -> dict[str, Any]:
    return {
        "status": r.status,
        "base_index": r.base.index if r.base else None,
        "head_index": r.head.index if r.head else None,
        "command": r.command,
        "base_diff_id": r.base.diff_id if r.base else None,
        "head_diff_id": r.head.diff_id if r.head else None,
        "size": _delta(r.size),
        "compressed_size": _compressed(r.compressed),
    }


def _side(p: PackageRecord) -> dict[str, Any]:
    return {"version": p.version, "bytes": p.bytes, "database": p.database}


def _one(c: PackageChange) -> dict[str, Any]:
    p = c.head or c.base
    assert p is not None
    return {
        "name": c.name,
        "ecosystem": c.ecosystem,
        "arch": c.arch,
        "version": p.version,
        "bytes": p.bytes,
        "database": p.database,
    }


def _packages(pk: PackageDiff, top: int) -> dict[str, Any]:
    """Every list biggest |delta| first, each cut at ``top`` (0 = all); ``counts`` are uncut."""

    def cut(items: list[PackageChange]) -> list[PackageChange]:
        return items if top <= 0 else items[:top]

    return {
        "known": pk.known,
        "note": pk.note,
        "counts": pk.counts(),
        "top_limit": top,
        "added": [_one(c) for c in cut(pk.added)],
        "removed": [_one(c) for c in cut(pk.removed)],
        "changed": [
            {
                "name": c.name,
                "ecosystem": c.ecosystem,
                "arch": c.arch,
                "change": c.kind,
                "base": _side(c.base),  # type: ignore[arg-type]
                "head": _side(c.head),  # type: ignore[arg-type]
                "delta": c.delta,
            }
            for c in cut(pk.changed)
        ],
    }


def to_dict(cmp: Comparison, verdict: Verdict, *, top: int = 20) -> dict[str, Any]:
    shown = cmp.files if top <= 0 else cmp.files[:top]
    ins = cmp.insight
    return {
        "schema": DIFF_SCHEMA,
        "version": DIFF_VERSION,
        "generator": f"layerscope {__version__}",
        "verdict": {
            "passed": verdict.passed,
            "exit_code": verdict.exit_code,
            "change": change_kind(cmp),
            "failed_gates": [r.name for r in verdict.failed],
            "summary": headline_text(cmp, verdict),
        },
        "base": _image(cmp.base),
        "head": _image(cmp.head),
        "totals": {k: _compressed(d) if k == "compressed_size" else _delta(d) for k, d in cmp.totals.items()},
        "layers": [_layer(r) for r in cmp.layers],
        "files": {
            "summary": {k: {"count": t.count, "delta": t.delta} for k, t in cmp.tallies.items()},
            "total_changes": len(cmp.files),
            "top_limit": top,
            "top": [
                {
                    "path": c.path,
                    "change": c.change,
                    "base_size": c.base_size,
                    "head_size": c.head_size,
                    "delta": c.delta,
                }
                for c in shown
            ],
        },
        "packages": _packages(cmp.packages, top),
        "insight": {
            "layers": [
                {
                    "head_index": r.head.index if r.head else None,
                    "status": r.status,
                    "command": r.command,
                    "delta": r.size.delta,
                }
                for r in ins.layers
            ],
            "directories": [{"path": d, "delta": v} for d, v in ins.directories],
            "new_waste": [
                {"path": w.path, "count": w.count, "base_size": w.base_size, "head_size": w.head_size, "delta": w.delta}
                for w in ins.new_waste
            ],
        },
        "gates": [
            {"name": r.name, "status": r.status, "threshold": r.threshold, "value": r.value, "message": r.message}
            for r in verdict.results
        ],
    }


def render(cmp: Comparison, verdict: Verdict, *, top: int = 20) -> str:
    return json.dumps(to_dict(cmp, verdict, top=top), indent=2, ensure_ascii=True) + "\n"
