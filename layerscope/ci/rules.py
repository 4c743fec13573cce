"""dive's three CI rules: where their values come from and how they are parsed.

Precedence is dive's: an explicitly given flag, then the ``.dive-ci`` file (``rules.*`` keys,
case-insensitive, camelCase only), then the defaults ``0.9`` / ``disabled`` / ``0.1``.  Values
stay strings until evaluated, exactly as dive keeps them, so that a bad value is reported as a
*misconfiguration* with dive's wording rather than rejected early.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

from ..errors import ConfigError
from ..export.gofmt import _fmt_f, _shortest_digits

RULE_KEYS = ("lowestEfficiency", "highestWastedBytes", "highestUserWastedPercent")
DEFAULTS = {"lowestEfficiency": "0.9", "highestWastedBytes": "disabled", "highestUserWastedPercent": "0.1"}


_LOADER = None
_INT64 = range(-(1 << 63), 1 << 64)  # what yaml.v3 decodes as an integer (int64, or uint64)


def _yaml12_loader():  # noqa: ANN202
    """YAML 1.2 scalars as Go's yaml.v3 (viper) reads them: only true/false are booleans, so
    ``off``/``yes`` stay strings, and ``1e3`` is a float.  An integer out of int64/uint64 range
    is a float, or text when no float holds it (a 5000-digit value), as yaml.v3 resolves it.
    Bounded (size, depth, aliases: :mod:`layerscope.safeyaml`).  Built on first use: yaml is
    only imported when there is a file to read."""
    global _LOADER
    if _LOADER is None:
        import yaml

        from ..safeyaml import bounded_loader

        class Yaml12Loader(bounded_loader(yaml.SafeLoader)):  # type: ignore[misc]
            def construct_yaml_int(self, node):  # noqa: ANN001, ANN202
                text = self.construct_scalar(node)
                digits = text.replace("_", "").lstrip("+-")
                if len(digits) <= 40 or not digits.isdigit():  # short, or 0x/0o/sexagesimal forms
                    value = super().construct_yaml_int(node)
                    if not isinstance(value, int) or value in _INT64:
                        return value
                as_float = float(text.replace("_", ""))
                return as_float if math.isfinite(as_float) else text

        Yaml12Loader.add_constructor("tag:yaml.org,2002:int", Yaml12Loader.construct_yaml_int)
        Yaml12Loader.yaml_implicit_resolvers = {
            k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float")]
            for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        Yaml12Loader.add_implicit_resolver(
            "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
        Yaml12Loader.add_implicit_resolver(
            "tag:yaml.org,2002:float",
            re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                       r"|\.(?:nan|NaN|NAN))$"),
            list("-+0123456789."))
        _LOADER = Yaml12Loader
    return _LOADER


def load_yaml(stream):  # noqa: ANN001, ANN201
    """Parse a rules document (text or stream) with the bounded YAML 1.2 loader."""
    import yaml

    return yaml.load(stream, Loader=_yaml12_loader())  # noqa: S506 - SafeLoader subclass


class RuleValueError(ValueError):
    """A rule value that dive would call misconfigured; the message is dive's."""


@dataclass(slots=True)
class RuleSet:
    values: dict[str, str]  # key -> raw string value
    source: str | None  # path of the .dive-ci used, None for defaults
    extra: dict | None = None  # the whole parsed file (other tools' keys live here)


