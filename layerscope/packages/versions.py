"""Which of two versions of one package is newer, by the rules of the package's own ecosystem.

A package diff says "upgraded" or "downgraded" only when the ecosystem's ordering decides it;
otherwise it says "changed".  Each comparison returns ``-1``, ``0`` or ``1``, or ``None`` when a
version is not valid in its ecosystem (then nobody can say which is newer):

* **deb**: dpkg's algorithm (deb-version(7)): ``[epoch:]upstream[-revision]``; the epoch
  compared as a number, upstream and revision by alternating non-digit runs (letters before
  other characters, ``~`` before everything, even the end) and digit runs (numerically).
* **rpm**: rpmvercmp on ``[epoch:]version-release``: alphanumeric segments, digits beat
  letters, numbers compared numerically, ``~`` sorts before and ``^`` after the end.
* **python**: PEP 440 through ``packaging.version`` when it is importable, else
  :func:`pep440_key` (release, pre/post/dev, local; no legacy versions).
* **npm**: semver 2.0 precedence (build metadata ignored: two builds compare equal).
* **apk**: apk-tools' grammar ``N(.N)*[a-z](_suffix[N])*[~hash][-rN]``: numbers numerically, a
  letter after them, ``_alpha``, ``_beta``, ``_pre``, ``_rc`` before the release and ``_cvs``,
  ``_svn``, ``_git``, ``_hg``, ``_p`` after it, then the ``-r`` revision.

Equal precedence for different strings (``1.0`` and ``1.0-0`` in dpkg, two semver builds) is
``0``: the caller reports that as "changed", like an invalid version.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_VERSION = 256  # a longer "version" is not compared (an image controls it)


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)


# ------------------------------------------------------------------------------- dpkg
_DEB_EPOCH = re.compile(r"^[0-9]+$")


def _deb_order(c: str) -> int:
    if c.isdigit():
        return 0
    if c.isalpha() and c.isascii():
        return ord(c)
    if c == "~":
        return -1
    return ord(c) + 256


def _verrevcmp(a: str, b: str) -> int:
    """dpkg's ``verrevcmp``: one upstream version or revision against another."""
    i = j = 0
    while i < len(a) or j < len(b):
        first_diff = 0
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ac = _deb_order(a[i]) if i < len(a) else 0
            bc = _deb_order(b[j]) if j < len(b) else 0
            if ac != bc:
                return _sign(ac - bc)
            i += 1
            j += 1
        while i < len(a) and a[i] == "0":
            i += 1
        while j < len(b) and b[j] == "0":
            j += 1
        while i < len(a) and a[i].isdigit() and j < len(b) and b[j].isdigit():
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < len(a) and a[i].isdigit():
            return 1
        if j < len(b) and b[j].isdigit():
            return -1
        if first_diff:
            return _sign(first_diff)
    return 0


def _deb_parse(v: str) -> tuple[int, str, str] | None:
    v = v.strip()
    epoch = 0
    if ":" in v:
        e, v = v.split(":", 1)
        if not _DEB_EPOCH.match(e):
            return None
        epoch = int(e)
    upstream, sep, revision = v.rpartition("-")
    if not sep:
        upstream, revision = v, ""
    if not upstream or not upstream[0].isdigit() or any(c.isspace() for c in upstream + revision):
        return None
    return epoch, upstream, revision


def compare_deb(a: str, b: str) -> int | None:
    pa, pb = _deb_parse(a), _deb_parse(b)
    if pa is None or pb is None:
        return None
    if pa[0] != pb[0]:
        return _sign(pa[0] - pb[0])
    return _verrevcmp(pa[1], pb[1]) or _verrevcmp(pa[2], pb[2])


