"""The file viewer: a file's content as text, or as a hex dump when it is binary.

Content comes from :func:`~layerscope.ui.content.read_content` (first 256 KiB of the file from
its own layer, read again from whatever source the image came from); a read-only ``TextArea``
gives scrolling, search-free selection and copying.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from ...golang.humanize import humanize_bytes
from ..content import FileContent, as_text, hexdump


def describe(content: FileContent, binary: bool) -> str:
    """The header line: path, layer, size, and what is shown."""
    parts = [content.path, f"layer {content.layer}"]
    if content.note:
        parts.append(content.note)
    else:
        parts.append(humanize_bytes(content.size))
        parts.append("hex" if binary else "text")
        if content.truncated:
            parts.append(f"first {humanize_bytes(len(content.data))} shown")
    return "  ·  ".join(parts)


class FileViewer(Vertical):
    """Header line plus a read-only text area."""

    def compose(self) -> ComposeResult:
        yield Static("loading…", id="viewer-header", markup=False)
        yield TextArea("", read_only=True, soft_wrap=False, show_line_numbers=False, id="viewer-text")

    def show(self, content: FileContent) -> None:
        text = as_text(content.data)
        binary = text is None and bool(content.data)
        body = hexdump(content.data) if binary else (text or "")
        if content.note:
            body = content.note
        self.query_one("#viewer-header", Static).update(describe(content, binary))
        area = self.query_one("#viewer-text", TextArea)
        area.load_text(body)
        area.focus()

    def show_error(self, message: str) -> None:
        self.query_one("#viewer-header", Static).update(message)

    @property
    def body(self) -> str:
        return self.query_one("#viewer-text", TextArea).text
