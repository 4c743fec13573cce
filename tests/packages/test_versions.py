"""Version ordering per ecosystem, from each ecosystem's documented rules (deb-version(7),
rpm's version comparison, PEP 440, semver 2.0 §11, apk-tools' version grammar)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from layerscope.packages.versions import (
    compare_apk,
    compare_deb,
    compare_npm,
    compare_python,
    compare_rpm,
    compare_versions,
    pep440_key,
)


def _ascending(cmp, versions: list[str]) -> None:
    for lo, hi in zip(versions, versions[1:], strict=False):
        assert cmp(lo, hi) == -1, (lo, hi)
        assert cmp(hi, lo) == 1, (hi, lo)


def test_deb_tilde_ordering_of_the_manpage() -> None:
    # deb-version(7): "~~" < "~~a" < "~" < the empty part < "a"
    _ascending(compare_deb, ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"])


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        ("1.0~rc1-1", "1.0-1"),  # a pre-release before the release
        ("1.0-1", "1.0-2"),  # the revision decides when upstream is equal
        ("2.4", "2.30"),  # digit runs compare as numbers
        ("9.9", "1:0.1"),  # any epoch beats no epoch
        ("1:2.0", "2:1.0"),
        ("2.36-9", "2.36-9+deb12u4"),
        ("1.2.3", "1.2.3a"),  # letters sort after the end
        ("1.2.3a", "1.2.3+x"),  # letters before non-letters
        ("1.0-1", "1.0.1-1"),
    ],
)
def test_deb_orderings(lo: str, hi: str) -> None:
    assert compare_deb(lo, hi) == -1
    assert compare_deb(hi, lo) == 1


def test_deb_equal_and_invalid() -> None:
    assert compare_deb("1.0", "1.0-0") == 0  # an absent revision compares like "0"
    assert compare_deb("0:1.0", "1.0") == 0
    assert compare_deb("x:1.0", "1.0") is None  # the epoch must be a number
    assert compare_deb("abc", "1.0") is None  # upstream must start with a digit


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg not installed")
@pytest.mark.parametrize(
    ("a", "b"), [("1.0~rc1", "1.0"), ("2.4", "2.30"), ("1:0.1", "9.9"), ("1.0-1", "1.0-1ubuntu1"), ("1.0a", "1.0+")]
)
def test_deb_agrees_with_real_dpkg(a: str, b: str) -> None:
    lt = subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0
    gt = subprocess.run(["dpkg", "--compare-versions", a, "gt", b]).returncode == 0
    assert compare_deb(a, b) == (-1 if lt else 1 if gt else 0)


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        ("1.0-1", "1.0-2"),
        ("1.0", "1.0.1"),
        ("1.9", "1.10"),
        ("1.0a", "1.0.1"),  # digits beat letters
        ("1.0~rc1-1", "1.0-1"),  # ~ sorts before the end
        ("1.0-1", "1.0^git1-1"),  # ^ sorts after the end ...
        ("1.0^git1-1", "1.0.1-1"),  # ... but before a further segment
        ("5.0-1", "1:1.0-1"),
        ("2.28-225.el9", "2.34-100.el9"),
    ],
)
def test_rpm_orderings(lo: str, hi: str) -> None:
    assert compare_rpm(lo, hi) == -1
    assert compare_rpm(hi, lo) == 1


@pytest.mark.skipif(shutil.which("rpmdev-vercmp") is None and shutil.which("rpm") is None, reason="rpm not installed")
@pytest.mark.parametrize(("a", "b"), [("1.0~rc1", "1.0"), ("1.10", "1.9"), ("1.0a", "1.0.1"), ("1.0^1", "1.0.1")])
def test_rpm_agrees_with_real_rpm(a: str, b: str) -> None:
    # rpm --eval's vercmp macro exists in rpm ≥ 4.16; older rpm prints the expression back
    out = subprocess.run(
        ["rpm", "--eval", f"%{{lua: print(rpm.vercmp('{a}', '{b}'))}}"], capture_output=True, text=True
    ).stdout.strip()
    if out not in ("-1", "0", "1"):
        pytest.skip(f"this rpm cannot evaluate rpm.vercmp: {out!r}")
    assert compare_rpm(a, b) == int(out)


PEP440_ASCENDING = [
    "1.0.dev1",
    "1.0a1",
    "1.0a2.dev1",
    "1.0a2",
    "1.0b1",
    "1.0rc1",
    "1.0",
    "1.0+local.1",
    "1.0.post1",
    "1.1",
    "1.26.4",
    "2.1.3",
    "1!0.1",
]


def test_python_ordering() -> None:
    _ascending(compare_python, PEP440_ASCENDING)


def test_python_fallback_matches_the_same_order() -> None:
    keys = [pep440_key(v) for v in PEP440_ASCENDING]
    assert all(k is not None for k in keys)
    assert keys == sorted(keys)  # type: ignore[type-var]
    assert len(set(keys)) == len(keys)
    assert pep440_key("1.0") == pep440_key("1.0.0")
    assert pep440_key("not a version") is None


def test_python_invalid_is_unknown() -> None:
    assert compare_python("1.0", "banana") is None


def test_npm_semver_precedence() -> None:
    # semver 2.0 §11's example chain
    _ascending(
        compare_npm,
        [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.10.0",
            "2.0.0",
        ],
    )
    assert compare_npm("1.0.0+build.1", "1.0.0+build.2") == 0  # build metadata has no precedence
    assert compare_npm("1.0", "1.0.1") is None


def test_apk_ordering() -> None:
    _ascending(
        compare_apk,
        [
            "1.2.3_alpha1-r0",
            "1.2.3_beta2-r0",
            "1.2.3_rc1-r0",
            "1.2.3-r0",
            "1.2.3-r1",
            "1.2.3_p1-r0",
            "1.2.3a-r0",
            "1.2.4-r0",
            "1.10.0-r0",
            "1.36.1-r15",
        ][:9],
    )
    assert compare_apk("1.36.1-r15", "1.36.1-r2") == 1
    assert compare_apk("1.2-", "1.3") is None


def test_dispatch_and_bounds() -> None:
    assert compare_versions("deb", "1.0", "1.0") == 0
    assert compare_versions("python", "1.26.4", "2.1.3") == -1
    assert compare_versions("unknown-eco", "1", "2") is None
    assert compare_versions("deb", "1." + "0" * 300, "2") is None
