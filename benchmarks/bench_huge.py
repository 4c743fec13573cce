"""The 20 GB / 1M-entry / 12-layer benchmark (issue 14): CI mode, the explorer and the sub-commands.

    python benchmarks/bench_huge.py [--scale 1] [--out /work/bench-huge] [--dive-timeout 1800] [--skip-dive]

The image is ``images.huge_image`` (overwrites, deletes, chmod copy-ups, a few multi-GB files and one
directory with 200k entries), written once by ``images.write_huge`` and kept in ``--out``.  Stages,
each timed and printed as it finishes:

1. **CI mode.**  ``CI=true dive --source docker-archive IMG`` against ``layerscope --ci IMG`` (cold
   layer cache, ``images.cold_cache_env``).  Wall time and two peak-RSS figures: ``wait4``'s
   ``ru_maxrss`` of the direct child, and the peak of the summed ``VmRSS`` of the child and all its
   descendants sampled every 50 ms (a future helper process would escape the first figure).  A child
   over ``--dive-timeout`` seconds (dive) / ``--timeout`` (ours), or over ``--rss-cap``, is killed
   and recorded as such: on a shared machine a runaway reader must not take the others down with it.
2. **Explorer.**  The first full frame in a 160×50 tmux pane and the pane process's ``VmHWM``
   (the method of ``bench_tui.first_frame``, plus the same kill-on-timeout / RSS-cap watchdog and
   a clear result when the pane dies), then the per-key timings of ``bench_tui.key_timings`` in a
   child process (so its 1M-entry model is not counted in this process and can be capped too).
3. **Sub-commands.**  ``packages --format json -o``, ``explain`` and ``diff IMG IMG``: wall, peak
   RSS, exit code (0 or 1 expected) and no traceback on stderr.

Targets (issue 14): CI wall ≤ 0.2× dive's and peak RSS ≤ 1 GB; first frame ≤ 30 s with ≤ 1.5 GB;
key p90 ≤ 50 ms, layer switch p90 ≤ 100 ms; each sub-command ≤ 1.5 GB.  GB here is 10⁹ bytes.
The machine is shared, so timings are noisy: the load average is printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import typing
from dataclasses import asdict, dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

import bench_tui  # noqa: E402
import images  # noqa: E402

MIB = 1024 * 1024
GB = 1_000_000_000
TARGET_CI_WALL_RATIO = 0.2
TARGET_CI_RSS = 1 * GB
TARGET_FRAME_S = 30.0
TARGET_FRAME_RSS = 1.5 * GB
TARGET_KEY_S = 0.050
TARGET_LAYER_S = 0.100
TARGET_CMD_RSS = 1.5 * GB
SAMPLE_S = 0.05


def say(msg: str) -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------- process-tree RSS
def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def _status_kib(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_kib(root: int) -> int:
    """Summed VmRSS of ``root`` and every descendant (shared pages counted once per process)."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _status_kib(pid, "VmRSS:")
        stack.extend(_children(pid))
    return total


@dataclass
class Run:
    """One measured child process."""

    label: str
    cmd: list[str]
    wall: float = 0.0
    rss_mib: float = 0.0  # wait4 ru_maxrss of the direct child (or VmHWM of the pane process)
    tree_mib: float = 0.0  # peak of the summed VmRSS of the process tree, 50 ms samples
    rc: int | None = None
    killed: str = ""  # "" or why the watchdog / a signal ended it
    traceback: bool = False
    stderr_tail: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def status(self) -> str:
        if self.killed:
            return self.killed
        return f"rc {self.rc}"


def run_measured(
    label: str, cmd: list[str], cwd: str, env: dict[str, str], timeout: float, rss_cap: float, stdout: int | None = None
) -> Run:
    """Run ``cmd`` to its end (or the watchdog's), sampling the process tree's RSS every 50 ms."""
    run = Run(label, cmd)
    err = tempfile.TemporaryFile(dir=cwd)
    try:
        _run_into(run, cmd, cwd, env, timeout, rss_cap, stdout, err)
    finally:
        err.close()
        _drop_cache(env)
    return run


