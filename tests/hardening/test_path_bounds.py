"""Memory bombs that ``--max-bytes`` / ``--max-entries`` miss: a few KB of gzip
naming 16 paths 32,000 directories deep drove ``explain`` and ``report`` past 4–8 GB.  Every
command must now stop at the reader with exit 2, one line, and bounded memory.

The peak RSS is measured in a child Python process that runs the CLI as *its* child and reads
``getrusage(RUSAGE_CHILDREN)``, so only the CLI's own peak is counted, not pytest's."""

from __future__ import annotations

from pathlib import Path

import pytest

from .corpus import CASES
from .rss import measured

RSS_LIMIT_MB = 500  # generous: the read stops at the first deep member (about 30 MB here)


def _measured(cwd: Path, *args: str) -> dict:
    return measured(cwd, *args, timeout=120)


COMMANDS = {
    "explain": ("explain", "{a}"),
    "explain-json": ("explain", "{a}", "--format", "json"),
    "report": ("report", "{a}", "-o", "base.json"),
    "diff": ("diff", "{a}", "{a}"),
    "ci": ("--ci", "{a}"),
    "json": ("{a}", "--json", "out.json"),
}


@pytest.fixture(scope="module")
def deep_archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("deep") / "deep.tar"
    CASES["deep_path_32000_levels_gzip"].write(path)
    assert path.stat().st_size < 64 << 10  # the bomb is small: the point of the case
    return path


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_deep_paths_stop_every_command_with_bounded_memory(command: str, deep_archive: Path, tmp_path: Path) -> None:
    args = [a.format(a=deep_archive) for a in COMMANDS[command]]
    r = _measured(tmp_path, *args)
    lines = r["stderr"].strip().splitlines()
    assert r["rc"] == 2, r["stderr"]
    assert len(lines) == 1 and lines[0].startswith("layerscope: "), r["stderr"]
    assert "32001 directories deep (limit 2048)" in lines[0]
    assert "…" in lines[0] and len(lines[0]) < 400  # the 64 KB name is shortened
    assert r["rss_mb"] < RSS_LIMIT_MB, r
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "base.json").exists()
