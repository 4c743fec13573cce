"""Go number and string formatting, from the examples the reference records from dive (§3.3,
§4.3, §5.6) and Go's documented rules."""

from __future__ import annotations

import math

import pytest

from layerscope.export.gofmt import go_g, go_json_float, go_json_string, go_percent, humanize_bytes


@pytest.mark.parametrize("n, text", [(0, "0 B"), (9, "9 B"), (10, "10 B"), (999, "999 B"), (1000, "1.0 kB"),
                                     (6405, "6.4 kB"), (12810, "13 kB"), (32025, "32 kB"), (999999, "1000 kB"),
                                     (1_000_000, "1.0 MB"), (10**9, "1.0 GB")])
def test_humanize_bytes_like_go_humanize(n, text):
    assert humanize_bytes(n) == text


@pytest.mark.parametrize("x, text", [(0.9844212134184309, "0.9844212134184309"), (1.0, "1"), (0.0, "0"),
                                     (1e6, "1e+06"), (123456.0, "123456"), (1e-5, "1e-05"), (0.0001, "0.0001"),
                                     (1234567.5, "1.2345675e+06"), (math.inf, "+Inf"), (math.nan, "NaN")])
def test_go_percent_v(x, text):
    assert go_g(x) == text


@pytest.mark.parametrize("x, text", [(1.0, "1"), (0.5, "0.5"), (1e6, "1000000"), (1e-7, "1e-7"),
                                     (1e21, "1e+21"), (0.333333333333333314829616256247, "0.3333333333333333")])
def test_json_float_like_encoding_json(x, text):
    assert go_json_float(x) == text


def test_percent_lines():
    assert go_percent(98.44212134184309) == "98.4421"
    assert go_percent(math.nan) == "NaN" and go_percent(math.inf) == "+Inf"


def test_json_string_html_escaping_and_invalid_utf8():
    assert go_json_string("apt-get update && a < b > c") == '"apt-get update \\u0026\\u0026 a \\u003c b \\u003e c"'
    assert go_json_string("line\nnext\u2028") == '"line\\nnext\\u2028"'
    raw = b"caf\xe9".decode("utf-8", "surrogateescape")  # a Latin-1 name, not UTF-8
    assert go_json_string(raw) == '"caf\\ufffd"'
    assert go_json_string("é") == '"é"'
