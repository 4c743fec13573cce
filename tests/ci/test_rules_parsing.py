"""dive's rule value parsing (``docs/dive-compat.md``, *CI rules and text*): go-humanize ParseBytes, Go
ParseFloat, ranges."""

from __future__ import annotations

import pytest

from layerscope.ci.rules import RuleValueError, load_rules, parse_ratio
from layerscope.golang.humanize import go_parse_bytes


@pytest.mark.parametrize(
    "text, value",
    [
        ("20Mb", 20_000_000),
        ("20MB", 20_000_000),
        ("31.3KiB", 32051),
        ("1,000", 1000),
        ("10", 10),
        ("1 kb", 1000),
        ("2GiB", 2 << 30),
    ],
)
def test_parse_bytes(text, value):
    assert go_parse_bytes(text) == value


@pytest.mark.parametrize(
    "text, message",
    [
        ("1e3", "unhandled size name: e3"),
        ("-5", 'strconv.ParseFloat: parsing "": invalid syntax'),
        ("", 'strconv.ParseFloat: parsing "": invalid syntax'),
    ],
)
def test_parse_bytes_errors(text, message):
    with pytest.raises(RuleValueError, match=message):
        go_parse_bytes(text)


def test_ratio_range_and_syntax():
    assert parse_ratio("lowestEfficiency", "0.95") == 0.95
    with pytest.raises(RuleValueError, match=r"outside allowed range \(0-1\), given '1.5'"):
        parse_ratio("lowestEfficiency", "1.5")
    with pytest.raises(RuleValueError, match=r"invalid config value \(' 0.5'\)"):
        parse_ratio("highestUserWastedPercent", " 0.5")  # ParseFloat allows no whitespace


def test_precedence_flag_file_default(tmp_path):
    ci = tmp_path / ".dive-ci"
    ci.write_text("rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: off\n")
    rules = load_rules(
        str(ci), {"lowestEfficiency": None, "highestWastedBytes": None, "highestUserWastedPercent": "0.3"}
    )
    assert rules.values == {
        "lowestEfficiency": "0.5",
        "highestWastedBytes": "off",  # YAML 1.2: a string
        "highestUserWastedPercent": "0.3",
    }
    assert load_rules(str(tmp_path / "missing"), {}).values["highestWastedBytes"] == "disabled"
