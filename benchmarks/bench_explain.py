"""``layerscope explain`` vs plain CI analysis on the ≥ 1 GB benchmark image.

    python benchmarks/bench_explain.py [--scale 0.5] [--runs 3] [--out benchmarks/out]

Three child processes per run, alternated, wall time and peak RSS from ``wait4``:

* ``ci``        ``layerscope --ci IMG``: CI mode as shipped, which skips content hashing;
* ``ci+hash``   the same CI analysis with content hashing on (what ``explain`` must read anyway:
  copy-ups and duplicates compare content) — the fair baseline for the ≤ 1.3× target;
* ``explain``   ``layerscope explain IMG``.

Prints medians and the ratios explain / ci+hash (target ≤ 1.3) and explain / ci.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)


def child_ci_hash(path: str) -> int:
    """CI mode's analysis and text, but reading content hashes like ``explain`` does."""
    from layerscope.analysis.dive_efficiency import dive_efficiency
    from layerscope.ci import render
    from layerscope.ci.evaluate import evaluate
    from layerscope.ci.rules import load_rules
    from layerscope.sources import load_image, pick_source
    from layerscope.sources.archive import ReadOptions

    rules = load_rules(".dive-ci", {})
    image = load_image(*pick_source(path, None), ReadOptions(hash_content=True))
    a = dive_efficiency(image)
    v = evaluate(rules, a)
    sys.stdout.write(render.analysis_lines(a) + render.report(a, v))
    return 0


def measure(cmd: list[str], cwd: str) -> tuple[float, float, int]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    start = time.perf_counter()
    import images

    env = images.cold_cache_env(env)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.5, help="benchmark image scale (0.5 ≈ 1.05 GB)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--child", nargs=2, metavar=("MODE", "IMAGE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child_ci_hash(args.child[1])
    import images

    from fixtures.imagegen import write_docker_save

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"big-{args.scale:g}.tar")
    if not os.path.exists(path):
        t0 = time.perf_counter()
        write_docker_save(path, images.big_image(args.scale))
        print(f"wrote {path} in {time.perf_counter() - t0:.0f}s")
    size = os.path.getsize(path)
    print(f"image {path}: {size / 1e9:.2f} GB")
    if size < 1e9:
        print("warning: image is below 1 GB; use a larger --scale", file=sys.stderr)
    py = sys.executable
    modes = {
        "ci": [py, "-m", "layerscope", "--ci", path],
        "ci+hash": [py, os.path.abspath(__file__), "--child", "ci-hash", path],
        "explain": [py, "-m", "layerscope", "explain", path],
    }
    results: dict[str, list[tuple[float, float, int]]] = {m: [] for m in modes}
    measure(modes["ci"], args.out)  # warm the page cache
    for _ in range(args.runs):
        for m, cmd in modes.items():
            results[m].append(measure(cmd, args.out))
    med = {
        m: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs), rs[0][2])
        for m, rs in results.items()
    }
    print(f"{'mode':10} {'wall s':>8} {'MiB':>8}  rc")
    for m, (t, mem, rc) in med.items():
        print(f"{m:10} {t:8.2f} {mem:8.1f}  {rc}")
    r_hash = med["explain"][0] / med["ci+hash"][0]
    r_plain = med["explain"][0] / med["ci"][0]
    print(f"explain / ci+hash = {r_hash:.2f} (target ≤ 1.30)   explain / ci = {r_plain:.2f}")
    return 0 if r_hash <= 1.3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
