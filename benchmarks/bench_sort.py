"""Go's ``sort.Sort`` port: the generic line-by-line port against ``sort_keyed`` (issue 14).

    python benchmarks/bench_sort.py [--image /work/bench-s1/fast-1.tar] [--runs 5]

dive orders its inefficient-file rows with Go's unstable sort, so ``analysis.dive_efficiency``
runs our pdqsort port whenever two rows' sizes tie.  This times, on the same key lists, the
generic port (``golang.sort.sort`` over ``dive_efficiency._ByCum``, what ``sort_rows`` ran
before) and the specialised ``golang.sort.sort_keyed``, checks that both leave the rows in the
same order, and prints the best CPU time of ``--runs`` and the speed-up for:

* the rows of ``--image`` (a docker-archive; loaded without content hashes, its rows captured
  right before ``sort_rows``), when given;
* synthetic tie-heavy lists of 20k and 200k keys (few distinct sizes, as image rows have).

Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from layerscope.analysis import dive_efficiency as de  # noqa: E402
from layerscope.golang.sort import sort, sort_keyed  # noqa: E402


def image_rows(path: str) -> list:
    """The inefficient rows of the image at `path`, in the order ``sort_rows`` receives them."""
    from layerscope.sources import load_image
    from layerscope.sources.archive import ReadOptions

    captured: list[list] = []
    real = de.sort_rows

    def capture(rows: list) -> None:
        captured.append(list(rows))
        real(rows)

    image = load_image("docker-archive", path, ReadOptions(hash_content=False))
    de.sort_rows = capture
    try:
        de.dive_efficiency(image)
    finally:
        de.sort_rows = real
    return captured[0]


def time_it(fn: Callable[[], list], runs: int) -> tuple[float, list]:
    times, out = [], []
    for _ in range(runs):
        t0 = time.process_time()
        out = fn()
        times.append(time.process_time() - t0)
    return min(times), out


def compare(name: str, keys: list[int], rows: list, runs: int, real_rows: bool) -> None:
    def generic() -> list:
        work = list(rows)
        # _ByCum (what sort_rows used) reads rec.cum; synthetic rows get the same Interface on `keys`.
        sort(de._ByCum(work) if real_rows else _KeyedRows(list(keys), work))
        return work

    def keyed() -> list:
        work = list(rows)
        sort_keyed(list(keys), work)
        return work

    t_gen, out_gen = time_it(generic, runs)
    t_key, out_key = time_it(keyed, runs)
    same = out_gen == out_key
    print(
        f"{name:28s} n={len(keys):7d} distinct={len(set(keys)):6d}  generic {t_gen * 1000:8.1f} ms  "
        f"sort_keyed {t_key * 1000:8.1f} ms  speed-up {t_gen / t_key:4.2f}x  same order: {same}"
    )
    if not same:
        raise SystemExit("bench_sort: the two sorts disagree")


class _KeyedRows:
    """The generic port's Interface for synthetic rows (what ``_ByCum`` is for real rows)."""

    def __init__(self, keys: list[int], rows: list) -> None:
        def less(i: int, j: int) -> bool:
            return keys[i] < keys[j]

        def swap(i: int, j: int) -> None:
            keys[i], keys[j] = keys[j], keys[i]
            rows[i], rows[j] = rows[j], rows[i]

        self.rows = rows
        self.less = less
        self.swap = swap

    def len(self) -> int:
        return len(self.rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", help="a docker-archive whose inefficient rows to sort")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if args.image:
        t0 = time.perf_counter()
        rows = image_rows(args.image)
        print(f"loaded {args.image}: {len(rows)} rows in {time.perf_counter() - t0:.1f} s")
        compare("image rows", [rec.cum for _k, rec in rows], rows, args.runs, real_rows=True)
    rnd = random.Random(14)
    for n in (20_000, 200_000):
        for distinct in (50, 2_000):
            keys = [rnd.randrange(distinct) * 4096 for _ in range(n)]
            rows = [(f"/f{i}", i) for i in range(n)]
            compare(
                f"synthetic ties({distinct})", keys, rows, args.runs if n < 100_000 else max(1, args.runs // 2), False
            )


if __name__ == "__main__":
    main()
