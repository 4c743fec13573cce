"""The blob cache under abuse: orphaned partials, squatted names, and entries that are not
regular files (symlinks, FIFOs, devices) must neither fill a disk nor hang a run."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
from pathlib import Path

import pytest

from layerscope.sources.archive import ReadOptions
from layerscope.sources.cache import BlobCache
from layerscope.sources.pull import load_from_registry

from .evil import EvilServer, serve_image, tiny_image

DATA = b"blob bytes " * 100
DIGEST = "sha256:" + hashlib.sha256(DATA).hexdigest()
STALE = 3600.0  # seconds: well past the grace a partial has to get locked by its writer


def blob_path(root: Path, digest: str = DIGEST) -> Path:
    algo, _, hexpart = digest.partition(":")
    return root / "blobs" / algo / hexpart


def orphan(root: Path, name: str, size: int, age: float) -> Path:
    d = root / "blobs" / "sha256"
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_bytes(b"\0" * size)
    past = time.time() - age
    os.utime(p, (past, past))
    return p


def bounded(fn, seconds: float = 5.0):
    """Run ``fn`` in a thread; fail (rather than hang the suite) if it blocks."""
    out: dict = {}
    t = threading.Thread(target=lambda: out.setdefault("v", fn()), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"blocked for more than {seconds}s"
    return out.get("v")


def test_stale_partial_is_removed_and_live_one_kept(tmp_path):
    stale = orphan(tmp_path, "a" * 64 + ".partial.99999.1", 5000, age=STALE)
    young = orphan(tmp_path, "b" * 64 + ".partial.99999.2", 10, age=0)
    live = orphan(tmp_path, "c" * 64 + ".partial.99999.3", 10, age=STALE)
    with open(live, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # as a running writer holds it
        w = BlobCache(str(tmp_path), max_bytes=1 << 20).writer(DIGEST, len(DATA))
        assert w is not None
        w.write(DATA)
        w.commit()
        assert not stale.exists()
        assert young.exists() and live.exists()
    assert blob_path(tmp_path).read_bytes() == DATA


def test_partials_count_towards_the_bound(tmp_path):
    live = orphan(tmp_path, "c" * 64 + ".partial.99999.3", 3000, age=STALE)
    old = orphan(tmp_path, "d" * 64, 1500, age=3600)  # a published blob, least recently used
    with open(live, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        w = BlobCache(str(tmp_path), max_bytes=3000 + len(DATA) + 100).writer(DIGEST, len(DATA))
        w.write(DATA)
        w.commit()
    assert not old.exists(), "the live partial's 3000 bytes count, so the old blob had to go"
    assert blob_path(tmp_path).exists()


def test_failed_commit_leaves_no_partial(tmp_path):
    blob_path(tmp_path).mkdir(parents=True)  # a directory squats the blob's name
    (blob_path(tmp_path) / "x").write_text("keep")
    w = BlobCache(str(tmp_path), max_bytes=1 << 20).writer(DIGEST, len(DATA))
    w.write(DATA)
    w.commit()
    assert not list(blob_path(tmp_path).parent.glob("*.partial.*"))


@pytest.mark.parametrize("kind", ["symlink-to-zero", "symlink", "fifo", "directory", "wrong-size"])
def test_non_regular_entry_is_dropped_with_a_warning(tmp_path, caplog, kind):
    p = blob_path(tmp_path)
    p.parent.mkdir(parents=True)
    if kind == "symlink-to-zero":
        p.symlink_to("/dev/zero")
    elif kind == "symlink":
        (tmp_path / "real").write_bytes(DATA)
        p.symlink_to(tmp_path / "real")
    elif kind == "fifo":
        os.mkfifo(p)
    elif kind == "directory":
        p.mkdir()
    else:
        p.write_bytes(DATA + b"more")
    cache = BlobCache(str(tmp_path), max_bytes=1 << 20)
    with caplog.at_level(logging.WARNING, logger="layerscope.sources.cache"):
        f = bounded(lambda: cache.open(DIGEST, len(DATA)))
    assert f is None
    assert "unusable" in caplog.text
    assert not os.path.lexists(p), "dropped, so the next write can publish the real blob"


def test_regular_entry_is_served(tmp_path):
    p = blob_path(tmp_path)
    p.parent.mkdir(parents=True)
    p.write_bytes(DATA)
    f = BlobCache(str(tmp_path), max_bytes=1 << 20).open(DIGEST, len(DATA))
    with f:
        assert f.read() == DATA


def test_pull_refetches_a_layer_whose_entry_is_dev_zero(docker_config, tmp_path):
    server = EvilServer().start()
    try:
        img = tiny_image()
        serve_image(server, "demo/zero", "v1", img)
        entry = blob_path(tmp_path / "cache", img.layer_digest)
        entry.parent.mkdir(parents=True)
        entry.symlink_to("/dev/zero")
        image = bounded(lambda: load_from_registry(f"{server.host}/demo/zero:v1", ReadOptions(insecure=True)), 20)
        assert [e.path for e in image.layers[0].entries] == ["data.bin"]
        assert server.requests_to(f"/v2/demo/zero/blobs/{img.layer_digest}")
        assert entry.is_file() and not entry.is_symlink()
    finally:
        server.stop()
