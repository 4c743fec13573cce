"""Which package costs how much, in which layer: databases → owned final files → bytes.

Order of claims: OS packages first (deb, apk, rpm), then Python, then npm, each database in the
order it lists its packages.  A final file claimed twice is counted for the first claimant and
the later one's ``shared`` counter says so.  Bytes are those of regular files in the final
image; a hardlinked inode is counted once (for the owner of its first path, or of the link
when nobody owns the target).  The layer that installed a package is the lowest layer holding
a copy of one of its files; any later layer holding a copy rewrote it, and the superseded
copies are its waste.

Cost: one path-keyed dict (``owner``) over the view's maps, no per-package tree; every
declared path is one dict lookup (symlinked directories are followed only for a path that is
not found as it stands).
"""

from __future__ import annotations

from ..image import TYPE_LINK, Entry, Image
from . import apk, dpkg, npm, python, rpm
from .capture import OS_RELEASE
from .model import Database, DatabaseSummary, Declared, DirUsage, Package, PackageReport, Unowned
from .purl import os_release, purl_for
from .view import FinalView, final_view, link_target

MAX_DECLARED = 5_000_000  # declared paths looked up over all databases
MAX_DIRS = 200  # unowned directories listed (the biggest); the rest are counted

_REGULAR = (0x30, 0, 0x37)
Inode = tuple[int, str]  # (layer, path of the regular file): a hardlink names its target's


def find_databases(view: FinalView) -> tuple[list[Database], list[str]]:
    """Every package database of the final image, parsed, in claim order; image-wide notes."""
    dbs: list[Database] = []
    dbs += dpkg.read(view)
    dbs += apk.read(view)
    rpm_dbs, notes = rpm.read(view)
    dbs += rpm_dbs
    dbs += python.read(view)
    dbs += npm.read(view)
    return dbs, notes


def _inode(view: FinalView, path: str, layer: int, e: Entry) -> tuple[Inode, int, bool]:
    """(inode key, its bytes, found) of a final regular file or hardlink."""
    if e.typeflag != TYPE_LINK:
        return (layer, path), e.size, True
    target = link_target(e)
    hit = view.files.get(target)
    if hit is not None and hit[0] == layer and hit[1].typeflag in _REGULAR:
        return (layer, target), hit[1].size, True
    for lay, old in reversed(view.superseded.get(target, ())):
        if lay == layer and old.typeflag in _REGULAR:
            return (layer, target), old.size, True  # the inode outlived its first name
    return (layer, path), 0, False


def _claim(view: FinalView, decls: list[tuple[int, Declared]], budget: list[int]) -> tuple[dict[str, int], list]:
    """owner: final path → package index; per package (owned paths, missing, shared)."""
    owner: dict[str, int] = {}
    per: list[tuple[list[str], int, int]] = []
    resolve, resolve_dir = view.resolve, view.resolve_dir
    for idx, (_, d) in enumerate(decls):
        mine: list[str] = []
        missing = shared = 0
        paths = d.paths
        if budget[0] < len(paths):
            paths = paths[: max(budget[0], 0)]
            d.truncated = True
        budget[0] -= len(paths)
        for p in paths:
            rp = resolve(p)
            if rp is None:
                if not resolve_dir(p):
                    missing += 1
                continue
            o = owner.get(rp)
            if o is None:
                owner[rp] = idx
                mine.append(rp)
            elif o != idx:
                shared += 1
        per.append((mine, missing, shared))
    return owner, per


def nothing_captured(image: Image) -> bool:
    """Whether no layer kept (or named as too big to keep) any database file: then no package can
    be found, and a face that shows only packages need not walk the final image at all."""
    return all(lay.captured is None or not (lay.captured.files or lay.captured.too_big) for lay in image.layers)