def _drop_cache(env: dict[str, str]) -> None:
    """Remove the run's own cold cache (``images.cold_cache_env``): a 1M-entry record per run adds up."""
    cache = env.get("LAYERSCOPE_CACHE_DIR", "")
    if os.path.basename(cache).startswith("layerscope-bench-cache-"):
        shutil.rmtree(cache, ignore_errors=True)


def _run_into(
    run: Run,
    cmd: list[str],
    cwd: str,
    env: dict[str, str],
    timeout: float,
    rss_cap: float,
    stdout: int | None,
    err: typing.IO[bytes],
) -> None:
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=err,
        start_new_session=True,  # its own process group: the watchdog kills the whole tree
    )
    peak_tree = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak_tree = max(peak_tree, tree_rss_kib(proc.pid))
        elapsed = time.perf_counter() - start
        why = ""
        if elapsed > timeout:
            why = f"killed by timeout (> {timeout:.0f} s)"
        elif peak_tree * 1024 > rss_cap:
            why = f"killed at RSS cap (> {rss_cap / MIB:.0f} MiB)"
        if why:
            run.killed = why
            _kill_group(proc.pid)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(SAMPLE_S)
    proc.returncode = os.waitstatus_to_exitcode(status)
    run.wall = time.perf_counter() - start
    run.rss_mib = usage.ru_maxrss / 1024.0
    run.tree_mib = peak_tree / 1024.0
    run.rc = proc.returncode
    if not run.killed and run.rc is not None and run.rc < 0:
        name = signal.Signals(-run.rc).name
        run.killed = f"killed by {name}" + (" (OOM killer?)" if name == "SIGKILL" else "")
    err.seek(0)
    text = err.read().decode("utf-8", "replace")
    run.traceback = "Traceback (most recent call last)" in text
    run.stderr_tail = text[-600:]


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --------------------------------------------------------------------------- explorer, real terminal
def first_frame(label: str, cmd: list[str], cwd: str, timeout: float, after: float, rss_cap: float) -> Run:
    """``bench_tui.first_frame`` with a watchdog: the same tmux pane, frame test and VmHWM of the
    pane's process, plus the summed tree RSS, and a result (not an exception) when the tool dies,
    is killed at the RSS cap or draws no frame in time."""
    run = Run(label, cmd)
    session = f"bench-huge-{os.getpid()}-{time.monotonic_ns()}"
    env = images.cold_cache_env(dict(os.environ))
    cache = env.get("LAYERSCOPE_CACHE_DIR")
    cache_env = f"LAYERSCOPE_CACHE_DIR={shlex.quote(cache)} " if cache else ""
    shell = f"cd {shlex.quote(cwd)} && exec env HOME={shlex.quote(cwd)} {cache_env}" + " ".join(map(shlex.quote, cmd))
    start = time.perf_counter()
    bench_tui._tmux("new-session", "-d", "-s", session, "-x", str(bench_tui.WIDTH), "-y", str(bench_tui.HEIGHT), shell)
    try:
        pid = int(bench_tui._tmux("list-panes", "-t", session, "-F", "#{pane_pid}").split()[0])
        peak = tree = 0
        frame_at = None
        text = ""
        while True:
            elapsed = time.perf_counter() - start
            peak = max(peak, bench_tui._hwm_kib(pid))
            tree = max(tree, tree_rss_kib(pid))
            if not os.path.exists(f"/proc/{pid}"):
                run.killed = "exited / killed before the first frame"
                break
            try:
                text = bench_tui._tmux("capture-pane", "-p", "-t", session)
            except subprocess.CalledProcessError:
                run.killed = "pane closed before the first frame (killed?)"
                break
            if bench_tui.full_frame(text):
                frame_at = elapsed
                break
            if elapsed > timeout:
                run.killed = f"no frame, killed by timeout (> {timeout:.0f} s)"
                break
            if max(peak, tree) * 1024 > rss_cap:
                run.killed = f"killed at RSS cap (> {rss_cap / MIB:.0f} MiB)"
                break
            time.sleep(0.05)
        if frame_at is not None:
            settle = time.perf_counter() + after
            while time.perf_counter() < settle:
                peak = max(peak, bench_tui._hwm_kib(pid))
                tree = max(tree, tree_rss_kib(pid))
                time.sleep(SAMPLE_S)
        run.wall = frame_at if frame_at is not None else time.perf_counter() - start
        run.rss_mib, run.tree_mib = peak / 1024.0, tree / 1024.0
        run.rc = 0 if frame_at is not None else None
        run.stderr_tail = text[-600:] if frame_at is None else ""
        return run
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        _drop_cache(env)


