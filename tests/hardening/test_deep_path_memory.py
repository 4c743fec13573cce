"""Deep paths *below* the reader's limits (the second half of the memory-bomb cases, after
tests/hardening/test_path_bounds.py): 16 paths 2,041 directories
deep, in a 12 KB archive, are valid input, so every command must finish — but the accurate
waste engine and the report's final-filesystem map kept every ancestor of every entry as a
string of its own (O(depth × length) bytes a path) and peaked at about 1 GB.  The bound here
is generous; what it catches is memory quadratic in the path length.

The peak RSS is measured as in ``test_path_bounds.py``: a child Python runs the CLI as *its*
child and reads ``getrusage(RUSAGE_CHILDREN)``, so pytest's own memory is not counted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from . import tarbuild as tb
from .rss import measured

RSS_LIMIT_MB = 250  # after the fix: ~165 MB (16-long), ~66 MB (64-short); before: 300 MB–1 GB
# dive's efficiency walk (``--ci``, ``--json``) held one growing prefix per directory of a deep
# path: 162 MB (16-long) before, ~37 MB after; 64-short is ~60 MB either way
CI_RSS_LIMIT_MB = 120
# the explorer's model (``LayerViews`` + ``FlatTree`` + a filter scan) stored every node's full
# path: 1.1 GB (16-long) / 390 MB (64-short) before, ~55 / ~120 MB after
UI_RSS_LIMIT_MB = 250
DEPTH = 2040  # components under the top directory: below max_path_depth (2048)


def _deep_image(paths: int, component: str) -> bytes:
    """One gzip layer of ``paths`` files ``NNNNNN/<component>/…/<component>/f`` (PAX names)."""
    members = []
    for k in range(paths):
        name = f"{k:06d}/" + "/".join([component] * DEPTH) + "/f"
        members.append(tb.pax([("path", name)]) + tb.reg("placeholder", b"x"))
    layer = tb.tar(*members)
    return tb.docker25_save([tb.compress(layer, "gzip")], ["sha256:" + tb.sha256(layer)])


def _measured(cwd: Path, *args: str) -> dict:
    return measured(cwd, *args, timeout=300)


COMMANDS = {
    "explain": ("explain", "{a}"),
    "explain-json": ("explain", "{a}", "--format", "json"),
    "report": ("report", "{a}", "-o", "report.txt"),
    "report-json": ("report", "{a}", "--format", "json", "-o", "base.json"),
    "diff": ("diff", "{a}", "{a}"),
}

CI_COMMANDS = {
    "ci": ("--ci", "{a}"),
    "dive-json": ("{a}", "--json", "dive.json"),
}

SHAPES = {
    "16-long": (16, "c" * 30),  # ~1 MB of names: was ~1 GB
    "64-short": (64, "c"),  # many short components: was ~350 MB
}


@pytest.fixture(scope="module", params=sorted(SHAPES))
def deep(request, tmp_path_factory) -> tuple[Path, int]:
    """(archive, number of deep files in it)."""
    path = tmp_path_factory.mktemp("deep") / "deep.tar"
    count, component = SHAPES[request.param]
    path.write_bytes(_deep_image(count, component))
    assert path.stat().st_size < 32 << 10  # the input is tiny: memory must follow its names
    return path, count


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_deep_paths_below_the_limits_finish_in_bounded_memory(
    command: str, deep: tuple[Path, int], tmp_path: Path
) -> None:
    args = [a.format(a=deep[0]) for a in COMMANDS[command]]
    r = _measured(tmp_path, *args)
    assert r["rc"] == 0, r["stderr"]
    assert r["rss_mb"] < RSS_LIMIT_MB, r


def test_deep_paths_are_all_counted(deep: tuple[Path, int], tmp_path: Path) -> None:
    """The runs above are not cheap because files went missing: every deep file is in the
    final image, and the report's baseline lists each by its full path."""
    archive, count = deep
    out = subprocess.run(
        [sys.executable, "-m", "layerscope", "explain", str(archive), "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["final_files"] == count
    subprocess.run(
        [sys.executable, "-m", "layerscope", "report", str(archive), "--format", "json", "-o", "base.json"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        timeout=300,
    )
    files = json.loads((tmp_path / "base.json").read_text())["files"]
    deep_files = [p for p in files if p.count("/") == DEPTH + 2 and p.endswith("/f")]
    assert len(deep_files) == count


@pytest.mark.parametrize("command", sorted(CI_COMMANDS))
def test_dive_efficiency_walk_of_deep_paths_stays_small(command: str, deep: tuple[Path, int], tmp_path: Path) -> None:
    """The CI hot path: dive's leaf walk must not hold a prefix string per directory level."""
    args = [a.format(a=deep[0]) for a in CI_COMMANDS[command]]
    r = _measured(tmp_path, *args)
    assert r["rc"] == 0, r["stderr"]
    assert r["rss_mb"] < CI_RSS_LIMIT_MB, r
    if command == "dive-json":
        doc = json.loads((tmp_path / "dive.json").read_text())
        # what dive 0.13.1 writes for these archives: every deep path occurs once
        assert doc["image"] == {"sizeBytes": deep[1], "inefficientBytes": 0, "efficiencyScore": 1, "fileReference": []}


_UI_MODEL = """
import json, re, sys
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.tree.marks import LayerTrees
from layerscope.tree.views import LayerViews
from layerscope.ui.flat_tree import FlatTree

image = load_image("docker-archive", sys.argv[1], ReadOptions())
deepest = max((e.path for layer in image.layers for e in layer.dive_entries), key=len)
out = {}
for accurate in (True, False):
    views = LayerViews(LayerTrees(image, accurate))
    for k in range(len(image.layers)):
        for aggregated in (False, True):
            flat = FlatTree.from_state(views.universe, views.view(k, aggregated))
            hits = flat.shared.matches(re.compile("/f$"))
            i = flat.find("/" + deepest)
            out[f"{accurate}-{k}-{aggregated}"] = [sum(hits), i > 0 and flat.path[i] == "/" + deepest]
# VmHWM, not getrusage's ru_maxrss: a child started by (v)fork + exec inherits the parent's high-water
# mark in ru_maxrss, so a long pytest session's own size would be measured; VmHWM is this image's only.
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"views": out, "rss_mb": int(hwm.split()[1]) / 1024}))
"""


def test_explorer_model_of_deep_paths_stays_small(deep: tuple[Path, int], tmp_path: Path) -> None:
    """The explorer's model of every layer in both compare modes (and both semantics), with a
    filter scan over every path: memory linear in the names, and the paths still right."""
    archive, count = deep
    proc = subprocess.run(
        [sys.executable, "-c", _UI_MODEL, str(archive)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["views"] and all(v == [count, True] for v in r["views"].values()), r["views"]
    assert r["rss_mb"] < UI_RSS_LIMIT_MB, r
