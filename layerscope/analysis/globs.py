"""Path globs for ``.dive-ci`` ``layerscope:`` rules (``ignore``, ``forbid``) and ``explain --ignore``.

The syntax is the one users already know from ``.gitignore`` / ``.dockerignore``, because that
is what they will type without reading docs:

* a pattern without ``/`` (``*.pem``, ``.env``, ``id_rsa``) matches a file or directory *name*
  at any depth;
* a pattern with ``/`` is anchored at the image root (``/var/cache/**`` and ``var/cache/**``
  are the same);
* ``*`` and ``?`` never cross ``/``; ``**`` matches any number of path components;
  ``[abc]`` is a character class;
* a pattern that matches a directory also matches everything below it, so ``/var/cache/apt``
  covers its whole subtree.

Paths are compared without their leading ``/``.  Matching is compiled once into one regular
expression per pattern set: an image has 10⁵ paths, patterns are few.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class GlobError(ValueError):
    """A pattern that cannot be compiled (e.g. an unterminated ``[``)."""


def _translate(pattern: str) -> str:
    """One glob → a regex fragment matching a path (no leading slash) or any of its ancestors."""
    p = pattern.strip()
    if not p:
        raise GlobError("empty pattern")
    anchored = "/" in p.rstrip("/")
    p = p.strip("/")
    while p.startswith("./"):
        p = p[2:]
    out: list[str] = []
    i, n = 0, len(p)
    while i < n:
        c = p[i]
        if c == "*":
            if p.startswith("**", i):
                j = i + 2
                at_start = i == 0 or p[i - 1] == "/"
                if at_start and j < n and p[j] == "/":
                    out.append("(?:.*/)?")  # "**/" : zero or more whole components
                    i = j + 1
                    continue
                out.append(".*")
                i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = p.find("]", i + 2 if i + 1 < n and p[i + 1] in "!^" else i + 1)
            if j < 0:
                raise GlobError(f"unterminated character class in {pattern!r}")
            body = p[i + 1 : j]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    return f"{prefix}{body}(?:/.*)?"


class PathGlobs:
    """A compiled set of patterns; ``match(path)`` accepts paths with or without a leading ``/``."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = [str(p) for p in patterns]
        if self.patterns:
            try:
                self._rx: re.Pattern[str] | None = re.compile(
                    "|".join(f"(?:{_translate(p)})" for p in self.patterns), re.DOTALL)
            except re.error as e:
                raise GlobError(f"invalid pattern: {e}") from None
        else:
            self._rx = None

    def __bool__(self) -> bool:
        return self._rx is not None

    def match(self, path: str) -> bool:
        if self._rx is None:
            return False
        return self._rx.fullmatch(path.lstrip("/")) is not None

    def which(self, path: str) -> str | None:
        """The first pattern that matches ``path`` (for messages), or None."""
        p = path.lstrip("/")
        for pat in self.patterns:
            if re.fullmatch(_translate(pat), p, re.DOTALL):
                return pat
        return None


class GlobClassifier:
    """Ordered ``(label, patterns)`` rules compiled into one regex: ``classify(path)`` is the label
    of the first rule that matches, in one regex call per path (an image has 10⁵ files)."""

    def __init__(self, rules: Iterable[tuple[str, Iterable[str]]]) -> None:
        self.labels: list[str] = []
        parts = []
        for k, (label, patterns) in enumerate(rules):
            self.labels.append(label)
            alts = "|".join(f"(?:{_translate(p)})" for p in patterns)
            parts.append(f"(?P<r{k}>{alts})")
        self._rx = re.compile("|".join(parts), re.DOTALL) if parts else None

    def classify(self, path: str) -> str | None:
        if self._rx is None:
            return None
        m = self._rx.fullmatch(path.lstrip("/"))
        if m is None:
            return None
        return self.labels[int(m.lastgroup[1:])]  # type: ignore[index]
