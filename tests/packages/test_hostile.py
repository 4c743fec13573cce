"""Bad databases are notes, never tracebacks, and every size the image controls is bounded."""

from __future__ import annotations

import shutil
import sqlite3
import struct
import subprocess
import time
from pathlib import Path

import pytest

from fixtures.imagegen import M
from layerscope.packages import textdb
from layerscope.packages.rpmheader import HeaderError, parse_header

from .synth import analyze, by_name, stanza


def test_corrupt_dpkg_status(tmp_path: Path) -> None:
    garbage = bytes(range(256)) * 40 + b"\n\nStatus: install ok installed\nVersion: 1\n\n" + stanza("ok").encode()
    r = analyze(tmp_path, [M("var/lib/dpkg/status", data=garbage), M("var/lib/dpkg/info/ok.list", data=b"\xff\n")])
    assert "ok" in by_name(r)
    (d,) = r.databases
    assert d.partial and any("malformed record" in n for n in d.notes)


def test_truncated_and_absurd_rpm_headers() -> None:
    with pytest.raises(HeaderError):
        parse_header(b"\0\0\0", 10)
    with pytest.raises(HeaderError):
        parse_header(struct.pack(">II", 0xFFFFFFF, 0xFFFFFFF), 10)
    entry = struct.pack(">iIiI", 1117, 8, 0, 1 << 30)  # BASENAMES claiming 2**30 strings in 4 bytes
    with pytest.raises(HeaderError):
        parse_header(struct.pack(">II", 1, 4) + entry + b"abc\0", 10)
    with pytest.raises(HeaderError):
        parse_header(struct.pack(">II", 1, 400) + entry, 10)  # data store shorter than declared


def _real_rpmdb(tmp_path: Path) -> bytes:
    rpm, rpmbuild = shutil.which("rpm"), shutil.which("rpmbuild")
    if not rpm or not rpmbuild:
        pytest.skip("rpm / rpmbuild not installed")
    top = tmp_path / "rb"
    (top / "SPECS").mkdir(parents=True)
    spec = top / "SPECS/h.spec"
    spec.write_text(
        "Name: hostile\nVersion: 1\nRelease: 1\nSummary: t\nLicense: MIT\nBuildArch: noarch\n%description\nt\n"
        "%install\nmkdir -p %{buildroot}/opt/h\necho x > %{buildroot}/opt/h/f\n%files\n/opt/h/f\n"
    )
    run = {"capture_output": True, "timeout": 120, "check": True}
    subprocess.run([rpmbuild, "--define", f"_topdir {top}", "-bb", str(spec)], **run)  # type: ignore[call-overload]
    root = tmp_path / "root"
    pkg = str(next((top / "RPMS").rglob("*.rpm")))
    subprocess.run([rpm, "--root", str(root), "--dbpath", "/var/lib/rpm", "-i", "--justdb", "--nodeps", pkg], **run)  # type: ignore[call-overload]
    return (root / "var/lib/rpm/rpmdb.sqlite").read_bytes()


def test_rpmdb_with_a_truncated_header_row(tmp_path: Path) -> None:
    good = _real_rpmdb(tmp_path)
    r = analyze(tmp_path, [M("var/lib/rpm/rpmdb.sqlite", data=good), M("opt/h/f", data=b"x\n")])
    assert by_name(r)["hostile"].bytes == 2
    db = tmp_path / "cut.sqlite"
    db.write_bytes(good)
    con = sqlite3.connect(db)
    con.execute("UPDATE Packages SET blob = substr(blob, 1, 40)")
    con.commit()
    con.close()
    r = analyze(tmp_path, [M("var/lib/rpm/rpmdb.sqlite", data=db.read_bytes())])
    assert r.packages == [] and any("unreadable package header" in n for n in r.databases[0].notes)


def test_corrupt_sqlite_and_berkeley_db(tmp_path: Path) -> None:
    r = analyze(tmp_path, [M("var/lib/rpm/rpmdb.sqlite", data=b"SQLite format 3\0" + b"\xee" * 5000)])
    assert r.databases[0].partial and "cannot read the sqlite rpmdb" in r.databases[0].notes[0]
    r = analyze(tmp_path, [M("var/lib/rpm/Packages", data=b"\0" * 4096), M("usr/bin/x", data=b"x")])
    assert r.notes == ["/var/lib/rpm/Packages: rpmdb format not supported (Berkeley DB)"]
    assert r.unowned.files == 2


def test_million_line_record_is_bounded(tmp_path: Path) -> None:
    site = "usr/lib/python3/site-packages"
    body = "".join(f"p/{i}.py,,\n" for i in range(1_000_000)).encode()
    layer = [M(f"{site}/big-1.dist-info/RECORD", data=body), M(f"{site}/p/1.py", data=b"1" * 11)]
    started = time.perf_counter()
    r = analyze(tmp_path, layer)
    assert time.perf_counter() - started < 60
    big = by_name(r)["big"]
    assert big.declared == textdb.MAX_FILES and big.bytes == 11
    assert any(f"more than {textdb.MAX_FILES} entries" in n for n in r.databases[0].notes)


def test_symlink_loops_and_escaping_paths(tmp_path: Path) -> None:
    layer = [
        M("a", "symlink", linkname="b"),
        M("b", "symlink", linkname="a"),
        M("var/lib/dpkg/status", data=stanza("loop").encode()),
        M("var/lib/dpkg/info/loop.list", data=b"/a/x\n/../../etc/passwd\n/b/c/d\n"),
    ]
    loop = by_name(analyze(tmp_path, layer))["loop"]
    assert (loop.bytes, loop.missing) == (0, 2)


def test_deeply_nested_package_json(tmp_path: Path) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    r = analyze(tmp_path, [M("node_modules/deep/package.json", data=deep)])
    assert by_name(r)["deep"].version == ""


def test_rpmdb_packages_view_is_not_run(tmp_path: Path) -> None:
    db = tmp_path / "view.sqlite"
    con = sqlite3.connect(db)
    con.execute(
        "CREATE VIEW Packages AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
        "SELECT x AS blob FROM n"
    )
    con.commit()
    con.close()
    started = time.perf_counter()
    r = analyze(tmp_path, [M("var/lib/rpm/rpmdb.sqlite", data=db.read_bytes())])
    assert time.perf_counter() - started < 30
    assert "no Packages table" in r.databases[0].notes[0]
