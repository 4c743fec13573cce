"""npm: every ``node_modules/<name>`` and ``node_modules/@scope/<name>`` directory holding a
``package.json``.

A package's files are the final files under its directory minus those under a nested
``node_modules`` (those belong to the nested packages, or to nobody).  Name and version come
from the ``package.json`` (the directory name when it has none).  Packages are grouped by their
outermost ``node_modules`` directory: one database per project.
"""

from __future__ import annotations

import bisect
import json

from .capture import is_npm_manifest
from .model import NPM, Database, Declared
from .textdb import MAX_FILES, MAX_PACKAGES, short, text
from .view import FinalView

MAX_MANIFEST = 4 << 20  # a package.json bigger than this is not parsed (the name comes from the dir)


def _manifest(data: bytes | None) -> tuple[str, str, bool]:
    """(name, version, readable)."""
    if data is None or len(data) > MAX_MANIFEST:
        return "", "", False
    try:
        doc = json.loads(text(data))
    except (ValueError, RecursionError):
        return "", "", False
    if not isinstance(doc, dict):
        return "", "", False
    name, version = doc.get("name"), doc.get("version")
    return (
        short(name) if isinstance(name, str) else "",
        short(version) if isinstance(version, str) else "",
        True,
    )


def _root(pkgdir: str) -> str:
    """The outermost ``node_modules`` directory above a package."""
    cut = pkgdir.find("node_modules/") if pkgdir.startswith("node_modules/") else pkgdir.find("/node_modules/") + 1
    return pkgdir[: cut + len("node_modules")]


def _own_files(keys: list[str], prefix: str, nested: str) -> tuple[list[str], bool]:
    """The sorted ``keys`` under ``prefix``, the range under ``nested`` skipped in one bisect
    (so nested trees cost nothing per level)."""
    lo = bisect.bisect_left(keys, prefix)
    hi = bisect.bisect_left(keys, prefix + "\U0010ffff", lo)
    skip_lo = bisect.bisect_left(keys, nested, lo, hi)
    skip_hi = bisect.bisect_left(keys, nested + "\U0010ffff", skip_lo, hi)
    out = keys[lo:skip_lo] + keys[skip_hi:hi]
    if len(out) > MAX_FILES:
        return out[:MAX_FILES], True
    return out, False


def read(view: FinalView) -> list[Database]:
    manifests = [p for p in view.files if p.endswith("/package.json") and is_npm_manifest(p)]
    if not manifests:
        return []
    dbs: dict[str, Database] = {}
    for manifest in sorted(manifests):
        pkgdir = manifest[: -len("/package.json")]
        root = _root(pkgdir)
        db = dbs.get(root)
        if db is None:
            db = dbs[root] = Database(NPM, root)
        if len(db.packages) >= MAX_PACKAGES:
            if not db.partial:
                db.notes.append(f"/{root}: more than {MAX_PACKAGES} packages; the rest ignored")
                db.partial = True
            continue
        data, _, why = view.content(manifest)
        name, version, ok = _manifest(data)
        if not ok:
            db.notes.append(f"/{manifest}: unreadable package.json" + (f" ({why})" if why else ""))
        if not name:
            parts = pkgdir.split("/")
            name = "/".join(parts[-2:]) if parts[-2].startswith("@") else parts[-1]
        prefix = pkgdir + "/"
        nested = prefix + "node_modules/"
        paths, cut = _own_files(view.sorted_paths(), prefix, nested)
        if cut:
            db.notes.append(f"/{pkgdir}: more than {MAX_FILES} files; the rest ignored")
            db.partial = True
        db.packages.append(Declared(NPM, name, version, paths, record=manifest, truncated=cut))
    return list(dbs.values())
