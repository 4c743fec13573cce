"""RPM: the sqlite rpmdb (``var/lib/rpm/rpmdb.sqlite``, ``usr/lib/sysimage/rpm/rpmdb.sqlite``).

The database is opened from the captured bytes in memory (``sqlite3`` ``deserialize``), never
from the image's files on disk, and only its ``Packages`` table is read: each row's ``blob`` is
a header (:mod:`.rpmheader`).  sqlite reports a corrupt file as an error, which becomes a note.
Older images keep a Berkeley DB ``Packages`` (and SUSE an ``ndb`` ``Packages.db``); those are
named in one note and otherwise skipped.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

from .capture import RPM_BDB, RPM_NDB, RPM_SQLITE
from .model import RPM, Database, Declared
from .rpmheader import HeaderError, parse_header
from .textdb import MAX_FILES, MAX_PACKAGES, clean, short
from .view import FinalView

if TYPE_CHECKING:
    import sqlite3

MAX_VM_CALLBACKS = 20_000  # x 10,000 sqlite VM steps: far more than reading 100,000 rows needs


def _rows(data: bytes) -> list[bytes]:
    """The header blobs of the Packages table (WAL mode switched off: the in-memory copy has
    no -wal file next to it, and sqlite refuses a WAL database it cannot pair)."""
    import sqlite3  # only when an image has an rpmdb (a megabyte and a half of RSS otherwise)

    if len(data) >= 20 and data[:16] == b"SQLite format 3\0" and data[18:20] == b"\x02\x02":
        data = data[:18] + b"\x01\x01" + data[20:]
    if hasattr(sqlite3.Connection, "deserialize"):  # Python 3.11+: no file at all
        con = sqlite3.connect(":memory:")
        con.deserialize(data)  # type: ignore[attr-defined]
        return _blobs(con)
    with tempfile.TemporaryDirectory(prefix="layerscope-rpmdb-") as d:  # Python 3.10
        path = os.path.join(d, "rpmdb.sqlite")
        with open(path, "wb") as f:
            f.write(data)
        return _blobs(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def _blobs(con: sqlite3.Connection) -> list[bytes]:
    """Only a real ``Packages`` *table* is read (a view could run any query the image wrote),
    with the schema untrusted and the virtual machine's steps bounded."""
    steps = [0]

    def bounded() -> int:
        steps[0] += 1
        return 1 if steps[0] > MAX_VM_CALLBACKS else 0  # non-zero aborts the statement

    try:
        con.set_progress_handler(bounded, 10_000)
        con.execute("PRAGMA trusted_schema = OFF")
        con.execute("PRAGMA query_only = ON")
        kind = con.execute("SELECT type FROM sqlite_master WHERE name = 'Packages'").fetchone()
        if kind is None or kind[0] != "table":
            raise ValueError("no Packages table")
        cur = con.execute("SELECT blob FROM Packages LIMIT ?", (MAX_PACKAGES + 1,))
        return [bytes(r[0]) for r in cur if isinstance(r[0], (bytes, memoryview))]
    finally:
        con.close()


def parse(data: bytes, db: Database) -> None:
    import sqlite3

    try:
        blobs = _rows(data)
    except (sqlite3.Error, OverflowError, MemoryError, ValueError) as e:
        db.notes.append(f"/{db.path}: cannot read the sqlite rpmdb ({e})")
        db.partial = True
        return
    if len(blobs) > MAX_PACKAGES:
        db.notes.append(f"/{db.path}: more than {MAX_PACKAGES} packages; the rest ignored")
        db.partial = True
        blobs = blobs[:MAX_PACKAGES]
    bad = 0
    for blob in blobs:
        try:
            h, cut = parse_header(blob, MAX_FILES)
        except HeaderError:
            bad += 1
            continue
        if not h.name or h.name == "gpg-pubkey":  # imported keys are headers without files
            continue
        version = h.version + (f"-{h.release}" if h.release else "")
        if h.epoch is not None:
            version = f"{h.epoch}:{version}"
        paths = [p for p in (clean(x) for x in h.paths) if p is not None]
        q = {} if h.epoch is None else {"epoch": str(h.epoch)}
        if cut:
            db.notes.append(f"/{db.path}: {h.name}: more than {MAX_FILES} files; the rest ignored")
            db.partial = True
        db.packages.append(
            Declared(RPM, short(h.name), short(version), paths, record=db.path, arch=short(h.arch), qualifiers=q)
        )
    if bad:
        db.notes.append(f"/{db.path}: {bad} unreadable package header(s) skipped")
        db.partial = True


def read(view: FinalView) -> tuple[list[Database], list[str]]:
    """The sqlite rpmdbs found, and notes about rpmdbs in formats not read."""
    out = []
    notes = []
    seen: set[str] = set()
    for path in RPM_SQLITE:
        real = view.resolve(path)
        if real is None or real in seen:  # Fedora links var/lib/rpm to usr/lib/sysimage/rpm
            continue
        seen.add(real)
        db = Database(RPM, path)
        data, _, why = view.content(path)
        if data is None:
            db.notes.append(why)
            db.partial = True
        else:
            parse(data, db)
        wal = view.files.get(real + "-wal")
        if wal is not None and wal[1].size > 0:
            db.notes.append(f"/{path}-wal: not checkpointed changes are not read")
            db.partial = True
        out.append(db)
    for path in RPM_BDB:
        if view.exists(path) and not any(db.path.startswith(path.rsplit("/", 1)[0]) for db in out):
            notes.append(f"/{path}: rpmdb format not supported (Berkeley DB)")
    for path in RPM_NDB:
        if view.exists(path) and not any(db.path.startswith(path.rsplit("/", 1)[0]) for db in out):
            notes.append(f"/{path}: rpmdb format not supported (ndb)")
    return out, notes
