"""Everything the main screen shows, computed once in a worker thread after the image loads.

The UI only reads these objects: the image, a cache of marked trees, dive's efficiency
analysis and the CI verdict (the same code paths as ``--ci``).  The package analysis is the one
exception: it is not needed for the first frame, so the main screen computes it in a worker
after the first tree is shown (:func:`compute_packages`) and stores it here when it arrives.
So are the content hashes, when the image was read without them (:class:`LateHashes`): even
their plan waits until a tree compares layers or the first frame is up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ..analysis.dive_efficiency import DiveEfficiency, dive_efficiency
from ..archive.decompress import Limits
from ..ci.evaluate import Verdict, evaluate
from ..ci.rules import RULE_KEYS, load_rules
from ..errors import ConfigError
from ..image import Image, Layer
from ..packages import PackageReport
from ..sources.content import LayerSource
from ..sources.hashes import HashPlan, plan_hashes, prepare
from ..tree.build import build_layer_tree, same_in_both_views
from ..tree.marks import LayerTrees
from ..tree.node import Node
from ..tree.universe import Universe, reusing
from .trees import TreeCache


@dataclass
class LateHashes:
    """The content hashes still to come after the first frame (:mod:`layerscope.sources.hashes`):
    what to hash, where to read it again, and how far the main screen's worker has got.
    ``done`` is set when they arrived or failed (``error``); Insights waits on it.

    Even the plan waits for the first frame: the first screen shows layer 0 alone, whose marks
    compare nothing, so :meth:`planned` runs in the hashing worker, or before the first tree
    that compares layers (:attr:`~.trees.TreeCache.before_marks`), whichever asks first."""

    image: Image
    limits: Limits
    use_cache: bool  # the layer cache may hold the hashes of an earlier hashed read
    plan: HashPlan | None = None  # set by :meth:`planned`
    done: threading.Event = field(default_factory=threading.Event)
    layers_done: int = 0
    layers_total: int = 0
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def pending(self) -> bool:
        return not self.done.is_set()

    def planned(self) -> HashPlan:
        """The plan, made the first time it is asked for, with its placeholders set on the
        entries (no overlapping file may look Unmodified before its hash is known)."""
        with self._lock:
            if self.plan is None:
                plan = plan_hashes(self.image)
                prepare(self.image, plan)
                self.plan = plan
            return self.plan


@dataclass
class UIModel:
    image: Image
    trees: TreeCache
    analysis: DiveEfficiency
    verdict: Verdict | None
    ci_source: str | None
    ci_error: str | None
    content: LayerSource | None  # where layer blobs are read again, for the viewer and extract
    packages: PackageReport | None = None  # set by the main screen's worker once computed
    packages_error: str | None = None  # why the package analysis failed (shown, never a crash)
    late: LateHashes | None = None  # content hashes computed after the first frame, if any are missing
    # the analysis' index of the layer trees, until the views take it over (:meth:`first_tree`)
    index: Universe | None = field(default=None, repr=False)

    def first_tree(self) -> None:
        """Build layer 0's tree, the first frame's.  The views index the layer trees first;
        where those are the analysis' own trees (nearly always), they share its index
        (:func:`~layerscope.tree.universe.reusing`) instead of walking every tree again."""
        index, self.index = self.index, None
        if index is None:
            self.trees.get(0, False)
            return
        with reusing(index, self.trees.layer_trees.trees):
            self.trees.get(0, False)


def build_model(
    image: Image,
    *,
    ci_config: str | None = ".dive-ci",
    rule_flags: dict[str, str | None] | None = None,
    content: LayerSource | None = None,
) -> UIModel:
    """Trees (lazy per layer), analysis and verdict for ``image``.

    The analysis comes first: it builds every layer's tree (dive's semantics) and lets them go,
    so the explorer's own trees, built after, reuse that memory instead of adding to the peak
    (about 4 MiB less at the first frame on the 30k-entry benchmark image).  A layer whose dive
    tree is also its accurate tree (:func:`~layerscope.tree.build.same_in_both_views`: nearly
    every layer) keeps it, so it is not built twice (a second or more on a million entries)."""
    kept: list[Node | None] = []

    def keep(layer: Layer, tree: Node) -> None:
        serves = not layer.dive_empty and layer.dive_all_entries is None and same_in_both_views(layer.entries, tree)
        kept.append(tree if serves else None)

    index: list[Universe] = []
    analysis = dive_efficiency(image, on_layer_tree=keep, on_universe=index.append)
    # the analysis indexed its own trees: the views may share that index only if every one of
    # them is also the explorer's tree (kept); else it goes now, before any tree is rebuilt
    shared = index[0] if index and all(tree is not None for tree in kept) else None
    index.clear()
    own = [
        tree if tree is not None else build_layer_tree(layer.entries, accurate=True)
        for tree, layer in zip(kept, image.layers, strict=True)
    ]
    trees = TreeCache(LayerTrees(image, accurate=True, trees=own))
    verdict = None
    ci_source = None
    ci_error = None
    flags = {k: (rule_flags or {}).get(k) for k in RULE_KEYS}
    try:
        rules = load_rules(ci_config, flags)
        ci_source = rules.source
        verdict = evaluate(rules, analysis)
    except ConfigError as e:
        ci_error = str(e)
    return UIModel(image, trees, analysis, verdict, ci_source, ci_error, content, index=shared)


def compute_packages(image: Image) -> PackageReport:
    """The package analysis of ``analyze``'s image (its databases were captured during the read:
    :func:`layerscope.ui.app.create_app` reads with ``capture=CAPTURE``).  Runs in a worker."""
    from ..packages.attribute import analyze_packages, nothing_captured

    if nothing_captured(image):  # no database: skip the final-image walk (time and memory) for nothing
        return PackageReport.without_databases(len(image.layers))
    return analyze_packages(image)
