"""Package changes between two snapshots: added, removed, upgraded, downgraded, changed, rebuilt.

**Matching.**  A package is identified by ``(ecosystem, name, arch, role)``.  The *role* tells
two installs of one name apart: it is empty for the system databases (dpkg, apk, rpm: one per
image), and the database directory for Python and npm, with the interpreter's version folded
(``usr/lib/python3.11/site-packages`` and ``…/python3.12/…`` are the same role, so a Python
upgrade does not turn every package into removed + added; ``/opt/venv/…`` and the system
site-packages stay apart).  A name left unmatched on both sides with exactly one install on each
(a virtual environment moved to another path) is then matched across roles.  Two installs with
the same key on one side (possible only with a hand-made database) are told apart by their
order.  A changed architecture is a removal and an addition.

**Kinds.**  A different version is ``upgraded`` or ``downgraded`` when the ecosystem's own
ordering decides it (:mod:`layerscope.packages.versions`), else ``changed`` (an invalid
version, or two strings of equal precedence); the same version with different bytes is
``rebuilt``.  Every list is ordered by the biggest ``|Δ bytes|`` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..image import Image
from ..packages.versions import compare_versions
from .model import PackageRecord, Snapshot

ADDED, REMOVED, UPGRADED, DOWNGRADED, CHANGED, REBUILT = (
    "added",
    "removed",
    "upgraded",
    "downgraded",
    "changed",
    "rebuilt",
)
KINDS = (ADDED, REMOVED, UPGRADED, DOWNGRADED, CHANGED, REBUILT)
_PER_DIRECTORY = ("python", "npm")
_PYVER = re.compile(r"(?<![^/])(python|pypy)[0-9][0-9.]*(?=/)")


def package_records(image: Image) -> list[PackageRecord] | None:
    """The image's packages for a snapshot; None when the read kept no database content
    (the image was not read with :data:`layerscope.packages.CAPTURE`)."""
    if image.layers and all(layer.captured is None for layer in image.layers):
        return None
    from ..packages import analyze_packages

    report = analyze_packages(image)
    return [PackageRecord(p.ecosystem, p.name, p.version, p.arch, p.bytes, p.database) for p in report.packages]


def role_of(p: PackageRecord) -> str:
    """The part of the key that tells two installs of one name apart (see the module docstring)."""
    if p.ecosystem not in _PER_DIRECTORY:
        return ""
    return _PYVER.sub(r"\1", p.database.strip("/"))


@dataclass(slots=True)
class PackageChange:
    kind: str
    ecosystem: str
    name: str
    arch: str
    base: PackageRecord | None
    head: PackageRecord | None

    @property
    def delta(self) -> int:
        return (self.head.bytes if self.head else 0) - (self.base.bytes if self.base else 0)

    @property
    def growth(self) -> int:
        """What a per-package gate measures: an added package grew from 0."""
        return self.delta


@dataclass(slots=True)
class PackageDiff:
    known: bool  # both sides recorded their packages
    note: str = ""  # why not, when not
    changes: list[PackageChange] = field(default_factory=list)  # biggest |Δ| first

    def of(self, *kinds: str) -> list[PackageChange]:
        return [c for c in self.changes if c.kind in kinds]

    @property
    def added(self) -> list[PackageChange]:
        return self.of(ADDED)

    @property
    def removed(self) -> list[PackageChange]:
        return self.of(REMOVED)

    @property
    def changed(self) -> list[PackageChange]:
        return self.of(UPGRADED, DOWNGRADED, CHANGED, REBUILT)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for c in self.changes:
            out[c.kind] += 1
        return out

    def biggest_growth(self) -> PackageChange | None:
        grown = [c for c in self.changes if c.growth > 0]
        return max(grown, key=lambda c: (c.growth, c.name)) if grown else None


Key = tuple[str, str, str, str, int]


def _keyed(packages: list[PackageRecord]) -> dict[Key, PackageRecord]:
    out: dict[Key, PackageRecord] = {}
    seen: dict[tuple[str, str, str, str], int] = {}
    for p in sorted(packages, key=lambda p: (p.ecosystem, p.name, p.arch, p.database, p.version)):
        k = (p.ecosystem, p.name, p.arch, role_of(p))
        n = seen.get(k, 0)
        seen[k] = n + 1
        out[(k[0], k[1], k[2], k[3], n)] = p
    return out


def _kind(b: PackageRecord, h: PackageRecord) -> str | None:
    if b.version == h.version:
        return None if b.bytes == h.bytes else REBUILT
    c = compare_versions(b.ecosystem, b.version, h.version)
    return UPGRADED if c == -1 else DOWNGRADED if c == 1 else CHANGED


def _not_recorded(s: Snapshot, side: str) -> str:
    if s.origin == "baseline":
        return f"not recorded in the {side} baseline (written by an older layerscope)"
    return f"not read for the {side} image"


def diff_packages(base: Snapshot, head: Snapshot) -> PackageDiff:
    if base.packages is None or head.packages is None:
        return PackageDiff(False, _not_recorded(base, "base") if base.packages is None else _not_recorded(head, "head"))
    b, h = _keyed(base.packages), _keyed(head.packages)
    pairs = [(b[k], h[k]) for k in b if k in h]
    only_b = [k for k in b if k not in h]
    only_h = [k for k in h if k not in b]
    # one install left on each side under another role: the same package moved
    by_name_b: dict[tuple[str, str, str], list[Key]] = {}
    by_name_h: dict[tuple[str, str, str], list[Key]] = {}
    for k in only_b:
        by_name_b.setdefault(k[:3], []).append(k)
    for k in only_h:
        by_name_h.setdefault(k[:3], []).append(k)
    moved: set[Key] = set()
    for name, ks in by_name_b.items():
        hs = by_name_h.get(name, [])
        if len(ks) == 1 and len(hs) == 1:
            pairs.append((b[ks[0]], h[hs[0]]))
            moved.update((ks[0], hs[0]))
    changes: list[PackageChange] = []
    for bp, hp in pairs:
        kind = _kind(bp, hp)
        if kind is not None:
            changes.append(PackageChange(kind, bp.ecosystem, bp.name, bp.arch, bp, hp))
    changes += [
        PackageChange(REMOVED, b[k].ecosystem, b[k].name, b[k].arch, b[k], None) for k in only_b if k not in moved
    ]
    changes += [
        PackageChange(ADDED, h[k].ecosystem, h[k].name, h[k].arch, None, h[k]) for k in only_h if k not in moved
    ]
    changes.sort(key=lambda c: (-abs(c.delta), c.ecosystem, c.name, c.arch, KINDS.index(c.kind)))
    return PackageDiff(True, "", changes)


def version_move(c: PackageChange) -> str:
    """``1.26.4 → 2.1.3`` for a change, the one version for an addition or a removal."""
    if c.base is not None and c.head is not None:
        return c.base.version if c.kind == REBUILT else f"{c.base.version} → {c.head.version}"
    return (c.head or c.base).version  # type: ignore[union-attr]


__all__ = [
    "ADDED",
    "CHANGED",
    "DOWNGRADED",
    "KINDS",
    "REBUILT",
    "REMOVED",
    "UPGRADED",
    "PackageChange",
    "PackageDiff",
    "diff_packages",
    "package_records",
    "role_of",
    "version_move",
]
