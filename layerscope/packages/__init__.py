"""Size by package: which package of the image's own databases costs how many bytes, in which layer.

Read the image with ``ReadOptions(capture=CAPTURE)`` (the databases' content is kept in the same
single pass), then :func:`analyze_packages` gives a :class:`PackageReport`.  Data flow inside:
:mod:`.view` (the one adapter to the copy-on-write engine) → parsers (:mod:`.dpkg`, :mod:`.apk`,
:mod:`.rpm`, :mod:`.python`, :mod:`.npm`; pure functions of database bytes) → :mod:`.attribute`
(ownership, bytes, layers, waste) → renderers (:mod:`.render`, :mod:`.cyclonedx`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .capture import CAPTURE
from .model import ECOSYSTEMS, DatabaseSummary, DirUsage, Package, PackageReport, Unowned

if TYPE_CHECKING:
    from .attribute import analyze_packages, find_databases
    from .view import FinalView, final_view

# The analysis itself (its parsers and the copy-on-write adapter) is imported when first used:
# the explorer reads with CAPTURE and shows PackageReport rows, but analyzes only after its first
# frame, and the import was ~15 ms of the frame.
_LAZY = {"analyze_packages": "attribute", "find_databases": "attribute", "FinalView": "view", "final_view": "view"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


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
