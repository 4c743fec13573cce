"""The filter line: a regex on each node's full path, applied as you type (dive's filter).

dive compiles the trimmed text on every keystroke; an invalid regex is ignored and the last tree
stays (``docs/dive-compat.md``, *The explorer*).  We do the same, and also say why in the line
itself, which dive only writes to its log.
"""

from __future__ import annotations

import re

from textual.widgets import Input

from ..messages import FilterChanged
from ..viewmodel import compile_filter


class FilterBar(Input):
    """Hidden until ctrl+f; posts :class:`FilterChanged` for each text that compiles."""

    def __init__(self, **kw) -> None:  # noqa: ANN003
        super().__init__(placeholder="regex on the full path, e.g. ^/etc/.*\\.conf$", **kw)
        self.border_title = "Filter"
        self.error: str | None = None

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        try:
            compile_filter(event.value)
        except re.error as e:
            self.error = f"invalid regex: {e}"
            self.border_subtitle = self.error
            self.add_class("-invalid")
            return
        self.error = None
        self.border_subtitle = ""
        self.remove_class("-invalid")
        self.post_message(FilterChanged(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_tree()  # type: ignore[attr-defined]
