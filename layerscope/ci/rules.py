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
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ConfigError
from ..golang.humanize import go_parse_bytes
from ..golang.strconv import GoValueError, format_f, go_parse_float

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

        class Yaml12Loader(bounded_loader(yaml.SafeLoader)):
            def construct_yaml_int(self, node):  # noqa: ANN001, ANN202
                text = self.construct_scalar(node)
                digits = text.replace("_", "").lstrip("+-")
                if len(digits) <= 40 or not digits.isdigit():  # short, or 0x/0o/sexagesimal forms
                    value = super().construct_yaml_int(node)
                    if not isinstance(value, int) or value in _INT64:
                        return value
                as_float = float(text.replace("_", ""))
                return as_float if math.isfinite(as_float) else text

            def construct_yaml_float(self, node):  # noqa: ANN001, ANN202
                """A literal no float64 holds (``1e400``) stays text, as yaml.v3 resolves it,
                so dive's ``value out of range`` message can quote it."""
                value = super().construct_yaml_float(node)
                text = self.construct_scalar(node)
                if math.isinf(value) and "inf" not in text.lower():
                    return text
                return value

            def construct_mapping(self, node, deep=False):  # noqa: ANN001, ANN202
                """yaml.v3 refuses a key written twice in one mapping; so does dive."""
                seen: dict[object, int] = {}
                for key_node, _value in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *d` merges; not a key of its own
                        continue
                    key = self.construct_object(key_node, deep=deep)
                    try:
                        first = seen.setdefault(key, key_node.start_mark.line + 1)
                    except TypeError:  # an unhashable key: the base constructor reports it
                        continue
                    if first != key_node.start_mark.line + 1:
                        raise yaml.constructor.ConstructorError(
                            None,
                            None,
                            f"mapping key {_show_key(key)} already defined at line {first}",
                            key_node.start_mark,
                        )
                return super().construct_mapping(node, deep=deep)

        Yaml12Loader.add_constructor("tag:yaml.org,2002:int", Yaml12Loader.construct_yaml_int)
        Yaml12Loader.add_constructor("tag:yaml.org,2002:float", Yaml12Loader.construct_yaml_float)
        Yaml12Loader.yaml_implicit_resolvers = {
            k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float")]
            for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        Yaml12Loader.add_implicit_resolver(
            "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
        )
        Yaml12Loader.add_implicit_resolver(
            "tag:yaml.org,2002:float",
            re.compile(
                r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                r"|\.(?:nan|NaN|NAN))$"
            ),
            list("-+0123456789."),
        )
        _LOADER = Yaml12Loader
    return _LOADER


def load_yaml(stream):  # noqa: ANN001, ANN201
    """Parse a rules document (text or stream) with the bounded YAML 1.2 loader."""
    import yaml

    return yaml.load(stream, Loader=_yaml12_loader())  # noqa: S506 - SafeLoader subclass


# A rule value that dive would call misconfigured; the message is dive's.  dive words that
# message by wrapping the Go parse error (strconv.ParseFloat, humanize.ParseBytes), so the
# parse errors and the rule errors are one type: a caller catches both with one clause.
RuleValueError = GoValueError


@dataclass(slots=True)
class RuleSet:
    values: dict[str, str]  # key -> raw string value
    source: str | None  # path of the .dive-ci used, None for defaults
    extra: dict | None = None  # the whole parsed file (other tools' keys live here)

    def has_section(self, name: str) -> bool:
        """Whether the rules file has a top-level key ``name`` (case-insensitively, as
        :func:`~layerscope.ci.extra_rules.parse_section` finds it): CI mode imports the extra
        rules only then."""
        return isinstance(self.extra, dict) and any(str(k).lower() == name for k in self.extra)


def _show_key(key: object) -> str:
    return '"' + str(key) + '"' if isinstance(key, str) else str(key)


def _go_string(value: object) -> str:
    """viper's GetString of a YAML value: a list or a mapping is not a string, so it reads as
    ``""`` (and dive reports ``invalid config value ('')``)."""
    if value is None or isinstance(value, (list, dict)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_f(value)
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


def load_rules(ci_config: str | None, flags: Mapping[str, str | None]) -> RuleSet:
    """Merge flags, the rules file and defaults; ``flags`` holds only explicitly given flags."""
    path = ci_config if ci_config is not None else ".dive-ci"
    file_values: dict[str, str] = {}
    source = None
    extra = None
    if os.path.isfile(path):
        source = path
        doc = _read_rules_file(path)
        if doc is not None and not isinstance(doc, dict):  # viper unmarshals into a map
            kind = "!!seq" if isinstance(doc, list) else "!!str" if isinstance(doc, str) else "a scalar"
            raise RulesFileError(
                f"ci configuration error: {path}: yaml: line 1: cannot unmarshal {kind} into a mapping"
            )
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
            elif rules is not None:  # `rules: 5`: viper finds no keys under it, and reads each as ""
                file_values = dict.fromkeys(RULE_KEYS, "")
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


def parse_ratio(key: str, value: str) -> float:
    try:
        f = go_parse_float(value)
    except GoValueError as e:
        raise RuleValueError(f"invalid config value ('{value}'): {e}") from None
    if f < 0 or f > 1:
        raise RuleValueError(f"{key} config value is outside allowed range (0-1), given '{value}'")
    return f


def parse_size(value: str) -> int:
    try:
        return go_parse_bytes(value)
    except GoValueError as e:
        raise RuleValueError(f"invalid config value ('{value}'): {e}") from None
