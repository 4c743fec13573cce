"""Run the CLI in a child and report its exit code, stderr and peak RSS.

The measuring process is a small intermediate child, so ``RUSAGE_CHILDREN`` covers exactly the
one ``python -m layerscope`` it waits for and nothing the test process itself allocated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_MEASURE = """
import resource, subprocess, sys, json
timeout = float(sys.argv[1])
p = subprocess.run(sys.argv[2:], capture_output=True, timeout=timeout)
print(json.dumps({"rc": p.returncode, "stderr": p.stderr.decode("utf-8", "replace"),
                  "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measured(cwd: Path, *args: str, timeout: float = 120) -> dict:
    """``{"rc", "stderr", "rss_mb"}`` of ``layerscope ARGS`` run in ``cwd`` (HOME there, no CI)."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["HOME"] = str(cwd)
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(timeout), sys.executable, "-m", "layerscope", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout + 60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)
