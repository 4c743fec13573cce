"""The glob syntax of ``layerscope.ignore`` / ``forbid`` (.gitignore-like)."""

from __future__ import annotations

import pytest

from layerscope.analysis.globs import GlobClassifier, GlobError, PathGlobs


@pytest.mark.parametrize("pattern,path,hit", [
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
])
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
