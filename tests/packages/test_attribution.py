"""Ownership, bytes, layers and waste on synthetic images whose answer is known by construction.

Each expected number is the size written into the fixture (``data=b"x" * N``), so the oracle is
the fixture itself, not a sum the code under test made."""

from __future__ import annotations

from pathlib import Path

from fixtures.imagegen import M, opaque, whiteout
from layerscope.packages import CAPTURE
from layerscope.packages.capture import CaptureSpec

from .synth import analyze, by_name, stanza


def _dpkg(names: dict[str, list[str]]) -> list[M]:
    status = "".join(stanza(n) for n in names).encode()
    out = [M("var/lib/dpkg/status", data=status)]
    for n, paths in names.items():
        out.append(M(f"var/lib/dpkg/info/{n}.list", data=("\n".join(["/.", "/usr", *paths]) + "\n").encode()))
    return out


def test_bytes_files_layers_and_waste(tmp_path: Path) -> None:
    base = [
        M("usr/bin/a", data=b"a" * 1000),
        M("usr/share/a/doc", data=b"d" * 300),
        M("usr/bin/b", data=b"b" * 50),
        M("etc/free", data=b"f" * 7),
        *_dpkg({"a": ["/usr/bin/a", "/usr/share/a", "/usr/share/a/doc"], "b": ["/usr/bin/b"]}),
    ]
    upgrade = [M("usr/bin/a", data=b"A" * 1200)]  # a rewritten in layer 1: 1000 bytes superseded
    chmod = [M("usr/share/a/doc", data=b"d" * 300, mode=0o600)]  # copy-up in layer 2
    r = analyze(tmp_path, base, upgrade, chmod)
    p = by_name(r)
    a, b = p["a"], p["b"]
    assert (a.bytes, a.files, a.layer, a.rewritten_by) == (1500, 2, 0, [1, 2])
    assert (a.wasted_bytes, a.wasted_files, a.bytes_by_layer) == (1300, 2, {1: 1200, 2: 300})
    assert (a.declared, a.missing) == (4, 0)  # /usr and /usr/share/a are directories, not missing
    assert (b.bytes, b.files, b.layer, b.rewritten_by, b.wasted_bytes) == (50, 1, 0, [], 0)
    dbs = sum(len(m.data) for m in base if str(m.name).startswith("var/"))
    assert r.total_bytes == 1500 + 50 + 7 + dbs
    assert r.unowned.bytes == r.total_bytes - 1550
    assert r.package_of("/usr/bin/a") is a


def test_hardlinked_inode_counted_once_and_shared_files_noted(tmp_path: Path) -> None:
    layer = [
        M("opt/x/big", data=b"x" * 4000),
        M("opt/x/big2", "hardlink", linkname="opt/x/big"),
        M("opt/y/only-link", "hardlink", linkname="opt/x/big"),
        *_dpkg({"x": ["/opt/x/big", "/opt/x/big2"], "y": ["/opt/y/only-link", "/opt/x/big"]}),
    ]
    r = analyze(tmp_path, layer)
    x, y = by_name(r)["x"], by_name(r)["y"]
    assert (x.bytes, x.files) == (4000, 2)
    assert (y.bytes, y.files, y.shared) == (0, 1, 1)  # its link shares x's inode; /opt/x/big is x's
    assert any("more than one package" in n for n in r.notes)
    assert r.total_bytes - r.unowned.bytes == 4000


def test_symlinked_directories_are_followed(tmp_path: Path) -> None:
    layer = [
        M("bin", "symlink", linkname="usr/bin"),
        M("usr/bin/tool", data=b"t" * 640),
        M("usr/bin/sh", "symlink", linkname="tool"),
        *_dpkg({"tool": ["/bin/tool", "/bin/sh", "/bin/gone"]}),
    ]
    t = by_name(analyze(tmp_path, layer))["tool"]
    assert (t.bytes, t.files, t.missing) == (640, 1, 1)  # the symlink is owned, holds no bytes


def test_database_state_is_the_topmost_copy_and_whiteouts_hide_it(tmp_path: Path) -> None:
    first = [M("usr/bin/a", data=b"a" * 10), *_dpkg({"a": ["/usr/bin/a"]})]
    second = [M("usr/bin/c", data=b"c" * 20), *_dpkg({"c": ["/usr/bin/c"]})]
    assert sorted(by_name(analyze(tmp_path, first, second))) == ["c"]
    gone = [whiteout("var/lib/dpkg/status")]
    r = analyze(tmp_path, first, gone)
    assert r.packages == [] and r.databases == []
    hidden = [opaque("var/lib/dpkg"), M("var/lib/dpkg/other", data=b"o")]
    assert analyze(tmp_path, first, hidden).packages == []


