"""Package URLs (purl spec) for the packages found, through ``packageurl-python``.

The OS packages' namespace is the distribution's ``ID`` from the image's own ``os-release``
(Debian's and Alpine's defaults when there is none), with ``distro=ID-VERSION_ID`` as a
qualifier when both are known.  An RPM epoch is a qualifier, not part of the version.
"""

from __future__ import annotations

from packageurl import PackageURL

from .model import APK, DEB, NPM, PYTHON, RPM, Declared
from .textdb import text

_TYPES = {DEB: "deb", APK: "apk", RPM: "rpm", PYTHON: "pypi", NPM: "npm"}
_DEFAULT_NS = {DEB: "debian", APK: "alpine"}


def os_release(data: bytes | None) -> dict[str, str]:
    """``KEY=value`` lines of an os-release file (quotes removed); bounded to its first 64 KiB."""
    out: dict[str, str] = {}
    if data is None:
        return out
    for line in text(data[: 1 << 16]).splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in ("ID", "VERSION_ID"):
            out[key.strip()] = value.strip().strip("\"'")[:64]
    return out


def purl_for(d: Declared, release: dict[str, str]) -> str:
    """The purl of one package ("" when the library rejects its name)."""
    q = dict(d.qualifiers)
    ns: str | None = None
    version = d.version or None
    if d.ecosystem in (DEB, APK, RPM):
        distro = release.get("ID", "").lower()
        ns = distro or _DEFAULT_NS.get(d.ecosystem)
        if distro and release.get("VERSION_ID"):
            q["distro"] = f"{distro}-{release['VERSION_ID']}"
        if d.arch:
            q["arch"] = d.arch
        if d.ecosystem == RPM and version and "epoch" in q:
            version = version.split(":", 1)[-1]
    name = d.name
    if d.ecosystem == NPM and name.startswith("@") and "/" in name:
        ns, name = name.split("/", 1)
    try:
        return PackageURL(type=_TYPES[d.ecosystem], namespace=ns, name=name, version=version, qualifiers=q).to_string()
    except ValueError:
        return ""
