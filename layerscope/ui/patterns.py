"""The two path patterns a user types in the explorer: the filter and the search.

Both are compiled by :mod:`layerscope.regex` (RE2, so no pattern can hang the UI) and differ
only in how the text is read:

* the filter is dive's: the trimmed text, at most 200 characters, unanchored and
  case-sensitive (``docs/dive-compat.md``, *The explorer*);
* the search is ours (dive has none): the trimmed text, "smart case" as in less and vim —
  all lower-case means case-insensitive.

Each returns None for empty text and raises ``re.error`` (:class:`~layerscope.regex.PatternError`)
for an invalid pattern, which the input bar shows inline.
"""

from __future__ import annotations

from ..regex import PathRegex, compile_path_regex

MAX_FILTER = 200  # dive compiles at most 200 characters of the filter


def compile_filter(text: str) -> PathRegex | None:
    """dive's filter: the trimmed text as an unanchored, case-sensitive regex (≤ 200 chars)."""
    text = text.strip()[:MAX_FILTER]
    if not text:
        return None
    return compile_path_regex(text)


def compile_search(text: str) -> PathRegex | None:
    """The search: smart-case regex on the trimmed text (RE2's max_mem bounds a long one)."""
    text = text.strip()
    if not text:
        return None
    return compile_path_regex(text, ignore_case=not any(c.isupper() for c in text))
