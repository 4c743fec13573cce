"""A dependency bump: two versions of one app image with a dpkg database and a Python
site-packages, and the expected package figures computed from the generator's inputs alone.

v1 → v2: numpy 1.26.4 → 2.1.3 (its extension grows), git added (deb), curl removed (deb);
libc6 and requests unchanged.  A package's expected bytes are the sizes we give the files its
database lists (``.list`` for dpkg, ``RECORD`` for Python), nothing measured by layerscope.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save

SITE = "usr/local/lib/python3.12/site-packages"


@dataclass(frozen=True)
class Deb:
    name: str
    version: str
    files: dict[str, int]  # path (no leading /) -> size

    @property
    def bytes(self) -> int:
        return sum(self.files.values())


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    files: dict[str, int]  # path relative to site-packages -> size (RECORD and METADATA added)

    def dist(self) -> str:
        return f"{self.name}-{self.version}.dist-info"

    def metadata(self) -> bytes:
        return f"Metadata-Version: 2.1\nName: {self.name}\nVersion: {self.version}\n\n".encode()

    def record(self) -> bytes:
        rows = [f"{p},,{n}" for p, n in self.files.items()]
        rows += [f"{self.dist()}/METADATA,,", f"{self.dist()}/RECORD,,"]
        return ("\n".join(rows) + "\n").encode()

    @property
    def bytes(self) -> int:
        return sum(self.files.values()) + len(self.metadata()) + len(self.record())


LIBC = Deb("libc6", "2.36-9+deb12u4", {"usr/lib/x86_64-linux-gnu/libc.so.6": 190_000})
CURL = Deb("curl", "7.88.1-10+deb12u5", {"usr/bin/curl": 250_000, "usr/share/doc/curl/copyright": 2_000})
GIT = Deb("git", "1:2.39.2-1.1", {"usr/bin/git": 3_000_000, "usr/share/doc/git/copyright": 3_000})
NUMPY_OLD = Wheel("numpy", "1.26.4", {"numpy/__init__.py": 4_000, "numpy/core/_multiarray.so": 1_200_000})
NUMPY_NEW = Wheel("numpy", "2.1.3", {"numpy/__init__.py": 5_000, "numpy/_core/_multiarray.so": 3_600_000})
REQUESTS = Wheel("requests", "2.31.0", {"requests/__init__.py": 5_000, "requests/api.py": 6_000})


def _dpkg_layer(debs: list[Deb]) -> LayerSpec:
    status = "".join(
        f"Package: {d.name}\nStatus: install ok installed\nVersion: {d.version}\nArchitecture: amd64\n\n" for d in debs
    )
    members = [M("var/lib/dpkg/status", data=status.encode())]
    for d in debs:
        members += [M(p, size=n) for p, n in d.files.items()]
        listing = "/.\n" + "".join(f"/{p}\n" for p in d.files)
        members.append(M(f"var/lib/dpkg/info/{d.name}.list", data=listing.encode()))
    return LayerSpec(members, "RUN /bin/sh -c apt-get install -y " + " ".join(d.name for d in debs))


def _pip_layer(wheels: list[Wheel]) -> LayerSpec:
    members: list[M] = []
    for w in wheels:
        members += [M(f"{SITE}/{p}", size=n) for p, n in w.files.items()]
        members += [
            M(f"{SITE}/{w.dist()}/METADATA", data=w.metadata()),
            M(f"{SITE}/{w.dist()}/RECORD", data=w.record()),
        ]
    return LayerSpec(members, "RUN /bin/sh -c pip install " + " ".join(w.name for w in wheels))


V1_DEBS, V2_DEBS = [LIBC, CURL], [LIBC, GIT]
V1_WHEELS, V2_WHEELS = [NUMPY_OLD, REQUESTS], [NUMPY_NEW, REQUESTS]


def spec(debs: list[Deb], wheels: list[Wheel], tag: str) -> ImageSpec:
    return ImageSpec([_dpkg_layer(debs), _pip_layer(wheels)], tags=[tag])


def write_pair(tmp: Path) -> tuple[str, str]:
    v1, v2 = str(tmp / "app-v1.tar"), str(tmp / "app-v2.tar")
    write_docker_save(v1, spec(V1_DEBS, V1_WHEELS, "app:v1"))
    write_docker_save(v2, spec(V2_DEBS, V2_WHEELS, "app:v2"))
    return v1, v2


NUMPY_DELTA = NUMPY_NEW.bytes - NUMPY_OLD.bytes
