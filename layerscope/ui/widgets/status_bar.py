"""The status bar: the keys of the focused pane, with active toggles highlighted (dive's help).

dive prints ``▏<key> <label>`` for the global keys then the focused pane's; a toggle that is on is
magenta, one that is off is in reverse video (dive's ``runtime/ui/view/status.go``,
``runtime/ui/format/format.go``).  The sort order is shown as part of its label, since layerscope
can sort by size.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from ..keys import GLOBAL, help_items

ON = "bold white on magenta"
OFF = "reverse"


class StatusBar(Static):
    """One line of key help; :meth:`show` is called by the screen when focus or state changes."""

    def __init__(self, overrides: dict[str, str], **kw: Any) -> None:
        super().__init__("", markup=False, **kw)
        self.overrides = overrides
        self._shown: Text | None = None  # the text last drawn

    def show(self, scope: str | None, states: dict[str, bool | str], message: str = "") -> None:
        """Render the help of ``scope`` (None = only the global keys, e.g. while typing)."""
        t = Text(no_wrap=True, overflow="ellipsis")
        if message:
            t.append("▏" + message + " ")
        items = help_items(GLOBAL, self.overrides, states)
        if scope is not None:
            items = items + help_items(scope, self.overrides, states)
        for key, label, toggle in items:
            t.append("▏")
            shown = label
            if toggle == "sort":
                shown = f"Sort: {states.get('sort', 'name')}"
            if toggle and toggle in states and toggle != "sort":
                style = ON if states[toggle] else OFF
            else:
                style = ""
            t.append(f"{key} {shown}", style=style)
            t.append(" ")
        t.append("▏")
        if t == self._shown:
            return  # unchanged: skip the re-layout an update costs on every key press
        self._shown = t
        self.update(t, layout=False)  # one line, always: no re-layout of the screen

    @property
    def text(self) -> str:
        content = self.content
        return content.plain if isinstance(content, Text) else str(content)
