"""``ui.app`` freezes what the load built (``gc.freeze``) once the model is there.  A frozen object
is never collected again, so garbage *cycles* that another thread dropped while the collector
was paused (the read and the analysis pause it) must be collected before the freeze, not frozen
with the image: each start of the explorer would leak them for good."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from conftest import make_app, wait_loaded

from layerscope.archive.gcpause import collector_paused
from layerscope.ui.app import LayerscopeApp


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen():  # noqa: ANN201
    """Leave the collector as the test found it: nothing frozen, enabled."""
    gc.collect()
    yield
    gc.unfreeze()
    gc.enable()


def _drop_cycles(refs: list[weakref.ref]) -> None:
    """100 garbage cycles, made and dropped by a thread of their own."""

    def run() -> None:
        for _ in range(100):
            c = _Cycle()
            refs.append(weakref.ref(c))
            del c

    t = threading.Thread(target=run)
    t.start()
    t.join()


def _alive(refs: list[weakref.ref]) -> int:
    gc.collect()
    return sum(r() is not None for r in refs)


async def test_cycles_dropped_during_the_loaders_pause_are_collected(archives, tmp_path, unfrozen) -> None:
    app = make_app(archives["marks"], tmp=str(tmp_path))
    refs: list[weakref.ref] = []
    real = app.loader

    def loader(progress):  # noqa: ANN001, ANN202 - the read pauses the collector like this
        with collector_paused():
            assert not gc.isenabled()
            _drop_cycles(refs)
            return real(progress)

    app.loader = loader
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        assert len(refs) == 100
        assert _alive(refs) == 0, "garbage cycles made during the load were frozen with the image"


async def test_cycles_of_a_pause_still_held_at_the_freeze_are_collected(archives, tmp_path, unfrozen) -> None:
    """Another thread (a worker building a tree) holds its pause while the model arrives and
    ``_loaded`` freezes: what it dropped meanwhile is still uncollected garbage at that moment."""
    app = make_app(archives["marks"], tmp=str(tmp_path))
    refs: list[weakref.ref] = []
    paused, frozen = threading.Event(), threading.Event()

    def hold_a_pause() -> None:
        with collector_paused():
            _drop_cycles(refs)
            paused.set()
            frozen.wait(10)

    holder = threading.Thread(target=hold_a_pause)
    real_loaded = LayerscopeApp._loaded

    def loaded(self, model) -> None:  # noqa: ANN001
        try:
            real_loaded(self, model)
        finally:
            frozen.set()

    app._loaded = loaded.__get__(app)  # type: ignore[method-assign]
    real = app.loader

    def loader(progress):  # noqa: ANN001, ANN202
        model = real(progress)
        holder.start()
        assert paused.wait(10)
        return model

    app.loader = loader
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(app, pilot)
        holder.join(10)
        assert frozen.is_set() and len(refs) == 100
        assert _alive(refs) == 0, "garbage cycles of a pause held at the freeze were frozen"
