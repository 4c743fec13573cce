"""Why bytes are wasted and what to change: every removable byte gets exactly one *kind*.

Dead bytes (no final file needs them, from :mod:`.accurate`) are attributed by how they died;
bytes of the final filesystem that a better Dockerfile would not ship are attributed by what
they are.  The advice is the standard image-size advice (multi-stage builds, clean up in the
same ``RUN``, ``--no-install-recommends``, ``--no-cache-dir``, ``.dockerignore``,
``COPY --chmod``), made concrete with the layers and commands involved.

Kinds, in attribution order (a byte belongs to the first that applies):

==============  ===========================================================================
``deleted``     written, then whited out / hidden by an opaque dir in a later layer
``overwritten`` the same path written again later (or twice in one tar)
``copy-up``     rewritten with identical content: chmod / chown / touch in a later layer
``cache``       package-manager caches and lists left in the final image
``toolchain``   compilers, headers, static libraries, SDKs in the final image
``duplicate``   the same content at another path (by content hash; hardlinks excluded)
``unneeded``    docs, man pages, ``.git``, tests, temp files, other caches: a softer hint
==============  ===========================================================================

Content hashes (already computed for the diff marks) are needed for ``copy-up`` and
``duplicate``; without them those kinds are empty and the output says so.

When the image was read with the package capture (:mod:`layerscope.packages`), every live
finding is also attributed to the package owning its file: a toolchain, ``-dev`` or docs group
then names the packages responsible with their bytes, and a toolchain fix names the command
that removes them (``apt-get purge``, ``apk del``, ``dnf remove``, ``pip uninstall``, ``npm
uninstall``) — in the RUN that installed them, or by leaving them in a builder stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..golang.humanize import humanize_bytes
from ..image import TYPE_REG, Entry, Image
from .accurate import COPY_UP, DELETED, OVERWRITTEN, AccurateWaste, DeadFile
from .globs import GlobClassifier

if TYPE_CHECKING:
    from ..packages.model import PackageReport

CACHE, TOOLCHAIN, DUPLICATE, UNNEEDED = "cache", "toolchain", "duplicate", "unneeded"
KINDS = (DELETED, OVERWRITTEN, COPY_UP, CACHE, TOOLCHAIN, DUPLICATE, UNNEEDED)
KIND_TITLES = {
    DELETED: "deleted later",
    OVERWRITTEN: "overwritten later",
    COPY_UP: "metadata-only copy-up",
    CACHE: "package-manager caches",
    TOOLCHAIN: "build toolchain in final image",
    DUPLICATE: "duplicated content",
    UNNEEDED: "likely unneeded (hint)",
}
DEAD_KINDS = (DELETED, OVERWRITTEN, COPY_UP)


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    name: str  # e.g. "apt lists"
    patterns: tuple[str, ...]
    marker: str  # regex; the anchor (group title) is the path up to the end of its match
    fix: str


_RULES: tuple[Rule, ...] = (
    Rule(
        CACHE,
        "apt lists",
        ("/var/lib/apt/lists/**",),
        r"^/var/lib/apt/lists",
        "Add `&& rm -rf /var/lib/apt/lists/*` to the same RUN as `apt-get update` / `apt-get install`.",
    ),
    Rule(
        CACHE,
        "apt archives",
        ("/var/cache/apt/**",),
        r"^/var/cache/apt",
        "Run `apt-get clean` in the same RUN as `apt-get install` (or `RUN --mount=type=cache,target=/var/cache/apt`).",
    ),
    Rule(
        CACHE,
        "apk cache",
        ("/var/cache/apk/**", "/etc/apk/cache/**"),
        r"^/(var|etc/apk)/cache(/apk)?",
        "Use `apk add --no-cache`.",
    ),
    Rule(
        CACHE,
        "dnf/yum cache",
        ("/var/cache/dnf/**", "/var/cache/yum/**"),
        r"^/var/cache/(dnf|yum)",
        "Run `dnf clean all` (or `yum clean all`) in the same RUN as the install.",
    ),
    Rule(
        CACHE,
        "pip cache",
        ("**/.cache/pip/**",),
        r"/\.cache/pip",
        "Use `pip install --no-cache-dir` (or `ENV PIP_NO_CACHE_DIR=1`).",
    ),
    Rule(
        CACHE,
        "npm cache",
        ("**/.npm/**",),
        r"/\.npm",
        "Run `npm cache clean --force` in the same RUN as `npm ci` (or `RUN --mount=type=cache,target=/root/.npm`).",
    ),
    Rule(
        CACHE,
        "yarn cache",
        ("**/.cache/yarn/**", "**/.yarn/cache/**", "**/.yarn-cache/**"),
        r"/(\.cache/yarn|\.yarn/cache|\.yarn-cache)",
        "Run `yarn cache clean` in the same RUN as `yarn install` (or use a cache mount).",
    ),
    Rule(
        CACHE,
        "go build cache",
        ("**/.cache/go-build/**", "**/go/pkg/mod/cache/**"),
        r"/(\.cache/go-build|go/pkg/mod/cache)",
        "Build Go in a builder stage of a multi-stage build and COPY only the binary "
        "(or `RUN --mount=type=cache,target=/root/.cache/go-build`).",
    ),
    Rule(
        CACHE,
        "cargo/maven/gradle cache",
        ("**/.cargo/registry/**", "**/.m2/repository/**", "**/.gradle/caches/**"),
        r"/(\.cargo/registry|\.m2/repository|\.gradle/caches)",
        "Build in a builder stage of a multi-stage build and COPY only the artifacts (or use a cache mount).",
    ),
    Rule(
        CACHE,
        "python bytecode",
        ("**/__pycache__/**", "*.pyc"),
        r"/__pycache__|[^/]*\.pyc$",
        "Nothing in this image runs Python: set `ENV PYTHONDONTWRITEBYTECODE=1` for the build "
        "or delete `__pycache__` in the same RUN.",
    ),
    Rule(
        TOOLCHAIN,
        "C/C++ compilers",
        (
            "/usr/bin/gcc*",
            "/usr/bin/g++*",
            "/usr/bin/cc",
            "/usr/bin/c++",
            "/usr/bin/cpp*",
            "/usr/bin/*-linux-gnu*-gcc*",
            "/usr/bin/*-linux-gnu*-g++*",
            "/usr/bin/*-linux-gnu*-cpp*",
            "/usr/lib/gcc/**",
            "/usr/libexec/gcc/**",
            "/usr/lib/gcc-cross/**",
            "/usr/bin/clang*",
            "/usr/lib/llvm-*/**",
            "/usr/bin/ld",
            "/usr/bin/ld.*",
            "/usr/bin/*-linux-gnu*-ld*",
            "/usr/bin/as",
            "/usr/bin/*-linux-gnu*-as",
            "/usr/bin/make",
            "/usr/lib/x86_64-linux-gnu/libbfd*",
            "/usr/lib/x86_64-linux-gnu/libctf*",
        ),
        r"^/usr/(lib/gcc(-cross)?|libexec/gcc|lib/llvm-[^/]*|bin)",
        "Use a multi-stage build: compile in a builder stage and `COPY --from=builder` only the artifacts.",
    ),
    Rule(
        TOOLCHAIN,
        "headers",
        ("/usr/include/**", "/usr/local/include/**"),
        r"^/usr/(local/)?include",
        "Headers are only needed to compile: use a multi-stage build and leave `-dev` packages in the builder stage.",
    ),
    Rule(
        TOOLCHAIN,
        "static libraries",
        ("/usr/lib/**/*.a", "/usr/local/lib/**/*.a", "/lib/**/*.a"),
        r"^/(usr/(local/)?)?lib",
        "Static libraries are only needed to link: use a multi-stage build.",
    ),
    Rule(
        TOOLCHAIN,
        "language SDKs",
        ("/usr/local/go/**", "/usr/lib/go-*/**", "**/.rustup/**", "/usr/lib/jvm/*-jdk*/**"),
        r"^/usr/local/go|^/usr/lib/go-[^/]*|/\.rustup|^/usr/lib/jvm/[^/]*",
        "Use a multi-stage build: build with the SDK image, run on a slim or distroless runtime image.",
    ),
    Rule(
        UNNEEDED,
        "documentation",
        ("/usr/share/doc/**", "/usr/share/info/**", "/usr/share/gtk-doc/**", "/usr/local/share/doc/**"),
        r"^/usr/(local/)?share/(doc|info|gtk-doc)",
        "Install with `--no-install-recommends` and a dpkg `path-exclude=/usr/share/doc/*` rule, "
        "or delete docs in the same RUN.",
    ),
    Rule(
        UNNEEDED,
        "man pages",
        ("/usr/share/man/**", "/usr/local/share/man/**"),
        r"^/usr/(local/)?share/man",
        "Add a dpkg `path-exclude=/usr/share/man/*` rule (or delete them in the same RUN).",
    ),
    Rule(UNNEEDED, "git metadata", ("**/.git/**",), r"/\.git", "Add `.git` to `.dockerignore`."),
    Rule(
        UNNEEDED,
        "tests",
        ("**/tests/**", "**/test/**", "**/__tests__/**"),
        r"/(tests|test|__tests__)(?=/)",
        "Keep tests out of the image: `.dockerignore` them, or install packages without their test suites.",
    ),
    Rule(
        UNNEEDED,
        "temporary files",
        ("/tmp/**", "/var/tmp/**"),
        r"^/(var/)?tmp",
        "Delete temporary files in the RUN that made them (or `RUN --mount=type=tmpfs,target=/tmp`).",
    ),
    Rule(
        UNNEEDED,
        "logs",
        ("/var/log/**",),
        r"^/var/log",
        "Delete package-manager logs (`/var/log/apt`, `dpkg.log`) in the same RUN as the install.",
    ),
    Rule(
        UNNEEDED,
        "other caches",
        ("**/.cache/**", "/var/cache/**"),
        r"/\.cache|^/var/cache",
        "Delete caches in the RUN that filled them, or use `RUN --mount=type=cache`.",
    ),
)
_RULE_BY_NAME = {r.name: r for r in _RULES}
_CLASSIFIER = GlobClassifier((r.name, r.patterns) for r in _RULES)
_MARKERS = {r.name: re.compile(r.marker) for r in _RULES}
_PYTHON = re.compile(r"^/?usr/(local/)?bin/python[0-9.]*$")
_DEV_LIST = re.compile(r"^/?var/lib/dpkg/info/([^/:]+-dev)(:[^/]*)?\.list$")
_ARCHIVE = re.compile(r"\.(tar|tgz|tar\.gz|tar\.xz|tar\.bz2|tar\.zst|zip|deb|rpm|whl|jar|gz|xz|bz2|zst|7z)$")


@dataclass(slots=True)
class Finding:
    """One file's removable bytes."""

    kind: str
    rule: str  # the rule name for live kinds ("apt lists"), "" for dead ones
    path: str  # "/..."
    size: int
    layer: int  # the layer that wrote the bytes
    killer: int | None  # the layer that made them dead (dead kinds)
    anchor: str  # what the group is about: deleted dir, cache root, original of a duplicate
    detail: str = ""
    package: int | None = None  # index into the PackageReport's packages of the file's owner


