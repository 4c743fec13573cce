"""libFuzzer-driven (atheris) target: coverage-guided bytes → a mutation plan over our seeds,
or (first byte odd) the bytes themselves as the archive.  Same crash definition as
fuzz_archive.py.

    pip install atheris
    python fuzz/atheris_target.py -atheris_runs=20000 -max_len=65536
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import atheris  # noqa: E402

with atheris.instrument_imports():
    from fuzz.fuzz_archive import MODES, run_target  # noqa: E402
    from fuzz.mutators import OPS, apply_plan, get_seeds  # noqa: E402

WORK = tempfile.mkdtemp(prefix="layerscope-atheris-")
os.makedirs(os.path.join(WORK, "in"))
os.makedirs(os.path.join(WORK, "work"))
get_seeds()


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    raw = fdp.ConsumeBool()
    mode = MODES[fdp.ConsumeIntInRange(0, len(MODES) - 1)]
    if raw:
        archive = fdp.ConsumeBytes(fdp.remaining_bytes())
    else:
        seed = fdp.ConsumeIntInRange(0, len(get_seeds()) - 1)
        plan = []
        for _ in range(fdp.ConsumeIntInRange(1, 4)):
            plan.append(
                (
                    OPS[fdp.ConsumeIntInRange(0, len(OPS) - 1)],
                    fdp.ConsumeInt(4) & 0xFFFFFFFF,
                    fdp.ConsumeInt(4) & 0xFFFFFFFF,
                    fdp.ConsumeBytes(fdp.ConsumeIntInRange(1, 24)) or b"\0",
                )
            )
        archive = apply_plan(seed, plan)
    _rc, _err, problem = run_target(archive, mode, WORK)
    if problem:
        raise RuntimeError(problem)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
