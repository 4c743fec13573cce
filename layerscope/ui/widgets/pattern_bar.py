"""One input line for a path regex, compiled as you type; the filter and the search are two of it.

The text is compiled on every keystroke by a function of :mod:`layerscope.ui.patterns` (RE2,
through :mod:`layerscope.regex`).  An invalid pattern is never applied: the line says why in its
border and turns red (``-invalid``), and the last valid pattern stays in effect.  What a valid
text or Enter means is up to the subclass, which posts its own message to the screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from textual.widgets import Input

from ...regex import PathRegex

Compiler = Callable[[str], PathRegex | None]


class PatternBar(Input):
    """A hidden-by-default regex input: :meth:`pattern_valid` per text that compiles, :meth:`entered`."""

    def __init__(self, title: str, placeholder: str, compile_text: Compiler, **kw: Any) -> None:
        super().__init__(placeholder=placeholder, **kw)
        self.border_title = title
        self.compile_text = compile_text
        self.error: str | None = None  # why the current text does not compile, or None
        self.pattern: PathRegex | None = None  # the current text, compiled (when it compiles)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        try:
            pattern = self.compile_text(event.value)
        except re.error as e:
            self.error = f"invalid regex: {e}"
            self.border_subtitle = self.error
            self.add_class("-invalid")
            return
        self.error = None
        self.pattern = pattern
        self.border_subtitle = ""
        self.remove_class("-invalid")
        self.pattern_valid(event.value, pattern)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.entered(event.value)

    def pattern_valid(self, text: str, pattern: PathRegex | None) -> None:
        """The text changed and compiles (``pattern`` None for empty text)."""

    def entered(self, text: str) -> None:
        """Enter was pressed (:attr:`error` says whether the text compiles)."""
