"""What a CI run loads: the fixed cost every ``layerscope --ci`` pays before it reads a byte.

Each module held off here costs resident memory on every run (issue 14: small images' peak RSS
no higher than dive's): :mod:`logging` (0.6 MiB, only a listener or dive's log file needs it),
:mod:`decimal` (0.5 MiB, no figure dive prints needs it), zstandard (only a cache record written
or read), :mod:`platform`, OpenSSL through :mod:`hashlib` (3.5 MiB; only digest-named blobs are
hashed, so a legacy ``docker save`` read needs none) and the ``layerscope:`` rules.  The
behaviour the lazy loading must keep is checked too: a warning of a quiet run still never reaches
the terminal, and still reaches dive's log file when that is enabled.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layerscope.golang.strconv import shortest_digits

ROOT = Path(__file__).resolve().parents[1]
DEMO = str(ROOT / "fixtures" / "demo.tar")  # docker save: uncompressed, no digest-named blob
DEMO_OCI = str(ROOT / "fixtures" / "demo-oci.tar")  # OCI layout: gzip layers under blobs/sha256/

# Run the console script's main in a child and report what it imported (stdout is the CI text).
_PROBE = """
import json, sys
sys.argv = ["layerscope", *sys.argv[2:]]
from layerscope.__main__ import main
rc = main()
with open(OUT, "w") as f:
    json.dump({"rc": rc, "modules": sorted(sys.modules)}, f)
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVE_", "LAYERSCOPE_", "XDG_CONFIG"))}
    env.update(CI="true", HOME=str(tmp_path / "home"), LAYERSCOPE_CACHE_DIR=str(tmp_path / "cache"))
    env.update(extra)
    return env


def _probe(tmp_path: Path, *args: str, **extra: str) -> tuple[dict, subprocess.CompletedProcess[str]]:
    out = tmp_path / "probe.json"
    code = f"OUT = {str(out)!r}\n" + _PROBE
    r = subprocess.run(
        [sys.executable, "-c", code, "-", *args],
        cwd=tmp_path,
        env=_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), r.stderr
    return json.loads(out.read_text()), r


LAZY = ("logging", "decimal", "_decimal", "zstandard", "platform", "layerscope.ci.extra_rules")


@pytest.mark.parametrize("fixture", [DEMO, DEMO_OCI], ids=["docker-save", "oci"])
def test_ci_run_leaves_the_lazy_modules_unloaded(tmp_path, fixture):
    """Cold cache, no rules file, no log file: the usual first CI run."""
    got, r = _probe(tmp_path, "--ci", "--no-cache", fixture)
    assert got["rc"] in (0, 1), r.stderr
    assert "Result:" in r.stdout
    loaded = set(got["modules"]) & set(LAZY)
    assert not loaded, f"imported on the CI path: {sorted(loaded)}"


def test_legacy_save_in_ci_mode_loads_no_openssl(tmp_path):
    got, r = _probe(tmp_path, "--ci", DEMO)  # the cache on (cold): still nothing to hash
    assert got["rc"] in (0, 1), r.stderr
    assert "_hashlib" not in got["modules"] and "hashlib" not in got["modules"]
    assert "zstandard" not in got["modules"]  # nothing stored or served


@pytest.mark.parametrize("section", ["layerscope", "LayerScope"])  # found case-insensitively, as dive's viper does
def test_rules_file_with_layerscope_section_still_evaluated(tmp_path, section):
    (tmp_path / ".dive-ci").write_text(f"rules:\n  lowestEfficiency: 0.1\n{section}:\n  maxImageSize: 1B\n")
    got, r = _probe(tmp_path, "--ci", "--ci-config", str(tmp_path / ".dive-ci"), DEMO)
    assert "layerscope.ci.extra_rules" in got["modules"]
    assert got["rc"] == 1, r.stdout  # the demo image is over one byte
    assert "maxImageSize" in r.stdout


def test_rules_file_without_the_section_leaves_the_extra_rules_unloaded(tmp_path):
    (tmp_path / ".dive-ci").write_text("rules:\n  lowestEfficiency: 0.1\nother-tool:\n  x: 1\n")
    got, r = _probe(tmp_path, "--ci", "--ci-config", str(tmp_path / ".dive-ci"), DEMO)
    assert got["rc"] in (0, 1), r.stderr
    assert "Result:" in r.stdout
    assert "layerscope.ci.extra_rules" not in got["modules"]


def _damaged_cache(tmp_path: Path) -> None:
    """Fill the layer cache from the OCI demo, then truncate every record it wrote."""
    _probe(tmp_path, "--ci", DEMO_OCI)
    records = [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.parent.name.startswith("f")]
    assert records, "the first run stored no layer record"
    for p in records:
        p.write_bytes(p.read_bytes()[:10])


def test_a_warning_of_a_quiet_run_never_reaches_the_terminal(tmp_path):
    _damaged_cache(tmp_path)
    got, r = _probe(tmp_path, "--ci", DEMO_OCI)
    assert got["rc"] in (0, 1), r.stderr
    assert "logging" in got["modules"]  # the store warned about the damaged records
    assert "unusable" not in r.stderr and "Traceback" not in r.stderr


def test_a_warning_reaches_dive_log_file_when_enabled(tmp_path):
    _damaged_cache(tmp_path)
    got, r = _probe(tmp_path, "--ci", DEMO_OCI, DIVE_LOG_ENABLED="true")
    assert got["rc"] in (0, 1), r.stderr
    text = (tmp_path / "dive.log").read_text()
    assert "unusable" in text and "level=WARNING" in text
    assert "read docker-archive image" in text  # log_read still logs when the log is on
    assert "unusable" not in r.stderr


def _decimal_digits(x: float) -> tuple[str, int]:
    """The digits and point of ``repr(x)`` through :mod:`decimal` (what shortest_digits did
    before it stopped importing decimal): an independent reading of the same text."""
    t = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, t.digits)).lstrip("0")
    return digits.rstrip("0") or "0", len(digits) + int(t.exponent)


@pytest.mark.parametrize(
    "x", [0.0, 1.0, 0.1, 1e-05, 1e-4, 123456.0, 1e6, 1e16, 1e22, 1.5e300, 5e-324, 2.2250738585072014e-308, 99.5]
)
def test_shortest_digits_edges(x):
    assert shortest_digits(x) == _decimal_digits(x)


@given(st.floats(min_value=0.0, allow_nan=False, allow_infinity=False))
def test_shortest_digits_matches_decimal(x):
    assert shortest_digits(x) == _decimal_digits(x)
    digits, dp = shortest_digits(x)
    if x:
        assert math.isclose(float(f"0.{digits}e{dp}"), x, rel_tol=0)  # and it is the value


_LATE_LOGGING = """
import sys
from layerscope import log
log.quiet()  # what the console script does first
assert "logging" not in sys.modules
import logging  # later, by a module that logs directly (the registry client, Textual, ...)
logging.getLogger("layerscope.sources.registry").warning("LATE WARNING")
logging.getLogger("other.library").warning("OTHER WARNING")  # not ours: Python's default stands
"""


def test_logging_imported_late_by_anything_still_gets_the_null_handler(tmp_path):
    r = subprocess.run(
        [sys.executable, "-c", _LATE_LOGGING], env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert "LATE WARNING" not in r.stderr
    assert "OTHER WARNING" in r.stderr
