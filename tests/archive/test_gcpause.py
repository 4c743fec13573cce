"""The collector pause around the read (``archive.gcpause``, used by ``sources.archive.read_archive``
and CI mode's ``ci.run.run``): off while the entries are built, back as the caller had it after,
also when the read fails."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from layerscope.archive.gcpause import collector_paused
from layerscope.errors import LayerscopeError
from layerscope.sources import archive as sa
from layerscope.sources.archive import ReadOptions, read_archive

DEMO = str(Path(__file__).resolve().parents[2] / "fixtures" / "demo.tar")


def test_paused_inside_restored_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves the outer one alone
    assert gc.isenabled()


def test_a_caller_that_had_it_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_restored_when_the_block_raises() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("x")
    assert gc.isenabled()


def test_read_archive_runs_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = sa._read_file

    def spy(*a, **k):  # noqa: ANN002, ANN003, ANN202
        seen.append(gc.isenabled())
        return real(*a, **k)

    monkeypatch.setattr(sa, "_read_file", spy)
    image = read_archive(DEMO, DEMO, ReadOptions(hash_content=False))
    assert seen == [False] and image.layers
    assert gc.isenabled()


def test_a_failed_read_restores_the_collector(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"not a tar" * 100)
    with pytest.raises(LayerscopeError):
        read_archive(str(bad), str(bad), ReadOptions(hash_content=False))
    assert gc.isenabled()