# ------------------------------------------------------------------------------- rpm
def rpmvercmp(a: str, b: str) -> int:
    """rpm's segment comparison of one version (or release) against another."""
    if a == b:
        return 0
    i = j = 0
    while i < len(a) or j < len(b):
        while i < len(a) and not (a[i].isascii() and a[i].isalnum()) and a[i] not in "~^":
            i += 1
        while j < len(b) and not (b[j].isascii() and b[j].isalnum()) and b[j] not in "~^":
            j += 1
        ca = a[i] if i < len(a) else ""
        cb = b[j] if j < len(b) else ""
        if ca == "~" or cb == "~":
            if ca != "~":
                return 1
            if cb != "~":
                return -1
            i += 1
            j += 1
            continue
        if ca == "^" or cb == "^":
            if not ca:
                return -1
            if not cb:
                return 1
            if ca != "^":
                return 1
            if cb != "^":
                return -1
            i += 1
            j += 1
            continue
        if not (ca and cb):
            break
        si, sj = i, j
        isnum = ca.isdigit()
        test: Callable[[str], bool] = str.isdigit if isnum else (lambda c: c.isascii() and c.isalpha())
        while i < len(a) and test(a[i]):
            i += 1
        while j < len(b) and test(b[j]):
            j += 1
        sa, sb = a[si:i], b[sj:j]
        if not sb:
            return 1 if isnum else -1
        if isnum:
            sa, sb = sa.lstrip("0"), sb.lstrip("0")
            if len(sa) != len(sb):
                return 1 if len(sa) > len(sb) else -1
        if sa != sb:
            return 1 if sa > sb else -1
    if i >= len(a) and j >= len(b):
        return 0
    return 1 if i < len(a) else -1


def _rpm_parse(v: str) -> tuple[int, str, str] | None:
    epoch = 0
    if ":" in v:
        e, v = v.split(":", 1)
        if not e.isdigit():
            return None
        epoch = int(e)
    version, sep, release = v.rpartition("-")
    if not sep:
        version, release = v, ""
    return (epoch, version, release) if version else None


def compare_rpm(a: str, b: str) -> int | None:
    pa, pb = _rpm_parse(a), _rpm_parse(b)
    if pa is None or pb is None:
        return None
    if pa[0] != pb[0]:
        return _sign(pa[0] - pb[0])
    return rpmvercmp(pa[1], pb[1]) or rpmvercmp(pa[2], pb[2])


# ------------------------------------------------------------------------------- python
_PEP440 = re.compile(
    r"^v?(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)"
    r"(?:[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>[0-9]+)?)?"
    r"(?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?"
    r"(?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$",
    re.IGNORECASE,
)
_PRE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
_INF = (float("inf"),)