def _keys_child(image: str, reps: int, out: str) -> int:
    """Child-process entry: ``bench_tui.key_timings`` on ``image``, the result as JSON in ``out``."""
    t0 = time.perf_counter()
    wall, cpu = asyncio.run(bench_tui.key_timings(image, reps))
    with open(out, "w") as fh:
        json.dump({"wall": wall, "cpu": cpu, "seconds": time.perf_counter() - t0}, fh)
    return 0


def p90(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(0.9 * len(s)))]


# --------------------------------------------------------------------------- table
def print_keys(rows: list[tuple[str, list[float], list[float]]]) -> None:
    if not rows:
        return
    say(f"    per-key timings (press + render, headless {bench_tui.WIDTH}×{bench_tui.HEIGHT}; verdict at p90):")
    say(f"    {'key':40} {'n':>3} {'median ms':>10} {'p90 ms':>8} {'max ms':>8} {'cpu med':>8} {'target':>7}  verdict")
    for name, values, cpu in rows:
        target = TARGET_LAYER_S if name.startswith("select") else TARGET_KEY_S
        say(
            f"    {name:40} {len(values):3} {statistics.median(values) * 1000:10.1f} {p90(values) * 1000:8.1f} "
            f"{max(values) * 1000:8.1f} {statistics.median(cpu) * 1000:8.1f} {target * 1000:7.0f}  "
            f"{verdict(p90(values) <= target)}"
        )


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("OK" if ok else "MISSED")


def _mib(x: float) -> str:
    return f"{x:9.0f}"


def print_row(run: Run, target: str, ok: bool | None) -> None:
    wall = f"> {run.wall:7.0f}" if "timeout" in run.killed else f"{run.wall:9.2f}"
    say(
        f"{run.label:34} {wall:>9} {_mib(run.rss_mib)} {_mib(run.tree_mib)}  "
        f"{run.status():32} {target:28} {verdict(ok)}"
    )


def header() -> None:
    say(f"{'stage':34} {'wall s':>9} {'RSS MiB':>9} {'tree MiB':>9}  {'result':32} {'target':28} verdict")


def spec_counts(scale: float) -> tuple[int, int, int]:
    """(layers, tar entries, whiteouts) of the generated spec, counted from the generator (no read)."""
    spec = images.huge_image(scale)
    entries = whiteouts = 0
    for layer in spec.layers:
        for m in layer.members:
            entries += 1
            whiteouts += os.path.basename(str(m.name)).startswith(".wh.")
    return len(spec.layers), entries, whiteouts


