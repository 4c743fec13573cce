"""The search line (``/``): find a path in the tree and jump to it, then ``n`` / ``N``.

dive can only filter (wagoodman/dive#63 asks for search).  Search keeps the tree as it is and moves
the cursor, expanding collapsed parents of the match.  The pattern is a regex on the full path;
all lower-case means case-insensitive ("smart case", as in less and vim:
:func:`~layerscope.ui.patterns.compile_search`).
"""

from __future__ import annotations

from typing import Any

from ..keys import line_bindings
from ..messages import SearchSubmitted
from ..patterns import compile_search
from .pattern_bar import PatternBar


class SearchBar(PatternBar):
    """Hidden until ``/``; Enter searches (an invalid pattern stays in the line), Esc cancels."""

    BINDINGS = line_bindings()  # ctrl+f and "/" from inside the line (keys.line_bindings)

    def __init__(self, **kw: Any) -> None:
        super().__init__("Search", "search path (regex; lower-case = any case), Enter to jump", compile_search, **kw)

    def entered(self, text: str) -> None:
        if self.error is None:
            self.post_message(SearchSubmitted(text, self.pattern))


__all__ = ["SearchBar", "compile_search"]
