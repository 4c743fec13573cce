"""``layerscope packages`` through the installed console script: every format, the selection
options, ``-o``, and the failures (a bad image or option is one line on stderr and exit 2)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from fixtures.imagegen import M

from .conftest import run_cli
from .synth import image, stanza

EVIL = "evil\x1b]0;pwned\x07|`*x"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("cli")
    status = (stanza("big", "2.0") + stanza("small", "1.0") + stanza(EVIL, "=1+2")).encode()
    base = [
        M("var/lib/dpkg/status", data=status),
        M("var/lib/dpkg/info/big.list", data=b"/usr/lib/big.so\n"),
        M("var/lib/dpkg/info/small.list", data=b"/usr/bin/small\n"),
        M(f"var/lib/dpkg/info/{EVIL}.list", data=b"/usr/bin/evil\n"),
        M("usr/lib/big.so", data=b"b" * 9000),
        M("usr/bin/small", data=b"s" * 100),
        M("usr/bin/evil", data=b"e" * 10),
    ]
    site = "usr/lib/python3/dist-packages"
    py = [
        M(f"{site}/zed-3.0.dist-info/METADATA", data=b"Name: zed\nVersion: 3.0\n"),
        M(f"{site}/zed-3.0.dist-info/RECORD", data=b"zed.py,,\n"),
        M(f"{site}/zed.py", data=b"z" * 500),
    ]
    return image(tmp, base, py)


def test_text(cli: str, archive: str) -> None:
    res = run_cli(cli, "packages", archive, "-q")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    rows = [ln.split()[0] for ln in lines if ln.startswith("  ") and ln.split()[0] in ("big", "small", "zed")]
    assert rows == ["big", "zed", "small"]  # by size
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "evil\\x1b" in res.stdout
    by_name = run_cli(cli, "packages", archive, "-q", "--sort", "name", "--top", "2")
    table = by_name.stdout.split("  NAME", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    names = [ln.split()[0] for ln in table if not ln.strip().startswith("…")]
    assert names == ["big", "evil\\x1b]0;pwned\\x07|`*x"]
    assert "2 more (--top 0 shows all)" in by_name.stdout


def test_json_and_selection(cli: str, archive: str) -> None:
    res = run_cli(cli, "packages", archive, "-q", "--format", "json")
    doc = json.loads(res.stdout)
    got = {p["name"]: (p["ecosystem"], p["bytes"], p["files"], p["layer"]) for p in doc["packages"]}
    assert got == {"big": ("deb", 9000, 1, 0), "small": ("deb", 100, 1, 0), EVIL: ("deb", 10, 1, 0),
                   "zed": ("python", 500, 1, 1)}  # fmt: skip
    assert {"purl", "version", "name", "ecosystem", "bytes", "files", "layer"} <= set(doc["packages"][0])
    assert set(doc["unowned"]) >= {"bytes", "files"}
    assert doc["unowned"]["bytes"] + sum(p["bytes"] for p in doc["packages"]) == doc["totalBytes"]
    py = json.loads(run_cli(cli, "packages", archive, "-q", "--json", "--ecosystem", "python").stdout)
    assert [p["name"] for p in py["packages"]] == ["zed"]
    l1 = json.loads(run_cli(cli, "packages", archive, "-q", "--format", "json", "--layer", "1").stdout)
    assert [p["name"] for p in l1["packages"]] == ["zed"]


def test_csv(cli: str, archive: str) -> None:
    res = run_cli(cli, "packages", archive, "-q", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["name"] for r in rows][:2] == ["big", "zed"]
    evil = next(r for r in rows if r["name"].startswith("evil"))
    assert evil["version"] == "'=1+2"  # no formula for a spreadsheet to run


def test_markdown(cli: str, archive: str) -> None:
    res = run_cli(cli, "packages", archive, "-q", "--format", "markdown")
    assert res.returncode == 0
    evil_row = next(ln for ln in res.stdout.splitlines() if ln.startswith("| evil"))
    assert "\x1b" not in evil_row and "\\|" in evil_row and "\\`" in evil_row
    assert evil_row.count(" | ") == 6  # the name's pipe did not make a cell


def test_cyclonedx(cli: str, archive: str, tmp_path: Path) -> None:
    out = tmp_path / "bom.json"
    res = run_cli(cli, "packages", archive, "-q", "--format", "cyclonedx", "-o", str(out))
    assert res.returncode == 0 and res.stdout == "", res.stderr
    text = out.read_text()
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.5"
    comps = {c["name"]: c for c in bom["components"]}
    props = {p["name"]: p["value"] for p in comps["big"]["properties"]}
    assert (props["layerscope:bytes"], props["layerscope:layer"]) == ("9000", "0")
    assert comps["zed"]["purl"] == "pkg:pypi/zed@3.0"
    assert comps["big"]["purl"] == "pkg:deb/debian/big@2.0?arch=amd64"


def test_bad_image_and_bad_options(cli: str, archive: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"this is not a tar" * 100)
    for args in (
        [str(bad)],
        [str(tmp_path / "missing.tar")],
        [archive, "--format", "xml"],
        [archive, "--top", "-1"],
        [archive, "--layer", "x"],
        [archive, "--ecosystem", "cargo"],
    ):
        res = run_cli(cli, "packages", *args, "-q")
        assert res.returncode == 2, (args, res.stderr)
        err = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(err) == 1 and "Traceback" not in res.stderr, (args, res.stderr)
    res = run_cli(cli, "packages", archive, "-q", "-o", str(tmp_path / "no/such/dir/x.txt"))
    assert res.returncode == 2 and res.stderr.startswith("layerscope: cannot write")
