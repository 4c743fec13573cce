"""Python distributions: every ``*.dist-info/RECORD`` and ``*.egg-info/installed-files.txt``,
in any prefix (system, ``/usr/local``, virtual environments, ``--target`` trees).

``RECORD`` (the wheel spec, PEP 376/627) is CSV: path, hash, size; paths are relative to the
directory holding the ``.dist-info`` (site-packages), or absolute.  ``installed-files.txt``
(setuptools) lists paths relative to the ``.egg-info`` directory itself.  Name and version
come from ``METADATA`` / ``PKG-INFO`` (``Name:``/``Version:``), else from the directory name
(``name-version.dist-info``).  Each site-packages directory is one database.
"""

from __future__ import annotations

import csv

from .model import PYTHON, Database, Declared
from .textdb import MAX_FILES, MAX_PACKAGES, clean, short, text
from .view import FinalView

_HEADER_LINES = 200  # METADATA headers end at the first blank line; we read at most this many


def _metadata(data: bytes | None) -> tuple[str, str]:
    name = version = ""
    if data is None:
        return name, version
    for k, line in enumerate(text(data[: 1 << 16]).splitlines()):
        if not line.strip() or k >= _HEADER_LINES:
            break
        key, sep, value = line.partition(":")
        if sep and key == "Name" and not name:
            name = short(value)
        elif sep and key == "Version" and not version:
            version = short(value)
    return name, version


def _from_dirname(dirname: str) -> tuple[str, str]:
    stem = dirname.rsplit(".", 1)[0]
    name, _, version = stem.partition("-")
    return short(name), short(version.split("-", 1)[0])


def _record_paths(body: str, base: str) -> tuple[list[str], bool, int]:
    """(paths, cut, unreadable rows) of a RECORD."""
    out: list[str] = []
    bad = 0
    try:
        for row in csv.reader(body.splitlines()):
            if not row:
                continue
            p = clean(row[0], base)
            if p is None:
                bad += 1
                continue
            if len(out) >= MAX_FILES:
                return out, True, bad
            out.append(p)
    except csv.Error:
        bad += 1
    return out, False, bad


def _lines_paths(body: str, base: str) -> tuple[list[str], bool, int]:
    out: list[str] = []
    bad = 0
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        p = clean(line, base)
        if p is None:
            bad += 1
            continue
        if len(out) >= MAX_FILES:
            return out, True, bad
        out.append(p)
    return out, False, bad


def read(view: FinalView) -> list[Database]:
    dbs: dict[str, Database] = {}
    found = []
    for path in view.files:
        if path.endswith("/RECORD") and path[:-7].endswith(".dist-info"):
            found.append((path, path[:-7], "METADATA", _record_paths))
        elif path.endswith("/installed-files.txt") and path[:-20].endswith(".egg-info"):
            found.append((path, path[:-20], "PKG-INFO", _lines_paths))
    for record, infodir, meta, reader in sorted(found):
        site, _, dirname = infodir.rpartition("/")
        db = dbs.get(site)
        if db is None:
            db = dbs[site] = Database(PYTHON, site)
        if len(db.packages) >= MAX_PACKAGES:
            if not db.partial:
                db.notes.append(f"/{site}: more than {MAX_PACKAGES} distributions; the rest ignored")
                db.partial = True
            continue
        name, version = _metadata(view.content(f"{infodir}/{meta}")[0])
        if not name:
            name, v2 = _from_dirname(dirname)
            version = version or v2
        data, _, why = view.content(record)
        if data is None:
            db.notes.append(why)
            db.partial = True
            paths: list[str] = []
            cut, bad = False, 0
        else:
            base = site if reader is _record_paths else infodir
            paths, cut, bad = reader(text(data), base)
        if cut:
            db.notes.append(f"/{record}: more than {MAX_FILES} entries; the rest ignored")
            db.partial = True
        if bad:
            db.notes.append(f"/{record}: {bad} unreadable or out-of-root entries skipped")
        db.packages.append(Declared(PYTHON, name, version, paths, record=record, truncated=cut))
    return list(dbs.values())
