"""Messages the panes send up to the screen: small dataclasses, one reason each.

Widgets never reach into each other; they post one of these and the main screen, which owns
the shared state (selected layer, compare mode, filter), decides what changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


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


@dataclass
class SearchSubmitted(Message):
    """A search pattern was entered (empty text = cancel)."""

    text: str
