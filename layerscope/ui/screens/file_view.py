"""A modal screen around the file viewer; Esc or q closes it and returns to the tree."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from ...errors import LayerscopeError
from ...image import Entry, Image
from ...sources.content import LayerSource
from ..content import FileContent, read_content
from ..widgets.file_viewer import FileViewer


class FileViewScreen(ModalScreen[None]):
    """Shows one file; the content is read in a worker so big layers do not freeze the UI."""

    BINDINGS = [Binding("escape,q", "close", "Close", show=False)]

    def __init__(self, image: Image, source: LayerSource, layer: int, entry: Entry) -> None:
        super().__init__()
        self.image, self.content_source, self.layer_index, self.entry = image, source, layer, entry
        self.content: FileContent | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield FileViewer()

    def on_mount(self) -> None:
        self.run_worker(self._load, thread=True, exclusive=True, group="viewer")

    def _load(self) -> None:
        try:
            content = read_content(self.image, self.content_source, self.layer_index, self.entry)
        except LayerscopeError as e:
            self.error = str(e)
            self.app.call_from_thread(self.query_one(FileViewer).show_error, str(e))
            return
        self.content = content
        self.app.call_from_thread(self.query_one(FileViewer).show, content)

    def action_close(self) -> None:
        self.dismiss(None)
