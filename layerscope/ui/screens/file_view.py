"""A modal screen around the file viewer; Esc or q closes it and returns to the tree."""

from __future__ import annotations

from textual.app import ComposeResult

from ...errors import LayerscopeError
from ...image import Entry, Image
from ...sources.content import LayerSource
from ..content import FileContent, read_content
from ..widgets.file_viewer import FileViewer
from .worker_modal import WorkerModal


class FileViewScreen(WorkerModal[FileContent]):
    """Shows one file; the content is read in a worker so big layers do not freeze the UI."""

    SHOWN_ERRORS = (LayerscopeError,)  # an unreadable layer or entry: said in the header line

    def __init__(self, image: Image, source: LayerSource, layer: int, entry: Entry) -> None:
        super().__init__()
        self.image, self.content_source, self.layer_index, self.entry = image, source, layer, entry
        self.content: FileContent | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield FileViewer()

    def compute(self) -> FileContent:
        return read_content(self.image, self.content_source, self.layer_index, self.entry)

    def show_result(self, result: FileContent) -> None:
        self.content = result
        self.query_one(FileViewer).show(result)

    def show_error(self, error: Exception) -> None:
        self.error = str(error)
        self.query_one(FileViewer).show_error(self.error)
