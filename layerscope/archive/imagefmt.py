"""Typed OCI / Docker image-format documents: :class:`Descriptor`, :class:`Platform`,
:class:`Manifest`, :class:`Index`, and the :class:`ResolvedImage` every source hands to
:func:`layerscope.archive.resolve.make_image`.

Shaped after go-containerregistry's ``pkg/v1`` (``Descriptor``, ``Platform`` with ``String``
and ``Satisfies``, ``Manifest``, ``IndexManifest``): the JSON is checked once, on the way
into these types, the way Go's ``json.Unmarshal`` into the spec's structs refuses a field of
the wrong type, so the code after the parse never meets a list where it expects a string.

The archive reader and the registry puller word their errors differently (tests and users
rely on both), so the checks here are one implementation and the wording is a
:class:`Wording` each source supplies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import ArchiveError

INDEX_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)
MANIFEST_TYPES = frozenset(
    {
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    }
)
MAX_SIZE = (1 << 63) - 1  # a descriptor's size is an int64 in the spec (and in Go)
_GO_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm/v7",
    "armv6l": "arm/v6",
    "i386": "386",
    "i686": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}  # uname -m → GOARCH[/variant]
ATTESTATION_OS = "unknown"  # buildx attestation manifests carry platform unknown/unknown


# --------------------------------------------------------------------------- where and how


@dataclass(frozen=True)
class Where:
    """A value's place: the document (``index.json``, ``index of REF``) and the path inside it
    (``manifests[3]``, or ``""`` for the document itself)."""

    doc: str
    path: str = ""

    def at(self, path: str) -> Where:
        return Where(self.doc, path)


class Wording(Protocol):
    """How one source words a located type error; ``field`` is relative to ``where.path``
    (``""`` for the value at ``where`` itself)."""

    def not_object(self, where: Where, field: str, value: Any) -> str: ...
    def not_string(self, where: Where, field: str, value: Any) -> str: ...
    def not_list(self, where: Where, field: str, value: Any) -> str: ...
    def bad_size(self, where: Where, field: str, value: Any) -> str: ...
    def not_string_map(self, where: Where, field: str) -> str: ...
    def not_string_list(self, where: Where, field: str) -> str: ...


def shown(value: Any) -> str:
    """A JSON value for an error line, cut short (an attack's value can be megabytes)."""
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


class ArchiveWording:
    """``index.json: manifests[0].platform.os: expected a string, got 5``: the archive reader's
    lines, a dotted path after the document's name."""

    @staticmethod
    def _loc(where: Where, field: str) -> str:
        return f"{where.doc}: {'.'.join(p for p in (where.path, field) if p)}"

    def not_object(self, where: Where, field: str, value: Any) -> str:
        return f"{self._loc(where, field)}: expected an object, got {shown(value)}"

    def not_string(self, where: Where, field: str, value: Any) -> str:
        return f"{self._loc(where, field)}: expected a string, got {shown(value)}"

    def not_list(self, where: Where, field: str, value: Any) -> str:
        return f"{self._loc(where, field)}: expected a list, got {shown(value)}"

    def bad_size(self, where: Where, field: str, value: Any) -> str:
        return f"{self._loc(where, field)}: expected an integer from 0 to 2^63-1, got {shown(value)}"

    def not_string_map(self, where: Where, field: str) -> str:
        return f"{self._loc(where, field)}: expected an object of strings"

    def not_string_list(self, where: Where, field: str) -> str:
        return f"{self._loc(where, field)}: expected a list of strings"


ARCHIVE_WORDING = ArchiveWording()


@dataclass(frozen=True)
class Rules:
    """What a source requires beyond the types: the registry needs every size (it bounds each
    download by it); an archive's sizes are informational."""

    wording: Wording
    size_required: bool = False


ARCHIVE_RULES = Rules(ARCHIVE_WORDING)


# --------------------------------------------------------------------------- field checks


def check_str(obj: Mapping[str, Any], key: str, where: Where, rules: Rules, path: str = "") -> str | None:
    """``obj[key]`` if absent or a string; a located error otherwise."""
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise ArchiveError(rules.wording.not_string(where, _join(path, key), value))
    return value


def check_list(obj: Mapping[str, Any], key: str, where: Where, rules: Rules) -> list[Any]:
    """``obj[key]``, which must be a list (absent is an error too: the documents need it)."""
    value = obj.get(key)
    if not isinstance(value, list):
        raise ArchiveError(rules.wording.not_list(where, key, value))
    return value


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def decode_json(data: bytes, what: str) -> Any:
    """JSON of a document, any failure one line naming ``what`` (deep nesting included: the
    parser recurses, and an attack can nest 100,000 levels)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ArchiveError(f"{what}: JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ArchiveError(f"{what}: invalid JSON ({e})") from None


# --------------------------------------------------------------------------- Platform


@dataclass(frozen=True)
class Platform:
    """An image's os/architecture[/variant] (plus the fields the spec adds, kept for
    completeness).  ``""`` is an absent field."""

    os: str = ""
    architecture: str = ""
    variant: str = ""
    os_version: str = ""
    os_features: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Platform:
        """``os/arch[/variant]`` as given to ``--platform``."""
        parts = text.strip().split("/")
        if len(parts) < 2 or len(parts) > 3 or not all(parts):
            raise ArchiveError(f"invalid --platform {text!r} (want os/arch[/variant])")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else "")

    @classmethod
    def host(cls) -> Platform:
        """The platform of this machine, as Go names it (``linux/arm64``, ``linux/arm/v7``)."""
        import platform as _platform  # here, not at import: only a multi-platform read asks

        machine = _platform.machine().lower()
        arch = _GO_ARCH.get(machine, machine)
        return cls.parse(f"linux/{arch}")

    @classmethod
    def of_config(cls, config: Mapping[str, Any]) -> Platform:
        """The platform an image config declares (non-string fields are ignored: the config's
        own parse is lenient, as the engines' is)."""

        def text(key: str) -> str:
            value = config.get(key)
            return value if isinstance(value, str) else ""

        return cls(text("os"), text("architecture"), text("variant"))

    @classmethod
    def from_json(cls, value: Any, where: Where, rules: Rules, path: str) -> Platform:
        """A descriptor's ``platform`` object, every field type-checked (``path`` locates it)."""
        if not isinstance(value, dict):
            raise ArchiveError(rules.wording.not_object(where, path, value))
        fields = [
            check_str(value, key, where, rules, path) or "" for key in ("os", "architecture", "variant", "os.version")
        ]
        features = value.get("os.features")
        if features is not None and (not isinstance(features, list) or not all(isinstance(f, str) for f in features)):
            raise ArchiveError(rules.wording.not_string_list(where, _join(path, "os.features")))
        os_, arch, variant, os_version = fields
        return cls(os_, arch, variant, os_version, os_features=tuple(features or ()))

    def matches(self, want: Platform) -> bool:
        """Whether this platform satisfies ``want``: os and architecture equal, and the
        variant too when ``want`` names one (``linux/arm64`` takes ``linux/arm64/v8``)."""
        return (
            self.os == want.os
            and self.architecture == want.architecture
            and (not want.variant or self.variant == want.variant)
        )

    @property
    def is_attestation(self) -> bool:
        return self.os == ATTESTATION_OS

    def __str__(self) -> str:
        s = f"{self.os or '?'}/{self.architecture or '?'}"
        return f"{s}/{self.variant}" if self.variant else s


# --------------------------------------------------------------------------- Descriptor


@dataclass(frozen=True)
class Descriptor:
    """A content descriptor: what a manifest or index says about one blob."""

    digest: str
    media_type: str = ""
    size: int | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    platform: Platform | None = None
    artifact_type: str = ""

    @classmethod
    def from_json(cls, value: Any, where: Where, rules: Rules = ARCHIVE_RULES) -> Descriptor:
        """A descriptor at ``where``; a field of the wrong type is a located one-line error."""
        if not isinstance(value, dict):
            raise ArchiveError(rules.wording.not_object(where, "", value))
        media_type = check_str(value, "mediaType", where, rules)
        artifact_type = check_str(value, "artifactType", where, rules)
        digest = value.get("digest")
        if not isinstance(digest, str):
            raise ArchiveError(rules.wording.not_string(where, "digest", digest))
        size = value.get("size")
        if (size is None and rules.size_required) or (
            size is not None and (type(size) is not int or not 0 <= size <= MAX_SIZE)
        ):  # bool is no int in JSON
            raise ArchiveError(rules.wording.bad_size(where, "size", size))
        annotations = value.get("annotations")
        if annotations is not None and (
            not isinstance(annotations, dict) or not all(isinstance(v, str) for v in annotations.values())
        ):
            raise ArchiveError(rules.wording.not_string_map(where, "annotations"))
        plat = value.get("platform")
        return cls(
            digest=digest,
            media_type=media_type or "",
            size=size,
            annotations=dict(annotations or {}),
            platform=None if plat is None else Platform.from_json(plat, where, rules, "platform"),
            artifact_type=artifact_type or "",
        )

    @property
    def ref_name(self) -> str:
        """The image name an index entry carries (OCI's annotation, or containerd's)."""
        a = self.annotations
        return a.get("org.opencontainers.image.ref.name") or a.get("io.containerd.image.name") or ""


# --------------------------------------------------------------------------- Manifest / Index


@dataclass(frozen=True)
class Manifest:
    """An image manifest: one config and the layers in order."""

    config: Descriptor
    layers: tuple[Descriptor, ...]
    media_type: str = ""

    @classmethod
    def from_json(cls, doc: Any, where: Where, rules: Rules = ARCHIVE_RULES) -> Manifest:
        """The archive's order of checks: presence, mediaType, each layer, then the config."""
        if not isinstance(doc, dict) or "layers" not in doc or "config" not in doc:
            raise ArchiveError(f"{where.doc}: missing config or layers")
        media_type = check_str(doc, "mediaType", where, rules)
        layers = tuple(
            Descriptor.from_json(d, where.at(f"layers[{i}]"), rules)
            for i, d in enumerate(check_list(doc, "layers", where, rules))
        )
        return cls(Descriptor.from_json(doc["config"], where.at("config"), rules), layers, media_type or "")


@dataclass(frozen=True)
class Index:
    """An image index (manifest list): descriptors of manifests or nested indexes."""

    manifests: tuple[Descriptor, ...]
    media_type: str = ""

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], where: Where, rules: Rules = ARCHIVE_RULES) -> Index:
        """Every entry type-checked.  The index's own ``mediaType`` is left to the caller: a
        registry checks it before it knows the document is an index, and the archive reader
        has never refused an odd one."""
        entries = check_list(doc, "manifests", where, rules)
        mt = doc.get("mediaType")
        return cls(
            tuple(Descriptor.from_json(d, where.at(f"manifests[{i}]"), rules) for i, d in enumerate(entries)),
            mt if isinstance(mt, str) else "",
        )


def is_index_doc(doc: Any) -> bool:
    """A manifest blob that is in fact an index (a manifest descriptor may point at one)."""
    if not isinstance(doc, dict) or "manifests" not in doc:
        return False
    mt = doc.get("mediaType")
    return mt is None or (isinstance(mt, str) and mt in INDEX_TYPES)


# --------------------------------------------------------------------------- resolved image


@dataclass(frozen=True)
class ResolvedLayer:
    """One layer of the chosen image: where its parsed tar sits in the outer contents, and
    its manifest descriptor when the layout has one (docker save's ``manifest.json`` has
    none)."""

    member: str
    descriptor: Descriptor | None = None


@dataclass
class ResolvedImage:
    """The chosen image of a source, before its layers are paired with history: what
    ``select`` hands to ``make_image``, whichever layout or registry it came from."""

    config: Any  # the image config JSON, type-checked by make_image
    layers: list[ResolvedLayer]
    layout: str
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    platform: Platform | None = None  # None: the config's own
    config_digest: str = ""
    blob_digests_from_descriptors: bool = False  # dir: layout names blobs by bare hex
