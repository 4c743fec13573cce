"""layerscope.regex: RE2 path patterns — linear time, dive's (Go's) dialect, and a bulk scan
that must give exactly the per-path answers."""

from __future__ import annotations

import random
import re
import time

import pytest

from layerscope import regex
from layerscope.regex import PatternError, compile_path_regex

PATHS = [
    "",
    "/a",
    "/a/b",
    "/xa-b",
    "/acb",
    "/qq",
    "/etc/conf",
    "/x",
    "/etc/conf1",
    "/we\nird",
    "/raw\udcff",
    "/é/ü",
    "/raw\udcff\nnl",
    "/usr/lib/libz.so.1",
    "/A/B",
]

# patterns on which Python's re and Go's RE2 agree: re is the oracle for their meaning
SAME_IN_RE = [
    r"a[^x]b",
    r"conf[^/]",
    "a",
    "^/x",
    "b$",
    "^/q+$",
    ".",
    "^$",
    r"[^/]*\.",
    "x|a",
    r"^/etc/[^/]*$",
    r"\bx",
    r"so\.\d$",
    "é",
    "(?i)a/b",
    r"\n",
    "^/.$",
    r"[^a]",
    r"\Ax",
    r"b\z",
    "(?s)e.i",
    "(?m)^ird",
]
# patterns that go through the path-at-a-time path (whole-text anchors, flags, quoting)
PER_PATH = [r"\Ax", r"b\z", r"(?-m)^/a", r"\Qa)\E", r"\C"]


def _oracle(pattern: str, paths: list[str], flags: int = 0) -> list[int]:
    rx = re.compile(pattern.replace(r"\z", r"\Z"), flags)
    return [int(rx.search(p) is not None) for p in paths]


@pytest.mark.parametrize("pattern", SAME_IN_RE)
def test_scan_agrees_with_re_oracle(pattern):
    assert list(compile_path_regex(pattern).scan(PATHS)) == _oracle(pattern, PATHS)


@pytest.mark.parametrize("pattern", ["a", "A/B", "É", "^/ETC"])
def test_ignore_case(pattern):
    got = compile_path_regex(pattern, ignore_case=True).scan(PATHS)
    assert list(got) == _oracle(pattern, PATHS, re.IGNORECASE)


@pytest.mark.parametrize("pattern", SAME_IN_RE + PER_PATH)
def test_scan_equals_per_path_search_in_any_order_and_batch(pattern, monkeypatch):
    """Runs of matching lines, batch edges, newline and non-UTF-8 names: the bulk answer is the
    answer of ``search`` on each path."""
    rx = compile_path_regex(pattern)
    rng = random.Random(pattern)
    for budget in (1, 7, 40, regex.BATCH_CHARS):
        monkeypatch.setattr(regex, "BATCH_CHARS", budget)
        for _ in range(20):
            paths = [rng.choice(PATHS) for _ in range(rng.randint(0, 30))]
            assert list(rx.scan(paths)) == [int(rx.search(p) is not None) for p in paths], (budget, paths)


def test_pattern_cannot_escape_the_wrapper():
    """A valid pattern with alternation or groups matches as itself, not as part of the wrapper."""
    with pytest.raises(PatternError):  # unbalanced alone, so never spliced into the wrapper
        compile_path_regex("a)|(b")
    assert list(compile_path_regex("^/a$|qq").scan(["/a", "/ab", "/qq", "/x"])) == [1, 0, 1, 0]


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)", r"(?<!a)b", r"a\Z", "(", "a{1001}"])
def test_what_go_regexp_refuses_is_refused_with_a_reason(pattern):
    with pytest.raises(re.error) as e:  # the UI catches re.error and shows it inline
        compile_path_regex(pattern)
    assert str(e.value) and not str(e.value).startswith("b'")


def test_backtracking_pattern_is_linear():
    """``re`` needs exponential time here (minutes for 40-character paths); RE2 does not."""
    paths = ["/usr/lib/x86_64-linux-gnu/" + "a" * 60 + f"/{i}" for i in range(20_000)]
    rx = compile_path_regex("(.*.*)*(.*.*)*Q")
    start = time.perf_counter()
    assert not any(rx.scan(paths))
    assert rx.search("/a/Q")
    assert time.perf_counter() - start < 10.0
