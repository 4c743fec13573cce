"""The filter line: a regex on each node's full path, applied as you type (dive's filter).

dive compiles the trimmed text on every keystroke; an invalid regex is ignored and the last tree
stays (``docs/dive-compat.md``, *The explorer*).  We do the same, and also say why in the line
itself, which dive only writes to its log.
"""

from __future__ import annotations

from typing import Any

from ...regex import PathRegex
from ..keys import line_bindings
from ..messages import FilterChanged, FilterSubmitted
from ..patterns import compile_filter
from .pattern_bar import PatternBar


class FilterBar(PatternBar):
    """Hidden until ctrl+f; posts :class:`FilterChanged` for each text that compiles."""

    BINDINGS = line_bindings()  # ctrl+f and "/" from inside the line (keys.line_bindings)

    def __init__(self, **kw: Any) -> None:
        super().__init__("Filter", "regex on the full path, e.g. ^/etc/.*\\.conf$", compile_filter, **kw)

    def pattern_valid(self, text: str, pattern: PathRegex | None) -> None:
        self.post_message(FilterChanged(text, pattern))

    def entered(self, text: str) -> None:
        self.post_message(FilterSubmitted(text))  # the screen moves the focus back to the tree
