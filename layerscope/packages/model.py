"""The result of the package analysis: plain data every face (text, JSON, CycloneDX, explorer) reads.

Two kinds of records: what a database *declares* (:class:`Declared`, :class:`Database`: names,
versions and the paths they list, nothing measured yet) and what the image *shows* for it
(:class:`Package`, :class:`Unowned`, :class:`DatabaseSummary`, :class:`PackageReport`: bytes of
the final image, layers, waste).  Keeping them apart lets each parser stay a pure function of
database bytes, and puts every copy-on-write question in one place (:mod:`.attribute`).

Paths are the image's cleaned paths (no leading ``/``), as :class:`~layerscope.image.Entry` has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEB, APK, RPM, PYTHON, NPM = "deb", "apk", "rpm", "python", "npm"
ECOSYSTEMS = (DEB, APK, RPM, PYTHON, NPM)  # also the order in which packages claim files


@dataclass(slots=True)
class Declared:
    """One package as its database lists it."""

    ecosystem: str
    name: str
    version: str
    paths: list[str]  # cleaned, no leading "/", as declared (symlinked directories not yet followed)
    record: str = ""  # the database file that declares it (its layer is the fallback layer)
    arch: str = ""
    qualifiers: dict[str, str] = field(default_factory=dict)  # purl extras (epoch, distro)
    truncated: bool = False  # the file list was longer than the bound and was cut


@dataclass(slots=True)
class Database:
    """One package database found in the final image, parsed."""

    ecosystem: str
    path: str  # the database file or directory (status, installed, rpmdb.sqlite, site-packages, node_modules)
    packages: list[Declared] = field(default_factory=list)
    partial: bool = False  # ownership is known only in part (distroless md5sums, cut lists, unreadable records)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Package:
    """A package and what it costs in the final image."""

    ecosystem: str
    name: str
    version: str
    arch: str
    purl: str
    database: str  # Database.path it came from
    bytes: int  # bytes of its regular files in the final image (a hardlinked inode once)
    files: int  # its regular files (hardlinks included) in the final image
    layer: int | None  # the layer that installed it: the lowest layer holding a copy of one of its files
    rewritten_by: list[int]  # later layers holding a copy of one of its files
    wasted_bytes: int  # bytes of superseded copies of its files in lower layers (copy-ups, overwrites)
    wasted_files: int
    bytes_by_layer: dict[int, int]  # final bytes by the layer the final copy lives in
    declared: int  # paths its database lists
    missing: int  # declared paths absent from the final image (deleted later, or never there)
    shared: int  # its files already claimed by an earlier package (counted there)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DirUsage:
    path: str  # directory, no leading "/" ("" is the root)
    bytes: int
    files: int


@dataclass(slots=True)
class Unowned:
    """Regular files of the final image no package owns, grouped by their directory."""

    bytes: int
    files: int
    dirs: list[DirUsage]  # the biggest directories first (bounded: see attribute.MAX_DIRS)
    more_dirs: int = 0  # directories left out of ``dirs``


@dataclass(slots=True)
class DatabaseSummary:
    """How much of the image one database explains."""

    ecosystem: str
    path: str
    layer: int | None  # the layer its final copy lives in
    packages: int
    files: int
    bytes: int
    percent: float  # of the final image's regular-file bytes
    partial: bool
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PackageReport:
    """Every package of the image, what no package owns, and per-database coverage."""

    packages: list[Package]
    unowned: Unowned
    databases: list[DatabaseSummary]
    total_bytes: int  # regular-file bytes of the final image (a hardlinked inode once)
    total_files: int
    layers: int
    notes: list[str] = field(default_factory=list)  # image-wide (unsupported formats, bounds hit)
    owner: dict[str, int] = field(default_factory=dict)  # final path → index into ``packages``

    @classmethod
    def without_databases(cls, layers: int) -> PackageReport:
        """The report of an image with no database file at all, when the caller does not need the
        unowned files (the explorer): nothing is owned, and the final image is not walked, so its
        totals are not known (0, said in ``notes``)."""
        return cls([], Unowned(0, 0, []), [], 0, 0, layers, notes=["no package database file in the image"])

    def package_of(self, path: str) -> Package | None:
        """The package owning ``path`` (with or without a leading ``/``), for the explorer."""
        i = self.owner.get(path.lstrip("/"))
        return None if i is None else self.packages[i]
