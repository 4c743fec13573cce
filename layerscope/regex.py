"""User-typed path regexes (the explorer's filter and search), compiled with RE2, never ``re``.

Why RE2 (the ``google-re2`` package): Python's ``re`` backtracks, so a pattern such as
``(.*.*)*(.*.*)*Q`` takes exponential time on every path — and holds the GIL while it does, so
no thread can keep the UI alive: typing it froze the explorer, ``q`` and ctrl+c included.  RE2
matches in time linear in the text, whatever the pattern.  It is also dive's dialect (Go's
``regexp`` *is* RE2), so a pattern means here what it means in dive, and what dive refuses
(backreferences, look-around, ``\\Z``) is refused here too, with RE2's reason.

Why one bulk scan instead of a call per path: a call into the binding costs a few µs, ten
times ``re``'s per-path cost, so 10⁵ paths are matched as batches of lines in one buffer.  The
user's pattern ``P`` is wrapped as ``(?m)(?:^[^\\n]*(?:P)[^\\n]*$\\C)+``, compiled with
``never_nl`` so ``P`` cannot match a newline: each iteration of the group is exactly one
matching line (``$\\C`` consumes its newline — ``\\C`` is the one construct ``never_nl``
leaves alone), so each match is a *run* of consecutive matching lines and the Python work is
one step per run, not per path.  Patterns whose meaning depends on the whole text (``\\A``,
``\\z``, ``(?-m)``) or that could escape the wrapper (``\\Q``, ``\\C``), and paths that contain
a newline, are matched one path at a time instead: slower, still linear, same answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

import re2

log = logging.getLogger("layerscope.regex")

BATCH_CHARS = 1 << 20  # characters of paths matched per buffer: bounds the scan's extra memory
# what a path-at-a-time match is needed for (conservative: a false hit only costs speed)
_WHOLE_TEXT = re.compile(r"\\[ACQz]|\(\?[^):]*m")


class PatternError(re.error):
    """An invalid (or RE2-refused) pattern.  A subclass of ``re.error`` so the UI's existing
    ``except re.error`` keeps showing the reason inline."""


class PathRegex:
    """A compiled path pattern: :meth:`search` one path, :meth:`scan` many at RE2 speed."""

    __slots__ = ("_bulk", "_one", "key", "pattern")

    def __init__(self, pattern: str, ignore_case: bool = False) -> None:
        self.pattern = pattern
        self.key = (pattern, ignore_case)  # what a cache of scan results is keyed on
        try:
            raw = pattern.encode("utf-8")
        except UnicodeEncodeError as e:
            raise PatternError(f"not valid UTF-8 at character {e.start}") from None
        self._one = _compile(raw, ignore_case, never_nl=False)
        self._bulk = None
        if not _WHOLE_TEXT.search(pattern):
            self._bulk = _compile(rb"(?m)(?:^[^\n]*(?:" + raw + rb")[^\n]*$\C)+", ignore_case, never_nl=True)

    def search(self, path: str):  # noqa: ANN201 - re2's match type, or None
        """The first match in ``path`` (unanchored, as dive's filter) or None, as ``re`` answers
        (its offsets count bytes of the UTF-8 path)."""
        return self._one.search(_encode(path))

    def scan(self, paths: Iterable[str]) -> bytearray:
        """``bytearray(self.search(p) is not None for p in paths)``, a buffer per batch."""
        out = bytearray()
        for batch in _batches(paths, BATCH_CHARS):
            out += self._scan_batch(batch)
        return out

    def _scan_batch(self, batch: list[str]) -> bytearray:
        if self._bulk is None:
            return bytearray(self.search(p) is not None for p in batch)
        text = "\n".join(batch) + "\n"
        odd: list[int] = []
        try:
            buf = text.encode("utf-8")
        except UnicodeEncodeError:  # a name with non-UTF-8 bytes: RE2's [^\n] skips no bad byte
            odd = [k for k, p in enumerate(batch) if not _is_utf8(p)]
        if text.count("\n") != len(batch):  # a name with a newline would split its line
            odd = sorted(set(odd).union(k for k, p in enumerate(batch) if "\n" in p))
        if odd:
            lines = list(batch)
            for k in odd:
                lines[k] = ""
            buf = ("\n".join(lines) + "\n").encode("utf-8")
        hit = _runs(self._bulk, buf, len(batch))
        for k in odd:
            hit[k] = self.search(batch[k]) is not None
        return hit


def compile_path_regex(text: str, ignore_case: bool = False) -> PathRegex:
    """``text`` as an RE2 path pattern; raises :class:`PatternError` (an ``re.error``) if invalid."""
    return PathRegex(text, ignore_case)


def _compile(raw: bytes, ignore_case: bool, never_nl: bool):  # noqa: ANN202 - re2's private type
    opts = re2.Options()
    opts.log_errors = False  # RE2 would write parse errors to stderr, i.e. over the TUI
    opts.case_sensitive = not ignore_case
    opts.never_nl = never_nl
    try:
        return re2.compile(raw, opts)
    except re2.error as e:
        reason = e.args[0] if e.args else "invalid pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None


def _encode(s: str) -> bytes:
    """Paths carry non-UTF-8 name bytes as lone surrogates; RE2 sees the original bytes."""
    return s.encode("utf-8", "surrogateescape")


def _is_utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _batches(paths: Iterable[str], budget: int) -> Iterator[list[str]]:
    """``paths`` in lists of about ``budget`` characters (a longer path is a list of its own)."""
    batch: list[str] = []
    chars = 0
    for p in paths:
        batch.append(p)
        chars += len(p) + 1
        if chars >= budget:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def _runs(rx, buf: bytes, n: int) -> bytearray:  # noqa: ANN001
    """1 for each of the ``n`` newline-ended lines of ``buf`` inside a match of ``rx``."""
    hit = bytearray(n)
    line, pos = 0, 0
    for m in rx.finditer(buf):
        start, end = m.start(), m.end()
        line += buf.count(b"\n", pos, start)
        count = buf.count(b"\n", start, end)
        hit[line : line + count] = b"\x01" * count
        line += count
        pos = end
    return hit


__all__ = ["BATCH_CHARS", "PathRegex", "PatternError", "compile_path_regex"]
