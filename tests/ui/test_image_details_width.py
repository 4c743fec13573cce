"""The Image Details table's width when its paths mix plain ASCII with wide or control
characters and the count and size columns are not what decides it: the widest path by
characters is then not the widest on screen (``check`` compares with the whole text)."""

from __future__ import annotations

from test_image_details_lines import check

from layerscope.analysis.dive_efficiency import InefficientFile


def test_wide_characters_beat_a_longer_ascii_path() -> None:
    check([InefficientFile("/" + "a" * 100, 2, 1), InefficientFile("/" + "日" * 80, 2, 1)])


def test_control_codes_count_nothing_on_screen() -> None:
    # 151 characters, 100 of them dropped when drawn, against a 91-character plain path
    check([InefficientFile("/" + "\x07" * 100 + "b" * 50, 2, 1), InefficientFile("/" + "c" * 90, 3, 2)])


def test_only_plain_paths() -> None:
    check([InefficientFile("/" + "p" * n, 2, n) for n in (3, 140, 7)])
