"""Which files the package analysis needs the content of, for the reader's capture hook.

The predicate runs on every regular file of every layer while it streams by, so it is a few
string tests, no regex, no splitting unless the name already ends right.  The bounds are what a
hostile image can make us hold: no database file over ``MAX_FILE`` is kept (the database is then
reported partial), and all kept content together stays under ``MAX_TOTAL``.
"""

from __future__ import annotations

from ..archive.capture import CaptureSpec

MAX_FILE = 64 << 20  # an rpmdb.sqlite of a large Fedora image is ~10 MB; dpkg status a few MB
MAX_TOTAL = 256 << 20

DPKG_STATUS = "var/lib/dpkg/status"
DPKG_INFO = "var/lib/dpkg/info/"
DPKG_STATUS_D = "var/lib/dpkg/status.d/"
APK_DB = "lib/apk/db/installed"
RPM_SQLITE = ("var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite")
RPM_BDB = ("var/lib/rpm/Packages", "usr/lib/sysimage/rpm/Packages")
RPM_NDB = ("var/lib/rpm/Packages.db", "usr/lib/sysimage/rpm/Packages.db")
OS_RELEASE = ("etc/os-release", "usr/lib/os-release")
# where the database really lies when /lib links to usr/lib (the capture sees member names)
APK_DB_MERGED = "usr/lib/apk/db/installed"
_EXACT = frozenset((DPKG_STATUS, APK_DB, APK_DB_MERGED, *RPM_SQLITE, *OS_RELEASE))


def _parent_endswith(path: str, leaf_len: int, suffix: str) -> bool:
    """Whether the directory of ``path`` (whose leaf is ``leaf_len`` characters) ends in ``suffix``."""
    return path.endswith(suffix, 0, len(path) - leaf_len - 1)


def is_npm_manifest(path: str) -> bool:
    """``…/node_modules/NAME/package.json`` or ``…/node_modules/@SCOPE/NAME/package.json``."""
    parts = path.split("/")
    if len(parts) >= 3 and parts[-3] == "node_modules" and not parts[-2].startswith("@"):
        return True
    return len(parts) >= 4 and parts[-4] == "node_modules" and parts[-3].startswith("@") and len(parts[-3]) > 1


def wants(path: str) -> bool:
    """The capture predicate (see the module docstring)."""
    if path in _EXACT:
        return True
    if not path.endswith(_TAILS):  # one C call turns away nearly every path of an image
        return path.startswith("var/lib/dpkg/") and _dpkg_wants(path)
    if path.endswith("/RECORD"):
        return _parent_endswith(path, 6, ".dist-info")
    if path.endswith("/METADATA"):
        return _parent_endswith(path, 8, ".dist-info")
    if path.endswith("/installed-files.txt"):
        return _parent_endswith(path, 19, ".egg-info")
    if path.endswith("/PKG-INFO"):
        return _parent_endswith(path, 8, ".egg-info")
    if path.endswith("/package.json"):
        return "node_modules/" in path and is_npm_manifest(path)
    return path.startswith("var/lib/dpkg/") and _dpkg_wants(path)


_TAILS = ("/RECORD", "/METADATA", "/installed-files.txt", "/PKG-INFO", "/package.json")


def _dpkg_wants(path: str) -> bool:
    if path.startswith(DPKG_INFO):
        return path.endswith(".list") and "/" not in path[len(DPKG_INFO) :]
    if path.startswith(DPKG_STATUS_D):
        return "/" not in path[len(DPKG_STATUS_D) :]
    return False


# what :func:`wants` can accept ends with one of its tails or starts with an exact name or the
# dpkg directory (tests/archive/test_capture_hint.py holds it to that)
HINT = (_TAILS, ("var/lib/dpkg/", *sorted(_EXACT)))
CAPTURE = CaptureSpec(
    key="layerscope.packages/1", wants=wants, max_file_bytes=MAX_FILE, max_total_bytes=MAX_TOTAL, hint=HINT
)
