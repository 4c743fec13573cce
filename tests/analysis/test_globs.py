"""The glob syntax of ``layerscope.ignore`` / ``forbid`` (.gitignore-like)."""

from __future__ import annotations

import pytest

from layerscope.analysis.globs import GlobClassifier, GlobError, PathGlobs


@pytest.mark.parametrize(
    "pattern,path,hit",
    [
        ("*.pem", "/etc/ssl/private/key.pem", True),
        ("*.pem", "key.pem", True),
        ("*.pem", "/etc/key.pem.bak", False),
        (".env", "/app/.env", True),
        (".env", "/app/.envrc", False),
        ("id_rsa", "/root/.ssh/id_rsa", True),
        ("id_rsa", "/root/.ssh/id_rsa.pub", False),
        ("/var/cache/**", "/var/cache/apt/archives/x.deb", True),
        ("var/cache/**", "/var/cache/apt", True),
        ("/var/cache/**", "/var/cachex/a", False),
        ("/var/cache", "/var/cache/apt/x", True),  # a directory covers its subtree
        ("/usr/lib/**/*.a", "/usr/lib/libc.a", True),
        ("/usr/lib/**/*.a", "/usr/lib/x86_64-linux-gnu/libc.a", True),
        ("/usr/lib/*.a", "/usr/lib/x86_64-linux-gnu/libc.a", False),  # * does not cross /
        ("/tmp/?.o", "/tmp/a.o", True),
        ("/tmp/[ab].o", "/tmp/c.o", False),
        ("/tmp/[!ab].o", "/tmp/c.o", True),
        (".git", "/src/app/.git/objects/aa", True),
    ],
)
def test_match(pattern, path, hit):
    assert PathGlobs([pattern]).match(path) is hit


def test_which_and_empty():
    g = PathGlobs(["*.key", "*.pem"])
    assert g.which("/a/b.pem") == "*.pem" and g.which("/a/b") is None
    assert not PathGlobs([]) and not PathGlobs().match("/x")


def test_bad_pattern():
    with pytest.raises(GlobError):
        PathGlobs(["/tmp/[ab"])
    with pytest.raises(GlobError):
        PathGlobs([" "])


def test_classifier_first_rule_wins():
    c = GlobClassifier([("pip", ["**/.cache/pip/**"]), ("cache", ["**/.cache/**"])])
    assert c.classify("/root/.cache/pip/x") == "pip"
    assert c.classify("/root/.cache/other/x") == "cache"
    assert c.classify("/root/x") is None


# ----------------------------------------------------------------------------- linear matching
import fnmatch  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from layerscope.analysis.globs import MAX_PATTERN_CHARS  # noqa: E402

_PATHOLOGICAL = """
import sys
from layerscope.analysis.globs import PathGlobs
pattern = "*a" * 40 + "*b"  # a translated regex backtracks O(n^40) on this
path = "/srv/" + "a" * 4000  # no "b": every split of the a's must be rejected
g = PathGlobs([pattern, "/srv/" + pattern, "**/" + pattern])
assert not g.match(path) and g.match(path + "b")
print("ok")
"""


def test_pathological_glob_finishes_quickly():
    """The pathological `*a*a*a*…b`: a backtracking matcher runs for minutes; ours is linear.  Run
    in a subprocess so a regression is a 10 s timeout, not a hung suite."""
    r = subprocess.run([sys.executable, "-c", _PATHOLOGICAL], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_pattern_length_is_bounded():
    PathGlobs(["a" * MAX_PATTERN_CHARS])
    with pytest.raises(GlobError, match="longer than"):
        PathGlobs(["a" * (MAX_PATTERN_CHARS + 1)])


@pytest.mark.parametrize(
    "pattern,path,hit",
    [
        ("/a/**", "/a", False),  # a trailing ** needs something below
        ("/a/**", "/a/b/c", True),
        ("a**b", "/x/azzb", True),
        ("a**b", "/x/a/zb", False),  # "**" inside a component is "*": it does not cross "/"
        ("[!a]", "/x/b", True),
        ("/x[!a]y", "/x/y", False),  # a class never matches "/"
        ("[]a]", "/x/]", True),  # "]" first in a class is a member, as in fnmatch
        ("[a-c]x", "/bx", True),
        ("./etc/*.conf", "/etc/a.conf", True),
        ("**", "/anything/at/all", True),
    ],
)
def test_edge_semantics(pattern, path, hit):
    assert PathGlobs([pattern]).match(path) is hit


def _reference(pattern: str, path: str) -> bool:
    """The documented semantics, built on fnmatch for one component (where fnmatch's ``*``
    cannot meet a ``/``) and exhaustive recursion over components: slow, obviously right."""
    p = pattern.strip()
    anchored = "/" in p.rstrip("/")
    p = p.strip("/")
    while p.startswith("./"):
        p = p[2:]
    parts = path.lstrip("/").split("/")
    if not anchored:
        return p == "**" or any(fnmatch.fnmatchcase(s, p) for s in parts)
    pp = p.split("/")

    def rec(i: int, j: int) -> bool:
        if i == len(pp):
            return True  # the subtree below a match matches
        if pp[i] == "**":
            if i == len(pp) - 1:
                return j < len(parts)
            return any(rec(i + 1, k) for k in range(j, len(parts) + 1))
        return j < len(parts) and fnmatch.fnmatchcase(parts[j], pp[i]) and rec(i + 1, j + 1)

    return rec(0, 0)


_PAT_TOKENS = st.sampled_from(["a", "b", "*", "?", "/", "**", "[ab]", "[!a]", "[]a]", "[a-b]"])
_patterns = st.lists(_PAT_TOKENS, min_size=1, max_size=8).map("".join).filter(lambda s: s.strip("/"))
_paths = st.lists(st.text("ab", min_size=0, max_size=4), min_size=1, max_size=5).map("/".join)


@settings(max_examples=600, deadline=None)
@given(_patterns, _paths)
def test_matches_fnmatch_reference(pattern, path):
    assert PathGlobs([pattern]).match(path) is _reference(pattern, path)


@settings(max_examples=300, deadline=None)
@given(_patterns, _paths)
def test_classifier_agrees_with_reference(pattern, path):
    """GlobClassifier (a regex, for built-in patterns) has the same semantics as PathGlobs."""
    assert (GlobClassifier([("x", [pattern])]).classify(path) == "x") is _reference(pattern, path)


@settings(max_examples=200, deadline=None)
@given(st.text("ab*?[]!", min_size=1, max_size=10), st.text("ab", max_size=8))
def test_one_component_matches_fnmatch(pattern, name):
    """Component patterns with any mix of wildcards and brackets agree with fnmatch wherever
    the pattern is valid for both (an unterminated "[" is an error here, a literal there)."""
    try:
        g = PathGlobs([pattern])
    except GlobError:
        return
    assert g.match(name) is fnmatch.fnmatchcase(name, pattern)
