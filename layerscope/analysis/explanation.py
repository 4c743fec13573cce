"""Everything ``explain`` shows, computed once: the CLI text, ``--json``, the TUI Insights view
and the PR-report section all render this one object, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..golang.strconv import nonfinite
from ..image import Image
from .accurate import AccurateWaste, accurate_waste
from .compressed import CompressedSize, image_compressed, layer_compressed
from .dive_efficiency import DiveEfficiency, dive_efficiency
from .globs import PathGlobs
from .insights import DEAD_KINDS, KIND_TITLES, KINDS, UNNEEDED, Insights, command_of, explain_waste

if TYPE_CHECKING:
    from ..packages.model import PackageReport

EXPLAIN_SCHEMA = "layerscope/explain"
EXPLAIN_VERSION = 1


@dataclass(slots=True)
class LayerFacts:
    index: int
    command: str
    size: int
    compressed: CompressedSize
    dead_bytes: int  # bytes of this layer no final file needs
    killed_bytes: int  # bytes of earlier layers this layer made dead


@dataclass(slots=True)
class Explanation:
    image: Image
    dive: DiveEfficiency
    accurate: AccurateWaste
    insights: Insights
    download: CompressedSize
    layers: list[LayerFacts]
    ignore: list[str]
    packages: PackageReport | None = None  # when the read kept the package databases

    @property
    def final_files(self) -> int:
        return len(self.accurate.live)


def build_explanation(
    image: Image, ignore: PathGlobs | None = None, packages: PackageReport | None = None
) -> Explanation:
    """``packages`` defaults to the image's own package report when the read captured the
    databases (``ReadOptions(capture=layerscope.packages.CAPTURE)``), else none."""
    ignore = ignore or PathGlobs()
    if packages is None and any(layer.captured is not None for layer in image.layers):
        from ..packages import analyze_packages

        packages = analyze_packages(image)
    acc = accurate_waste(image, ignore)
    ins = explain_waste(image, acc, packages)
    layers = [
        LayerFacts(
            lw.index,
            command_of(image, lw.index),
            lw.size,
            layer_compressed(image.layers[lw.index]),
            lw.dead_bytes,
            lw.killed_bytes,
        )
        for lw in acc.layers
    ]
    return Explanation(
        image, dive_efficiency(image), acc, ins, image_compressed(image), layers, list(ignore.patterns), packages
    )


def _num(x: float) -> float | str:
    """JSON has no NaN/Inf: write them as strings, exactly as dive prints them."""
    text = nonfinite(x)
    return x if text is None else text


def to_json(ex: Explanation, top: int = 0) -> dict:
    """The ``explain --json`` document (schema ``layerscope/explain`` v1); ``top`` 0 = all groups."""
    ins = ex.insights
    groups = ins.groups if top <= 0 else ins.groups[:top]
    return {
        "schema": EXPLAIN_SCHEMA,
        "version": EXPLAIN_VERSION,
        "image": ex.image.name,
        "size": ex.accurate.total_bytes,
        "download": {"size": ex.download.size, "exact": ex.download.exact},
        "final_files": ex.final_files,
        "content_hashes": ins.hashed,
        "ignore": ex.ignore,
        "packages_read": ex.packages is not None,
        "dive": {
            "wasted_bytes": ex.dive.wasted_bytes,
            "efficiency": _num(ex.dive.efficiency),
            "user_wasted_percent": _num(ex.dive.user_wasted_percent),
        },
        "accurate": {
            "wasted_bytes": ex.accurate.wasted_bytes,
            "efficiency": ex.accurate.efficiency,
            "ignored_bytes": ex.accurate.ignored_bytes,
            "removable_bytes": ins.removable_bytes,
        },
        "kinds": [
            {
                "kind": k,
                "title": KIND_TITLES[k],
                "bytes": ins.totals[k][0],
                "files": ins.totals[k][1],
                "dead": k in DEAD_KINDS,
                "hint": k == UNNEEDED,
            }
            for k in KINDS
        ],
        "groups": [
            {
                "kind": g.kind,
                "rule": g.rule,
                "bytes": g.bytes,
                "files": g.files,
                "layer": g.layer,
                "layer_command": command_of(ex.image, g.layer),
                "dead_in_layer": g.killer,
                "dead_in_command": command_of(ex.image, g.killer) if g.killer is not None else None,
                "paths": [{"path": a, "bytes": b, "files": n} for a, b, n in g.top_anchors(10)],
                "details": sorted(g.details),
                "packages": [
                    {
                        "ecosystem": s.ecosystem,
                        "name": s.name,
                        "version": s.version,
                        "bytes": s.bytes,
                        "files": s.files,
                        "package_bytes": s.package_bytes,
                        "layer": s.layer,
                    }
                    for s in g.packages
                ],
                "fix": g.fix,
            }
            for g in groups
        ],
        "layers": [
            {
                "index": lf.index,
                "command": lf.command,
                "size": lf.size,
                "compressed_size": lf.compressed.size,
                "compressed_exact": lf.compressed.exact,
                "dead_bytes": lf.dead_bytes,
                "killed_bytes": lf.killed_bytes,
            }
            for lf in ex.layers
        ],
    }
