"""The layer cache: analysing HEAD after BASE (sharing its base layers) against a cold read.

    python benchmarks/bench_cache.py [--scale 0.1] [--runs 3] [--out benchmarks/out]

BASE is the ``big`` benchmark image's layers; HEAD is BASE plus one application layer, so the
shared layers hold most of HEAD's bytes (printed; the target needs ≥ 70 %).  For a legacy
``docker save``, a gzip OCI archive and a ``registry://`` pull (Debian's ``docker-registry``
on loopback, pushed with skopeo), it times in this process:

* ``cold``: HEAD with an empty cache (the first read, which also stores its layers);
* ``no-cache``: HEAD with ``cache=False`` (the reader without a cache at all);
* ``warm``: HEAD right after BASE was read into an empty cache;

and prints the medians, ``warm / cold`` (target ≤ 0.3), ``warm / no-cache`` and, for the registry, the blob
downloads of the warm pull.  Reads hash file content (the explorer, ``diff``, ``report``,
``explain``); ``--ci`` on an uncompressed archive seeks over content and is not cached (see
docs/cache.md).  Last, the speed of a record load against a parse, in entries per second.
Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import images  # noqa: E402
from bench_sources import start_registry  # noqa: E402

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save, write_oci_archive  # noqa: E402


def specs(scale: float) -> tuple[ImageSpec, ImageSpec]:
    big = images.big_image(scale)
    base = ImageSpec(layers=big.layers[:4])
    n = max(50, int(20_000 * scale))
    app = [M("srv/new", "dir")] + [M(f"srv/new/f{i:06d}", size=images._size(i, 6_000), seed=9) for i in range(n)]
    head = ImageSpec(layers=[*base.layers, LayerSpec(app, "COPY new /srv/new")])
    return base, head


def layer_bytes(spec: ImageSpec) -> list[int]:
    return [sum(m.size if m.size is not None else len(m.data) for m in layer.members) for layer in spec.layers]


def timed(fn) -> float:  # noqa: ANN001
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def fresh_cache(root: str) -> None:
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)


def bench(name: str, read_head, read_base, cache: str, runs: int, counter=None) -> dict:  # noqa: ANN001
    rows: dict[str, list[float]] = {"cold": [], "no-cache": [], "warm": []}
    downloads = []
    for _ in range(runs):
        fresh_cache(cache)
        rows["cold"].append(timed(lambda: read_head(True)))
        rows["no-cache"].append(timed(lambda: read_head(False)))
        fresh_cache(cache)
        read_base(True)
        if counter is not None:
            counter.clear()
        rows["warm"].append(timed(lambda: read_head(True)))
        if counter is not None:
            downloads.append(len(counter))
    med = {k: statistics.median(v) for k, v in rows.items()}
    extra = f"  blob GETs (warm): {downloads[0]}" if downloads else ""
    print(
        f"{name:<14}{med['cold']:>9.2f}{med['no-cache']:>11.2f}{med['warm']:>9.2f}"
        f"{med['warm'] / med['cold']:>11.2f}{med['warm'] / med['no-cache']:>16.2f}{extra}",
        flush=True,
    )
    return med


def load_vs_parse(path: str, cache: str) -> None:
    from layerscope.layercache.store import LayerStore
    from layerscope.sources.archive import ReadOptions, read_archive

    fresh_cache(cache)
    t_parse = timed(lambda: read_archive(path, path, ReadOptions(cache=False)))
    image = read_archive(path, path, ReadOptions())
    store = LayerStore(cache)
    n = sum(len(layer.entries) for layer in image.layers)
    t_load = timed(lambda: [store.load_layer(layer.diff_id, False) for layer in image.layers])
    size = sum(os.path.getsize(os.path.join(store.dir, f)) for f in os.listdir(store.dir))
    print(
        f"records: {n} entries in {size / 1e3:.0f} kB; load {n / t_load:,.0f} entries/s, "
        f"parse (docker save, hashing) {n / t_parse:,.0f} entries/s: {t_parse / t_load:.1f}x"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--no-registry", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="ls-bench-cache.")
    cache = os.path.join(work, "cache")
    os.environ["LAYERSCOPE_CACHE_DIR"] = cache
    from layerscope.sources.archive import ReadOptions, read_archive

    base, head = specs(args.scale)
    sizes = layer_bytes(head)
    shared = sum(sizes[: len(base.layers)]) / sum(sizes)
    print(f"HEAD: {len(head.layers)} layers, {sum(sizes) / 1e6:.0f} MB; shared with BASE: {shared:.0%} of the bytes")
    paths = {}
    for kind, writer in (
        ("docker-save", write_docker_save),
        ("oci-gzip", lambda p, s: write_oci_archive(p, s, compression="gzip")),
    ):
        for which, spec in (("base", base), ("head", head)):
            p = os.path.join(args.out, f"cache-{which}-{args.scale:g}-{kind}.tar")
            if not os.path.exists(p):
                print(f"generating {p} ...", flush=True)
                writer(p, spec)
            paths[kind, which] = p
    print(f"{'source':<14}{'cold s':>9}{'no-cache s':>11}{'warm s':>9}{'warm/cold':>11}{'warm/no-cache':>16}")
    try:
        for kind in ("docker-save", "oci-gzip"):

            def read(which: str, use: bool, kind: str = kind) -> None:
                p = paths[kind, which]
                read_archive(p, p, ReadOptions(cache=use))

            bench(kind, lambda use: read("head", use), lambda use: read("base", use), cache, args.runs)
        if not args.no_registry and shutil.which("docker-registry") and shutil.which("skopeo"):
            from layerscope.sources.pull import load_from_registry
            from layerscope.sources.registry import RegistryClient

            proc, host = start_registry(work)
            try:
                for which in ("base", "head"):
                    subprocess.run(
                        [
                            "skopeo",
                            "--insecure-policy",
                            "copy",
                            "-q",
                            "--dest-tls-verify=false",
                            f"oci-archive:{paths['oci-gzip', which]}",
                            f"docker://{host}/bench/{which}:latest",
                        ],
                        check=True,
                    )
                gets: list[str] = []
                real = RegistryClient.blob

                def counting(self, digest, size=None):  # noqa: ANN001, ANN202
                    gets.append(digest)
                    return real(self, digest, size)

                RegistryClient.blob = counting  # type: ignore[method-assign]

                def pull(which: str, use: bool) -> None:
                    load_from_registry(f"{host}/bench/{which}:latest", ReadOptions(insecure=True, cache=use))

                bench(
                    "registry",
                    lambda use: pull("head", use),
                    lambda use: pull("base", use),
                    cache,
                    args.runs,
                    counter=gets,
                )
                print(f"  (HEAD has {len(head.layers)} layers + a config: a cold pull makes {len(head.layers) + 1})")
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        load_vs_parse(paths["docker-save", "head"], cache)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
