"""Sizes per package of an image built by the real Docker engine, with databases written by the
real tools (see realimage.py), checked against the running container: the file lists come from
``dpkg-query``, ``rpm -ql``, ``importlib.metadata`` and ``find`` in the container, the sizes from
``stat`` in the container.  Our figures come from the installed ``layerscope packages`` script.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.realtools.conftest import ToolError

from . import realimage as ri
from .conftest import run_cli


@pytest.fixture(scope="module")
def built(engine, workdir: Path) -> ri.Built:
    try:
        return ri.build(engine, workdir / "packages")
    except ToolError as e:
        pytest.skip(f"cannot build the package image: {e}")


@pytest.fixture(scope="module")
def report(built: ri.Built, cli: str) -> dict:
    res = run_cli(cli, "packages", built.archive, "--format", "json", "-q")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def _pkg(report: dict, eco: str, name: str) -> dict:
    hits = [p for p in report["packages"] if p["ecosystem"] == eco and p["name"] == name]
    assert len(hits) == 1, f"{eco}/{name} not found once in {[(p['ecosystem'], p['name']) for p in report['packages']]}"
    return hits[0]


def test_every_declared_package_is_found(built: ri.Built, report: dict) -> None:
    for eco, name in built.declared:
        _pkg(report, eco, name)
    npm = {p["name"] for p in report["packages"] if p["ecosystem"] == "npm"}
    assert npm == {"left-thing", "@acme/util", "outer", "inner"}


def test_os_and_python_package_bytes_match_the_container(built: ri.Built, report: dict) -> None:
    oracle = ri.container_bytes(built, {f"{e}:{n}": paths for (e, n), paths in built.declared.items()})
    for (eco, name), _paths in built.declared.items():
        want_bytes, want_files = oracle[f"{eco}:{name}"]
        got = _pkg(report, eco, name)
        assert (got["bytes"], got["files"]) == (want_bytes, want_files), f"{eco}/{name}"
    assert _pkg(report, "deb", "pkgb")["bytes"] == 7000  # found through /lib -> usr/lib


def test_npm_package_bytes_match_find_in_the_container(built: ri.Built, report: dict) -> None:
    nm = "/app/node_modules"
    dirs = {
        "left-thing": (f"{nm}/left-thing", None),
        "@acme/util": (f"{nm}/@acme/util", None),
        "outer": (f"{nm}/outer", f"{nm}/outer/node_modules"),
        "inner": (f"{nm}/outer/node_modules/inner", None),
    }
    for name, (d, prune) in dirs.items():
        files = ri.container_find(built, d, prune)
        want = ri.container_bytes(built, {"x": files})["x"]
        got = _pkg(report, "npm", name)
        assert (got["bytes"], got["files"]) == want, name
        assert got["layer"] == ri.L_APP
        assert got["purl"].startswith("pkg:npm/")


def test_layers_and_waste_of_rewritten_packages(built: ri.Built, report: dict) -> None:
    six = _pkg(report, "python", "six")
    assert six["layer"] == ri.L_SITE and six["rewrittenBy"] == [ri.L_EDIT]
    assert six["wastedBytes"] == built.host_sizes[f"{ri.PY_SITE}/six.py"]  # the copy before the append
    pkga = _pkg(report, "deb", "pkga")
    assert pkga["layer"] == ri.L_ROOTFS and pkga["rewrittenBy"] == [ri.L_EDIT]
    assert pkga["wastedBytes"] == built.host_sizes["/usr/share/pkga/data"]  # chmod copied it up
    idna = _pkg(report, "python", "idna")
    assert idna["rewrittenBy"] == [] and idna["wastedBytes"] == 0
    left = _pkg(report, "npm", "left-thing")
    assert left["missing"] == 0 and left["wastedBytes"] == 0  # a deleted file is not in the package any more


def test_totals_and_coverage_match_the_container(built: ri.Built, report: dict) -> None:
    every = ri.in_container(built, "find / -xdev -type f -print\n").split()
    # the container adds files of its own at run time (/etc/hosts, resolv.conf, hostname, .dockerenv)
    runtime = {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/.dockerenv"}
    want_bytes, want_files = ri.container_bytes(built, {"all": [p for p in every if p not in runtime]})["all"]
    assert (report["totalBytes"], report["totalFiles"]) == (want_bytes, want_files)
    owned = sum(p["bytes"] for p in report["packages"])
    assert owned + report["unowned"]["bytes"] == report["totalBytes"]
    kinds = {d["ecosystem"] for d in report["databases"]}
    assert kinds == {"deb", "rpm", "apk", "python", "npm"}
    deb = next(d for d in report["databases"] if d["ecosystem"] == "deb")
    assert deb["bytes"] == sum(p["bytes"] for p in report["packages"] if p["ecosystem"] == "deb")
    assert deb["percent"] == pytest.approx(100 * deb["bytes"] / report["totalBytes"], abs=0.01)


def test_purls(report: dict) -> None:
    assert _pkg(report, "rpm", "rpmtest")["purl"] == "pkg:rpm/rpmtest@2.0-1?arch=noarch&epoch=3"
    assert _pkg(report, "rpm", "rpmtest")["version"] == "3:2.0-1"
    assert _pkg(report, "deb", "pkga")["purl"] == "pkg:deb/debian/pkga@1.2-3?arch=all"
    assert _pkg(report, "npm", "@acme/util")["purl"] == "pkg:npm/%40acme/util@2.1.0"
    assert _pkg(report, "python", "six")["purl"].startswith("pkg:pypi/six@")


def test_docker_engine_source_gives_the_same_packages(built: ri.Built, report: dict, cli: str) -> None:
    """The capture works for the engine source too (the layers stream from the daemon)."""
    res = run_cli(cli, "packages", f"docker://{built.tag}", "--format", "json", "-q", env=built.engine.env())
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    key = [(p["ecosystem"], p["name"], p["bytes"], p["layer"], p["wastedBytes"]) for p in doc["packages"]]
    assert key == [(p["ecosystem"], p["name"], p["bytes"], p["layer"], p["wastedBytes"]) for p in report["packages"]]
