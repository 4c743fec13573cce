"""Debian and Ubuntu: ``var/lib/dpkg/status`` with ``info/<pkg>[:arch].list``, and distroless's
``status.d/`` (one stanza file per package, ``<pkg>.md5sums`` instead of file lists).

Ownership is what dpkg itself records, read from the image's files, nothing run.  ``.list``
files name directories too; those own no bytes and are not "missing".  Distroless images keep
no file lists: their ``md5sums`` omit conffiles and symlinks, so that database is partial.
"""

from __future__ import annotations

from .capture import DPKG_INFO, DPKG_STATUS, DPKG_STATUS_D
from .model import DEB, Database, Declared
from .textdb import MAX_FILES, MAX_PACKAGES, clean, fields, paragraphs, short, text
from .view import FinalView

_GONE = ("not-installed",)


def _file_list(body: str, limit: int = MAX_FILES) -> tuple[list[str], bool]:
    out: list[str] = []
    for line in body.splitlines():
        p = clean(line.strip())
        if p is None:
            continue
        if len(out) >= limit:
            return out, True
        out.append(p)
    return out, False


def _md5sums(body: str) -> tuple[list[str], bool]:
    """``<md5>  <path relative to />`` lines."""
    paths = []
    for line in body.splitlines():
        _, sep, rest = line.strip().partition(" ")
        if sep:
            paths.append(rest.strip())
    return _file_list("\n".join(paths))


def _stanzas(db: Database, body: str, source: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    bad = 0
    for block in paragraphs(body):
        f = fields(block)
        if not f.get("Package", "").strip():
            bad += 1
            continue
        if len(out) + len(db.packages) >= MAX_PACKAGES:
            db.notes.append(f"/{source}: more than {MAX_PACKAGES} packages; the rest ignored")
            db.partial = True
            break
        out.append(f)
    if bad:
        db.notes.append(f"/{source}: {bad} malformed record(s) without a Package field skipped")
        db.partial = True
    return out


def _declared(f: dict[str, str], paths: list[str], record: str, cut: bool) -> Declared:
    return Declared(
        DEB,
        short(f.get("Package", "")),
        short(f.get("Version", "")),
        paths,
        record=record,
        arch=short(f.get("Architecture", "")),
        truncated=cut,
    )


def read_status(view: FinalView) -> Database | None:
    data, _layer, why = view.content(DPKG_STATUS)
    if data is None and not view.exists(DPKG_STATUS):
        return None
    db = Database(DEB, DPKG_STATUS)
    if data is None:
        db.notes.append(why)
        db.partial = True
        return db
    for f in _stanzas(db, text(data), DPKG_STATUS):
        status = f.get("Status", "").split()
        if status and status[-1] in _GONE:
            continue
        name, arch = f.get("Package", "").strip(), f.get("Architecture", "").strip()
        record = ""
        body: bytes | None = None
        for cand in (f"{DPKG_INFO}{name}:{arch}.list", f"{DPKG_INFO}{name}.list"):
            if view.exists(cand):
                record = cand
                body, _, why = view.content(cand)
                if body is None:
                    db.notes.append(why)
                    db.partial = True
                break
        paths, cut = _file_list(text(body)) if body is not None else ([], False)
        if cut:
            db.notes.append(f"/{record}: more than {MAX_FILES} paths; the rest ignored")
            db.partial = True
        db.packages.append(_declared(f, paths, record or DPKG_STATUS, cut))
    return db


def read_status_d(view: FinalView) -> Database | None:
    """Distroless: ``status.d/<name>`` stanza files, ``status.d/<name>.md5sums`` lists."""
    names = [p for p in view.under(DPKG_STATUS_D.rstrip("/")) if "/" not in p[len(DPKG_STATUS_D) :]]
    stanzas = [p for p in names if not p.endswith(".md5sums")]
    if not stanzas:
        return None
    db = Database(DEB, DPKG_STATUS_D.rstrip("/"), partial=True)
    db.notes.append("distroless status.d: file lists from md5sums only (no conffiles, no symlinks): ownership partial")
    for path in stanzas:
        data, _, why = view.content(path)
        if data is None:
            db.notes.append(why)
            continue
        for f in _stanzas(db, text(data), path):
            body, _, why = view.content(path + ".md5sums")
            if body is None and view.exists(path + ".md5sums"):
                db.notes.append(why)
            paths, cut = _md5sums(text(body)) if body is not None else ([], False)
            db.packages.append(_declared(f, paths, path, cut))
    return db


def read(view: FinalView) -> list[Database]:
    return [db for db in (read_status(view), read_status_d(view)) if db is not None]
