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

* ``**`` that is not a whole component (``a**b``) is a plain ``*``, as in ``.gitignore``;
* a character class never matches ``/`` (and cannot contain one), like ``*`` and ``?``.

Paths are compared without their leading ``/``.

**User patterns are matched in linear time, never by a backtracking regex.**  ``forbid`` and
``ignore`` come from the repository under test, and a pattern like ``*a*a*a*a*a*a*b`` makes a
translated regex (``[^/]*a[^/]*a…``) backtrack for minutes on a long name of ``a``s.
:class:`PathGlobs` therefore matches with the classic greedy star algorithm, at two levels:

* within one path component, the pattern is split at its ``*``s into fixed-length chunks; the
  first must match at the start, the last at the end, and each middle chunk is taken at its
  *leftmost* occurrence after the previous one.  Leftmost is always safe (any match using a
  later occurrence can be moved left, the ``*`` around it absorbing the difference), so there is
  no backtracking: the cost is O(len(name) × chunk length);
* across components, ``**`` components split the pattern into groups of component patterns,
  matched the same way (first group at the root, each later group at its leftmost place; the
  end is free because a match covers the subtree below it).

Patterns are at most :data:`MAX_PATTERN_CHARS` characters.  :class:`GlobClassifier` keeps one
compiled regex, because its patterns are layerscope's own constants (the insight rules), never
user input, and one C-level regex call per path is what keeps 10⁵ paths fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_PATTERN_CHARS = 1024


class GlobError(ValueError):
    """A pattern that cannot be compiled (e.g. an unterminated ``[``)."""


def _normalize(pattern: str) -> tuple[str, bool]:
    """(pattern without the slashes and ``./`` that do not change its meaning, anchored?)."""
    p = pattern.strip()
    if not p:
        raise GlobError("empty pattern")
    if len(p) > MAX_PATTERN_CHARS:
        raise GlobError(f"pattern longer than {MAX_PATTERN_CHARS} characters")
    anchored = "/" in p.rstrip("/")
    p = p.strip("/")
    while p.startswith("./"):
        p = p[2:]
    return p, anchored


def _parse_class(p: str, i: int, pattern: str) -> tuple[tuple[bool, str, tuple[tuple[str, str], ...]], int]:
    """The class starting at ``p[i] == "["``: ((negated, single chars, ranges), index after ``]``).
    A ``]`` right after ``[`` or ``[!`` is a member, as in fnmatch."""
    j = i + 1
    negated = j < len(p) and p[j] in "!^"
    if negated:
        j += 1
    start = j
    singles: list[str] = []
    ranges: list[tuple[str, str]] = []
    while j < len(p) and (p[j] != "]" or j == start):
        if j + 2 < len(p) and p[j + 1] == "-" and p[j + 2] != "]":
            lo, hi = p[j], p[j + 2]
            if lo > hi:
                raise GlobError(f"bad range {lo}-{hi} in {pattern!r}")
            ranges.append((lo, hi))
            j += 3
        else:
            singles.append(p[j])
            j += 1
    if j >= len(p):
        raise GlobError(f"unterminated character class in {pattern!r}")
    return (negated, "".join(singles), tuple(ranges)), j + 1


def _class_has(cls: tuple[bool, str, tuple[tuple[str, str], ...]], c: str) -> bool:
    negated, singles, ranges = cls
    hit = c in singles or any(lo <= c <= hi for lo, hi in ranges)
    return hit != negated


class _Component:
    """One path component's pattern (no ``/``), matched by the greedy star algorithm."""

    __slots__ = ("chunks", "literals", "starred", "min_len", "exact")

    def __init__(self, text: str, pattern: str) -> None:
        chunks: list[list[object]] = [[]]  # atoms: a str (one char), None ("?"), or a class tuple
        i = 0
        while i < len(text):
            c = text[i]
            if c == "*":
                while i < len(text) and text[i] == "*":  # "**" inside a component is a "*"
                    i += 1
                chunks.append([])
                continue
            if c == "?":
                chunks[-1].append(None)
            elif c == "[":
                cls, i = _parse_class(text, i, pattern)
                chunks[-1].append(cls)
                continue
            else:
                chunks[-1].append(c)
            i += 1
        self.chunks = [tuple(ch) for ch in chunks]
        # a chunk of plain characters is searched with str.find / startswith (C speed)
        self.literals = [
            "".join(ch) if all(isinstance(a, str) for a in ch) else None  # type: ignore[arg-type]
            for ch in self.chunks
        ]
        self.starred = len(self.chunks) > 1
        self.min_len = sum(len(ch) for ch in self.chunks)
        self.exact = self.literals[0] if not self.starred else None

    def _at(self, k: int, name: str, i: int) -> bool:
        lit = self.literals[k]
        if lit is not None:
            return name.startswith(lit, i)
        for a, c in zip(self.chunks[k], name[i : i + len(self.chunks[k])], strict=False):
            if a is None:
                continue
            if isinstance(a, str):
                if a != c:
                    return False
            elif not _class_has(a, c):  # type: ignore[arg-type]
                return False
        return True

    def _find(self, k: int, name: str, start: int, end: int) -> int:
        """Leftmost i in [start, end - len(chunk)] where chunk k matches, or -1."""
        lit = self.literals[k]
        if lit is not None:
            return name.find(lit, start, end)
        for i in range(start, end - len(self.chunks[k]) + 1):
            if self._at(k, name, i):
                return i
        return -1

    def match(self, name: str) -> bool:
        if self.exact is not None:
            return name == self.exact
        if len(name) < self.min_len:
            return False
        if not self.starred:
            return len(name) == self.min_len and self._at(0, name, 0)
        last = len(self.chunks) - 1
        end = len(name) - len(self.chunks[last])
        if not self._at(0, name, 0) or not self._at(last, name, end):
            return False
        pos = len(self.chunks[0])
        for k in range(1, last):
            i = self._find(k, name, pos, end)
            if i < 0:
                return False
            pos = i + len(self.chunks[k])
        return True


