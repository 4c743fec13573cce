"""``ui.trees`` pauses the collector while a tree is built and then freezes what was built
(``gc.freeze``).  Garbage cycles another thread dropped during the pause must not be frozen with
it: a frozen object is never collected again, so each tree build would leak them for good."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from layerscope.tree.marks import LayerTrees
from layerscope.ui import trees as trees_mod
from layerscope.ui.trees import TreeCache
from tests.hardening.tarbuild import docker_save, reg, tar


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen():  # noqa: ANN201
    """Leave the collector as a test found it: nothing frozen, enabled."""
    yield
    gc.unfreeze()
    gc.enable()


def _image(tmp_path):  # noqa: ANN001, ANN202
    from layerscope.sources.archive import ReadOptions, read_archive

    p = tmp_path / "img.tar"
    p.write_bytes(docker_save([tar(reg("a", b"1"), reg("d/b", b"22")), tar(reg("a", b"333"), reg("d/c", b"4"))]))
    return read_archive(str(p), str(p), ReadOptions())


def test_cycles_dropped_by_another_thread_during_a_build_are_collected(tmp_path, monkeypatch, unfrozen) -> None:
    cache = TreeCache(LayerTrees(_image(tmp_path), accurate=True))
    cache.views  # noqa: B018 - the shared index first, so the build below is the only pause
    refs: list[weakref.ref] = []
    real = trees_mod.FlatTree.from_state

    def drop_cycles() -> None:
        for _ in range(100):
            c = _Cycle()
            refs.append(weakref.ref(c))
            del c

    def from_state(universe, state):  # noqa: ANN001, ANN202 - runs inside the build's pause
        assert not gc.isenabled()
        t = threading.Thread(target=drop_cycles)
        t.start()
        t.join()
        return real(universe, state)

    monkeypatch.setattr(trees_mod.FlatTree, "from_state", staticmethod(from_state))
    cache.get(1, False)
    assert len(refs) == 100
    gc.collect()
    alive = sum(r() is not None for r in refs)
    assert alive == 0, f"{alive} of 100 garbage cycles were frozen with the tree"
