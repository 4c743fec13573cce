"""Image Details' table made row by row when drawn is the same as the whole text split in lines.

The pane used to get the whole text (:func:`image_details_text`) and split it; it now gets
:class:`LazyLines` whose rows are made when drawn and whose width is computed without them.  The
whole text, split as the pane splits a text, is the reference: every line's characters and
styles, the count, and the scrollable width (the widest line's cells) must be the same.
"""

from __future__ import annotations

import math

from conftest import make_app, wait_loaded
from rich.text import Text

from layerscope.analysis.dive_efficiency import DiveEfficiency, InefficientFile
from layerscope.ci.evaluate import evaluate
from layerscope.ci.rules import RuleSet
from layerscope.image import Image
from layerscope.ui.widgets.image_details import ImageDetails, image_details_lines, image_details_text
from layerscope.ui.widgets.lines_pane import LazyLines

RULES = RuleSet({"lowestEfficiency": "0.9", "highestWastedBytes": "disabled", "highestUserWastedPercent": "0.1"}, None)

# paths and figures that change a row's width: wide and combining characters, control codes
# (dropped when drawn), a tab, counts wider than the column, sizes from bytes to past 2**64
ROWS = [
    ("/etc/passwd", 2, 10),
    ("/usr/share/日本語/ファイル", 3, 1_234_567),
    ("/bell\x07and\x1bescape", 2, 999_999_999_999_999),
    ("/with\ttab", 4, 10**15),
    ("/e\u0301combining", 2, 5),
    ("/many", 1_234_567, 2**64 - 1),
    ("/corrupt", 7, 2**70),
    ("/more-than-yotta", 2, 10**40),  # a size wider than its 12 columns
    ("/" + "x" * 300, 2, 1),
]


def split(t: Text) -> list[Text]:
    lines = list(t.split("\n", allow_blank=True))
    if lines and not lines[-1].plain and t.plain.endswith("\n"):
        lines.pop()
    return lines


def attrs(t: Text) -> tuple[object, ...]:
    return (t.plain, t.spans, t.style, t.justify, t.overflow, t.no_wrap, t.end, t.tab_size)


def check(files: list[InefficientFile], ci_error: str | None = None) -> None:
    a = DiveEfficiency(0.5, 1000, math.nan, 5000, 4000, files)
    image = Image("img", "docker-archive", [])
    verdict = evaluate(RULES, a)
    lazy = image_details_lines(image, a, verdict, "rules.yaml", ci_error)
    whole = split(image_details_text(image, a, verdict, "rules.yaml", ci_error))
    assert isinstance(lazy, LazyLines)
    assert len(lazy) == len(whole)
    for i, line in enumerate(whole):
        got = lazy[i]
        assert (got.plain, got.spans, got.no_wrap, got.overflow) == (
            line.plain,
            line.spans,
            line.no_wrap,
            line.overflow,
        )
    assert lazy.width == max(line.cell_len for line in whole)


def test_rows_of_every_width():
    check([InefficientFile(p, c, s) for p, c, s in ROWS])
    for path, count, size in ROWS:  # each row alone, made the widest line (longer than the CI lines)
        check([InefficientFile("/" + "d" * 100 + path, count, size)])


def test_widest_line_outside_the_table_and_an_empty_table():
    check([], ci_error="ci configuration error: " + "y" * 200)
    check([InefficientFile("/a", 2, 1)])


def test_a_path_with_a_newline_gets_the_whole_text():
    a = DiveEfficiency(0.5, 1000, 0.1, 5000, 4000, [InefficientFile("/two\nlines", 2, 3)])
    out = image_details_lines(Image("img", "docker-archive", []), a, None, None, None)
    assert isinstance(out, Text) and "/two\nlines" in out.plain


async def test_the_pane_shows_the_same_text(archives, tmp_path):
    app = make_app(archives["marks"], tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        m = screen.model
        pane = screen.query_one(ImageDetails)
        whole = image_details_text(m.image, m.analysis, m.verdict, m.ci_source, m.ci_error)
        assert pane.text == "\n".join(line.plain for line in split(whole))
        assert pane.virtual_size.width == max(line.cell_len for line in split(whole))


def test_width_when_the_widest_count_and_the_widest_path_are_on_different_rows():
    check([InefficientFile("/" + "p" * 120, 2, 10), InefficientFile("/short", 1_234_567, 10)])
    check([InefficientFile("/" + "p" * 120, 2, 10), InefficientFile("/short", 2, 10**40)])


def test_width_of_small_figures_and_every_kind_of_path():
    small = [(p, c, s) for p, c, s in ROWS if c < 100_000 and s < 10**15]
    assert len(small) >= 4
    for path, count, size in small:
        check([InefficientFile("/" + "d" * 100 + path, count, size), InefficientFile("/a", 3, 7)])
