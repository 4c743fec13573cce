"""More layers against the real engines: a top-level opaque marker, ``.wh..wh.*`` directories with
children, implicit ``.wh.*`` directories (paths under them, no member of that name), and a directory
replaced by a file or a symlink without a whiteout.  Each is checked three ways, against what a
private dockerd (``docker export`` of a created container) and containerd (``ctr images mount``,
overlayfs) show:

* the regular files: ``final_files`` and the waste analysis's live files;
* every path, directories included: the explorer's accurate tree of the last layer (compare and
  aggregated mode), Removed paths left out;
* no path error in those trees (the explorer's "unable to remove …" notice).

The engine, the archives and the listing helpers are those of ``test_accurate_real_engine.py``.
Skips when no private engine can start (not root, no dockerd).
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.tree.marks import LayerTrees, TreeKey
from layerscope.tree.node import REMOVED, walk_pre
from tests.analysis.test_accurate_real_engine import D, F, M, _archive, _ctr, _docker, _ours, engine  # noqa: F401

CASES: dict[str, list[list[M]]] = {
    "opaque-marker-at-the-root": [
        [D("a/"), F("a/f", b"lower-f"), F("g", b"gg"), D("e/")],
        [F(".wh..wh..opq", b""), F("y", b"1")],
    ],
    "opaque-marker-at-the-root-and-in-a-dir": [
        [D("a/"), F("a/f", b"lower-f"), D("b/"), F("b/h", b"hh"), F("g", b"gg")],
        [F(".wh..wh..opq", b""), D("b/"), F("b/.wh..wh..opq", b""), F("b/n", b"new")],
    ],
    "whwh-dirs-with-children": [
        [D("a/"), F("a/f", b"lower-f"), F("g", b"gg")],
        [
            D(".wh..wh.foo/"),
            F(".wh..wh.foo/x", b"x"),
            D("a/"),
            D("a/.wh..wh.bar/"),
            F("a/.wh..wh.bar/y", b"y"),
            D("a/.wh..wh.bar/sub/"),
            F("a/.wh..wh.bar/sub/z", b"zz"),
        ],
    ],
    "whwh-dir-beside-names-it-could-mean": [
        [D("a/"), F("a/wh.foo", b"w"), F("a/foo", b"f"), F("a/.wh..wh.fo", b"")],
        [D("a/.wh..wh.foo/"), F("a/.wh..wh.foo/x", b"x")],
    ],
    "whiteouts-under-whwh-dirs": [  # the whiteouts' directories are created; nothing is deleted
        [D("a/"), F("a/f", b"lower-f"), F("k", b"k")],
        [F(".wh..wh..opq/.wh.a", b""), F("a/.wh..wh.x/.wh.b", b""), F(".wh..wh.q/.wh..wh..opq", b"")],
    ],
    "implicit-whiteout-named-dirs": [  # no member named .wh.a or .wh.g: plain directories
        [D("a/"), F("a/f", b"ff"), F("g", b"g")],
        [F(".wh.a/x", b"x"), D(".wh.a/d/"), F(".wh.g/.wh.q", b"")],
    ],
    # not malformed: what an overlay diff holds after ``rm -rf /d && touch /d`` (no whiteout)
    "file-over-dir": [[D("d/"), F("d/x", b"xx"), D("d/s/"), F("d/s/y", b"y"), F("k", b"k")], [F("d", b"ddd")]],
    "symlink-over-dir": [
        [D("var/"), D("var/run/"), F("var/run/p", b"pp"), D("run/")],
        [M("var/run", "symlink", linkname="/run")],
    ],
}
# the explorer reports these, as dive does: whiteouts of paths that do not exist
# symlinks: ``final_files`` lists them, the engines' regular-file listings do not
LINKS = {"symlink-over-dir": {"/var/run"}}
PATH_ERRORS = {
    "whiteouts-under-whwh-dirs": ["/.wh..wh..opq/a", "/a/.wh..wh.x/b"],
    "implicit-whiteout-named-dirs": ["/.wh.g/q"],
}
_SYSTEM = ("/etc", "/dev", "/proc", "/sys", "/.dockerenv")


def _docker_paths(eng, path: Path, tag: str, tmp: Path) -> set[str]:
    cid = eng.docker("create", tag, "/none").stdout.decode().strip()
    out = tmp / f"{cid}-all.tar"
    try:
        eng.docker("export", "-o", str(out), cid)
    finally:
        eng.docker("rm", cid)
    with tarfile.open(out) as t:
        names = {"/" + m.name.strip("/") for m in t.getmembers()} - {"/"}
    return {p for p in names if not p.startswith(_SYSTEM)}


def _ctr_paths(eng, tag: str, tmp: Path) -> set[str]:
    ctr = ["ctr", "-a", eng.containerd_sock, "-n", "lsae"]
    mnt = tmp / "mnt-all"
    mnt.mkdir()
    subprocess.run(
        [*ctr, "images", "mount", "--snapshotter", "overlayfs", f"docker.io/{tag}", str(mnt)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        out = set()
        for d, dirs, names in os.walk(mnt):
            for n in dirs + names:
                full = os.path.join(d, n)
                # overlayfs lists a whiteout device in a directory of one layer only; it is no file
                if os.path.lexists(full):
                    out.add("/" + os.path.relpath(full, mnt))
        return out
    finally:
        subprocess.run([*ctr, "images", "unmount", str(mnt)], capture_output=True, timeout=60)


def _explorer(path: Path) -> list[tuple[set[str], list[str]]]:
    image = load_image("docker-archive", str(path), ReadOptions(cache=False))
    lt = LayerTrees(image, accurate=True)
    out = []
    for aggregated in (False, True):
        tree, errors = lt.compare(TreeKey.for_layer(len(image.layers) - 1, aggregated))
        out.append(({"/" + "/".join(n) for n, node in walk_pre(tree) if node.mark != REMOVED}, errors))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_files_paths_and_marks_are_what_the_engines_show(engine, name, tmp_path) -> None:  # noqa: F811
    path, tag = _archive(tmp_path, name, CASES[name])
    final, live = _ours(path)
    assert final == live
    final = {p: n for p, n in final.items() if p not in LINKS.get(name, set())}
    assert final == _docker(engine, path, tag, tmp_path), ("docker", engine.driver)
    assert final == _ctr(engine, path, tag, tmp_path), "containerd"
    shown = _docker_paths(engine, path, tag, tmp_path)
    assert shown == _ctr_paths(engine, tag, tmp_path)
    for paths, errors in _explorer(path):
        assert errors == PATH_ERRORS.get(name, [])
        assert paths == shown
