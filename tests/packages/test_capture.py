"""The capture predicate keeps exactly the database files, and nothing that merely looks alike."""

from __future__ import annotations

import pytest

from layerscope.packages.capture import wants


@pytest.mark.parametrize(
    "path",
    [
        "var/lib/dpkg/status",
        "var/lib/dpkg/info/libc6:amd64.list",
        "var/lib/dpkg/status.d/libc6",
        "var/lib/dpkg/status.d/libc6.md5sums",
        "lib/apk/db/installed",
        "usr/lib/apk/db/installed",
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD",
        "opt/venv/lib/python3.12/site-packages/a-1.dist-info/METADATA",
        "x.egg-info/installed-files.txt",
        "usr/lib/python3/site-packages/y-2.egg-info/PKG-INFO",
        "app/node_modules/left/package.json",
        "node_modules/@scope/name/package.json",
        "app/node_modules/a/node_modules/b/package.json",
        "etc/os-release",
    ],
)
def test_kept(path: str) -> None:
    assert wants(path)


@pytest.mark.parametrize(
    "path",
    [
        "var/lib/dpkg/status-old",
        "var/lib/dpkg/info/libc6.md5sums",
        "var/lib/dpkg/info/sub/x.list",
        "var/lib/dpkg/status.d/sub/x",
        "usr/share/doc/RECORD",
        "a/dist-info/RECORD",
        "a.dist-info/sub/RECORD",
        "app/package.json",
        "app/node_modules/package.json",
        "app/node_modules/a/lib/package.json",
        "app/node_modules/@scope/package.json",
        "app/node_modules/@/x/package.json",
        "var/lib/rpm/Packages",
    ],
)
def test_not_kept(path: str) -> None:
    assert not wants(path)