@dataclass(slots=True)
class PackageShare:
    """The bytes of one group that one package installed."""

    ecosystem: str
    name: str
    version: str
    bytes: int  # of this group's files
    files: int
    package_bytes: int  # the whole package in the final image
    layer: int | None  # the layer that installed it


@dataclass(slots=True)
class Group:
    """Findings with one cause and one fix: same kind and rule, same layer(s)."""

    kind: str
    rule: str
    layer: int
    killer: int | None
    bytes: int = 0
    files: int = 0
    anchors: dict[str, list[int]] = field(default_factory=dict)  # anchor -> [bytes, files]
    details: set[str] = field(default_factory=set)
    fix: str = ""
    packages: list[PackageShare] = field(default_factory=list)  # biggest share first

    def top_anchors(self, n: int = 3) -> list[tuple[str, int, int]]:
        items = sorted(self.anchors.items(), key=lambda kv: (-kv[1][0], kv[0]))[:n]
        return [(a, v[0], v[1]) for a, v in items]


@dataclass(slots=True)
class Insights:
    findings: list[Finding]
    groups: list[Group]  # ranked: real causes by bytes, then the soft hints
    totals: dict[str, tuple[int, int]]  # kind -> (bytes, files)
    hashed: bool
    dev_packages: list[str]
    python_present: bool

    @property
    def removable_bytes(self) -> int:
        """Everything but the soft hints."""
        return sum(b for k, (b, _n) in self.totals.items() if k != UNNEEDED)


