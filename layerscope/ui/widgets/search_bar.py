"""The search line (``/``): find a path in the tree and jump to it, then ``n`` / ``N``.

dive can only filter (wagoodman/dive#63 asks for search).  Search keeps the tree as it is and moves
the cursor, expanding collapsed parents of the match.  The pattern is a regex on the full path;
all lower-case means case-insensitive ("smart case", as in less and vim).
"""

from __future__ import annotations

import re

from textual.widgets import Input

from ...regex import PathRegex, compile_path_regex
from ..messages import SearchSubmitted


def compile_search(text: str) -> PathRegex | None:
    """Smart-case RE2 regex (:mod:`layerscope.regex`: no pattern can hang the UI); None for
    empty text; raises ``re.error`` when invalid."""
    text = text.strip()  # RE2's max_mem (8 MiB) bounds what a long one can compile to
    if not text:
        return None
    return compile_path_regex(text, ignore_case=not any(c.isupper() for c in text))


class SearchBar(Input):
    """Hidden until ``/``; Enter searches, Esc cancels."""

    def __init__(self, **kw) -> None:  # noqa: ANN003
        super().__init__(placeholder="search path (regex; lower-case = any case), Enter to jump", **kw)
        self.border_title = "Search"

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        try:
            compile_search(event.value)
        except re.error as e:
            self.border_subtitle = f"invalid regex: {e}"
            self.add_class("-invalid")
            return
        self.border_subtitle = ""
        self.remove_class("-invalid")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if "-invalid" in self.classes:
            return
        self.post_message(SearchSubmitted(event.value))
