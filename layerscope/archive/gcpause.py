"""Pause Python's cyclic garbage collector while a large acyclic structure is built.

Reading an image makes one :class:`~layerscope.image.Entry` per tar member and the analysis one
node per path: hundreds of thousands of container objects, none of them in a cycle.  Each of
them counts towards the collector's thresholds, so it runs dozens of times meanwhile, and every
full collection scans everything built so far (and every module loaded): on a 33k-entry image
that was 0.05 s of a 0.4 s CI run, freeing nothing.  Reference counting still frees what is
dropped; the few cycles made meanwhile (a failed layer's traceback) wait for the next collection
after the pause.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the block, then back as the caller had it (nested pauses, and a
    caller that had it off already, are left alone)."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def freeze_survivors() -> None:
    """Move what was just built out of every later collection (``gc.freeze``), after collecting the
    youngest generation.

    A frozen object is never collected again.  While some thread has the collector paused
    (:func:`collector_paused`) no pass runs, so the garbage cycles any thread drops meanwhile wait,
    uncollected, in generation 0; frozen there they would leak for good.  One pass over generation
    0 finds them: it holds only what was made since the last pass, so it costs well under a
    millisecond, against tens for a full collection on a large image.  The explorer's loader and
    its tree builds both end with this (tests/ui/test_app_gc.py, tests/ui/test_trees_gc.py).

    While a :class:`HeldPause` is held no pass runs at all, so a freeze spares nothing yet: it
    waits for the release, which makes it (one pass over what the pause built, after the frame,
    instead of one in the middle of it)."""
    with _hold_lock:
        if _holds:
            _deferred[0] = True
            return
    gc.collect(0)
    gc.freeze()


class HeldPause:
    """The collector off from one moment to a later one that another thread may reach (the
    explorer: from the start of the load to its first painted frame), released once.

    A :func:`collector_paused` block ends where it began, so the read, the analysis and the first
    tree each ended theirs with the young generation holding everything they built: the first
    pass after each traversed it all, and the first tree's freeze made one more (~80 ms of a
    130k-entry image's first frame, freeing nothing).  Held across them, the pauses inside find
    the collector off and leave it so, a freeze asked for meanwhile waits
    (:func:`freeze_survivors`), and :meth:`release` makes the one pass, after the frame."""

    def __init__(self) -> None:
        with _hold_lock:
            self._was_on = gc.isenabled()
            self._held = True
            _holds.append(self)
            if self._was_on:
                gc.disable()

    @property
    def held(self) -> bool:
        return self._held

    def release(self, *, freeze: bool) -> None:
        """End the pause (only the first call does anything).  With ``freeze``, or when a freeze
        was put off meanwhile, what was built is frozen first (:func:`freeze_survivors`: its
        young-generation pass frees the garbage cycles of the pause, none is frozen with the image)."""
        with _hold_lock:
            if not self._held:
                return
            self._held = False
            _holds.remove(self)
            deferred = _deferred[0]
            if not _holds:
                _deferred[0] = False
        try:
            if freeze or deferred:
                freeze_survivors()
        finally:
            if self._was_on:
                gc.enable()


_hold_lock = threading.Lock()
_holds: list[HeldPause] = []  # the pauses held now (the explorer holds one at a time)
_deferred = [False]  # a freeze was asked for while one was held (see freeze_survivors)
