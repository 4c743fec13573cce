"""layerscope.escape: each consumer's rules, checked against that consumer's own parser where
one is at hand (an XML parser, the runner's documented escapes, Markdown's code-span rule)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from layerscope import escape

EVIL = "a\nb\r%c:d,e\x1b]8;;http://x\x07f\x00g\x9bh"


def test_gh_data_keeps_one_line_and_decodes_back():
    text = "a\nb\r%0A%c:d,e"
    data = escape.gh_data(text)
    assert "\n" not in data and "\r" not in data
    # the runner unescapes %0D, %0A, %25 (%25 last: a literal "%0A" in the text survives)
    back = data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    assert back == text


def test_gh_data_shows_other_controls():
    data = escape.gh_data(EVIL)
    assert "\n" not in data and "\x1b" not in data and "\x07" not in data and "\x00" not in data
    assert "\\x1b]8;;http://x\\x07" in data


def test_gh_prop_also_escapes_separators():
    prop = escape.gh_prop("file=a:b,c%")
    assert prop == "file=a%3Ab%2Cc%25"


@pytest.mark.parametrize("text", [EVIL, "\ud800x", "\udcff", "\ufffe", "<&>\"'", "tab\tnl\ncr\r"])
def test_xml_is_well_formed_and_keeps_text(text):
    doc = f"<r a={escape.xml_attr(text)}>{escape.xml_text(text)}</r>"
    root = ET.fromstring(doc.encode("utf-8"))  # raises on a single invalid character
    assert root.text is not None
    for ok in re.findall(r"[\w<&>\"' ]+", text):
        assert ok in root.text
    if text == "tab\tnl\ncr\r":
        assert root.get("a") == text  # whitespace survives attribute normalisation via char refs


def test_terminal_makes_controls_visible():
    shown = escape.terminal(EVIL)
    assert not re.search("[\x00-\x1f\x7f-\x9f]", shown)
    assert "\\x1b]8;;http://x\\x07" in shown and "a\\nb\\r" in shown and "\\u009b" in shown


def test_terminal_leaves_normal_names_alone():
    name = "/usr/lib/python3.12/ünïcode [x] %d 'q' \"q\" \\ back"
    assert escape.terminal(name) == name
    assert escape.terminal(name, keep_bytes=True) == name


def test_terminal_raw_bytes():
    raw = b"caf\xe9".decode("utf-8", "surrogateescape")
    assert escape.terminal(raw) == "caf\\xe9"
    assert escape.terminal(raw, keep_bytes=True) == raw


def _code_span_content(span: str) -> str:
    """CommonMark: a code span opens and closes with equal backtick runs; strip one space pad."""
    m = re.fullmatch(r"(`+)(.*?)(?<!`)\1(?!`)", span, re.S)
    assert m, span
    inner = m.group(2)
    if inner.startswith(" ") and inner.endswith(" ") and inner.strip():
        inner = inner[1:-1]
    return inner


@pytest.mark.parametrize("text", ["a`b", "``x``", "`", "x | y", "new\nline", "```", "plain"])
def test_md_code_cannot_be_broken_out_of(text):
    span = escape.md_code(text)
    assert "\n" not in span
    fence = re.match("`+", span).group()
    inner = span[len(fence) : -len(fence)]
    assert fence not in inner  # no run inside as long as the fence
    assert _code_span_content(span).replace("\\|", "|") == " ".join(text.split())
    assert re.search(r"(?<!\\)\|", span) is None  # every pipe escaped: the table cell holds


def test_md_text_neutralises_markup():
    cell = escape.md_text("<img src=x> [a](b) *e* | c\nd")
    assert "\n" not in cell
    assert re.search(r"(?<!\\)[<\[\]*|]", cell) is None
