"""A cache of layer analyses keyed by content (see ``docs/cache.md``).

A layer's entries, its dive size and the files a capture spec keeps are a pure function of
its uncompressed digest (diff_id), so once a layer has been read and verified its analysis is
stored (:mod:`.codec`, :mod:`.store`) and a later read of any image that shares it takes it
from there (:mod:`.session` says when that gives exactly what a parse would).
"""

from .session import LayerCache, Served

__all__ = ["LayerCache", "Served"]
