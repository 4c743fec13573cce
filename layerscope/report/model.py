"""A snapshot of one image, and the baseline JSON file (schema ``layerscope/baseline`` v1).

A :class:`Snapshot` is everything a later comparison needs and nothing more: per-layer sizes and
commands, the final filesystem as ``path → size``, and the dive-compatible waste figures.  It
is what a live image is reduced to before comparing, so diffing against a saved baseline and
diffing against the live image run exactly the same code and give the same numbers.

The file format is documented in ``docs/report-schema.md``.  Loading validates every field:
a baseline is an input like an image archive, and a bad one must fail in one line, naming the
field, rather than deep inside the comparison.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..analysis.dive_efficiency import DiveEfficiency, InefficientFile, ratio
from ..errors import LayerscopeError

BASELINE_SCHEMA = "layerscope/baseline"
BASELINE_VERSION = 1
# A baseline holds one line per file of the final image: 10⁶ files is ~60 MB.  Past this the
# file is not a baseline (and would need several times its size in memory to parse).
MAX_BASELINE_BYTES = 256 << 20
MAX_INT_DIGITS = 40  # sizes are < 2⁶⁴ (20 digits); a longer integer is a corrupt field


class BaselineError(LayerscopeError):
    """A baseline file that cannot be used: unreadable, corrupt, or from an unknown version."""


@dataclass(slots=True)
class LayerSummary:
    """One layer as a comparison sees it.  ``size`` is the accurate content size: a
    ``docker save`` duplicate layer counts in full, so the number does not depend on the
    archive layout the image happened to be saved in."""

    index: int
    diff_id: str
    command: str
    size: int
    compressed_size: int | None = None
    created: str = ""
    compressed_estimated: bool = False  # compressed_size is an estimate (no blob size stored), not the blob


@dataclass(frozen=True, slots=True)
class PackageRecord:
    """One package of the image as a comparison sees it: identity, version and its bytes in the
    final image (see :mod:`layerscope.packages`).  ``database`` is the database path it came
    from (a site-packages or node_modules directory tells two installs of one name apart)."""

    ecosystem: str
    name: str
    version: str
    arch: str
    bytes: int
    database: str = ""


@dataclass(slots=True)
class Snapshot:
    """The comparable facts of one image."""

    name: str
    source: str
    layers: list[LayerSummary]
    files: dict[str, int]  # final filesystem, non-directories: "/path" -> size
    efficiency: float  # dive-compatible
    wasted_bytes: int  # dive-compatible
    dive_size: int  # dive's SizeBytes
    dive_user_size: int  # dive's UserSizeBytes
    inefficient_files: list[InefficientFile] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    layout: str = ""
    platform: str = ""
    config_digest: str = ""
    origin: str = "image"  # "image" (read live) or "baseline" (loaded from a file)
    packages: list[PackageRecord] | None = None  # None: not known (an old baseline, a read without capture)

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    @property
    def compressed_size(self) -> int | None:
        """Download size: known only when every layer's blob size is known."""
        if not self.layers or any(layer.compressed_size is None for layer in self.layers):
            return None
        return sum(layer.compressed_size for layer in self.layers)  # type: ignore[misc]

    @property
    def compressed_estimated(self) -> bool:
        """Whether :attr:`compressed_size` contains an estimate (some layer has no stored blob size)."""
        return any(layer.compressed_estimated for layer in self.layers)

    @property
    def file_count(self) -> int:
        return len(self.files)

    @property
    def user_wasted_percent(self) -> float:
        return ratio(self.wasted_bytes, self.dive_user_size)

    def dive_analysis(self) -> DiveEfficiency:
        """The dive-compatible analysis, rebuilt so dive's rules can be evaluated on it."""
        return DiveEfficiency(
            efficiency=self.efficiency,
            wasted_bytes=self.wasted_bytes,
            user_wasted_percent=self.user_wasted_percent,
            size_bytes=self.dive_size,
            user_size_bytes=self.dive_user_size,
            inefficient_files=list(self.inefficient_files),
        )


