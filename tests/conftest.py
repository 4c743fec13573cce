"""Shared test setup: make ``fixtures`` (the image generator) importable from the repo root."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# Reads cache layer analyses (and registry blobs) by default: no test may write the user's
# ~/.cache, and no test may see another test's records (each test reads cold unless it warms
# the cache itself).  Subprocesses inherit the variable; session fixtures get the shared one.
_CACHE = tempfile.mkdtemp(prefix="layerscope-test-cache-")
os.environ["LAYERSCOPE_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)


@pytest.fixture(autouse=True)
def _private_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    d = tempfile.mkdtemp(prefix="t-", dir=_CACHE)
    monkeypatch.setenv("LAYERSCOPE_CACHE_DIR", d)
