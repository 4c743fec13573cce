"""CI rules beyond dive's: the ``layerscope:`` section of ``.dive-ci``.

dive ignores unknown top-level keys, so one file serves both tools::

    rules:                      # dive's rules, evaluated exactly as dive does
      lowestEfficiency: 0.95
    layerscope:
      ignore: ["/var/cache/**"] # paths excluded from layerscope's (accurate) waste figures (#347)
      maxImageSize: 500MB       # stored (uncompressed) bytes of all layers
      maxLayerSize: 200MB       # each layer
      maxWastedBytesAccurate: 20MB   # layerscope's dead bytes, after `ignore`
      forbid: ["*.pem", ".env", "id_rsa"]   # present in any layer, even if deleted later

Sizes are parsed like dive's ``highestWastedBytes`` (go-humanize: ``20MB`` = 20,000,000 B) and
``disabled`` skips a rule.  Keys are case-insensitive, as viper reads dive's.  An unknown key or
a bad value is a *misconfiguration* (exit 1, like dive's), reported on its own line rather than
silently ignored: a typo in a size gate must not pass a build.  ``ignore`` never changes dive's
figures — the verdicts of dive's rules never change silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analysis.accurate import AccurateWaste
from ..analysis.globs import GlobError, PathGlobs
from ..image import OPAQUE_PREFIX, WHITEOUT_PREFIX, Image
from .evaluate import FAIL, MISCONFIGURED, PASS, SKIP
from .rules import RuleValueError, _go_string, parse_size

SECTION = "layerscope"
SIZE_KEYS = ("maxImageSize", "maxLayerSize", "maxWastedBytesAccurate")
LIST_KEYS = ("ignore", "forbid")
KNOWN = {k.lower(): k for k in (*SIZE_KEYS, *LIST_KEYS)}
MAX_LISTED = 5


@dataclass(slots=True)
class ExtraSection:
    ignore: list[str] = field(default_factory=list)
    forbid: list[str] | None = None  # None: key absent
    values: dict[str, str] = field(default_factory=dict)  # size key -> raw value
    problems: dict[str, str] = field(default_factory=dict)  # key -> misconfiguration message


@dataclass(slots=True)
class ExtraResult:
    key: str
    status: str
    message: str = ""


@dataclass(slots=True)
class ExtraVerdict:
    results: list[ExtraResult]
    misconfigured: bool
    accurate: AccurateWaste | None = None
    ignore: list[str] = field(default_factory=list)

    @property
    def n_pass(self) -> int:
        return sum(r.status == PASS for r in self.results)

    @property
    def n_fail(self) -> int:
        return sum(r.status == FAIL for r in self.results)

    @property
    def n_skip(self) -> int:
        return sum(r.status == SKIP for r in self.results)

    @property
    def passed(self) -> bool:
        return not self.misconfigured and self.n_fail == 0

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1


def _glob_list(key: str, value: object, section: ExtraSection) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                              for v in items):
        section.problems[key] = "expected a glob or a list of globs"
        return []
    pats = [str(v) for v in items]
    try:
        PathGlobs(pats)
    except GlobError as e:
        section.problems[key] = str(e)
        return []
    return pats


def parse_section(doc: dict | None) -> ExtraSection | None:
    """The ``layerscope:`` section of a parsed ``.dive-ci``, or None when there is none."""
    if not isinstance(doc, dict):
        return None
    raw = None
    found = False
    for k, v in doc.items():
        if str(k).lower() == SECTION:
            raw, found = v, True
    if not found:
        return None
    section = ExtraSection()
    if raw is None:
        return section
    if not isinstance(raw, dict):
        section.problems[SECTION] = "expected a mapping of rules"
        return section
    for k, v in raw.items():
        key = KNOWN.get(str(k).lower())
        if key is None:
            section.problems[str(k)] = f"unknown key (known: {', '.join(sorted(KNOWN.values()))})"
        elif key == "ignore":
            section.ignore = _glob_list(key, v, section)
        elif key == "forbid":
            section.forbid = _glob_list(key, v, section)
        else:
            text = _go_string(v)
            section.values[key] = text
            if text != "disabled":
                try:
                    parse_size(text)
                except RuleValueError as e:
                    section.problems[key] = str(e)
    return section


def forbidden_paths(image: Image, globs: PathGlobs) -> list[tuple[str, int]]:
    """Every (``/path``, layer) stored in any layer that a ``forbid`` glob matches — deleted
    later or not, since the bytes are in the download either way."""
    hits = []
    for layer in image.layers:
        for e in layer.entries:
            leaf = e.path[e.path.rfind("/") + 1 :]
            if leaf.startswith(WHITEOUT_PREFIX) or leaf.startswith(OPAQUE_PREFIX) or not e.path:
                continue
            if globs.match(e.path):
                hits.append(("/" + e.path, layer.index))
    return hits


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def evaluate_extra(section: ExtraSection, image: Image, accurate: AccurateWaste | None) -> ExtraVerdict:
    """Statuses sorted by key, like dive's; ``accurate`` must honour ``section.ignore``."""
    results: dict[str, ExtraResult] = {}
    for key, msg in section.problems.items():
        if key != "ignore":
            results[key] = ExtraResult(key, MISCONFIGURED, msg)
    if "ignore" in section.problems:
        results["ignore"] = ExtraResult("ignore", MISCONFIGURED, section.problems["ignore"])
    if results:
        return ExtraVerdict(sorted(results.values(), key=lambda r: r.key), True, accurate, section.ignore)
    for key, text in section.values.items():
        if text == "disabled":
            results[key] = ExtraResult(key, SKIP, "rule disabled")
            continue
        t = parse_size(text)
        if key == "maxImageSize":
            size = image.accurate_size
            results[key] = (ExtraResult(key, FAIL, f"image is too large (size={size} > threshold={t})")
                            if size > t else ExtraResult(key, PASS))
        elif key == "maxLayerSize":
            big = [f"layer {lay.index} (size={lay.size})" for lay in image.layers if lay.size > t]
            results[key] = (ExtraResult(key, FAIL, f"layers too large: {_listed(big)} > threshold={t}")
                            if big else ExtraResult(key, PASS))
        else:
            assert accurate is not None
            w = accurate.wasted_bytes
            results[key] = (ExtraResult(key, FAIL, f"too many bytes wasted, accurate figure "
                                                   f"(wasted-bytes={w} > threshold={t})")
                            if w > t else ExtraResult(key, PASS))
    if section.forbid is not None:
        if not section.forbid:
            results["forbid"] = ExtraResult("forbid", SKIP, "rule disabled")
        else:
            hits = forbidden_paths(image, PathGlobs(section.forbid))
            results["forbid"] = (ExtraResult("forbid", FAIL, "forbidden paths in the image: " +
                                             _listed([f"{p} (layer {i})" for p, i in hits]))
                                 if hits else ExtraResult("forbid", PASS))
    return ExtraVerdict(sorted(results.values(), key=lambda r: r.key), False, accurate, section.ignore)