def pep440_key(v: str) -> tuple | None:
    """A sort key for a PEP 440 version (the fallback when ``packaging`` is not importable)."""
    m = _PEP440.match(v.strip())
    if m is None:
        return None
    release = [int(x) for x in m["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    pre = (_PRE[m["pre_l"].lower()], int(m["pre_n"] or 0)) if m["pre_l"] else None
    post_n = m["post_n1"] or m["post_n2"]
    post = int(post_n or 0) if (m["post_l"] or m["post_n1"]) else None
    dev = int(m["dev_n"] or 0) if m["dev_l"] else None
    # dev-only releases sort before pre-releases; no pre sorts after every pre
    if pre is None and post is None and dev is not None:
        pre_key: tuple = (-1,)
    elif pre is None:
        pre_key = _INF
    else:
        pre_key = pre
    post_key = (-1,) if post is None else (post,)
    dev_key = _INF if dev is None else (dev,)
    local_key: tuple = ()
    if m["local"]:
        local_key = tuple((1, int(p), "") if p.isdigit() else (0, 0, p.lower()) for p in re.split(r"[-_.]", m["local"]))
    return (int(m["epoch"] or 0), tuple(release), pre_key, post_key, dev_key, local_key)


def compare_python(a: str, b: str) -> int | None:
    try:
        from packaging.version import InvalidVersion, Version
    except ImportError:
        ka, kb = pep440_key(a), pep440_key(b)
        if ka is None or kb is None:
            return None
        return (ka > kb) - (ka < kb)
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        return None
    return (va > vb) - (va < vb)


# ------------------------------------------------------------------------------- npm
_SEMVER = re.compile(
    r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)


def _prerelease_cmp(a: str | None, b: str | None) -> int:
    if a is None or b is None:
        return (a is None) - (b is None)  # a release beats any pre-release
    pa, pb = a.split("."), b.split(".")
    for x, y in zip(pa, pb, strict=False):
        if x == y:
            continue
        xn, yn = x.isdigit(), y.isdigit()
        if xn and yn:
            return _sign(int(x) - int(y))
        if xn != yn:
            return -1 if xn else 1  # numeric identifiers sort first
        return 1 if x > y else -1
    return _sign(len(pa) - len(pb))


def compare_npm(a: str, b: str) -> int | None:
    ma, mb = _SEMVER.match(a.strip()), _SEMVER.match(b.strip())
    if ma is None or mb is None:
        return None
    ta = tuple(int(ma[k]) for k in (1, 2, 3))
    tb = tuple(int(mb[k]) for k in (1, 2, 3))
    if ta != tb:
        return 1 if ta > tb else -1
    return _prerelease_cmp(ma[4], mb[4])


# ------------------------------------------------------------------------------- apk
_APK = re.compile(
    r"^(?P<nums>[0-9]+(?:\.[0-9]+)*)(?P<letter>[a-z]?)"
    r"(?P<suffixes>(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*)"
    r"(?:~(?P<hash>[0-9a-f]+))?(?:-r(?P<rev>[0-9]+))?$"
)
_APK_SUFFIX = {"alpha": -4, "beta": -3, "pre": -2, "rc": -1, "cvs": 1, "svn": 2, "git": 3, "hg": 4, "p": 5}
_APK_SUFFIX_RE = re.compile(r"_([a-z]+)([0-9]*)")


def _apk_key(v: str) -> tuple | None:
    m = _APK.match(v.strip())
    if m is None:
        return None
    nums = tuple(int(x) for x in m["nums"].split("."))
    suffixes = tuple((_APK_SUFFIX[s], int(n or 0)) for s, n in _APK_SUFFIX_RE.findall(m["suffixes"]))
    # no suffix sits between the pre-release suffixes (< 0) and the post-release ones (> 0)
    return nums, m["letter"], suffixes + ((0, 0),), m["hash"] or "", int(m["rev"] or 0)


def compare_apk(a: str, b: str) -> int | None:
    ka, kb = _apk_key(a), _apk_key(b)
    if ka is None or kb is None:
        return None
    na, nb = ka[0], kb[0]
    for x, y in zip(na, nb, strict=False):
        if x != y:
            return 1 if x > y else -1
    if len(na) != len(nb):
        return 1 if len(na) > len(nb) else -1
    ra, rb = ka[1:], kb[1:]
    return (ra > rb) - (ra < rb)


_BY_ECOSYSTEM: dict[str, Callable[[str, str], int | None]] = {
    "deb": compare_deb,
    "rpm": compare_rpm,
    "python": compare_python,
    "npm": compare_npm,
    "apk": compare_apk,
}


def compare_versions(ecosystem: str, a: str, b: str) -> int | None:
    """``-1`` if ``a`` is older than ``b``, ``0`` if of equal precedence, ``1`` if newer,
    ``None`` when the ecosystem is unknown or a version is not valid in it."""
    if a == b:
        return 0
    if len(a) > MAX_VERSION or len(b) > MAX_VERSION:
        return None
    fn = _BY_ECOSYSTEM.get(ecosystem)
    return None if fn is None else fn(a, b)


__all__ = [
    "compare_apk",
    "compare_deb",
    "compare_npm",
    "compare_python",
    "compare_rpm",
    "compare_versions",
    "pep440_key",
    "rpmvercmp",
]
