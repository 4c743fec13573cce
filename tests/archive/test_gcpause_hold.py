"""``HeldPause``: the collector off across threads until one release, a freeze asked for meanwhile
put off to that release, and no garbage cycle of the pause frozen with what it built."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from layerscope.archive.gcpause import HeldPause, collector_paused, freeze_survivors


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def clean_collector():  # noqa: ANN201
    gc.collect()
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


def _passes() -> list[int]:
    seen: list[int] = []

    def cb(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(cb)
    return seen


def test_the_collector_stays_off_through_nested_pauses_until_the_release() -> None:
    hold = HeldPause()
    assert not gc.isenabled() and hold.held
    with collector_paused():  # a read's own pause inside the hold leaves the collector off
        pass
    assert not gc.isenabled()
    done = threading.Event()

    def other_thread() -> None:  # the hold is process-wide, like the collector
        with collector_paused():
            pass
        done.set()

    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    assert done.is_set() and not gc.isenabled()
    hold.release(freeze=False)
    assert gc.isenabled() and not hold.held
    hold.release(freeze=True)  # only the first release counts
    assert gc.get_freeze_count() == 0


def test_a_freeze_asked_for_during_the_hold_waits_for_the_release() -> None:
    seen = _passes()
    try:
        hold = HeldPause()
        kept = [[i] for i in range(1000)]  # long-lived objects built during the hold
        freeze_survivors()  # a tree build asks for its freeze: no pass, nothing frozen yet
        assert seen == [] and gc.get_freeze_count() == 0
        hold.release(freeze=False)  # the put-off freeze is made even so
        assert gc.get_freeze_count() >= len(kept) and seen == [0]
        assert gc.isenabled()
    finally:
        gc.callbacks.pop()


def test_cycles_dropped_during_the_hold_are_collected_not_frozen() -> None:
    refs: list[weakref.ref] = []
    hold = HeldPause()

    def drop() -> None:
        for _ in range(100):
            c = _Cycle()
            refs.append(weakref.ref(c))
            del c

    t = threading.Thread(target=drop)
    t.start()
    t.join()
    freeze_survivors()
    assert sum(r() is not None for r in refs) == 100  # nothing collected while held
    hold.release(freeze=True)
    gc.collect()
    assert sum(r() is not None for r in refs) == 0, "garbage cycles of the hold were frozen"


def test_a_caller_that_had_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    hold = HeldPause()
    hold.release(freeze=True)
    assert not gc.isenabled()
    gc.enable()
