"""Compare two snapshots: layers matched, files diffed, totals and "where did it grow".

Layer matching (in this order, each step only inside the gaps the previous one left, so the
matching always keeps both images' layer order):

1. **diff_id**: the same uncompressed digest is the same content → ``shared``;
2. **command**: the same build step (whitespace, BuildKit's ``# buildkit`` suffix and the
   legacy builder's ``file:<sha256>`` content hashes ignored) → ``changed``;
3. **position** inside what is left of a gap → ``changed``;
4. whatever is left is ``new`` (head only) or ``gone`` (base only).

Everything here is arithmetic on two in-memory snapshots: the expensive part (reading the
archives) is done once per side, so a diff costs little more than analysing both images.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .model import LayerSummary, Snapshot
from .packages import PackageDiff, diff_packages

SHARED, CHANGED, NEW, GONE = "shared", "changed", "new", "gone"
ADDED, REMOVED, GROWN, SHRUNK = "added", "removed", "grown", "shrunk"


@dataclass(slots=True)
class Delta:
    """A base → head figure.  ``None`` sides mean "unknown" (e.g. no compressed size)."""

    base: int | float | None
    head: int | float | None
    estimated: bool = False  # a side is an estimate (the compressed size of a legacy save)

    @property
    def delta(self) -> int | float | None:
        if self.base is None or self.head is None:
            return None
        return self.head - self.base

    @property
    def percent(self) -> float | None:
        """Relative change in percent; None when unknown or the base is 0 and the head is not."""
        d = self.delta
        if d is None or self.base is None:
            return None
        if self.base == 0:
            return 0.0 if d == 0 else None
        return d * 100.0 / self.base


@dataclass(slots=True)
class LayerRow:
    status: str  # shared | changed | new | gone
    base: LayerSummary | None
    head: LayerSummary | None

    @property
    def size(self) -> Delta:
        return Delta(self.base.size if self.base else 0, self.head.size if self.head else 0)

    @property
    def compressed(self) -> Delta:
        return Delta(
            self.base.compressed_size if self.base else 0,
            self.head.compressed_size if self.head else 0,
            any(s is not None and s.compressed_estimated for s in (self.base, self.head)),
        )

    @property
    def command(self) -> str:
        return (self.head or self.base).command  # type: ignore[union-attr]


@dataclass(slots=True)
class FileChange:
    path: str
    change: str  # added | removed | grown | shrunk
    base_size: int | None
    head_size: int | None

    @property
    def delta(self) -> int:
        return (self.head_size or 0) - (self.base_size or 0)


@dataclass(slots=True)
class ChangeTally:
    count: int = 0
    delta: int = 0


@dataclass(slots=True)
class WasteChange:
    path: str
    count: int
    base_size: int
    head_size: int

    @property
    def delta(self) -> int:
        return self.head_size - self.base_size


@dataclass(slots=True)
class Insight:
    """Where HEAD grew: filled only for growth (``new_waste`` whenever waste appeared)."""

    layers: list[LayerRow] = field(default_factory=list)
    directories: list[tuple[str, int]] = field(default_factory=list)
    new_waste: list[WasteChange] = field(default_factory=list)


@dataclass(slots=True)
class Comparison:
    base: Snapshot
    head: Snapshot
    layers: list[LayerRow]
    files: list[FileChange]  # every change, biggest |Δ| first
    tallies: dict[str, ChangeTally]
    insight: Insight
    packages: PackageDiff = field(default_factory=lambda: PackageDiff(False, "not compared"))

    @property
    def totals(self) -> dict[str, Delta]:
        b, h = self.base, self.head
        return {
            "size": Delta(b.size, h.size),
            "compressed_size": Delta(
                b.compressed_size, h.compressed_size, b.compressed_estimated or h.compressed_estimated
            ),
            "layers": Delta(len(b.layers), len(h.layers)),
            "files": Delta(b.file_count, h.file_count),
            "efficiency": Delta(b.efficiency, h.efficiency),
            "wasted_bytes": Delta(b.wasted_bytes, h.wasted_bytes),
        }

    @property
    def unchanged(self) -> bool:
        """Nothing to report: every layer shared and no file or size differences."""
        return not self.files and all(r.status == SHARED for r in self.layers) and self.base.size == self.head.size


# ------------------------------------------------------------------------------- layers
_HASH_RE = re.compile(r"\b(file|dir|multi):[0-9a-f]{64}\b")


def normalize_command(cmd: str) -> str:
    cmd = " ".join(cmd.split())
    if cmd.endswith("# buildkit"):
        cmd = cmd[: -len("# buildkit")].rstrip()
    return _HASH_RE.sub(r"\1:…", cmd)


def _align(base: list[str], head: list[str]) -> list[tuple[int, int]]:
    """Monotonic pairs (i, j) with equal non-empty keys, as a longest-matching alignment."""
    sm = SequenceMatcher(None, base, head, autojunk=False)
    pairs = []
    for blk in sm.get_matching_blocks():
        for k in range(blk.size):
            if base[blk.a + k]:
                pairs.append((blk.a + k, blk.b + k))
    return pairs


def match_layers(base: list[LayerSummary], head: list[LayerSummary]) -> list[LayerRow]:
    """Rows in head order, each gone base layer placed where it used to be."""
    pairs: dict[int, tuple[int, str]] = {}  # head index -> (base index, status)

    def gaps() -> list[tuple[list[int], list[int]]]:
        """Unmatched (base indices, head indices) between consecutive matched pairs."""
        anchors = sorted((b, h) for h, (b, _s) in pairs.items())
        out, pb, ph = [], -1, -1
        for b, h in anchors + [(len(base), len(head))]:
            out.append((list(range(pb + 1, b)), list(range(ph + 1, h))))
            pb, ph = b, h
        return out

    for i, j in _align([lay.diff_id for lay in base], [lay.diff_id for lay in head]):
        pairs[j] = (i, SHARED)
    for bs, hs in gaps():
        if bs and hs:
            for i, j in _align(
                [normalize_command(base[i].command) for i in bs], [normalize_command(head[j].command) for j in hs]
            ):
                pairs[hs[j]] = (bs[i], CHANGED)
    for bs, hs in gaps():
        for i, j in zip(bs, hs, strict=False):
            pairs[j] = (i, CHANGED)
    rows: list[LayerRow] = []
    next_base = 0
    for j, h in enumerate(head):
        if j in pairs:
            i, status = pairs[j]
            while next_base < i:  # base layers skipped over are gone
                rows.append(LayerRow(GONE, base[next_base], None))
                next_base += 1
            if status == SHARED and h.size != base[i].size:
                status = CHANGED  # same digest, different size: only a hand-edited baseline
            rows.append(LayerRow(status, base[i], h))
            next_base = i + 1
        else:
            rows.append(LayerRow(NEW, None, h))
    rows.extend(LayerRow(GONE, b, None) for b in base[next_base:])
    return rows


# ------------------------------------------------------------------------------- files
def diff_files(base: dict[str, int], head: dict[str, int]) -> list[FileChange]:
    changes: list[FileChange] = []
    for path, hs in head.items():
        bs = base.get(path)
        if bs is None:
            changes.append(FileChange(path, ADDED, None, hs))
        elif hs > bs:
            changes.append(FileChange(path, GROWN, bs, hs))
        elif hs < bs:
            changes.append(FileChange(path, SHRUNK, bs, hs))
    for path, bs in base.items():
        if path not in head:
            changes.append(FileChange(path, REMOVED, bs, None))
    changes.sort(key=lambda c: (-abs(c.delta), c.path))
    return changes


def tally(changes: list[FileChange]) -> dict[str, ChangeTally]:
    out = {k: ChangeTally() for k in (ADDED, REMOVED, GROWN, SHRUNK)}
    for c in changes:
        t = out[c.change]
        t.count += 1
        t.delta += c.delta
    return out


def grown_directories(changes: list[FileChange], limit: int = 3, focus: float = 0.9) -> list[tuple[str, int]]:
    """The directories that explain the growth, most specific first.

    Every directory gets the net Δ of the files under it.  A directory whose growth comes
    mostly (≥ ``focus``) from one subdirectory is not listed, the subdirectory is; then the
    biggest are picked, never a directory together with its ancestor or descendant.
    """
    net: dict[str, int] = {}
    for c in changes:
        parts = c.path.strip("/").split("/")[:-1]
        for k in range(1, len(parts) + 1):
            d = "/" + "/".join(parts[:k])
            net[d] = net.get(d, 0) + c.delta
    best_child: dict[str, int] = {}
    for d, v in net.items():
        parent = d.rsplit("/", 1)[0] or "/"
        if parent != "/" and v > best_child.get(parent, 0):
            best_child[parent] = v
    candidates = [(d, v) for d, v in net.items() if v > 0 and best_child.get(d, 0) < focus * v]
    candidates.sort(key=lambda dv: (-dv[1], dv[0]))
    picked: list[tuple[str, int]] = []
    for d, v in candidates:
        if any(d.startswith(p + "/") or p.startswith(d + "/") for p, _ in picked):
            continue
        picked.append((d, v))
        if len(picked) == limit:
            break
    return picked


def new_waste(base: Snapshot, head: Snapshot, limit: int = 5) -> list[WasteChange]:
    before = {r.path: r.size for r in base.inefficient_files}
    out = [
        WasteChange(r.path, r.count, before.get(r.path, 0), r.size)
        for r in head.inefficient_files
        if r.size > before.get(r.path, 0)
    ]
    out.sort(key=lambda w: (-w.delta, w.path))
    return out[:limit]


def compare(base: Snapshot, head: Snapshot) -> Comparison:
    layers = match_layers(base.layers, head.layers)
    files = diff_files(base.files, head.files)
    insight = Insight(new_waste=new_waste(base, head))
    if head.size > base.size:
        grew = [r for r in layers if (r.size.delta or 0) > 0]
        grew.sort(key=lambda r: -(r.size.delta or 0))
        insight.layers = grew[:3]
        insight.directories = grown_directories(files)
    return Comparison(base, head, layers, files, tally(files), insight, diff_packages(base, head))
