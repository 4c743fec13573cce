"""Go's float formatting and ParseFloat, from the examples the reference records from dive and
from Go 1.24.11's own output (strconv.FormatFloat / %v / %2.4f / ParseFloat)."""

from __future__ import annotations

import math

import pytest

from layerscope.golang.strconv import (
    GoValueError,
    format_f,
    go_g,
    go_parse_float,
    go_percent,
    go_quote,
    nonfinite,
)


@pytest.mark.parametrize(
    "x, text",
    [
        (0.9844212134184309, "0.9844212134184309"),
        (1.0, "1"),
        (0.0, "0"),
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (1e-5, "1e-05"),
        (0.0001, "0.0001"),
        (1234567.5, "1.2345675e+06"),
        (math.inf, "+Inf"),
        (math.nan, "NaN"),
    ],
)
def test_go_percent_v(x, text):
    assert go_g(x) == text


def test_percent_lines():
    assert go_percent(98.44212134184309) == "98.4421"
    assert go_percent(math.nan) == "NaN" and go_percent(math.inf) == "+Inf"


@pytest.mark.parametrize(
    "x, text",
    [
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (0.0, None),
        (-1e308, None),
    ],
)
def test_nonfinite_is_gos_spelling(x, text):
    assert nonfinite(x) == text


# Go 1.24.11: strconv.FormatFloat(x, 'f', -1, 64), %v and %2.4f of the same values.
@pytest.mark.parametrize(
    "x, f, v, pct",
    [
        (0.1, "0.1", "0.1", "0.1000"),
        (1e21, "1000000000000000000000", "1e+21", "1000000000000000000000.0000"),
        (1e-7, "0.0000001", "1e-07", "0.0000"),
        (123456789.125, "123456789.125", "1.23456789125e+08", "123456789.1250"),
        (-2.5, "-2.5", "-2.5", "-2.5000"),
        (math.nan, "NaN", "NaN", "NaN"),
        (math.inf, "+Inf", "+Inf", "+Inf"),
        (-math.inf, "-Inf", "-Inf", "-Inf"),
    ],
)
def test_float_layouts_match_go(x, f, v, pct):
    assert (format_f(x), go_g(x), go_percent(x)) == (f, v, pct)


# Go 1.24.11: the error text of strconv.ParseFloat(s, 64).
@pytest.mark.parametrize(
    "s, message",
    [
        ("1e400", 'strconv.ParseFloat: parsing "1e400": value out of range'),
        ("abc", 'strconv.ParseFloat: parsing "abc": invalid syntax'),
        (".", 'strconv.ParseFloat: parsing ".": invalid syntax'),
        ("+", 'strconv.ParseFloat: parsing "+": invalid syntax'),
        ("0x10", 'strconv.ParseFloat: parsing "0x10": invalid syntax'),
        (" 0.5", 'strconv.ParseFloat: parsing " 0.5": invalid syntax'),
    ],
)
def test_parse_float_errors_have_gos_text(s, message):
    with pytest.raises(GoValueError) as e:
        go_parse_float(s)
    assert str(e.value) == message


@pytest.mark.parametrize(
    "s, value",
    [("Inf", math.inf), ("-infinity", -math.inf), ("1e-400", 0.0), ("0.5", 0.5)],
)
def test_parse_float_values_as_go(s, value):
    assert go_parse_float(s) == value


def test_quote_escapes_like_dives_error_messages():
    assert go_quote('a"b\\c\nd\te\rf\x01\x7f') == '"a\\"b\\\\c\\nd\\te\\rf\\x01\\x7f"'
