"""The Markdown report: a hand-written snapshot, and GFM validity checked with a real parser."""

from __future__ import annotations

import os

import pytest
from markdown_it import MarkdownIt

from fixtures.imagegen import LayerSpec, M
from layerscope.commands.diff import main as diff_main
from tests.report import pairs as P

EXPECTED = os.path.join(os.path.dirname(__file__), "expected")


def render(tmp_path, monkeypatch, capsys, base, head, *extra, insights: bool = False) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    P.write(tmp_path / "base.tar", base)
    P.write(tmp_path / "head.tar", head)
    capsys.readouterr()
    flags = [] if insights else ["--no-insights"]
    diff_main(["base.tar", "head.tar", "--format", "markdown", *flags, *extra])
    return capsys.readouterr().out


def test_insights_section_follows_the_report_for_a_live_head(tmp_path, monkeypatch, capsys):
    from fixtures.catalog import CASES
    from layerscope.analysis.explanation import build_explanation
    from layerscope.sources import load_image
    from layerscope.sources.archive import ReadOptions

    head = CASES["demo"]  # apt lists deleted later, copy-ups, overwrites: advice to give
    plain = render(tmp_path, monkeypatch, capsys, P.BASE, head)
    full = render(tmp_path, monkeypatch, capsys, P.BASE, head, insights=True)
    assert full.startswith(plain.rstrip("\n"))
    extra = full[len(plain.rstrip("\n")) :]
    assert "### 💡 Where the bytes go" in extra
    ex = build_explanation(load_image("docker-archive", str(tmp_path / "head.tar"), ReadOptions()))
    rows = tables(extra)
    groups = [g for g in ex.insights.groups if g.kind != "unneeded"][:5]
    assert groups and len(rows) == 1
    assert len(rows[0]) - 1 == len(groups)
    assert [r[1] for r in rows[0][1:]][0].startswith("deleted later")


def tables(md: str) -> list[list[list[str]]]:
    """Every table as rows of cell contents (header row first), from markdown-it's tokens."""
    tokens = MarkdownIt("gfm-like").parse(md)
    out: list[list[list[str]]] = []
    row: list[str] | None = None
    for t in tokens:
        if t.type == "table_open":
            out.append([])
        elif t.type == "tr_open":
            row = []
        elif t.type == "inline" and row is not None:
            row.append(t.content)
        elif t.type == "tr_close":
            out[-1].append(row)  # type: ignore[arg-type]
            row = None
    return out


def test_snapshot_layer_added(tmp_path, monkeypatch, capsys):
    """Expected file written by hand from the inputs (tests/report/expected/layer_added.md)."""
    md = render(tmp_path, monkeypatch, capsys, P.BASE, P.head_layer_added(), "--max-increase", "50MB")
    with open(os.path.join(EXPECTED, "layer_added.md"), encoding="utf-8") as f:
        assert md == f.read()


def test_tables_parse_as_gfm_with_the_right_cells(tmp_path, monkeypatch, capsys):
    head = P.head_layer_added()
    md = render(tmp_path, monkeypatch, capsys, P.BASE, head)
    tabs = tables(md)
    assert len(tabs) == 5  # totals, changed layers, shared layers, big files, small files
    for tab in tabs:
        assert len({len(r) for r in tab}) == 1, tab  # every row has the header's cell count
    totals = {row[0]: row[1:] for row in tabs[0][1:]}
    nb, nh = len(P.final_files(P.BASE)), len(P.final_files(head))
    assert totals["Layers"] == [str(len(P.BASE.layers)), str(len(head.layers)), "+1", "+50.00%"]
    assert totals["Files"] == [str(nb), str(nh), f"+{nh - nb}", f"{(nh - nb) * 100 / nb:+.2f}%"]
    size_pct = (P.image_bytes(head) - P.image_bytes(P.BASE)) * 100 / P.image_bytes(P.BASE)
    assert totals["Size (uncompressed)"][3] == f"{size_pct:+.2f}%"
    assert tabs[1][1] == ["2", "new", "`COPY extra /opt/extra`", "—", "30 kB", "+30 kB"]
    assert [r[1] for r in tabs[3][1:]] == ["`/opt/extra/big.dat`"]
    assert [r[1] for r in tabs[4][1:]] == ["`/opt/extra/small.txt`"]


HOSTILE = ["app/a|b.txt", "app/`tick`.txt", "app/<img src=x onerror=alert(1)>.txt", "app/x``y| |z"]


def test_hostile_names_stay_inside_their_cells(tmp_path, monkeypatch, capsys):
    head = P.head_layer_added()
    head.layers = head.layers + [
        LayerSpec([M(n, size=20_000 + i) for i, n in enumerate(HOSTILE)], "RUN echo '|' `x` <b>bold</b>\n && true")
    ]
    md = render(tmp_path, monkeypatch, capsys, P.BASE, head)
    tokens = MarkdownIt("gfm-like").parse(md)
    # the only HTML is ours: the marker and the <details> folds
    html = [t.content.strip() for t in tokens if t.type in ("html_block", "html_inline")]
    for h in html:
        assert h.startswith(("<!-- layerscope:report -->", "<details>", "</details>")), h
    files = tables(md)[3]
    assert all(len(r) == 5 for r in files)
    # markdown-it un-escapes the table pipes; each code span is exactly the path
    codes = []
    inline = [t for t in tokens if t.type == "inline"]
    for t in inline:
        codes += [c.content for c in (t.children or []) if c.type == "code_inline"]
    for name in HOSTILE:
        assert "/" + name in codes, name
    layer_rows = tables(md)[1]
    assert all(len(r) == 6 for r in layer_rows)


@pytest.mark.parametrize("top", ["1", "0"])
def test_top_and_more_line(tmp_path, monkeypatch, capsys, top):
    md = render(tmp_path, monkeypatch, capsys, P.BASE, P.head_layer_added(), "--top", top)
    if top == "1":
        assert "_1 more change not shown (`--top 1`)._" in md and "small.txt" not in md
    else:
        assert "not shown" not in md and "small.txt" in md
