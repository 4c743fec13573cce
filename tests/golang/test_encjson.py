"""encoding/json's float and string encodings, from the examples recorded from dive's --json and
Go's documented rules."""

from __future__ import annotations

import pytest

from layerscope.golang.encjson import go_json_float, go_json_string


@pytest.mark.parametrize(
    "x, text",
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (1e6, "1000000"),
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (0.333333333333333314829616256247, "0.3333333333333333"),
    ],
)
def test_json_float_like_encoding_json(x, text):
    assert go_json_float(x) == text


def test_json_string_html_escaping_and_invalid_utf8():
    assert go_json_string("apt-get update && a < b > c") == '"apt-get update \\u0026\\u0026 a \\u003c b \\u003e c"'
    assert go_json_string("line\nnext\u2028") == '"line\\nnext\\u2028"'
    raw = b"caf\xe9".decode("utf-8", "surrogateescape")  # a Latin-1 name, not UTF-8
    assert go_json_string(raw) == '"caf\\ufffd"'
    assert go_json_string("é") == '"é"'


@pytest.mark.parametrize("x", [float("nan"), float("inf"), float("-inf")])
def test_json_float_rejects_nonfinite_as_encoding_json_does(x):
    with pytest.raises(ValueError):
        go_json_float(x)
