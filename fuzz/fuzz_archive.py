"""Fuzz layerscope's archive reading with mutated, generated image archives.

    python fuzz/fuzz_archive.py --inputs 100000 [--workers 2] [--seed 0]
    python fuzz/fuzz_archive.py --replay 12345 [--seed 0]      # re-run one input, show output
    python fuzz/fuzz_archive.py --hypothesis --inputs 2000     # the same target via hypothesis

Input ``i`` of run ``--seed S`` is fully determined by ``(S, i)``: ``random.Random(f"{S}:{i}")``
draws a seed archive and a mutation plan (fuzz/mutators.py).  Each input goes through the real
CLI entry point in-process (``layerscope.cli.main``), cycling over four modes: ``--ci``,
``--json out.json``, ``--ci --no-verify`` (so mutated blobs get past the digest check) and the
UI's reading path (content hashing on).

A **crash** is any of: an exit code other than 0/1/2, an exception escaping ``main``, stderr
with ``Traceback``, ``internal error`` or ``out of memory``, more than one non-``note:`` stderr
line, a file written anywhere but ``out.json``, or more than 10 s for one input (a worker that
stops responding for 30 s is killed and its input counted as a hang).  Crashing inputs are saved
to ``fuzz/crashes/`` with their ``(seed, i)``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing as mp
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fuzz.mutators import apply_plan, random_plan  # noqa: E402

SLOW = 10.0
HANG = 30.0
MODES = ("ci", "json", "no-verify", "hash")


def input_for(seed: int, i: int) -> bytes:
    rng = random.Random(f"{seed}:{i}")
    s, plan = random_plan(rng)
    return apply_plan(s, plan)


def run_target(data: bytes, mode: str, workdir: str) -> tuple[int, str, str]:
    """Run the CLI in-process on ``data``; return (exit code, stderr, problem or "")."""
    from layerscope import cli

    archive = os.path.join(workdir, "in", "image.tar")
    with open(archive, "wb") as f:
        f.write(data)
    work = os.path.join(workdir, "work")
    for name in os.listdir(work):
        os.unlink(os.path.join(work, name))
    out, err = io.StringIO(), io.StringIO()
    problem = ""
    old = os.getcwd()
    os.chdir(work)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if mode == "hash":
                rc = _hash_mode(archive)
            else:
                args = [archive, "--ci"] if mode in ("ci", "no-verify") else [archive, "--json", "out.json"]
                if mode == "no-verify":
                    args.append("--no-verify")
                rc = cli.main(args)
    except BaseException as e:  # noqa: BLE001 - anything escaping main is a crash
        rc = -1
        problem = f"exception escaped main: {type(e).__name__}: {e}"
    finally:
        os.chdir(old)
    text = err.getvalue()
    lines = [lay for lay in text.splitlines() if lay and not lay.startswith("note: ")]
    if not problem:
        if rc not in (0, 1, 2):
            problem = f"exit code {rc}"
        elif "Traceback" in text or "internal error" in text or "out of memory" in text:
            problem = "stderr: " + text.strip()[:300]
        elif len(lines) > 1:
            problem = f"{len(lines)} stderr lines: {text[:300]!r}"
        elif rc == 2 and not lines:
            problem = "exit 2 with no message"
    written = sorted(os.listdir(work))
    if written not in ([], ["out.json"]) or (written and mode != "json"):
        problem = problem or f"wrote files: {written}"
    if rc == 2 and "out.json" in written:
        problem = problem or "failed but left out.json behind"
    return rc, text, problem


def _hash_mode(archive: str) -> int:
    """The TUI's reading path (hash_content on) plus dive's analysis, without a terminal."""
    from layerscope.analysis.dive_efficiency import dive_efficiency
    from layerscope.errors import LayerscopeError
    from layerscope.sources.archive import ReadOptions, read_archive

    try:
        image = read_archive(archive, archive, ReadOptions(hash_content=True))
        dive_efficiency(image)
    except LayerscopeError as e:
        print(f"layerscope: {e}", file=sys.stderr)
        return 2
    except RecursionError:
        print("layerscope: internal error: RecursionError", file=sys.stderr)
        return 2
    return 0


def _worker(seed: int, indices: range, queue, current, workdir: str) -> None:
    os.makedirs(os.path.join(workdir, "in"), exist_ok=True)
    os.makedirs(os.path.join(workdir, "work"), exist_ok=True)
    # a memory bomb the reader misses must show up as a crash, not take the machine down
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    for i in indices:
        current.value = i
        try:
            data = input_for(seed, i)
        except Exception as e:  # noqa: BLE001 - a mutator bug is not a finding; report, go on
            print(f"generator failed on input {i}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
            data = b""
        t0 = time.perf_counter()
        rc, _err, problem = run_target(data, MODES[i % len(MODES)], workdir)
        dt = time.perf_counter() - t0
        if dt > SLOW and not problem:
            problem = f"slow: {dt:.1f}s"
        queue.put((i, rc, dt, problem, data if problem else b""))
    queue.put(None)


def run_random(args) -> int:
    total, workers = args.inputs, args.workers
    crash_dir = ROOT / "fuzz" / "crashes"
    base = tempfile.mkdtemp(prefix="layerscope-fuzz-")
    queue: mp.Queue = mp.Queue()
    procs = []
    starts = list(range(args.start, args.start + total))
    shares = [starts[k::workers] for k in range(workers)]
    currents = []
    for k in range(workers):
        cur = mp.Value("q", -1)
        p = mp.Process(
            target=_worker, args=(args.seed, shares[k], queue, cur, os.path.join(base, f"w{k}")), daemon=True
        )
        p.start()
        procs.append(p)
        currents.append(cur)
    done = 0
    finished = 0
    crashes: list[tuple[int, str]] = []
    rcs = {0: 0, 1: 0, 2: 0}
    slowest = (0.0, -1)
    t0 = time.time()
    last_seen = [time.time()] * workers
    last_report = time.time()
    dead: set[int] = set()
    while finished < workers:
        try:
            item = queue.get(timeout=1.0)
        except Exception:  # noqa: BLE001 - queue.Empty
            item = "tick"
        now = time.time()
        if item is None:
            finished += 1
            continue
        if item != "tick":
            i, rc, dt, problem, data = item
            done += 1
            rcs[rc] = rcs.get(rc, 0) + 1
            if dt > slowest[0]:
                slowest = (dt, i)
            last_seen[(i - args.start) % workers] = now
            if problem:
                crashes.append((i, problem))
                crash_dir.mkdir(parents=True, exist_ok=True)
                (crash_dir / f"seed{args.seed}-input{i}.tar").write_bytes(data)
                print(f"CRASH input {i}: {problem}", flush=True)
        for k, p in enumerate(procs):  # hang watchdog
            if not p.is_alive() and p.exitcode not in (0, None) and k not in dead:
                dead.add(k)
                finished += 1
                crashes.append((currents[k].value, f"worker died (exit {p.exitcode})"))
                print(f"WORKER {k} DIED at input {currents[k].value}", flush=True)
            elif p.is_alive() and now - last_seen[k] > HANG and currents[k].value >= 0:
                dead.add(k)
                i = currents[k].value
                print(f"HANG input {i} (worker {k} silent for {HANG:.0f}s); killing it", flush=True)
                crashes.append((i, "hang"))
                p.kill()
                finished += 1
        if now - last_report > 30:
            last_report = now
            print(f"  {done}/{total} inputs, {len(crashes)} crashes, {done / (now - t0):.0f}/s", flush=True)
    elapsed = time.time() - t0
    shutil.rmtree(base, ignore_errors=True)
    print(
        f"fuzz seed={args.seed} inputs tried: {done} (of {total}) in {elapsed:.0f}s, "
        f"{done / max(elapsed, 1e-9):.0f}/s, {workers} workers"
    )
    print(f"exit codes: {dict(sorted(rcs.items()))}")
    print(f"crashes: {len(crashes)}" + "".join(f"\n  input {i}: {p}" for i, p in crashes[:50]))
    print(f"slowest input: {slowest[1]} ({slowest[0]:.2f}s; replay with --replay {slowest[1]} --seed {args.seed})")
    return 1 if crashes else 0


def run_hypothesis(args) -> int:
    from hypothesis import HealthCheck, given, settings

    from fuzz.mutators import plans

    workdir = tempfile.mkdtemp(prefix="layerscope-fuzz-h-")
    os.makedirs(os.path.join(workdir, "in"))
    os.makedirs(os.path.join(workdir, "work"))
    count = [0]

    @settings(
        max_examples=args.inputs,
        deadline=None,
        derandomize=args.seed == 0,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(plans())
    def target(sp):
        data = apply_plan(*sp)
        count[0] += 1
        t0 = time.perf_counter()
        _rc, _err, problem = run_target(data, MODES[count[0] % len(MODES)], workdir)
        assert time.perf_counter() - t0 < SLOW, "slow input"
        assert not problem, problem

    try:
        target()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"hypothesis: {count[0]} inputs, 0 crashes")
    return 0


def replay(args) -> int:
    data = input_for(args.seed, args.replay)
    workdir = tempfile.mkdtemp(prefix="layerscope-fuzz-r-")
    os.makedirs(os.path.join(workdir, "in"))
    os.makedirs(os.path.join(workdir, "work"))
    mode = MODES[args.replay % len(MODES)]
    t0 = time.perf_counter()
    rc, err, problem = run_target(data, mode, workdir)
    print(f"input {args.replay} ({len(data)} bytes, mode {mode}): exit {rc} in {time.perf_counter() - t0:.2f}s")
    print(err, end="")
    print("problem: " + (problem or "none"))
    if args.save:
        Path(args.save).write_bytes(data)
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if problem else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--inputs", type=int, default=10_000)
    p.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start", type=int, default=0, help="first input index")
    p.add_argument("--replay", type=int, default=None, help="run one input and show its output")
    p.add_argument("--save", default=None, help="with --replay: write the input archive here")
    p.add_argument("--hypothesis", action="store_true", help="drive the target with hypothesis instead")
    args = p.parse_args()
    if args.replay is not None:
        return replay(args)
    if args.hypothesis:
        return run_hypothesis(args)
    return run_random(args)


if __name__ == "__main__":
    raise SystemExit(main())
