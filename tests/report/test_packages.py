"""Package matching and kinds (report.packages) and the baseline's ``packages`` field."""

from __future__ import annotations

import json

import pytest

from layerscope.report.model import BaselineError, PackageRecord, Snapshot, dumps_baseline, from_baseline_dict
from layerscope.report.packages import diff_packages


def snap(*pkgs: PackageRecord | None, origin: str = "image") -> Snapshot:
    return Snapshot(
        name="x",
        source="archive",
        layers=[],
        files={},
        efficiency=1.0,
        wasted_bytes=0,
        dive_size=0,
        dive_user_size=0,
        origin=origin,
        packages=None if pkgs == (None,) else list(pkgs),  # type: ignore[arg-type]
    )


def py(name: str, version: str, n: int, site: str = "usr/lib/python3.11/site-packages") -> PackageRecord:
    return PackageRecord("python", name, version, "", n, site)


def deb(name: str, version: str, n: int, arch: str = "amd64") -> PackageRecord:
    return PackageRecord("deb", name, version, arch, n, "var/lib/dpkg/status")


def kinds(base: Snapshot, head: Snapshot) -> list[tuple[str, str, int]]:
    return [(c.kind, c.name, c.delta) for c in diff_packages(base, head).changes]


def test_kinds_and_order() -> None:
    base = snap(deb("libc6", "2.36-9", 100), deb("tzdata", "2024a-1", 50), deb("x", "1.0", 7), py("a", "2.0", 10))
    head = snap(deb("libc6", "2.36-9+deb12u4", 90), deb("tzdata", "2024a-1", 62), deb("x", "1.0", 7), py("a", "1.9", 4))
    assert kinds(base, head) == [("rebuilt", "tzdata", 12), ("upgraded", "libc6", -10), ("downgraded", "a", -6)]


def test_invalid_versions_are_just_changed() -> None:
    assert kinds(snap(py("a", "banana", 1)), snap(py("a", "cherry", 2))) == [("changed", "a", 1)]


def test_two_site_packages_stay_apart_and_python_upgrade_keeps_roles() -> None:
    venv = "opt/venv/lib/python3.11/site-packages"
    base = snap(py("pip", "23.0", 100), py("pip", "24.0", 200, venv))
    # the system Python went 3.11 → 3.12: same role; the venv's pip unchanged
    head = snap(py("pip", "23.1", 110, "usr/lib/python3.12/site-packages"), py("pip", "24.0", 200, venv))
    assert kinds(base, head) == [("upgraded", "pip", 10)]


def test_a_moved_install_is_matched_across_roles() -> None:
    base = snap(py("flask", "3.0.0", 100, "opt/venv/lib/python3.12/site-packages"))
    head = snap(py("flask", "3.0.1", 100, "srv/env/lib/python3.12/site-packages"))
    assert kinds(base, head) == [("upgraded", "flask", 0)]


def test_arch_is_part_of_the_key() -> None:
    assert kinds(snap(deb("libc6", "1", 5, "amd64")), snap(deb("libc6", "1", 5, "i386"))) == [
        ("removed", "libc6", -5),  # equal |Δ|: by ecosystem, name, then arch
        ("added", "libc6", 5),
    ]


def test_unknown_side() -> None:
    d = diff_packages(snap(None, origin="baseline"), snap(deb("a", "1", 1)))
    assert not d.known and "not recorded in the base baseline" in d.note


def test_baseline_round_trip_and_validation() -> None:
    s = snap(deb("libc6", "2.36-9", 100), py("numpy", "2.1.3", 5))
    doc = json.loads(dumps_baseline(s))
    back = from_baseline_dict(doc, "b.json")
    assert back.packages == s.packages
    doc["packages"] = None
    assert from_baseline_dict(doc, "b.json").packages is None
    del doc["packages"]
    assert from_baseline_dict(doc, "b.json").packages is None
    doc["packages"] = [{"ecosystem": "deb", "name": "a", "version": "1", "bytes": -1}]
    with pytest.raises(BaselineError, match=r"packages\[0\].bytes"):
        from_baseline_dict(doc, "b.json")
    doc["packages"] = [{"ecosystem": "deb", "version": "1", "bytes": 1}]
    with pytest.raises(BaselineError, match=r"packages\[0\].name' is missing"):
        from_baseline_dict(doc, "b.json")
