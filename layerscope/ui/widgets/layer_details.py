"""Layer Details: what dive shows for the selected layer, plus what the archive told us.

dive's lines (``runtime/ui/view/layer_details.go``) come first — Tags, Id, Size, Digest, Command —
so a dive user finds them where they expect; the tags are the image's real tags (dive always says
``(unavailable)``), and blob digest, compression and creation time follow when known.
"""

from __future__ import annotations

from rich.text import Text

from ...golang.humanize import humanize_bytes
from ...image import Image
from .lines_pane import LinesPane


def layer_details_text(image: Image, index: int) -> Text:
    layer = image.layers[index]
    t = Text()

    def line(label: str, value: str) -> None:
        t.append(f"{label:<9}", style="bold")
        t.append(value + "\n")

    line("Tags:", ", ".join(image.tags) if image.tags else "(unavailable)")
    line("Id:", layer.id)
    line("Size:", humanize_bytes(layer.size))
    line("Digest:", layer.digest or layer.diff_id or "(unavailable)")
    if layer.blob_digest:
        line("Blob:", layer.blob_digest)
    if layer.compression != "none" and layer.compressed_size is not None:
        line("Packed:", f"{humanize_bytes(layer.compressed_size)} ({layer.compression})")
    if layer.created:
        line("Created:", layer.created)
    if layer.skipped:  # ignore-errors: the layer could not be parsed, so its files are missing
        t.append(f"{'Skipped:':<9}", style="bold red")
        t.append(layer.skipped + "\n", style="red")
    t.append("Command:\n", style="bold")
    t.append((f"FROM {layer.id}" if index == 0 and not layer.command else layer.command) or "(none)")
    return t


class LayerDetails(LinesPane):
    """The selected layer's metadata."""

    def __init__(self, image: Image, **kw) -> None:  # noqa: ANN003
        super().__init__("Layer Details", wrap=True, **kw)
        self.image = image

    def show_layer(self, index: int) -> None:
        self.set_text(layer_details_text(self.image, index))
        self.scroll_home(animate=False)