# ------------------------------------------------------------------------------- writing
def _finite_or_none(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else x


def to_baseline_dict(snap: Snapshot) -> dict[str, Any]:
    return {
        "schema": BASELINE_SCHEMA,
        "version": BASELINE_VERSION,
        "generator": f"layerscope {__version__}",
        "image": {
            "name": snap.name,
            "source": snap.source,
            "tags": list(snap.tags),
            "layout": snap.layout,
            "platform": snap.platform,
            "config_digest": snap.config_digest,
        },
        "totals": {
            "size": snap.size,
            "compressed_size": snap.compressed_size,
            "compressed_estimated": snap.compressed_estimated,
            "layers": len(snap.layers),
            "files": snap.file_count,
            "efficiency": snap.efficiency,
            "wasted_bytes": snap.wasted_bytes,
            "dive_size": snap.dive_size,
            "dive_user_size": snap.dive_user_size,
            "user_wasted_percent": _finite_or_none(snap.user_wasted_percent),
        },
        "layers": [
            {
                "index": lay.index,
                "diff_id": lay.diff_id,
                "command": lay.command,
                "size": lay.size,
                "compressed_size": lay.compressed_size,
                "compressed_estimated": lay.compressed_estimated,
                "created": lay.created,
            }
            for lay in snap.layers
        ],
        "inefficient_files": [{"path": r.path, "count": r.count, "size": r.size} for r in snap.inefficient_files],
        "files": dict(sorted(snap.files.items())),
        "packages": None
        if snap.packages is None
        else [
            {
                "ecosystem": p.ecosystem,
                "name": p.name,
                "version": p.version,
                "arch": p.arch,
                "bytes": p.bytes,
                "database": p.database,
            }
            for p in snap.packages
        ],
    }


def dumps_baseline(snap: Snapshot) -> str:
    # ensure_ascii keeps non-UTF-8 names (surrogate escapes) representable and round-trippable.
    return json.dumps(to_baseline_dict(snap), indent=1, ensure_ascii=True) + "\n"


# ------------------------------------------------------------------------------- reading
class _HugeInt:
    """A JSON integer with more than :data:`MAX_INT_DIGITS` digits, kept as its digit count:
    Python refuses to convert 4300+ digits (``ValueError`` out of ``json.loads``), and no size
    is that large, so validation reports the field instead."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(text: str) -> int | _HugeInt:
    return _HugeInt(len(text.lstrip("-"))) if len(text) > MAX_INT_DIGITS else int(text)


def _json_type(value: Any) -> str:
    """``value`` for a message, as JSON (short), e.g. ``true``, ``"1"``, ``an integer of 5000 digits``."""
    if isinstance(value, _HugeInt):
        return f"an integer of {value.digits} digits"
    text = json.dumps(value) if isinstance(value, (bool, int, float, str, type(None))) else type(value).__name__
    return text if len(text) <= 40 else text[:39] + "…"


class _V:
    """Field validation with the path of the field in the message."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, path: str, what: str) -> BaselineError:
        return BaselineError(f"{self.where}: field {path!r} {what}")

    def obj(self, d: Any, path: str) -> dict:
        if not isinstance(d, dict):
            raise self.fail(path, "must be an object")
        return d

    def get(self, d: dict, key: str, path: str) -> Any:
        if key not in d:
            raise self.fail(f"{path}.{key}" if path else key, "is missing")
        return d[key]

    def int_(self, v: Any, path: str, *, nullable: bool = False) -> int | None:
        if v is None and nullable:
            return None
        if isinstance(v, _HugeInt):
            raise self.fail(path, f"is {_json_type(v)}, too large for a size or count")
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise self.fail(path, "must be a non-negative integer" + (" or null" if nullable else ""))
        return v

    def str_(self, v: Any, path: str) -> str:
        if not isinstance(v, str):
            raise self.fail(path, "must be a string")
        return v

    def bool_(self, v: Any, path: str) -> bool:
        if not isinstance(v, bool):
            raise self.fail(path, "must be true or false")
        return v

    def num(self, v: Any, path: str) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise self.fail(path, "must be a finite number")
        return float(v)

    def list_(self, v: Any, path: str) -> list:
        if not isinstance(v, list):
            raise self.fail(path, "must be an array")
        return v


def from_baseline_dict(doc: Any, where: str) -> Snapshot:
    """Validate and convert a parsed baseline document; ``where`` prefixes every message."""
    v = _V(where)
    if not isinstance(doc, dict) or doc.get("schema") != BASELINE_SCHEMA:
        raise BaselineError(f'{where}: not a layerscope baseline (no "schema": "{BASELINE_SCHEMA}")')
    version = doc.get("version")
    if isinstance(version, _HugeInt):
        raise BaselineError(f"{where}: version: {_json_type(version)} is no schema version")
    if isinstance(version, bool) or not isinstance(version, int):  # true == 1 in Python
        raise BaselineError(f"{where}: version: expected an integer, got {_json_type(version)}")
    if version != BASELINE_VERSION:
        raise BaselineError(
            f"{where}: unsupported baseline schema version {json.dumps(version)} "
            f"(this layerscope reads version {BASELINE_VERSION}); regenerate it with "
            f"'layerscope report IMAGE --format json'"
        )
    img = v.obj(v.get(doc, "image", ""), "image")
    totals = v.obj(v.get(doc, "totals", ""), "totals")
    layers = []
    for i, raw in enumerate(v.list_(v.get(doc, "layers", ""), "layers")):
        p = f"layers[{i}]"
        raw = v.obj(raw, p)
        index = v.int_(v.get(raw, "index", p), f"{p}.index")
        if index != i:
            raise v.fail(f"{p}.index", f"must be {i}")
        layers.append(
            LayerSummary(
                index=i,
                diff_id=v.str_(v.get(raw, "diff_id", p), f"{p}.diff_id"),
                command=v.str_(v.get(raw, "command", p), f"{p}.command"),
                size=v.int_(v.get(raw, "size", p), f"{p}.size"),  # type: ignore[arg-type]
                compressed_size=v.int_(raw.get("compressed_size"), f"{p}.compressed_size", nullable=True),
                created=v.str_(raw.get("created", ""), f"{p}.created"),
                compressed_estimated=v.bool_(raw.get("compressed_estimated", False), f"{p}.compressed_estimated"),
            )
        )
    ineff = []
    for i, raw in enumerate(v.list_(v.get(doc, "inefficient_files", ""), "inefficient_files")):
        p = f"inefficient_files[{i}]"
        raw = v.obj(raw, p)
        ineff.append(
            InefficientFile(
                path=v.str_(v.get(raw, "path", p), f"{p}.path"),
                count=v.int_(v.get(raw, "count", p), f"{p}.count"),  # type: ignore[arg-type]
                size=v.int_(v.get(raw, "size", p), f"{p}.size"),  # type: ignore[arg-type]
            )
        )
    files_raw = v.obj(v.get(doc, "files", ""), "files")
    files: dict[str, int] = {}
    for path, size in files_raw.items():
        files[path] = v.int_(size, f"files[{path!r}]")  # type: ignore[assignment]
    tags = [v.str_(t, f"image.tags[{i}]") for i, t in enumerate(v.list_(img.get("tags", []), "image.tags"))]
    efficiency = v.num(v.get(totals, "efficiency", "totals"), "totals.efficiency")
    if not 0.0 <= efficiency <= 1.0:
        raise v.fail("totals.efficiency", "must be between 0 and 1")
    snap = Snapshot(
        name=v.str_(v.get(img, "name", "image"), "image.name"),
        source=v.str_(img.get("source", ""), "image.source"),
        layers=layers,
        files=files,
        efficiency=efficiency,
        wasted_bytes=v.int_(v.get(totals, "wasted_bytes", "totals"), "totals.wasted_bytes"),  # type: ignore[arg-type]
        dive_size=v.int_(v.get(totals, "dive_size", "totals"), "totals.dive_size"),  # type: ignore[arg-type]
        dive_user_size=v.int_(v.get(totals, "dive_user_size", "totals"), "totals.dive_user_size"),  # type: ignore[arg-type]
        inefficient_files=ineff,
        tags=tags,
        layout=v.str_(img.get("layout", ""), "image.layout"),
        platform=v.str_(img.get("platform", ""), "image.platform"),
        config_digest=v.str_(img.get("config_digest", ""), "image.config_digest"),
        origin="baseline",
        packages=_packages(v, doc.get("packages")),
    )
    # The redundant totals catch a hand-edited or truncated-and-repaired file.
    for key, actual in (
        ("size", snap.size),
        ("layers", len(layers)),
        ("files", snap.file_count),
        ("compressed_size", snap.compressed_size),
    ):
        if key not in totals:
            continue
        given = v.int_(totals[key], f"totals.{key}", nullable=key == "compressed_size")  # true is not 1
        if given != actual:
            raise v.fail(f"totals.{key}", f"is {json.dumps(given)} but the layers/files add up to {json.dumps(actual)}")
    return snap


def _packages(v: _V, raw: Any) -> list[PackageRecord] | None:
    """The optional ``packages`` list; absent or null (a baseline of an older layerscope) is unknown."""
    if raw is None:
        return None
    out = []
    for i, item in enumerate(v.list_(raw, "packages")):
        p = f"packages[{i}]"
        item = v.obj(item, p)
        out.append(
            PackageRecord(
                ecosystem=v.str_(v.get(item, "ecosystem", p), f"{p}.ecosystem"),
                name=v.str_(v.get(item, "name", p), f"{p}.name"),
                version=v.str_(v.get(item, "version", p), f"{p}.version"),
                arch=v.str_(item.get("arch", ""), f"{p}.arch"),
                bytes=v.int_(v.get(item, "bytes", p), f"{p}.bytes"),  # type: ignore[arg-type]
                database=v.str_(item.get("database", ""), f"{p}.database"),
            )
        )
    return out


def load_baseline(path: str, side: str = "baseline") -> Snapshot:
    """Read a baseline file; every failure is one :class:`BaselineError` line naming ``side``."""
    where = f"{side}: baseline {path}"
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BASELINE_BYTES + 1)
    except FileNotFoundError:
        raise BaselineError(f"{where}: no such file") from None
    except OSError as e:
        raise BaselineError(f"{where}: cannot read: {e.strerror or e}") from None
    if len(data) > MAX_BASELINE_BYTES:
        raise BaselineError(f"{where}: larger than {MAX_BASELINE_BYTES >> 20} MiB, not a baseline")
    try:
        # Nesting is bounded by the interpreter's recursion limit (RecursionError below).
        doc = json.loads(data.decode("utf-8"), parse_int=_parse_int)
    except UnicodeDecodeError:
        raise BaselineError(f"{where}: corrupt baseline JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as e:
        raise BaselineError(f"{where}: corrupt baseline JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except RecursionError:
        raise BaselineError(f"{where}: corrupt baseline JSON (nested too deeply)") from None
    return from_baseline_dict(doc, where)