def test_apk_installed_database(tmp_path: Path) -> None:
    # written from the documented format: P name, V version, A arch, F directory, R file in it
    db = (
        "C:Q1xx=\nP:busybox\nV:1.36.1-r15\nA:x86_64\nS:500\nI:900\no:busybox\n"
        "F:bin\nR:busybox\nZ:Q1yy=\nF:etc\nR:securetty\n"
        "\nP:ca-certificates-bundle\nV:20240226-r0\nA:x86_64\nF:etc/ssl/certs\nR:ca-certificates.crt\n"
        "\nV:9\nF:nowhere\n"  # no P: line
    )
    layer = [
        M("lib/apk/db/installed", data=db.encode()),
        M("bin/busybox", data=b"B" * 900),
        M("etc/securetty", data=b"s" * 30),
        M("etc/ssl/certs/ca-certificates.crt", data=b"c" * 2000),
        M("etc/os-release", data=b'ID=alpine\nVERSION_ID="3.20.0"\n'),
    ]
    r = analyze(tmp_path, layer)
    p = by_name(r)
    assert (p["busybox"].version, p["busybox"].bytes, p["busybox"].files) == ("1.36.1-r15", 930, 2)
    assert p["ca-certificates-bundle"].bytes == 2000
    assert p["busybox"].purl == "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.20.0"
    (d,) = r.databases
    assert d.partial and any("without a P: line" in n for n in d.notes)


def test_python_record_relative_and_egg_info(tmp_path: Path) -> None:
    site = "opt/venv/lib/python3.12/site-packages"
    record = "demo/__init__.py,sha256=x,100\ndemo/data.bin,,\n../../../bin/demo,,\n/etc/demo.cfg,,\n" + (
        "demo-1.0.dist-info/RECORD,,\n"
    )
    layer = [
        M(f"{site}/demo/__init__.py", data=b"p" * 100),
        M(f"{site}/demo/data.bin", data=b"d" * 5000),
        M("opt/venv/bin/demo", data=b"#!" + b"s" * 48),
        M("etc/demo.cfg", data=b"c" * 10),
        M(f"{site}/demo-1.0.dist-info/METADATA", data=b"Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\n\nbody"),
        M(f"{site}/demo-1.0.dist-info/RECORD", data=record.encode()),
        M(f"{site}/old_pkg-0.5-py3.12.egg-info/installed-files.txt", data=b"../old_pkg/__init__.py\nPKG-INFO\n"),
        M(f"{site}/old_pkg-0.5-py3.12.egg-info/PKG-INFO", data=b"Name: old-pkg\nVersion: 0.5\n"),
        M(f"{site}/old_pkg/__init__.py", data=b"o" * 70),
    ]
    r = analyze(tmp_path, layer)
    p = by_name(r)
    rec = len(record.encode())
    assert (p["Demo"].bytes, p["Demo"].files) == (100 + 5000 + 50 + 10 + rec, 5)
    assert (p["old-pkg"].bytes, p["old-pkg"].files) == (70 + len(b"Name: old-pkg\nVersion: 0.5\n"), 2)
    assert p["Demo"].purl == "pkg:pypi/demo@1.0"
    assert [d.path for d in r.databases] == [site]


def test_npm_nested_and_scoped(tmp_path: Path) -> None:
    nm = "srv/app/node_modules"
    layer = [
        M(f"{nm}/a/package.json", data=b'{"name":"a","version":"1.0.0"}'),
        M(f"{nm}/a/index.js", data=b"a" * 300),
        M(f"{nm}/a/node_modules/b/package.json", data=b'{"name":"b","version":"2.0.0"}'),
        M(f"{nm}/a/node_modules/b/lib/b.js", data=b"b" * 400),
        M(f"{nm}/a/node_modules/.bin/x", data=b"x" * 5),  # under a nested node_modules: nobody's
        M(f"{nm}/@s/c/package.json", data=b'{"name":"@s/c","version":"3.0.0"}'),
        M(f"{nm}/@s/c/c.js", data=b"c" * 200),
        M(f"{nm}/broken/package.json", data=b"{not json"),
    ]
    r = analyze(tmp_path, layer)
    p = by_name(r)
    size = {m.name: len(m.data) for m in layer}
    assert (p["a"].bytes, p["a"].files) == (300 + size[f"{nm}/a/package.json"], 2)
    assert (p["b"].bytes, p["b"].files) == (400 + size[f"{nm}/a/node_modules/b/package.json"], 2)
    assert (p["@s/c"].bytes, p["@s/c"].purl) == (200 + size[f"{nm}/@s/c/package.json"], "pkg:npm/%40s/c@3.0.0")
    assert "broken" in p and any("unreadable package.json" in n for n in r.databases[0].notes)
    assert [d.path for d in r.databases] == [nm]


def test_distroless_status_d_is_partial(tmp_path: Path) -> None:
    layer = [
        M("var/lib/dpkg/status.d/libc6", data=stanza("libc6", "2.36-9").encode()),
        M("var/lib/dpkg/status.d/libc6.md5sums", data=b"0123  lib/x86_64-linux-gnu/libc.so.6\n"),
        M("lib/x86_64-linux-gnu/libc.so.6", data=b"l" * 1234),
    ]
    r = analyze(tmp_path, layer)
    assert by_name(r)["libc6"].bytes == 1234
    assert r.databases[0].partial and "ownership partial" in r.databases[0].notes[0]


def test_database_over_the_capture_bound_is_a_note(tmp_path: Path) -> None:
    small = CaptureSpec(CAPTURE.key + "-test", CAPTURE.wants, max_file_bytes=64, max_total_bytes=1 << 20)
    layer = [M("usr/bin/a", data=b"a"), *_dpkg({"a" * 80: ["/usr/bin/a"]})]
    r = analyze(tmp_path, layer, capture=small)
    (d,) = r.databases
    assert d.partial and "larger than the capture bound" in d.notes[0]
    none = analyze(tmp_path, layer, capture=None)
    assert any("kept no file content" in n for n in none.notes)
