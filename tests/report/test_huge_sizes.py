"""Sizes no real image has, but a corrupt one can claim: ``report`` and ``diff`` must print them.

go-humanize stops at EB (a uint64 cannot reach 1 ZB), so the ported formatter used to fail
with an ``IndexError`` ("internal error") on 200 directory entries claiming 2⁶³−1 bytes each.
"""

from __future__ import annotations

import json

import pytest

from layerscope.cli import main
from layerscope.golang.humanize import humanize_bytes
from tests.hardening import tarbuild as tb

CLAIM = (1 << 63) - 1  # the largest size a tar header can state


@pytest.fixture
def huge_tar(tmp_path):
    """An image whose second layer has 200 directories claiming 8 EB each: 1.8 ZB in total."""
    dirs = [tb.member(tb.header(f"d{i}", CLAIM, b"5", fields={124: tb.base256(CLAIM, 12)})) for i in range(200)]
    path = tmp_path / "huge.tar"
    path.write_bytes(tb.docker_save([tb.tar(tb.reg("etc/base", b"x" * 100)), tb.tar(*dirs)]))
    return path


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_report_prints_zettabytes(huge_tar, capsys):
    code, out, err = _run(capsys, "report", str(huge_tar), "-q")
    assert code == 0 and "internal error" not in err
    assert "1.8 ZB" in out  # 200 × (2⁶³−1) = 1.84 × 10²¹ bytes


def test_diff_and_baseline_round_trip(huge_tar, tmp_path, capsys):
    base = tmp_path / "base.json"
    code, _, err = _run(capsys, "report", str(huge_tar), "--format", "json", "-o", str(base), "-q")
    assert code == 0, err
    assert json.loads(base.read_text())["totals"]["size"] == 200 * CLAIM + 100
    for fmt in ("text", "markdown", "json"):
        code, out, err = _run(capsys, "diff", str(base), str(huge_tar), "--format", fmt, "-q")
        assert code == 0 and "internal error" not in err and "1.8 ZB" in out, (fmt, err)


@pytest.mark.parametrize(
    "n, text",
    [
        (10**21, "1.0 ZB"),
        (1_234 * 10**18, "1.2 ZB"),
        (999_949 * 10**18, "1000 ZB"),  # rounds like the float code: floor(x·10 + ½) / 10, then %.0f
        (10**24, "1.0 YB"),
        (10**27, "1000 YB"),  # no unit after YB
        (125 * 10**23, "12 YB"),  # 12.5 → "12": %.0f rounds half to even, as Go does
        ((1 << 64), "18 EB"),  # the first size dive cannot hold still reads like go-humanize
    ],
)
def test_humanize_past_go_humanize(n, text):
    assert humanize_bytes(n) == text


def test_humanize_any_int():
    """Python ints have no bound; 5000 digits would even break str()."""
    assert humanize_bytes(10**5000) == "1.0e+4976 YB"
    assert humanize_bytes(10**300 * 3).endswith(" YB")
