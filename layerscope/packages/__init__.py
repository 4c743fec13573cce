"""Size by package: which package of the image's own databases costs how many bytes, in which layer.

Read the image with ``ReadOptions(capture=CAPTURE)`` (the databases' content is kept in the same
single pass), then :func:`analyze_packages` gives a :class:`PackageReport`.  Data flow inside:
:mod:`.view` (the one adapter to the copy-on-write engine) → parsers (:mod:`.dpkg`, :mod:`.apk`,
:mod:`.rpm`, :mod:`.python`, :mod:`.npm`; pure functions of database bytes) → :mod:`.attribute`
(ownership, bytes, layers, waste) → renderers (:mod:`.render`, :mod:`.cyclonedx`).
"""

from __future__ import annotations

from .attribute import analyze_packages, find_databases
from .capture import CAPTURE
from .model import ECOSYSTEMS, DatabaseSummary, DirUsage, Package, PackageReport, Unowned
from .view import FinalView, final_view

__all__ = [
    "CAPTURE",
    "ECOSYSTEMS",
    "DatabaseSummary",
    "DirUsage",
    "FinalView",
    "Package",
    "PackageReport",
    "Unowned",
    "analyze_packages",
    "final_view",
    "find_databases",
]
