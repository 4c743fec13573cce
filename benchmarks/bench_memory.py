"""Peak memory (RSS) of layerscope on the hardening corpus's big cases.

    python benchmarks/bench_memory.py [--entries 1000000] [--only many,gzip-bomb,...] [--budget-mb 400]

Each case is analyzed by a child process in three modes: ``--ci``, ``--json out.json`` and the
UI's read path (content hashing on, then dive's analysis; no terminal).  Peak RSS comes from
``os.wait4``'s ``ru_maxrss`` of that child alone, so the generator's own memory never counts.
Prints one row per (case, mode) and exits 1 if the million-entry case goes over the budget.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HASH_MODE = (
    "import sys; from layerscope.sources.archive import ReadOptions, read_archive;"
    "from layerscope.analysis.dive_efficiency import dive_efficiency;"
    "from layerscope.errors import LayerscopeError\n"
    "try:\n"
    "    img = read_archive(sys.argv[1], sys.argv[1], ReadOptions(hash_content=True)); dive_efficiency(img)\n"
    "except LayerscopeError as e:\n"
    "    print('layerscope:', e, file=sys.stderr); sys.exit(2)\n"
)


GNU_TIME = "/usr/bin/time"


def measure(cmd: list[str], cwd: str) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak RSS in MB, last stderr line) of one child process.

    The peak is taken by GNU ``time`` when it is there: a child of this script would start
    its high-water mark at this script's own resident size (Linux keeps the larger across
    ``exec``), see ``bench_ci.measure``."""
    peak = os.path.join(cwd, "peak.txt")
    launcher = [GNU_TIME, "-o", peak, "-f", "%M"] if os.access(GNU_TIME, os.X_OK) else []
    t0 = time.perf_counter()
    with open(os.path.join(cwd, "stderr.txt"), "wb") as err:
        p = subprocess.Popen(
            [*launcher, *cmd], cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=dict(os.environ, CI="true")
        )
        _pid, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    text = Path(cwd, "stderr.txt").read_text(errors="replace").strip().splitlines()
    # GNU time writes "Command exited with non-zero status N" first, the figure last
    rss_kib = int(Path(peak).read_text().split()[-1]) if launcher else usage.ru_maxrss
    return rc, dt, rss_kib / 1024, (text[-1] if text else "")[:90]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--only", default="", help="comma-separated subset of case keys")
    ap.add_argument("--modes", default="ci,json,ui-read")
    ap.add_argument("--budget-mb", type=float, default=400.0)
    args = ap.parse_args()
    # Archives are written by a separate process: a child forked from a big parent would
    # start with the parent's pages counted in its ru_maxrss.
    cases = {
        "many": (f"{args.entries} empty entries, one gzip layer", f"corpus._many_entries_layer(p, {args.entries})"),
        "gzip-bomb": (
            "gzip: 300 KB blob → 300 MiB, header claims 1 TiB",
            "corpus.CASES['gzip_bomb_terabyte_claim'].write(p)",
        ),
        "zstd-bomb": (
            "zstd: 65 KB blob → 2 GiB, header claims 1 TiB",
            "corpus.CASES['zstd_bomb_terabyte_claim'].write(p)",
        ),
        "zstd-claim": ("zstd frame header claims 1 TiB", "corpus.CASES['zstd_frame_claims_terabyte'].write(p)"),
        "json-100mb": ("manifest.json of 100 MB", "corpus.CASES['manifest_huge_100mb'].write(p)"),
        "json-nested": ("manifest.json nested 100k deep", "corpus.CASES['manifest_nested_100k'].write(p)"),
    }
    only = [k for k in args.only.split(",") if k]
    modes = args.modes.split(",")
    over = False
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        print(f"{'case':12s} {'mode':8s} {'exit':>4s} {'seconds':>8s} {'peak RSS':>10s}  stderr")
        baseline = measure([sys.executable, "-c", "import layerscope.cli"], tmp)
        print(f"{'(python)':12s} {'import':8s} {baseline[0]:4d} {baseline[1]:8.2f} {baseline[2]:8.1f} MB")
        for key, (desc, write) in cases.items():
            if only and key not in only:
                continue
            archive = os.path.join(tmp, f"{key}.tar")
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
                    "from tests.hardening import corpus; p = Path(sys.argv[1]); " + write,
                    archive,
                    str(ROOT),
                ],
                check=True,
            )
            size = os.path.getsize(archive)
            print(f"# {key}: {desc} (archive {size / 1e6:.1f} MB)")
            for mode in modes:
                if mode == "ci":
                    cmd = [sys.executable, "-m", "layerscope", archive, "--ci"]
                elif mode == "json":
                    cmd = [sys.executable, "-m", "layerscope", archive, "--json", os.path.join(tmp, "out.json")]
                else:
                    cmd = [sys.executable, "-c", HASH_MODE, archive]
                rc, dt, mb, last = measure(cmd, tmp)
                print(f"{key:12s} {mode:8s} {rc:4d} {dt:8.2f} {mb:8.1f} MB  {last}", flush=True)
                if key == "many" and mb > args.budget_mb:
                    over = True
            os.unlink(archive)
    if over:
        print(f"OVER BUDGET: the {args.entries}-entry case used more than {args.budget_mb:.0f} MB")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
