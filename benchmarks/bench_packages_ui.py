"""The explorer's Packages view: how fast it opens once the image is loaded (target ≤ 200 ms).

    python benchmarks/bench_packages_ui.py [--scale 0.25] [--reps 5] [--out benchmarks/out]

The image is bench_packages.py's (the ``big`` benchmark image plus a layer of dpkg and python
databases that own its files).  layerscope is driven headless with Textual's ``Pilot`` at 160×50,
pressing keys the way bench_tui.py does (the key event, Pilot's message drain, one render), and
prints:

* the first tree on screen (load, with the package capture in the read) and when the package
  analysis, run in a worker after that first frame, arrives;
* ``P`` → the Packages view drawn with every package (the target), then a filter keystroke,
  Enter (the tree narrowed to the package's files) and Esc (the whole tree again).

The machine is shared, so timings are noisy: run it a few times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from bench_packages import package_image  # noqa: E402
from bench_tui import _press  # noqa: E402

from fixtures.imagegen import write_docker_save  # noqa: E402

TARGET_OPEN = 0.200
WIDTH, HEIGHT = 160, 50


async def run(path: str, reps: int) -> dict[str, list[float]]:
    from layerscope.config import UISettings
    from layerscope.sources.archive import ReadOptions
    from layerscope.ui.app import create_app
    from layerscope.ui.screens.main import MainScreen
    from layerscope.ui.screens.packages import PackagesScreen
    from layerscope.ui.widgets.packages import PackageList

    tmp = tempfile.mkdtemp(prefix="bench-pkg-ui-")
    from layerscope.ci.settings import RuleOptions

    args = RuleOptions(ci_config=os.path.join(tmp, "none"))
    out: dict[str, list[float]] = {}
    start = time.perf_counter()
    app = create_app("docker-archive", path, ReadOptions(), UISettings(), args)
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        while True:
            screen = app.screen
            if isinstance(screen, MainScreen) and screen.view is not None and not screen.computing:
                break
            if app.load_error is not None:
                raise app.load_error
            await asyncio.sleep(0.005)
        out["first tree on screen (s, from start)"] = [time.perf_counter() - start]
        while screen.model.packages is None and screen.model.packages_error is None:
            await asyncio.sleep(0.005)
        out["package analysis arrived (s, from start)"] = [time.perf_counter() - start]
        report = screen.model.packages
        assert report is not None, screen.model.packages_error
        await app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(reps):
            t0 = time.perf_counter()
            await _press(app, pilot, "P")
            while not isinstance(app.screen, PackagesScreen):
                await asyncio.sleep(0.0005)
            view = app.screen
            lst = view.query_one(PackageList)
            while len(lst.rows) != len(report.packages):
                await asyncio.sleep(0.0005)
            await pilot._wait_for_screen()
            app.screen._on_timer_update()
            out.setdefault("P: Packages view drawn", []).append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await _press(app, pilot, "1")  # a filter keystroke: the list narrows
            out.setdefault("filter keystroke", []).append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await _press(app, pilot, "enter")
            while screen.computing or app.screen is not screen:
                await asyncio.sleep(0.0005)
            await pilot._wait_for_screen()
            app.screen._on_timer_update()
            out.setdefault("Enter: tree narrowed to the package", []).append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await _press(app, pilot, "escape")
            out.setdefault("Esc: the whole tree again", []).append(time.perf_counter() - t0)
        out["packages"] = [float(len(report.packages))]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"packages-{args.scale:g}.tar")
    if not os.path.exists(path):
        write_docker_save(path, package_image(args.scale))
    res = asyncio.run(run(path, args.reps))
    print(f"image {path} ({os.path.getsize(path) / 1e6:.0f} MB), {int(res.pop('packages')[0])} packages")
    for name, times in res.items():
        if "from start" in name:
            print(f"  {name:42} {times[0]:8.2f}")
        else:
            med, worst = statistics.median(times), max(times)
            print("    each:", " ".join(f"{t * 1000:.0f}" for t in times))
            note = f"  (target ≤ {TARGET_OPEN * 1000:.0f} ms)" if name.startswith("P:") else ""
            print(f"  {name:42} median {med * 1000:7.1f} ms, max {worst * 1000:7.1f} ms{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