def anchor_for(rule: str, path: str) -> str:
    """The group title for a live file: the cache / toolchain root it belongs to."""
    m = _MARKERS[rule].search(path)
    return path if m is None or not m.group(0) else path[: m.end()]


def _dead_finding(d: DeadFile) -> Finding:
    detail = ""
    if d.how == COPY_UP and d.replacement is not None:
        a, b = d.entry, d.replacement
        changes = []
        if a.mode != b.mode:
            changes.append(f"mode {a.mode & 0o7777:04o}→{b.mode & 0o7777:04o}")
        if (a.uid, a.gid) != (b.uid, b.gid):
            changes.append(f"owner {a.uid}:{a.gid}→{b.uid}:{b.gid}")
        detail = ", ".join(changes) or "content and metadata unchanged (touch, or the same file copied again)"
    return Finding(d.how, "", d.path, d.size, d.layer, d.killer, "/" + d.anchor if d.anchor else "/", detail)


_DEV_SUFFIX = {"deb": ("-dev",), "apk": ("-dev",), "rpm": ("-devel", "-static")}


def explain_waste(image: Image, acc: AccurateWaste, packages: PackageReport | None = None) -> Insights:
    """Attribute every removable byte to one kind (see the module docstring); ``packages``
    (when the image's databases were read) names the package owning each live finding."""
    findings = [_dead_finding(d) for d in acc.dead if not d.ignored]
    live = acc.live
    python_present = any(_PYTHON.match(e.path) for _i, e in live if e.typeflag != 53)
    dev = {m.group(1) for _i, e in live if (m := _DEV_LIST.match(e.path))}
    if packages is not None:
        dev |= {p.name for p in packages.packages if p.name.endswith(_DEV_SUFFIX.get(p.ecosystem, ()))}
    dev_packages = sorted(dev)
    classified: set[int] = set()  # id() of entries attributed to cache/toolchain
    soft: list[tuple[int, Entry, str]] = []
    candidates: dict[tuple[int, int], list[tuple[int, Entry]]] = {}
    for i, e in live:
        if e.size <= 0 or e.typeflag != TYPE_REG:
            continue
        rule = _CLASSIFIER.classify(e.path)
        if rule == "python bytecode" and python_present:
            rule = None
        if rule is not None:
            r = _RULE_BY_NAME[rule]
            if r.kind != UNNEEDED:
                classified.add(id(e))
                path = "/" + e.path
                owner = packages.owner.get(e.path) if packages is not None else None
                findings.append(Finding(r.kind, rule, path, e.size, i, None, anchor_for(rule, path), "", owner))
                continue
            soft.append((i, e, rule))
        if e.hash:
            candidates.setdefault((e.hash, e.size), []).append((i, e))
    duplicated: set[int] = set()
    for copies in candidates.values():
        if len(copies) < 2:
            continue
        copies.sort(key=lambda t: (t[0], t[1].path))
        oi, orig = copies[0]
        for i, e in copies[1:]:
            duplicated.add(id(e))
            findings.append(
                Finding(
                    DUPLICATE,
                    "",
                    "/" + e.path,
                    e.size,
                    i,
                    None,
                    "/" + orig.path,
                    f"same content as /{orig.path} (layer {oi})",
                )
            )
    for i, e, rule in soft:
        if id(e) not in duplicated:
            path = "/" + e.path
            owner = packages.owner.get(e.path) if packages is not None else None
            findings.append(Finding(UNNEEDED, rule, path, e.size, i, None, anchor_for(rule, path), "", owner))
    return _summarise(image, findings, acc.hashed, dev_packages, python_present, packages)


