"""Layer Details: what dive shows for the selected layer, plus what the archive told us.

dive's lines (``runtime/ui/view/layer_details.go``) come first — Tags, Id, Size, Digest, Command —
so a dive user finds them where they expect; the tags are the image's real tags (dive always says
``(unavailable)``), and blob digest, compression and creation time follow when known.  Below the
command, once the package analysis has arrived, the packages this layer installed (``+``) or
rewrote files of (``~``), biggest first, a few lines at most (names are image text: escaped).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ...escape import terminal
from ...golang.humanize import humanize_bytes
from ...image import Image
from ...packages import Package, PackageReport
from .lines_pane import LinesPane

PACKAGES_SHOWN = 5  # package lines per layer before "and N more"


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


def layer_packages(report: PackageReport, index: int) -> list[tuple[Package, bool, int]]:
    """(package, installed here, bytes shown) for each package layer ``index`` installed or
    rewrote files of, biggest first: an installed package shows its size in the final image, a
    rewritten one the bytes of its final files this layer wrote."""
    hits = [
        (p, p.layer == index, p.bytes if p.layer == index else p.bytes_by_layer.get(index, 0))
        for p in report.packages
        if p.layer == index or index in p.rewritten_by
    ]
    hits.sort(key=lambda h: (-h[2], h[0].name, h[0].ecosystem))
    return hits


def layer_packages_text(report: PackageReport | None, index: int, computing: bool) -> Text:
    """The Packages lines of Layer Details (empty when the image has no packages)."""
    t = Text()
    if report is None:
        if computing:
            t.append("\nPackages:", style="bold")
            t.append(" computing…")
        return t
    hits = layer_packages(report, index)
    if not report.packages:
        return t
    t.append("\nPackages:", style="bold")
    if not hits:
        t.append(" none added or changed in this layer")
        return t
    for p, installed, here in hits[:PACKAGES_SHOWN]:
        t.append(f"\n {'+' if installed else '~'} ")
        t.append(terminal(p.name), style="bold" if installed else "")
        t.append(f" {terminal(p.version)} ({p.ecosystem}) {humanize_bytes(here)}")
    if len(hits) > PACKAGES_SHOWN:
        t.append(f"\n   and {len(hits) - PACKAGES_SHOWN} more")
    return t


class LayerDetails(LinesPane):
    """The selected layer's metadata, and its packages once they are known."""

    def __init__(self, image: Image, **kw: Any) -> None:
        super().__init__("Layer Details", wrap=True, **kw)
        self.image = image
        self.index = 0
        self.packages: PackageReport | None = None
        self.computing = False

    def show_layer(self, index: int) -> None:
        self.index = index
        self.set_text(layer_details_text(self.image, index) + layer_packages_text(self.packages, index, self.computing))
        self.scroll_home(animate=False)

    def set_packages(self, report: PackageReport | None, computing: bool) -> None:
        """The package analysis arrived (or started: ``computing``); redraw the shown layer."""
        self.packages, self.computing = report, computing
        self.show_layer(self.index)
