"""CI rules beyond dive's: the ``layerscope:`` section of ``.dive-ci``.

dive ignores unknown top-level keys, so one file serves both tools::

    rules:                      # dive's rules, evaluated exactly as dive does
      lowestEfficiency: 0.95
    layerscope:
      ignore: ["/var/cache/**"] # paths excluded from layerscope's (accurate) waste figures
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

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from ..analysis.globs import GlobError, PathGlobs
from ..image import Image
from ..paths import is_whiteout, leaf
from .rule import DISABLED, Rule, RuleResult, Status, Verdict, evaluate_rules
from .rules import RuleSet, RuleValueError, _go_string, parse_size

if TYPE_CHECKING:
    from ..analysis.accurate import AccurateWaste

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
class ExtraVerdict(Verdict):
    """The verdict of the ``layerscope:`` rules, with the accurate waste figures they used
    (printed above the results, whatever the rules say)."""

    accurate: AccurateWaste | None = None
    ignore: list[str] = field(default_factory=list)


def _glob_list(key: str, value: object, section: ExtraSection) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in items
    ):
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
            if not e.path or is_whiteout(leaf(e.path)):
                continue
            if globs.match(e.path):
                hits.append(("/" + e.path, layer.index))
    return hits


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What the ``layerscope:`` rules look at: the image, and its accurate waste (None only when
    ``ignore`` is misconfigured, in which case no rule is evaluated)."""

    image: Image
    accurate: AccurateWaste | None


@dataclass(frozen=True, slots=True)
class Misconfigured:
    """A key of the section that cannot be used (unknown, or a bad value): reported as
    misconfigured with ``message``, and never evaluated."""

    key: str
    message: str
    configuration: str = ""

    def validate(self) -> None:
        raise RuleValueError(self.message)

    def evaluate(self, analysis: ImageFacts) -> RuleResult:  # pragma: no cover - never valid
        raise AssertionError(f"misconfigured rule evaluated: {self.key}")


@dataclass(frozen=True, slots=True)
class SizeLimit:
    """A size rule: the measured bytes must not exceed the configured size."""

    configuration: str
    key: ClassVar[str]

    def validate(self) -> None:
        parse_size(self.configuration)

    def evaluate(self, analysis: ImageFacts) -> RuleResult:
        message = self.failure(analysis, parse_size(self.configuration))
        return RuleResult(self.key, Status.FAIL if message else Status.PASS, message, self.configuration)

    def failure(self, facts: ImageFacts, t: int) -> str:
        """The failure message when the rule fails, else the empty string."""
        raise NotImplementedError


class MaxImageSize(SizeLimit):
    """Stored (uncompressed) bytes of all layers."""

    key = "maxImageSize"

    def failure(self, facts: ImageFacts, t: int) -> str:
        size = facts.image.accurate_size
        return f"image is too large (size={size} > threshold={t})" if size > t else ""


class MaxLayerSize(SizeLimit):
    """Stored bytes of each layer; every layer over the limit is named."""

    key = "maxLayerSize"

    def failure(self, facts: ImageFacts, t: int) -> str:
        big = [f"layer {lay.index} (size={lay.size})" for lay in facts.image.layers if lay.size > t]
        return f"layers too large: {_listed(big)} > threshold={t}" if big else ""


class MaxWastedBytesAccurate(SizeLimit):
    """layerscope's dead bytes, after ``ignore``."""

    key = "maxWastedBytesAccurate"

    def failure(self, facts: ImageFacts, t: int) -> str:
        assert facts.accurate is not None
        w = facts.accurate.wasted_bytes
        return f"too many bytes wasted, accurate figure (wasted-bytes={w} > threshold={t})" if w > t else ""


SIZE_RULES: dict[str, type[SizeLimit]] = {cls.key: cls for cls in (MaxImageSize, MaxLayerSize, MaxWastedBytesAccurate)}


@dataclass(frozen=True, slots=True)
class Forbid:
    """No stored path may match a glob, in any layer; an empty list disables the rule."""

    globs: tuple[str, ...]
    key: ClassVar[str] = "forbid"

    @property
    def configuration(self) -> str:
        # JSON, so that a glob spelled "disabled" does not read as the disabling value
        return json.dumps(list(self.globs)) if self.globs else DISABLED

    def validate(self) -> None:
        """The globs were checked when the section was parsed."""

    def evaluate(self, analysis: ImageFacts) -> RuleResult:
        hits = forbidden_paths(analysis.image, PathGlobs(list(self.globs)))
        if not hits:
            return RuleResult(self.key, Status.PASS, "", self.configuration)
        listed = _listed([f"{p} (layer {i})" for p, i in hits])
        return RuleResult(self.key, Status.FAIL, "forbidden paths in the image: " + listed, self.configuration)


def section_rules(section: ExtraSection) -> list[Rule[ImageFacts]]:
    """The section as rule objects: only its problems when it has any (so the verdict lists
    just what to fix), else each configured size rule and ``forbid``."""
    if section.problems:
        return [Misconfigured(key, msg) for key, msg in section.problems.items()]
    rules: list[Rule[ImageFacts]] = [SIZE_RULES[key](text) for key, text in section.values.items()]
    if section.forbid is not None:
        rules.append(Forbid(tuple(section.forbid)))
    return rules


def evaluate_extra(section: ExtraSection, image: Image, accurate: AccurateWaste | None) -> ExtraVerdict:
    """Statuses sorted by key, like dive's; ``accurate`` must honour ``section.ignore``."""
    v = evaluate_rules(section_rules(section), ImageFacts(image, accurate))
    return ExtraVerdict(v.results, v.misconfigured, v.passed, accurate, section.ignore)


def extra_verdict(rules: RuleSet, image: Image) -> ExtraVerdict | None:
    """Evaluate the ``layerscope:`` section of a rules file, or None when it has none."""
    section = parse_section(rules.extra)
    if section is None:
        return None
    from ..analysis.accurate import accurate_waste  # only when a rules file has a layerscope: section

    acc = None
    if "ignore" not in section.problems:
        acc = accurate_waste(image, PathGlobs(section.ignore))
    return evaluate_extra(section, image, acc)
