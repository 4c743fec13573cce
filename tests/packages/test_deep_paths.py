"""Deep paths below the reader's limits (as tests/hardening/test_deep_path_memory.py): a dpkg
database that lists them, some through a symlinked directory and some missing, must cost memory
linear in the bytes of the names, not O(depth × length) per path."""

from __future__ import annotations

import json
from pathlib import Path

from tests.hardening import tarbuild as tb
from tests.hardening.rss import measured

DEPTH = 2040
RSS_LIMIT_MB = 250  # the other commands' bound on the same shape


def test_deep_declared_paths_stay_small(tmp_path: Path) -> None:
    comp = "c" * 30
    members = [tb.symlink("link", "000000")]
    listed = []
    for k in range(16):
        name = f"{k:06d}/" + "/".join([comp] * DEPTH) + "/f"
        members.append(tb.pax([("path", name)]) + tb.reg("placeholder", b"x" * (k + 1)))
        listed.append("/" + name)
        listed.append("/link/" + "/".join([comp] * DEPTH) + "/missing")  # walked through the symlink
    status = b"Package: deep\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n"
    members.append(tb.reg("var/lib/dpkg/status", status))
    members.append(tb.reg("var/lib/dpkg/info/deep.list", ("\n".join(listed) + "\n").encode()))
    layer = tb.tar(*members)
    archive = tmp_path / "deep.tar"
    archive.write_bytes(tb.docker25_save([tb.compress(layer, "gzip")], ["sha256:" + tb.sha256(layer)]))
    r = measured(tmp_path, "packages", str(archive), "-q", "--format", "json", "-o", "out.json", timeout=300)
    assert r["rc"] == 0, r["stderr"]
    assert r["rss_mb"] < RSS_LIMIT_MB, r
    (pkg,) = json.loads((tmp_path / "out.json").read_text())["packages"]
    assert (pkg["bytes"], pkg["files"], pkg["missing"]) == (sum(range(1, 17)), 16, 16)
