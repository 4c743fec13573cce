"""The explorer's late hashes fill the layer cache, through the installed script.

The explorer (under tmux, as a user runs it) reads headers only and hashes after its first
frame; once it has run, every layer's record in the cache must hold content hashes, and a later
``layerscope explain`` must take every layer from the cache (no record is written again: a
parsed layer's record is replaced, a served one is only touched) and print what ``explain
--no-cache`` prints.  The records are read with layerscope's own store only to ask whether they
hold hashes; the answers compared are the installed script's outputs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, whiteout, write_docker25_save
from layerscope.layercache.store import LayerStore, layers_dir
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions

from .conftest import clean_env, run_installed
from .test_tui import PANES, WAIT, Terminal, terminal  # noqa: F401 - terminal is a fixture

SPEC = ImageSpec(
    [
        LayerSpec(
            [
                M("etc/", "dir"),
                M("etc/os-release", data=b'ID=debian\nVERSION_ID="12"\n'),
                M("app/same.txt", data=b"s" * 3000),
                M("app/changed.txt", data=b"c" * 3000),
                M("app/gone.bin", data=bytes(range(256)) * 40),
            ],
            created_by="ADD base",
        ),
        LayerSpec(
            [M("app/same.txt", data=b"s" * 3000), M("app/changed.txt", data=b"d" * 3000), whiteout("app/gone.bin")],
            created_by="RUN touch",
        ),
        LayerSpec([M("opt/alone.bin", data=b"x" * 5000)], created_by="RUN alone"),  # nothing to compare
    ],
    tags=["layerscope/e2e-latecache:test"],
)


def _hashed(cache: Path, diff_ids: list[str]) -> bool:
    store = LayerStore(root=str(cache), max_bytes=1 << 30)
    for d in diff_ids:
        rec = store.load_layer(d, zero_hashes=False)
        if rec is None or not rec.hashes:
            return False
    return True


def _explore_until_recorded(layerscope_bin: Path, terminal: Terminal, tmp_path: Path, archive: Path) -> Path:  # noqa: F811
    """Run the installed explorer on ``archive`` with a cache of its own until every layer's
    record holds hashes (or fail with the screen), quit with ``q``; the cache directory."""
    diff_ids = [layer.diff_id for layer in load_image("docker-archive", str(archive), ReadOptions(cache=False)).layers]
    cache = tmp_path / "cache"
    env = clean_env(tmp_path, {"LAYERSCOPE_CACHE_DIR": str(cache)})
    terminal.start([str(layerscope_bin), str(archive)], env, tmp_path)
    terminal.wait(lambda s: all(t in s for t in PANES), "the four panes")
    deadline = time.monotonic() + WAIT
    while not _hashed(cache, diff_ids):
        if time.monotonic() > deadline:
            pytest.fail(f"the explorer left layers without hashed records; the screen:\n{terminal.screen()}")
        time.sleep(0.2)
    terminal.keys("q")
    assert terminal.wait_exit() == 0
    return cache


def test_explain_after_the_explorer_reads_no_layer(layerscope_bin: Path, terminal: Terminal, tmp_path: Path) -> None:  # noqa: F811
    archive = tmp_path / "img.tar"
    write_docker25_save(archive, SPEC, compression="gzip")
    cache = _explore_until_recorded(layerscope_bin, terminal, tmp_path, archive)
    d = Path(layers_dir(str(cache)))
    inodes = {p.name: p.stat().st_ino for p in d.iterdir() if not p.name.startswith(".")}
    extra = {"LAYERSCOPE_CACHE_DIR": str(cache)}
    warm = run_installed(layerscope_bin, "explain", str(archive), cwd=tmp_path, env=extra)
    cold = run_installed(layerscope_bin, "explain", "--no-cache", str(archive), cwd=tmp_path, env=extra)
    assert warm.code == cold.code == 0, (warm.stderr, cold.stderr)
    assert warm.stdout == cold.stdout
    assert "changed.txt" in warm.stdout  # the overwritten file is explained
    now = {p.name: p.stat().st_ino for p in d.iterdir() if not p.name.startswith(".")}
    assert now == inodes  # every layer served: no record written again
    assert all(os.path.exists(d / n) for n in inodes)


NOTHING_TO_COMPARE = ImageSpec(
    [
        LayerSpec([M("etc/", "dir"), M("etc/a.conf", data=b"a" * 1000)], created_by="ADD base"),
        LayerSpec([M("opt/b.bin", data=b"b" * 2000)], created_by="RUN b"),  # no shared path, no shared size
    ],
    tags=["layerscope/e2e-latecache-none:test"],
)


def test_explorer_records_layers_even_with_nothing_to_hash(
    layerscope_bin: Path,
    terminal: Terminal,  # noqa: F811
    tmp_path: Path,
) -> None:
    """No path is in two layers and no two files share a size: the explorer needs no hash at all,
    and still leaves full records, so ``explain`` (which hashes everything) reads nothing."""
    archive = tmp_path / "img.tar"
    write_docker25_save(archive, NOTHING_TO_COMPARE, compression="gzip")
    cache = _explore_until_recorded(layerscope_bin, terminal, tmp_path, archive)
    d = Path(layers_dir(str(cache)))
    inodes = {p.name: p.stat().st_ino for p in d.iterdir() if not p.name.startswith(".")}
    warm = run_installed(
        layerscope_bin, "explain", str(archive), cwd=tmp_path, env={"LAYERSCOPE_CACHE_DIR": str(cache)}
    )
    assert warm.code == 0, warm.stderr
    assert {p.name: p.stat().st_ino for p in d.iterdir() if not p.name.startswith(".")} == inodes