def analyze_packages(image: Image, view: FinalView | None = None) -> PackageReport:
    """The package report of ``image`` (read with :data:`~.capture.CAPTURE`)."""
    view = final_view(image) if view is None else view
    dbs, notes = find_databases(view)
    if image.layers and all(layer.captured is None for layer in image.layers):
        notes.append("the read kept no file content: package databases could not be read")
    release = os_release(view.content(OS_RELEASE[0])[0] or view.content(OS_RELEASE[1])[0])
    decls = [(di, d) for di, db in enumerate(dbs) for d in db.packages]
    budget = [MAX_DECLARED]
    owner, per = _claim(view, decls, budget)
    if budget[0] < 0:
        notes.append(f"more than {MAX_DECLARED} declared paths over all databases; the rest ignored")

    files = view.files
    counted: set[Inode] = set()
    packages: list[Package] = []
    links: list[tuple[int, str]] = []
    for idx, ((di, d), (mine, missing, shared)) in enumerate(zip(decls, per, strict=True)):
        pkg = Package(
            ecosystem=d.ecosystem,
            name=d.name,
            version=d.version,
            arch=d.arch,
            purl=purl_for(d, release),
            database=dbs[di].path,
            bytes=0,
            files=0,
            layer=None,
            rewritten_by=[],
            wasted_bytes=0,
            wasted_files=0,
            bytes_by_layer={},
            declared=len(d.paths),
            missing=missing,
            shared=shared,
        )
        layers: set[int] = set()
        for rp in mine:
            layer, e = files[rp]
            layers.add(layer)
            for lay, old in view.superseded.get(rp, ()):
                layers.add(lay)
                pkg.wasted_bytes += old.size
                pkg.wasted_files += 1
            if e.typeflag == TYPE_LINK:
                links.append((idx, rp))
            elif e.typeflag in _REGULAR:
                counted.add((layer, rp))
                pkg.files += 1
                pkg.bytes += e.size
                pkg.bytes_by_layer[layer] = pkg.bytes_by_layer.get(layer, 0) + e.size
        if layers:
            pkg.layer = min(layers)
            pkg.rewritten_by = sorted(layers - {pkg.layer})
        else:
            pkg.layer = view.layer_of(d.record)
        if d.truncated:
            pkg.notes.append("file list cut at the bound: ownership partial")
        if shared:
            pkg.notes.append(f"{shared} file(s) already claimed by an earlier package (counted there)")
        packages.append(pkg)
    for idx, rp in links:  # a hardlink's inode goes to its target's owner when there is one
        layer, e = files[rp]
        key, size, _ = _inode(view, rp, layer, e)
        pkg = packages[idx]
        pkg.files += 1
        if key not in counted:
            counted.add(key)
            pkg.bytes += size
            pkg.bytes_by_layer[layer] = pkg.bytes_by_layer.get(layer, 0) + size

    unowned, total_bytes, total_files = _unowned(view, owner, counted)
    shared_total = sum(p.shared for p in packages)
    if shared_total:
        notes.append(f"{shared_total} file(s) claimed by more than one package, counted for the first")
    summaries = [_summary(view, db, [p for p in packages if p.database == db.path], total_bytes) for db in dbs]
    return PackageReport(packages, unowned, summaries, total_bytes, total_files, len(image.layers), notes, owner)


def _unowned(view: FinalView, owner: dict[str, int], counted: set[Inode]) -> tuple[Unowned, int, int]:
    """Unowned regular files by directory, and the image's totals (each inode once: an
    inode some package counted adds nothing to the unowned figures)."""
    by_dir: dict[str, list[int]] = {}
    seen: set[Inode] = set()
    total_bytes = total_files = 0
    unowned_bytes = unowned_files = 0
    for path, (layer, e) in view.files.items():
        if e.typeflag not in _REGULAR and e.typeflag != TYPE_LINK:
            continue
        total_files += 1
        if e.typeflag == TYPE_LINK:
            key, size, _ = _inode(view, path, layer, e)
        else:
            key, size = (layer, path), e.size
        if key in seen:
            size = 0
        else:
            seen.add(key)
            total_bytes += size
            if key in counted:
                size = 0
        if path in owner:
            continue
        unowned_files += 1
        unowned_bytes += size
        d = path.rpartition("/")[0]
        slot = by_dir.get(d)
        if slot is None:
            by_dir[d] = [size, 1]
        else:
            slot[0] += size
            slot[1] += 1
    ranked = sorted(by_dir.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    dirs = [DirUsage(d, b, n) for d, (b, n) in ranked[:MAX_DIRS]]
    return Unowned(unowned_bytes, unowned_files, dirs, max(0, len(ranked) - MAX_DIRS)), total_bytes, total_files


def _summary(view: FinalView, db: Database, pkgs: list[Package], total: int) -> DatabaseSummary:
    b = sum(p.bytes for p in pkgs)
    layer = view.layer_of(db.path)
    if layer is None:
        layers = [p.layer for p in pkgs if p.layer is not None]
        layer = min(layers) if layers else None
    pct = 0.0 if total <= 0 else 100.0 * b / total
    return DatabaseSummary(
        db.ecosystem, db.path, layer, len(pkgs), sum(p.files for p in pkgs), b, pct, db.partial, list(db.notes)
    )
