"""Confirm where to extract a file: a directory input, the resulting path, an explicit OK.

The file name is fixed (the entry's sanitised base name) so nothing outside the chosen
directory can be written; an existing file is only replaced after a second, explicit
"Overwrite" press.
"""

from __future__ import annotations

import os

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from ...errors import LayerscopeError
from ...image import Entry, Image
from ...sources.content import LayerSource
from ..content import extract, extract_target


class ExtractScreen(ModalScreen[str | None]):
    """Returns the path written, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(
        self, image: Image, source: LayerSource, layer: int, entry: Entry, directory: str | None = None
    ) -> None:
        super().__init__()
        self.image, self.content_source, self.layer_index, self.entry = image, source, layer, entry
        self.directory = directory if directory is not None else os.getcwd()
        self._confirm_overwrite = False

    def compose(self) -> ComposeResult:
        with Vertical(id="extract-box"):
            yield Label(f"Extract /{self.entry.path} (layer {self.layer_index}) into directory:", markup=False)
            yield Input(self.directory, id="extract-dir")
            yield Label("", id="extract-target", markup=False)
            with Horizontal(id="extract-buttons"):
                yield Button("Extract", id="extract-ok", variant="primary")
                yield Button("Cancel", id="extract-cancel")

    def on_mount(self) -> None:
        self._update_target()
        self.query_one("#extract-dir", Input).focus()

    def _update_target(self) -> str | None:
        label = self.query_one("#extract-target", Label)
        ok = self.query_one("#extract-ok", Button)
        self._confirm_overwrite = False
        ok.label = "Extract"
        try:
            target = extract_target(self.query_one("#extract-dir", Input).value, self.entry.path)
        except LayerscopeError as e:
            label.update(str(e))
            ok.disabled = True
            return None
        ok.disabled = False
        if os.path.lexists(target):
            label.update(f"→ {target} (exists: press Overwrite to replace it)")
            ok.label = "Overwrite"
            self._confirm_overwrite = True
        else:
            label.update(f"→ {target}")
        return target

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._update_target()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._confirm_overwrite:  # Enter never replaces a file: the button must be pressed
            self.query_one("#extract-ok", Button).focus()
            return
        self._do_extract()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "extract-ok":
            self._do_extract()
        else:
            self.dismiss(None)

    def _do_extract(self) -> None:
        if self.query_one("#extract-ok", Button).disabled:
            return
        self.query_one("#extract-ok", Button).disabled = True
        self.query_one("#extract-target", Label).update("extracting…")
        directory = self.query_one("#extract-dir", Input).value
        self._extract(directory, self._confirm_overwrite)

    @work(thread=True, exclusive=True, group="extract")
    def _extract(self, directory: str, overwrite: bool) -> None:
        try:
            written = extract(
                self.image, self.content_source, self.layer_index, self.entry, directory, overwrite=overwrite
            )
        except LayerscopeError as e:
            self.app.call_from_thread(self._failed, str(e))
            return
        self.app.call_from_thread(self.dismiss, written)

    def _failed(self, message: str) -> None:
        self.query_one("#extract-target", Label).update(message)
        self.query_one("#extract-ok", Button).disabled = False

    def action_cancel(self) -> None:
        self.dismiss(None)
