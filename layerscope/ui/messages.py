"""Messages the panes send up to the screen: small dataclasses, one reason each.

Widgets never reach into each other or into the screen; they post one of these and the main
screen, which owns the shared state (selected layer, compare mode, filter), decides what
changes and calls the widgets' public methods ("messages up, method calls down").  A new pane
adds its messages here.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ..regex import PathRegex


@dataclass
class LayerSelected(Message):
    """The layer cursor moved to ``index``."""

    index: int


@dataclass
class CompareModeChanged(Message):
    """compare-layer (False) or aggregated changes (True) was chosen in the layers pane."""

    aggregated: bool


@dataclass
class PaneStep(Message):
    """left/right in a left-column pane: move focus ``delta`` panes (dive's next/prev view)."""

    delta: int


@dataclass
class TreeStateChanged(Message):
    """A tree toggle changed (hidden types, sort, attributes, wrap): refresh the status bar."""


@dataclass
class FileRequested(Message):
    """The user asked to view (``extract=False``) or extract the node at ``path``."""

    path: str
    extract: bool


@dataclass
class FilterChanged(Message):
    """The filter text compiled to a new pattern (``pattern`` None = no filter)."""

    text: str
    pattern: PathRegex | None


@dataclass
class FilterSubmitted(Message):
    """Enter in the filter line: the filter stays, the focus goes back to the tree."""

    text: str


@dataclass
class SearchSubmitted(Message):
    """A valid search pattern was entered (``pattern`` None: empty text = cancel)."""

    text: str
    pattern: PathRegex | None


@dataclass
class PackageFilterChanged(Message):
    """The Packages view's filter line compiled to a new pattern (None = every package)."""

    text: str
    pattern: PathRegex | None


@dataclass
class PackageChosen(Message):
    """Enter on a package of the Packages view: ``index`` into ``PackageReport.packages``
    (None: Enter with no package under the cursor)."""

    index: int | None
