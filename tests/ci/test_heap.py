"""ci.heap: the read's freed C-heap pages go back to the system before the analysis.

The oracle is the kernel's own count of the process's resident pages (``/proc/self/status``),
in a child process of its own so that pytest's heap is not what gets measured.
"""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from layerscope.ci.heap import worth_trimming

_FRAGMENTED_HEAP = """
import sys
from layerscope.ci.heap import release_free_heap

def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

first = bytes(256 << 10)
del first  # glibc now serves pieces of this size from its heap rather than by mmap
pieces, pinned = [], []
for _ in range(64):  # 16 MiB of quarter-MiB pieces, a small long-lived block after each
    pieces.append(bytes(256 << 10))
    pinned.append(bytearray(1000))
del pieces  # freed, but the blocks pinned between them keep the heap from shrinking
before = rss_kib()
ran = release_free_heap()
print(ran, before - rss_kib())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim, /proc")
def test_freed_pieces_are_returned_to_the_system():
    r = subprocess.run([sys.executable, "-c", _FRAGMENTED_HEAP], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    ran, freed_kib = r.stdout.split()
    if ran != "True":
        pytest.skip("no malloc_trim in this C library")
    assert int(freed_kib) > 4 << 10  # without the trim: 0 (all 16 MiB stays resident)


def _image(*compressions: str) -> SimpleNamespace:
    return SimpleNamespace(layers=[SimpleNamespace(compression=c) for c in compressions])


@pytest.mark.parametrize(
    ("compressions", "want"),
    [((), False), (("none", "none"), False), (("none", "gzip"), True), (("zstd",), True)],
)
def test_only_a_read_that_decompressed_trims(compressions, want):
    assert worth_trimming(_image(*compressions)) is want  # type: ignore[arg-type]
