"""The reading core alone: seconds and bytes of memory per entry, CI mode's read.

    python benchmarks/bench_reader.py IMAGE.tar [--runs 3] [--hash] [--profile]

Runs ``sources.archive.read_archive`` the way CI mode does (no content hashing unless
``--hash``) and prints the best wall time, µs per entry, and the bytes the resulting
:class:`~layerscope.image.Image` keeps per entry (tracemalloc, measured in a separate pass
because tracing slows the read).  ``--profile`` prints cProfile's top entries instead.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from layerscope.sources.archive import ReadOptions, read_archive  # noqa: E402


def _read(path: str, hash_content: bool):  # noqa: ANN202
    return read_archive(path, path, ReadOptions(hash_content=hash_content))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("image")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hash", action="store_true", help="hash file contents (the explorer's read)")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        _read(args.image, args.hash)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(18)
        return 0
    best = float("inf")
    n = 0
    for _ in range(args.runs):
        gc.collect()
        t = time.perf_counter()
        image = _read(args.image, args.hash)
        best = min(best, time.perf_counter() - t)
        n = sum(len(layer.entries) for layer in image.layers)
        del image
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    image = _read(args.image, args.hash)
    kept = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert sum(len(layer.entries) for layer in image.layers) == n
    print(
        f"{os.path.basename(args.image)}: {n} entries, best of {args.runs}: {best:.3f}s "
        f"({best / max(n, 1) * 1e6:.2f} µs/entry), kept {kept / max(n, 1):.0f} B/entry"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