_ANY_ONE = _Component("*", "*")  # a trailing "**": at least one more component


class _Glob:
    """One pattern, compiled: a component pattern (unanchored), or groups of component
    patterns separated by ``**`` (anchored at the root; the subtree below a match matches)."""

    __slots__ = ("text", "anchored", "name", "groups", "everything", "required")

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        p, self.anchored = _normalize(pattern)
        parts = p.split("/")
        self.everything = parts == ["**"]
        self.name: _Component | None = None
        self.groups: list[list[_Component]] = [[]]
        if not self.anchored:
            self.name = _Component(p, pattern)
        else:
            for k, part in enumerate(parts):
                if part == "**" and k == len(parts) - 1:
                    self.groups[-1].append(_ANY_ONE)  # "dir/**": something below dir
                elif part == "**":
                    self.groups.append([])
                else:
                    self.groups[-1].append(_Component(part, pattern))
        components = [self.name] if self.name is not None else [c for g in self.groups for c in g]
        # Plain-character chunks any match must contain: checked first, with C-speed `in`,
        # so most paths are rejected without looking at their components.
        self.required = tuple({lit for c in components for lit in c.literals if lit})

    def possible(self, path: str) -> bool:
        """False when ``path`` (no leading ``/``) lacks a chunk that every match contains."""
        for lit in self.required:
            if lit not in path:
                return False
        return True

    def match(self, parts: list[str]) -> bool:
        if self.everything:
            return True
        if self.name is not None:
            return any(self.name.match(s) for s in parts)
        first = self.groups[0]
        if not _group_at(first, parts, 0):
            return False
        pos = len(first)
        for group in self.groups[1:]:
            i = _group_find(group, parts, pos)
            if i < 0:
                return False
            pos = i + len(group)
        return True


def _group_at(group: list[_Component], parts: list[str], i: int) -> bool:
    if i + len(group) > len(parts):
        return False
    return all(c.match(parts[i + k]) for k, c in enumerate(group))


def _group_find(group: list[_Component], parts: list[str], start: int) -> int:
    for i in range(start, len(parts) - len(group) + 1):
        if _group_at(group, parts, i):
            return i
    return -1


def _translate(pattern: str) -> str:
    """One glob → a regex fragment matching a path (no leading slash) or any of its ancestors.
    For :class:`GlobClassifier`'s built-in patterns only: a regex can backtrack (module doc)."""
    p, anchored = _normalize(pattern)
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
                at_end = j == n
                out.append(".*" if at_start and at_end else "[^/]*")  # "a**b" is "a*b"
                i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            (negated, singles, ranges), j = _parse_class(p, i, pattern)
            body = "".join(re.escape(ch) for ch in singles) + "".join(
                f"{re.escape(lo)}-{re.escape(hi)}" for lo, hi in ranges
            )
            out.append(f"[^/{body}]" if negated else f"(?!/)[{body}]")
            i = j - 1
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    return f"{prefix}{body}(?:/.*)?"


class PathGlobs:
    """A compiled set of patterns; ``match(path)`` accepts paths with or without a leading ``/``.
    Matching is linear in the path for each pattern (module doc), whatever the patterns."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = [str(p) for p in patterns]
        self._globs = [_Glob(p) for p in self.patterns]

    def __bool__(self) -> bool:
        return bool(self._globs)

    def match(self, path: str) -> bool:
        p = path.lstrip("/")
        parts: list[str] | None = None
        for g in self._globs:
            if g.possible(p):
                if parts is None:
                    parts = p.split("/")
                if g.match(parts):
                    return True
        return False

    def which(self, path: str) -> str | None:
        """The first pattern that matches ``path`` (for messages), or None."""
        p = path.lstrip("/")
        parts = p.split("/")
        for g in self._globs:
            if g.possible(p) and g.match(parts):
                return g.text
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