def _summarise(
    image: Image,
    findings: list[Finding],
    hashed: bool,
    dev_packages: list[str],
    python_present: bool,
    packages: PackageReport | None = None,
) -> Insights:
    groups: dict[tuple, Group] = {}
    shares: dict[tuple, dict[int, list[int]]] = {}  # group key -> package index -> [bytes, files]
    totals = {k: (0, 0) for k in KINDS}
    for f in findings:
        b, n = totals[f.kind]
        totals[f.kind] = (b + f.size, n + 1)
        key = (f.kind, f.rule, f.layer, f.killer)
        g = groups.get(key)
        if g is None:
            g = groups[key] = Group(f.kind, f.rule, f.layer, f.killer)
        g.bytes += f.size
        g.files += 1
        a = g.anchors.setdefault(f.anchor, [0, 0])
        a[0] += f.size
        a[1] += 1
        if f.detail and len(g.details) < 4:
            g.details.add(f.detail)
        if f.package is not None:
            share = shares.setdefault(key, {}).setdefault(f.package, [0, 0])
            share[0] += f.size
            share[1] += 1
    if packages is not None:
        for key, per in shares.items():
            groups[key].packages = sorted(
                (
                    PackageShare(p.ecosystem, p.name, p.version, b, n, p.bytes, p.layer)
                    for i, (b, n) in per.items()
                    for p in (packages.packages[i],)
                ),
                key=lambda s: (-s.bytes, s.ecosystem, s.name),
            )
    ranked = sorted(groups.values(), key=lambda g: (g.kind == UNNEEDED, -g.bytes, KINDS.index(g.kind), g.layer))
    for g in ranked:
        g.fix = fix_for(image, g, dev_packages)
    return Insights(findings, ranked, totals, hashed, dev_packages, python_present)


