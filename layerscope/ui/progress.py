"""How far the image load has got, sampled four times a second by the loading screen.

The counters and their sampling live in :mod:`layerscope.progress`, shared with the terminal
display of the commands; this module names them for the UI.
"""

from __future__ import annotations

from ..progress import LoadProgress, Sample

__all__ = ["LoadProgress", "Sample"]
