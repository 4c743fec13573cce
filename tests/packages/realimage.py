"""One image whose package databases were all written by the real tools, and the oracle facts.

Everything is made at test time on this machine: two ``.deb`` files built by ``dpkg-deb`` and
installed into a root filesystem by ``dpkg --root`` (real ``status`` and ``.list`` files, one
package through a ``/lib -> usr/lib`` symlink, one with a hardlinked pair); an ``.rpm`` built by
``rpmbuild`` and installed by ``rpm --root`` (a real sqlite rpmdb); a synthetic ``apk``
``installed`` database written from the format's documentation; wheels fetched by
``pip download`` and installed by ``pip install --target``; npm packages packed by ``npm pack``
and installed offline by ``npm install`` (one with a bundled, nested ``node_modules``).  The
Docker engine builds the image from a static busybox (nothing pulled); a later layer edits a
file of each kind.  File lists for the oracle come from the tools themselves (``dpkg-query -L``,
``rpm -ql``, ``importlib.metadata``), sizes from the running container.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.realtools.conftest import Engine, ToolError, run, static_busybox

PY_SITE = "/usr/local/lib/python3.11/site-packages"
WHEELS = ["six", "idna"]
SIX_EXTRA = "# appended in a later layer\n"

DOCKERFILE = f"""FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY rootfs/ /
COPY site {PY_SITE}
COPY app /app
RUN printf '{SIX_EXTRA.strip()}\\n' >> {PY_SITE}/six.py && chmod 600 /usr/share/pkga/data \\
 && rm /app/node_modules/left-thing/index.js
"""
# layer indices of the Dockerfile above
L_ROOTFS, L_SITE, L_APP, L_EDIT = 2, 3, 4, 5

APK_DB = """C:Q1fakechecksum=
P:musl-fake
V:1.2.4-r2
A:x86_64
S:1000
I:4000
T:a fake libc
o:musl
F:lib
R:ld-musl-fake.so.1
Z:Q1abc=
F:etc/apkpkg
R:conf
R:other.conf

