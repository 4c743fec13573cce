"""``layerscope packages`` against CI mode on the same image: the package analysis must cost at
most 1.2x the CI analysis (wall time and peak RSS).

    python benchmarks/bench_packages.py [--scale 0.25] [--runs 3] [--out benchmarks/out]

The image is the ``big`` benchmark image (images.py) plus one layer of package databases that
own its files: a dpkg ``status`` with one ``.list`` per ``usr/lib/pkgNNNN`` directory, and a
``.dist-info/RECORD`` per ``opt/app/modNNN`` directory.  Each child's wall time and peak RSS
come from ``wait4``.  Run it at scale 0.25 (the full 2 GB image takes minutes per run); the
machine is shared, so timings are noisy: compare the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import images  # noqa: E402

from fixtures.imagegen import LayerSpec, M, write_docker_save  # noqa: E402

TARGET = 1.2


def package_image(scale: float):
    spec = images.big_image(scale)
    n_base, n_app = int(50_000 * scale), int(30_000 * scale)
    status, dbs = [], []
    for j in range(0, n_base // 100):
        name = f"libpkg{j:04d}"
        status.append(f"Package: {name}\nStatus: install ok installed\nVersion: 1.{j}\nArchitecture: amd64\n")
        lines = ["/.", "/usr", "/usr/lib", f"/usr/lib/pkg{j:04d}"]
        lines += [f"/usr/lib/pkg{j:04d}/f{i:06d}.so" for i in range(j * 100, min(n_base, j * 100 + 100))]
        dbs.append(M(f"var/lib/dpkg/info/{name}.list", data=("\n".join(lines) + "\n").encode()))
    dbs.append(M("var/lib/dpkg/status", data="\n".join(status).encode()))
    site = "opt/app"
    for k in range(0, n_app, 200):
        mod = f"mod{k // 200:03d}"
        record = "".join(f"{mod}/m{i:06d}.py,,\n" for i in range(k, min(n_app, k + 200)))
        info = f"{site}/{mod}-1.0.dist-info"
        dbs.append(M(f"{info}/METADATA", data=f"Name: {mod}\nVersion: 1.0\n".encode()))
        dbs.append(M(f"{info}/RECORD", data=record.encode()))
    spec.layers.append(LayerSpec(dbs, "RUN write package databases"))
    return spec


def measure(cmd: list[str], cwd: str, extra: dict[str, str]) -> tuple[float, float, int]:
    env = dict(os.environ, CI="true", HOME=cwd, **extra)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"packages-{args.scale:g}.tar")
    if not os.path.exists(path):
        t0 = time.perf_counter()
        write_docker_save(path, package_image(args.scale))
        print(f"image ready in {time.perf_counter() - t0:.1f}s: {os.path.getsize(path) / 1e6:.0f} MB")
    ci = [sys.executable, "-m", "layerscope", "--ci", path]
    pk = [sys.executable, "-m", "layerscope", "packages", path, "-q", "--format", "json", "-o", os.devnull]
    cache = os.path.join(args.out, "bench-packages-cache")
    modes = {
        # the layer cache off: both commands parse every layer
        "no layer cache": {"LAYERSCOPE_CACHE_MAX": "0"},
        # warmed by one run of each: CI reuses the captured records, packages its own
        "layer cache": {"LAYERSCOPE_CACHE_DIR": cache},
    }
    print(f"{'':28} {'wall s':>8} {'peak MiB':>9}  rc")
    for mode, extra in modes.items():
        if "LAYERSCOPE_CACHE_DIR" in extra:
            measure(pk, args.out, extra)
            measure(ci, args.out, extra)
        c_runs, p_runs = [], []
        for _ in range(args.runs):
            c_runs.append(measure(ci, args.out, extra))
            p_runs.append(measure(pk, args.out, extra))
        ct, pt = statistics.median(r[0] for r in c_runs), statistics.median(r[0] for r in p_runs)
        cm, pm = statistics.median(r[1] for r in c_runs), statistics.median(r[1] for r in p_runs)
        print(f"{'ci, ' + mode:28} {ct:8.2f} {cm:9.1f}  {c_runs[0][2]}")
        print(f"{'packages, ' + mode:28} {pt:8.2f} {pm:9.1f}  {p_runs[0][2]}")
        print(f"  ratio packages/ci: time {pt / ct:.2f}, memory {pm / cm:.2f} (target <= {TARGET})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
