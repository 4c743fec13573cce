"""Alpine: ``lib/apk/db/installed``.

The format (apk-tools' "installed database", documented on the Alpine wiki as the
``APKINDEX``/installed format): one stanza per package, blank-line separated, each line a
one-letter key, ``:`` and a value.  ``P:`` name, ``V:`` version, ``A:`` architecture, ``o:``
origin; ``F:`` opens a directory (relative to ``/``) and every following ``R:`` names a file
in it, until the next ``F:``.  Other keys (checksums ``Z:``, ACLs ``a:``/``M:``) are skipped.
"""

from __future__ import annotations

from .capture import APK_DB
from .model import APK, Database, Declared
from .textdb import MAX_FILES, MAX_PACKAGES, clean, paragraphs, short, text
from .view import FinalView


def parse(body: str, db: Database) -> None:
    bad = 0
    for block in paragraphs(body):
        name = version = arch = ""
        directory = ""
        paths: list[str] = []
        cut = False
        for line in block:
            key, sep, value = line.partition(":")
            if not sep or len(key) != 1:
                continue
            if key == "P":
                name = short(value)
            elif key == "V":
                version = short(value)
            elif key == "A":
                arch = short(value)
            elif key == "F":
                directory = value.strip().strip("/")
            elif key == "R":
                p = clean(value.strip(), directory)
                if p is None:
                    continue
                if len(paths) >= MAX_FILES:
                    cut = True
                    continue
                paths.append(p)
        if not name:
            bad += 1
            continue
        if len(db.packages) >= MAX_PACKAGES:
            db.notes.append(f"/{APK_DB}: more than {MAX_PACKAGES} packages; the rest ignored")
            db.partial = True
            break
        if cut:
            db.notes.append(f"/{APK_DB}: {name}: more than {MAX_FILES} files; the rest ignored")
            db.partial = True
        db.packages.append(Declared(APK, name, version, paths, record=APK_DB, arch=arch, truncated=cut))
    if bad:
        db.notes.append(f"/{APK_DB}: {bad} malformed record(s) without a P: line skipped")
        db.partial = True


def read(view: FinalView) -> list[Database]:
    if not view.exists(APK_DB):
        return []
    db = Database(APK, APK_DB)
    data, _, why = view.content(APK_DB)
    if data is None:
        db.notes.append(why)
        db.partial = True
    else:
        parse(text(data), db)
    return [db]