P:apk-empty
V:0.1-r0
A:noarch
"""
APK_FILES = {"lib/ld-musl-fake.so.1": 4321, "etc/apkpkg/conf": 77, "etc/apkpkg/other.conf": 123}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolError(f"{name} is not installed")
    return path


@dataclass
class Built:
    archive: str  # docker save of the image
    tag: str
    engine: Engine
    root: Path
    # (ecosystem, name) -> absolute paths in the image the real tools list for the package
    declared: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    host_sizes: dict[str, int] = field(default_factory=dict)  # image path -> size before the edit layer


def _debs(root: Path, rootfs: Path) -> dict[tuple[str, str], list[str]]:
    work = root / "deb"
    a, b = work / "a", work / "b"
    for d in (a / "DEBIAN", a / "usr/share/pkga", a / "usr/bin", b / "DEBIAN", b / "lib/pkgb"):
        d.mkdir(parents=True)
    ctl = "Package: {}\nVersion: {}\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n"
    (a / "DEBIAN/control").write_text(ctl.format("pkga", "1.2-3"))
    (b / "DEBIAN/control").write_text(ctl.format("pkgb", "0.1"))
    (a / "usr/share/pkga/data").write_bytes(os.urandom(5000))
    (a / "usr/bin/pkga").write_text("#!/bin/sh\necho pkga\n")
    (a / "usr/share/pkga/h1").write_bytes(os.urandom(3000))
    os.link(a / "usr/share/pkga/h1", a / "usr/share/pkga/h2")
    (a / "usr/share/pkga/link").symlink_to("data")
    (b / "lib/pkgb/lib.so").write_bytes(os.urandom(7000))
    debs = []
    for d in (a, b):
        run([tool("dpkg-deb"), "--root-owner-group", "-b", str(d), str(d) + ".deb"])
        debs.append(str(d) + ".deb")
    admin = rootfs / "var/lib/dpkg"
    for d in (admin / "info", admin / "updates", rootfs / "usr/lib"):
        d.mkdir(parents=True, exist_ok=True)
    (admin / "status").touch()
    (rootfs / "lib").symlink_to("usr/lib")  # merged /usr: pkgb's /lib/pkgb lands in usr/lib
    run([tool("dpkg"), f"--root={rootfs}", "--force-script-chrootless", "--log=/dev/null", "-i", *debs])
    out = {}
    for name in ("pkga", "pkgb"):
        res = run([tool("dpkg-query"), f"--admindir={admin}", "-L", name])
        out[("deb", name)] = [p for p in res.stdout.decode().splitlines() if p.strip() and p != "/."]
    return out


def _rpm(root: Path, rootfs: Path) -> dict[tuple[str, str], list[str]]:
    top = root / "rpmbuild"
    (top / "SPECS").mkdir(parents=True)
    spec = top / "SPECS/t.spec"
    spec.write_text(
        "Name: rpmtest\nVersion: 2.0\nRelease: 1\nEpoch: 3\nSummary: t\nLicense: MIT\nBuildArch: noarch\n"
        "%description\nt\n%install\nmkdir -p %{buildroot}/opt/rpmtest/sub\n"
        "head -c 9000 /dev/zero | tr '\\0' r > %{buildroot}/opt/rpmtest/blob\n"
        "echo hi > %{buildroot}/opt/rpmtest/sub/small\n%files\n/opt/rpmtest\n"
    )
    run([tool("rpmbuild"), "--define", f"_topdir {top}", "-bb", str(spec)])
    rpms = sorted((top / "RPMS").rglob("*.rpm"))
    rpm = tool("rpm")
    base = [rpm, "--root", str(rootfs), "--dbpath", "/var/lib/rpm"]
    run([*base, "-i", "--nodeps", "--noscripts", "--nosignature", *map(str, rpms)])
    res = run([*base, "-ql", "rpmtest"])
    return {("rpm", "rpmtest"): [p for p in res.stdout.decode().splitlines() if p.strip()]}


def _apk(rootfs: Path) -> dict[tuple[str, str], list[str]]:
    db = rootfs / "lib/apk/db/installed"  # through the /lib symlink, as apk would write it
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_text(APK_DB)
    for p, n in APK_FILES.items():
        f = rootfs / p
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"a" * n)
    return {("apk", "musl-fake"): ["/" + p for p in APK_FILES], ("apk", "apk-empty"): []}


def _python(root: Path, site: Path) -> dict[tuple[str, str], list[str]]:
    wheels = root / "wheels"
    pip = [sys.executable, "-m", "pip"]
    run([*pip, "download", "-q", "--no-deps", "--only-binary=:all:", "-d", str(wheels), *WHEELS], timeout=180)
    run([*pip, "install", "-q", "--no-index", "--no-deps", "--find-links", str(wheels), "--target", str(site), *WHEELS])
    out = {}
    for dist in importlib.metadata.distributions(path=[str(site)]):
        paths = []
        for f in dist.files or []:
            real = os.path.normpath(os.path.join(site, str(f)))
            paths.append(PY_SITE + real[len(str(site)) :])
        out[("python", dist.metadata["Name"])] = paths
    return out


def _npm(root: Path, app: Path) -> None:
    src = root / "npm-src"
    pkgs = {
        "left": ('{"name":"left-thing","version":"1.0.0"}', {"index.js": 2000}),
        "util": ('{"name":"@acme/util","version":"2.1.0"}', {"lib/x.js": 1500}),
        "outer": (
            '{"name":"outer","version":"0.3.0","dependencies":{"inner":"2.0.0"},"bundleDependencies":["inner"]}',
            {"index.js": 10, "node_modules/inner/package.json": 0, "node_modules/inner/i.js": 800},
        ),
    }
    tarballs = []
    for d, (manifest, files) in pkgs.items():
        (src / d).mkdir(parents=True)
        (src / d / "package.json").write_text(manifest)
        for p, n in files.items():
            f = src / d / p
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text('{"name":"inner","version":"2.0.0"}' if n == 0 else "x" * n)
        res = run([tool("npm"), "pack", "--silent", "--pack-destination", str(src)], cwd=str(src / d))
        tarballs.append(str(src / res.stdout.decode().strip().splitlines()[-1]))
    app.mkdir(parents=True)
    (app / "package.json").write_text('{"name":"app","version":"1.0.0"}')
    run([tool("npm"), "install", "--offline", "--no-audit", "--no-fund", *tarballs], cwd=str(app), timeout=180)


def build(engine: Engine, root: Path) -> Built:
    busybox = static_busybox()
    if busybox is None:
        raise ToolError("no static busybox binary (Debian: busybox-static)")
    ctx = root / "ctx"
    rootfs = ctx / "rootfs"
    rootfs.mkdir(parents=True)
    shutil.copy2(busybox, ctx / "busybox")
    declared = {}
    declared.update(_debs(root, rootfs))
    declared.update(_rpm(root, rootfs))
    declared.update(_apk(rootfs))
    declared.update(_python(root, ctx / "site"))
    _npm(root, ctx / "app")
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    tag = "lspkg-all:latest"
    engine.docker("build", "-q", "-t", tag, str(ctx))
    archive = str(root / "all.tar")
    engine.docker("save", "-o", archive, tag)
    sizes = {
        f"{PY_SITE}/six.py": (ctx / "site/six.py").stat().st_size,
        "/usr/share/pkga/data": 5000,
    }
    return Built(archive, tag, engine, root, declared, sizes)


def in_container(built: Built, script: str) -> str:
    """Run a busybox shell script in the image, the filesystem oracle."""
    docker = tool("docker")
    res = subprocess.run(
        [docker, "run", "--rm", "-i", "--network", "none", built.tag, "/bin/sh", "-s"],
        input=script,
        capture_output=True,
        text=True,
        env=built.engine.env(),
        timeout=120,
    )
    if res.returncode != 0:
        raise AssertionError(f"container script failed: {res.stderr}")
    return res.stdout


def container_bytes(built: Built, groups: dict[str, list[str]]) -> dict[str, tuple[int, int]]:
    """Per group: (bytes of the distinct inodes of its regular files, number of regular files),
    as the running container's ``stat`` sees them (symlinks not followed: a link owns no bytes)."""
    lines = []
    for key, paths in groups.items():
        for p in paths:
            q = p.replace("'", "'\\''")
            lines.append(f"if [ -f '{q}' ] && [ ! -L '{q}' ]; then printf '%s ' '{key}'; stat -c '%i %s' '{q}'; fi")
    out = in_container(built, "\n".join(lines) + "\n")
    inodes: dict[str, dict[str, int]] = {k: {} for k in groups}
    counts = dict.fromkeys(groups, 0)
    for line in out.splitlines():
        key, ino, size = line.rsplit(" ", 2)
        inodes[key][ino] = int(size)
        counts[key] += 1
    return {k: (sum(inodes[k].values()), counts[k]) for k in groups}


def container_find(built: Built, directory: str, prune: str | None = None) -> list[str]:
    """``find DIR -type f`` in the container, minus ``prune`` (a nested node_modules)."""
    cut = f"-path '{prune}' -prune -o" if prune else ""
    return in_container(built, f"find '{directory}' {cut} -type f -print\n").split()