# --------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--out", default="/work/bench-huge", help="where huge-<scale>.tar is (written if missing)")
    ap.add_argument("--dive-timeout", type=float, default=1800.0, help="seconds before dive is killed (per stage)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds before a layerscope stage is killed")
    ap.add_argument("--skip-dive", action="store_true", help="layerscope only (no ratios)")
    ap.add_argument(
        "--dive-tui-timeout", type=float, default=0.0, help="dive first-frame timeout (default: --dive-timeout)"
    )
    ap.add_argument("--skip-dive-tui", action="store_true", help="no dive first frame (dive CI still runs)")
    ap.add_argument("--reps", type=int, default=3, help="presses per tree-pane key (each is slow on 1M entries)")
    ap.add_argument("--after", type=float, default=4.0, help="seconds of RSS sampling after the first frame")
    ap.add_argument(
        "--rss-cap",
        type=float,
        default=0.0,
        help="GB (10^9) of tree RSS at which a child is killed (default: 75%% of MemAvailable)",
    )
    ap.add_argument("--diff-base", help="base image for `diff` (default: the image itself)")
    ap.add_argument("--results", help="also write the measured runs as JSON here")
    ap.add_argument(
        "--keys-only", action="store_true", help="only the explorer's key session (timings and its peak RSS)"
    )
    ap.add_argument("--_keys", nargs=3, metavar=("IMAGE", "REPS", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._keys:
        return _keys_child(args._keys[0], int(args._keys[1]), args._keys[2])

    t_all = time.perf_counter()
    dive = None if args.skip_dive else shutil.which("dive")
    if not args.skip_dive and dive is None:
        say("dive not found: running with --skip-dive")
    avail = _status_kib_meminfo("MemAvailable:") * 1024
    rss_cap = args.rss_cap * GB if args.rss_cap > 0 else 0.75 * avail
    t0 = time.perf_counter()
    image = os.path.abspath(images.write_huge(args.out, args.scale))
    say(f"image: {image} ({os.path.getsize(image) / 1e9:.2f} GB), ready in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    n_layers, n_entries, n_wh = spec_counts(args.scale)
    say(
        f"  {n_layers} layers, {n_entries:,} tar entries, {n_wh:,} whiteouts "
        f"(counted from the generator in {time.perf_counter() - t0:.1f} s)"
    )
    say(
        f"  RSS cap for every child: {rss_cap / MIB:.0f} MiB (MemAvailable {avail / MIB:.0f} MiB); "
        f"load {os.getloadavg()[0]:.2f}"
    )

    cwd = tempfile.mkdtemp(prefix="bench-huge-home-")
    py = sys.executable
    runs: list[tuple[Run, str, bool | None]] = []

    def record(run: Run, target: str, ok: bool | None) -> None:
        runs.append((run, target, ok))
        print_row(run, target, ok)
        if run.killed or run.traceback or (run.rc not in (0, 1, None)):
            say(f"    stderr/pane tail: {run.stderr_tail.strip()[-400:]!r}")
        if args.results:
            with open(args.results, "w") as fh:
                json.dump([dict(asdict(r), target=t, ok=o) for r, t, o in runs], fh, indent=1)

    def ci_env() -> dict[str, str]:
        return images.cold_cache_env(dict(os.environ, CI="true", HOME=cwd))

    def key_session() -> list[tuple[str, list[float], list[float]]]:
        keys_json = os.path.join(cwd, "keys.json")
        keys = run_measured(
            "explorer: key timings (Pilot child)",
            [py, os.path.abspath(__file__), "--_keys", image, str(args.reps), keys_json],
            cwd,
            images.cold_cache_env(dict(os.environ, HOME=cwd)),
            args.timeout,
            rss_cap,
        )
        rows: list[tuple[str, list[float], list[float]]] = []
        if keys.rc == 0 and os.path.exists(keys_json):
            with open(keys_json) as fh:
                data = json.load(fh)
            keys.extra = {"keys": data}
            rows = [(name, values, data["cpu"][name]) for name, values in data["wall"].items()]
        record(keys, "(whole key session)", None if keys.rc == 0 else False)
        print_keys(rows)
        return rows

    if args.keys_only:
        header()
        key_session()
        say(f"load average after: {os.getloadavg()[0]:.2f}")
        return 0

    # layerscope's stages first: dive's may each run into their timeout, and ours are the targets
    say("\n== 1. layerscope: CI mode, explorer, sub-commands")
    header()
    ours_ci = run_measured(
        "CI: layerscope --ci", [py, "-m", "layerscope", "--ci", image], cwd, ci_env(), args.timeout, rss_cap
    )
    ci_rss_ok = (not ours_ci.killed) and max(ours_ci.rss_mib, ours_ci.tree_mib) * MIB <= TARGET_CI_RSS
    record(ours_ci, f"RSS <= {TARGET_CI_RSS / MIB:.0f} MiB", ci_rss_ok)

    ours_ff = first_frame(
        "explorer: layerscope first frame", [py, "-m", "layerscope", image], cwd, args.timeout, args.after, rss_cap
    )
    ff_ok = (
        ours_ff.rc == 0
        and ours_ff.wall <= TARGET_FRAME_S
        and max(ours_ff.rss_mib, ours_ff.tree_mib) * MIB <= TARGET_FRAME_RSS
    )
    record(ours_ff, f"<= {TARGET_FRAME_S:.0f} s, <= {TARGET_FRAME_RSS / MIB:.0f} MiB", ff_ok)

    key_rows = key_session()

    pkg_out = os.path.join(cwd, "packages.json")
    base = os.path.abspath(args.diff_base) if args.diff_base else image
    sub = [
        ("packages --format json -o", [py, "-m", "layerscope", "packages", image, "--format", "json", "-o", pkg_out]),
        ("explain", [py, "-m", "layerscope", "explain", image]),
        ("diff BASE IMG" if args.diff_base else "diff IMG IMG", [py, "-m", "layerscope", "diff", base, image]),
    ]
    for label, cmd in sub:
        r = run_measured(label, cmd, cwd, images.cold_cache_env(dict(os.environ, HOME=cwd)), args.timeout, rss_cap)
        ok = not r.killed and r.rc in (0, 1) and not r.traceback and max(r.rss_mib, r.tree_mib) * MIB <= TARGET_CMD_RSS
        record(r, f"rc 0/1, no traceback, <= {TARGET_CMD_RSS / MIB:.0f} MiB", ok)

    dive_ci = dive_ff = None
    if dive:
        say("\n== 2. dive (the reference)")
        header()
        dive_ci = run_measured(
            "CI: dive (CI=true)", [dive, "--source", "docker-archive", image], cwd, ci_env(), args.dive_timeout, rss_cap
        )
        record(dive_ci, "(reference)", None)
        if not args.skip_dive_tui:
            dive_ff = first_frame(
                "explorer: dive first frame",
                [dive, "--source", "docker-archive", image],
                cwd,
                args.dive_tui_timeout or args.dive_timeout,
                args.after,
                rss_cap,
            )
            record(dive_ff, "(reference)", None)

    say("\n== Summary")
    header()
    for r, t, o in runs:
        print_row(r, t, o)
    print_keys(key_rows)
    if dive_ci is not None and not ours_ci.killed:
        ratio = ours_ci.wall / dive_ci.wall
        bound = "≤ " if dive_ci.killed else ""  # dive's true wall is longer than measured
        rss = f"; peak RSS ratio {ours_ci.rss_mib / dive_ci.rss_mib:.3f}×" if dive_ci.rss_mib else ""
        # a killed dive only bounds the ratio from above: OK if the bound meets the target, else unknown
        ok = ratio <= TARGET_CI_WALL_RATIO
        result = verdict(ok) if ok or not bound else "n/a (dive killed: only a bound)"
        say(f"CI wall ratio layerscope/dive: {bound}{ratio:.3f}× (target ≤ {TARGET_CI_WALL_RATIO}: {result}){rss}")
    if dive_ff is not None and ours_ff.rc == 0:
        bound = "≤ " if dive_ff.rc != 0 else ""
        say(f"first-frame ratio layerscope/dive: {bound}{ours_ff.wall / dive_ff.wall:.3f}× (no target; reference)")
    missed = [
        name
        for name, values, _ in key_rows
        if p90(values) > (TARGET_LAYER_S if name.startswith("select") else TARGET_KEY_S)
    ]
    if key_rows:
        say(f"keys over target at p90: {', '.join(missed) if missed else 'none'}")
    say(f"whole run: {time.perf_counter() - t_all:.0f} s")
    say(
        f"(load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs; "
        "shared machine, noisy)"
    )
    shutil.rmtree(cwd, ignore_errors=True)
    return 0


def _status_kib_meminfo(key: str) -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
