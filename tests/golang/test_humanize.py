"""go-humanize ``Bytes`` and ``ParseBytes`` as dive uses them (examples recorded from dive and
go-humanize's documented rules)."""

from __future__ import annotations

import math

import pytest

from layerscope.golang.humanize import go_log, go_parse_bytes, humanize_bytes
from layerscope.golang.strconv import GoValueError


@pytest.mark.parametrize(
    "n, text",
    [
        (0, "0 B"),
        (9, "9 B"),
        (10, "10 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (6405, "6.4 kB"),
        (12810, "13 kB"),
        (32025, "32 kB"),
        (999999, "1000 kB"),
        (1_000_000, "1.0 MB"),
        (10**9, "1.0 GB"),
    ],
)
def test_humanize_bytes_like_go_humanize(n, text):
    assert humanize_bytes(n) == text


# Go 1.24.11's math.Log of these sizes (printed with strconv.FormatFloat 'g' -1): each one is
# a last-bit away from the C library's log, which is why humanize_bytes uses the port.
GO_MATH_LOG = [
    (3839763602066584, 35.884187197653475),
    (4375546285409069, 36.0148077721616),
    (4836687378418135, 36.1150064553662),
    (1303296463621294, 34.803673191058095),
]


@pytest.mark.parametrize("n, go_value", GO_MATH_LOG)
def test_go_log_is_gos_math_log_not_the_c_librarys(n, go_value):
    assert go_log(float(n)) == go_value
    assert math.log(float(n)) != go_value


@pytest.mark.parametrize(
    "text, message",
    [
        ("12 parsecs", "unhandled size name: parsecs"),
        ("100000EB", "too large: 100000EB"),
        ("x", 'strconv.ParseFloat: parsing "": invalid syntax'),
    ],
)
def test_parse_bytes_errors_are_go_value_errors_with_go_humanize_text(text, message):
    with pytest.raises(GoValueError) as e:
        go_parse_bytes(text)
    assert str(e.value) == message