def _go_string(value: object) -> str:
    """viper's GetString of a YAML scalar."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        digits, dp = _shortest_digits(abs(value))
        return ("-" if value < 0 else "") + _fmt_f(False, digits, dp)
    return str(value)


class RulesFileError(ConfigError):
    """The rules file cannot be read or parsed: exit 1, as dive exits for a broken ``.dive-ci``."""

    exit_code = 1


def _read_rules_file(path: str) -> object:
    """The parsed ``.dive-ci``, bounded in size, nesting and alias expansion; a problem is one
    :class:`RulesFileError` line naming the file (and the line, when known)."""
    from ..safeyaml import YamlInputError, load_text, read_bounded

    try:
        return load_text(read_bounded(path), _yaml12_loader())
    except YamlInputError as e:
        where = f"line {e.line}: " if e.line is not None else ""
        raise RulesFileError(f"ci configuration error: {path}: yaml: {where}{e.problem}") from None
    except OSError as e:
        raise RulesFileError(f"ci configuration error: cannot read {path}: {e.strerror or e}") from None


def load_rules(ci_config: str | None, flags: dict[str, str | None]) -> RuleSet:
    """Merge flags, the rules file and defaults; ``flags`` holds only explicitly given flags."""
    path = ci_config if ci_config is not None else ".dive-ci"
    file_values: dict[str, str] = {}
    source = None
    extra = None
    if os.path.isfile(path):
        source = path
        doc = _read_rules_file(path)
        if isinstance(doc, dict):
            extra = doc
            rules = None
            for k, v in doc.items():
                if str(k).lower() == "rules":
                    rules = v
            if isinstance(rules, dict):
                lowered = {str(k).lower(): v for k, v in rules.items()}
                for key in RULE_KEYS:
                    if key.lower() in lowered:
                        file_values[key] = _go_string(lowered[key.lower()])
    values = {}
    for key in RULE_KEYS:
        flag = flags.get(key)
        if flag is not None:
            values[key] = flag
        elif key in file_values:
            values[key] = file_values[key]
        else:
            values[key] = DEFAULTS[key]
    return RuleSet(values, source, extra)


_FLOAT_RE = re.compile(r"^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d*(?:[eE][+-]?\d+)?)$")
_SPECIAL = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
            "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan, "+nan": math.nan, "-nan": math.nan}


def go_quote(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_parse_float(s: str) -> float:
    """``strconv.ParseFloat(s, 64)`` for decimal input, with Go's error text."""
    special = _SPECIAL.get(s.lower())
    if special is not None:
        return special
    ok = bool(s) and "_" not in s and _FLOAT_RE.match(s) is not None and any(c.isdigit() for c in s)
    if ok:
        mant = re.split("[eE]", s)[0].lstrip("+-")
        ok = any(c.isdigit() for c in mant)
    if not ok:
        raise RuleValueError(f"strconv.ParseFloat: parsing {go_quote(s)}: invalid syntax")
    try:
        value = float(s)
    except (ValueError, OverflowError):
        raise RuleValueError(f"strconv.ParseFloat: parsing {go_quote(s)}: invalid syntax") from None
    if math.isinf(value):
        raise RuleValueError(f"strconv.ParseFloat: parsing {go_quote(s)}: value out of range")
    return value


_BYTE_UNITS = {"": 1, "b": 1}
for _i, _p in enumerate("kmgtpe", start=1):
    _BYTE_UNITS[_p] = _BYTE_UNITS[_p + "b"] = 1000**_i
    _BYTE_UNITS[_p + "i"] = _BYTE_UNITS[_p + "ib"] = 1024**_i


def go_parse_bytes(s: str) -> int:
    """go-humanize ``ParseBytes``: decimal units, ``20Mb`` is 20,000,000 (``Mb`` = MB)."""
    n = 0
    for ch in s:
        if not (ch.isdigit() or ch in ".,"):
            break
        n += 1
    num = s[:n].replace(",", "")
    f = go_parse_float(num)
    extra = s[n:].strip(" \t\n\r\v\f").lower()
    mult = _BYTE_UNITS.get(extra)
    if mult is None:
        raise RuleValueError(f"unhandled size name: {extra}")
    value = f * float(mult)
    if value >= 18446744073709551615.0:
        raise RuleValueError(f"too large: {s}")
    return int(value)


def parse_ratio(key: str, value: str) -> float:
    try:
        f = go_parse_float(value)
    except RuleValueError as e:
        raise RuleValueError(f"invalid config value ('{value}'): {e}") from None
    if f < 0 or f > 1:
        raise RuleValueError(f"{key} config value is outside allowed range (0-1), given '{value}'")
    return f


def parse_size(value: str) -> int:
    try:
        return go_parse_bytes(value)
    except RuleValueError as e:
        raise RuleValueError(f"invalid config value ('{value}'): {e}") from None