def command_of(image: Image, index: int | None) -> str:
    if index is None or not 0 <= index < len(image.layers):
        return ""
    return image.layers[index].command.strip() or "(no history)"


def _short(cmd: str, width: int = 60) -> str:
    cmd = " ".join(cmd.split())
    return cmd if len(cmd) <= width else cmd[: width - 1] + "…"


def _is_copy(cmd: str) -> bool:
    c = cmd.lstrip().upper()
    return c.startswith(("COPY", "ADD")) or c.startswith("#(NOP) COPY") or c.startswith("#(NOP) ADD")


def fix_for(image: Image, g: Group, dev_packages: list[str] | None = None) -> str:
    """The concrete change that removes the group's bytes, naming the layers' commands."""
    made = command_of(image, g.layer)
    made_s = f"layer {g.layer} (`{_short(made)}`)"
    if g.kind == DELETED:
        killed = f"layer {g.killer} (`{_short(command_of(image, g.killer))}`)"
        anchors = [a for a, _b, _n in g.top_anchors(3)]
        cache = next(
            (r for a in anchors if (r := _CLASSIFIER.classify(a + "/x")) and _RULE_BY_NAME[r].kind == CACHE), None
        )
        if _is_copy(made):
            return (
                f"Written by {made_s} and deleted by {killed}: keep it out of the image instead — "
                "exclude it in `.dockerignore`, or use `RUN --mount=type=bind` / a multi-stage build."
            )
        text = f"Delete it in the same RUN that created it: {made_s}, not {killed}."
        if cache:
            text += " " + _RULE_BY_NAME[cache].fix
        elif any(_ARCHIVE.search(a) for a in anchors):
            text += " Download, unpack and remove the archive in one RUN (e.g. `curl -fsSL URL | tar -xz`)."
        return text
    if g.kind == OVERWRITTEN:
        if g.killer == g.layer:
            return f"{made_s} writes the same path twice; only the last copy is kept: write it once."
        return (
            f"Rewritten by layer {g.killer} (`{_short(command_of(image, g.killer))}`): produce the final "
            f"version in {made_s} (or merge the steps), so only one copy is stored."
        )
    if g.kind == COPY_UP:
        return (
            f"Layer {g.killer} (`{_short(command_of(image, g.killer))}`) only changed metadata but stored a "
            f"whole new copy: set mode and owner when the file is created — `COPY --chmod=… --chown=…`, "
            f"or chmod/chown in the same RUN as {made_s}."
        )
    if g.kind == DUPLICATE:
        return (
            "The same bytes are stored at another path: keep one copy (a symlink or hardlink, "
            "`mv` instead of `cp`, or COPY only the needed location)."
        )
    rule = _RULE_BY_NAME.get(g.rule)
    text = rule.fix if rule else ""
    if g.packages:
        return text + _package_fix(image, g)
    if g.kind == TOOLCHAIN and dev_packages:
        shown = ", ".join(dev_packages[:6]) + (", …" if len(dev_packages) > 6 else "")
        text += f" Installed -dev packages: {shown}."
    return text


