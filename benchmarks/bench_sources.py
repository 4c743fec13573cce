"""Registry pull vs archive on disk: wall time and peak RSS, in CI mode.

    python benchmarks/bench_sources.py [--scale 0.12] [--runs 3] [--out benchmarks/out]

Generates the ``big`` benchmark image at ``--scale`` (0.4 ≈ 0.8 GB uncompressed, ≈ 200 MB as gzip) as a gzip
OCI archive, starts Debian's ``docker-registry`` on a free loopback port (temp storage), pushes
the archive with ``skopeo copy oci-archive:`` (blobs unchanged, so both sides read the same
gzip bytes), then times ``layerscope --ci`` on

* the archive on disk (the baseline),
* ``registry://`` with ``--no-cache`` (every blob over HTTP, streamed and verified),
* ``registry://`` with a warm blob cache (second run),

and prints medians and the ratios against the archive (targets: ≤ 1.3×, ≤ 1.05×; peak RSS
< 2× the archive's).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import images  # noqa: E402
from bench_ci import measure  # noqa: E402

from fixtures.imagegen import write_oci_archive  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_registry(workdir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cfg = os.path.join(workdir, "registry.yml")
    with open(cfg, "w") as f:
        f.write(
            "version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\n"
            f"storage: {{filesystem: {{rootdirectory: {workdir}/data}}}}\n"
            f"http: {{addr: '127.0.0.1:{port}'}}\n"
        )
    proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("docker-registry did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.4)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    args = ap.parse_args()
    for tool in ("docker-registry", "skopeo"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed (apt-get install {tool})")
    os.makedirs(args.out, exist_ok=True)
    archive = os.path.join(args.out, f"big-{args.scale:g}-oci-gzip.tar")
    if not os.path.exists(archive):
        print(f"generating {archive} ...", flush=True)
        write_oci_archive(archive, images.big_image(args.scale), compression="gzip")
    work = tempfile.mkdtemp(prefix="ls-bench-src.")
    proc, host = start_registry(work)
    try:
        subprocess.run(
            [
                "skopeo",
                "--insecure-policy",
                "copy",
                "-q",
                "--dest-tls-verify=false",
                f"oci-archive:{archive}",
                f"docker://{host}/bench/big:latest",
            ],
            check=True,
        )
        ref = f"registry://{host}/bench/big:latest"
        cache = os.path.join(work, "cache")
        os.environ["LAYERSCOPE_CACHE_DIR"] = cache
        ls = [sys.executable, "-m", "layerscope"]
        cases = {
            "archive": ls + [archive, "--ci"],
            "registry": ls + [ref, "--insecure", "--no-cache", "--ci"],
            "registry+cache": ls + [ref, "--insecure", "--ci"],
        }
        measure(cases["registry+cache"], work)  # warms the cache (and the page cache)
        measure(cases["archive"], work)
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():
                wall, rss, code = measure(cmd, work)
                if code not in (0, 1):
                    raise SystemExit(f"{name}: exit {code}: {' '.join(cmd)}")
                results[name].append((wall, rss))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    from layerscope.sources.archive import ReadOptions, read_archive

    size = os.path.getsize(archive)
    image = read_archive(archive, archive, ReadOptions(hash_content=False))
    unpacked = sum(layer.size for layer in image.layers)
    print(
        f"image: {archive}: {size / 1e6:.0f} MB gzip OCI archive, {unpacked / 1e6:.0f} MB of layer tars, "
        f"{len(image.layers)} layers; {args.runs} runs, medians"
    )
    base_t = statistics.median(w for w, _ in results["archive"])
    base_m = statistics.median(m for _, m in results["archive"])
    print(f"{'source':<16}{'wall s':>9}{'peak RSS MiB':>15}{'time ratio':>12}{'RSS ratio':>11}")
    for name, rows in results.items():
        t = statistics.median(w for w, _ in rows)
        m = statistics.median(r for _, r in rows)
        print(f"{name:<16}{t:>9.2f}{m:>15.0f}{t / base_t:>12.2f}{m / base_m:>11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