# Names put into a suggested command: anything else (an image controls the names) is left out
# of the command; the renderers still list it, escaped.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9@][A-Za-z0-9.+_@/-]{0,127}$")
_REMOVE = {
    "deb": "apt-get purge -y --auto-remove",
    "apk": "apk del",
    "rpm": "dnf remove -y",
    "python": "pip uninstall -y",
    "npm": "npm uninstall",
}
_MAX_NAMED = 6


def _package_fix(image: Image, g: Group) -> str:
    """The packages behind a live group, and (toolchain) the command that removes them where it
    helps: in the RUN that installed them, since a later layer only hides the bytes."""
    safe = [s for s in g.packages if _SAFE_NAME.match(s.name)]
    named = ", ".join(f"{s.name} ({humanize_bytes(s.bytes)})" for s in safe[:_MAX_NAMED])
    if len(safe) > _MAX_NAMED:
        named += ", …"
    if not named:
        return ""
    if g.kind != TOOLCHAIN:
        return f" Mostly installed by: {named}."
    commands = []
    for eco, verb in _REMOVE.items():
        names = [s.name for s in safe if s.ecosystem == eco][:_MAX_NAMED]
        if names:
            commands.append(f"`{verb} {' '.join(names)}`")
    layers = sorted({s.layer for s in safe if s.layer is not None})
    where = (
        f"the RUN that installed them (layer {layers[0]}: `{_short(command_of(image, layers[0]))}`)"
        if len(layers) == 1
        else "the RUN that installed them"
    )
    return (
        f" Packages responsible: {named}: leave them in the builder stage, or end {where} with "
        f"{' && '.join(commands)} (a later RUN only hides the bytes)."
    )


__all__ = [
    "KINDS",
    "KIND_TITLES",
    "DEAD_KINDS",
    "Finding",
    "Group",
    "PackageShare",
    "Insights",
    "explain_waste",
    "fix_for",
    "CACHE",
    "TOOLCHAIN",
    "DUPLICATE",
    "UNNEEDED",
    "DELETED",
    "OVERWRITTEN",
    "COPY_UP",
]
