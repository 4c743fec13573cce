"""More layers against the real engines: a top-level opaque marker, ``.wh..wh.*`` directories with
children, implicit ``.wh.*`` directories (paths under them, no member of that name), and a directory
replaced by a file or a symlink without a whiteout.  Each is checked three ways, against what a
private dockerd (``docker export`` of a created container) and containerd (``ctr images mount``,
overlayfs) show:

* the regular files: ``final_files`` and the waste analysis's live files;
* every path, directories included: the explorer's accurate tree of the last layer (compare and
  aggregated mode), Removed paths left out;
* no path error in those trees (the explorer's "unable to remove …" notice), but for whiteouts of
  paths no layer below has (``PATH_ERRORS``);
* the explorer's views (``LayerViews``) give the same trees, and ``report`` (what ``diff`` compares)
  and ``explain`` the same final files.

Where docker and containerd disagree (a tar both do not accept the same way: a whiteout after a
path of its name, containerd's bottom layer with an opaque marker at its root), there is no case
here; ``docs/dive-compat.md`` says which one the accurate view follows.

The engine, the archives and the listing helpers are those of ``test_accurate_real_engine.py``.
Skips when no private engine can start (not root, no dockerd).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.tree.marks import LayerTrees, TreeKey
from layerscope.tree.node import REMOVED, walk_pre
from layerscope.tree.views import C_REMOVED, LayerViews
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
    # ``rm -rf /a/* && echo > /a/y`` as one layer: a path written again under the marker exists
    "opaque-then-rewrite-in-one-layer": [
        [D("a/"), F("a/x", b"xx"), F("a/y", b"old")],
        [D("a/"), F("a/.wh..wh..opq", b""), F("a/y", b"new!")],
    ],
    # the whiteout becomes a device at a, which the directory member then replaces with a plain
    # (not opaque) directory: the lower /a/x stays
    "whiteout-then-dir-in-one-layer": [
        [D("a/"), F("a/x", b"xx"), F("a/y", b"old")],
        [F(".wh.a", b""), D("a/"), F("a/y", b"new!")],
    ],
    "whiteout-then-file-in-one-layer": [
        [D("a/"), F("a/x", b"xx"), F("a/y", b"old")],
        [F(".wh.a", b""), F("a", b"file")],
    ],
    "child-whiteout-then-rewrite": [
        [D("a/"), F("a/x", b"xx"), F("a/y", b"old")],
        [D("a/"), F("a/.wh.x", b""), F("a/x", b"new!")],
    ],
    # the bottom layer: its whiteouts delete nothing and are no files; a/a exists only to hold one
    "bottom-layer-whiteouts": [
        [F("a/a/.wh.a", b""), F(".wh.q", b""), F(".wh.b", b""), D("b/"), F("b/x", b"x"), F("k", b"k")],
        [F("z", b"z")],
    ],
    # whiteout members that hold a whiteout or a marker written after them: directories (written
    # before them, docker drops the directory and containerd keeps it: see docs/dive-compat.md)
    "whiteout-members-holding-whiteouts": [
        [F("k", b"k")],
        [F(".wh.a", b""), F(".wh.a/.wh.b", b""), F(".wh.c", b""), F(".wh.c/.wh..wh..opq", b"")],
    ],
    # aggregated mode: added by one layer, then hidden by an opaque directory or a file over its
    # directory in the next
    "added-then-hidden-across-layers": [
        [F("keep", b"k"), D("d/"), F("d/x", b"x"), D("e/")],
        [F("d/n", b"n"), F("e/n", b"n")],
        [D("d/"), F("d/.wh..wh..opq", b""), F("d/m", b"m"), F("e", b"file")],
    ],
}
# the explorer reports these, as dive does: whiteouts of paths that do not exist
# symlinks: ``final_files`` lists them, the engines' regular-file listings do not
LINKS = {"symlink-over-dir": {"/var/run"}}
PATH_ERRORS = {
    "whiteouts-under-whwh-dirs": ["/.wh..wh..opq/a", "/a/.wh..wh.x/b"],
    "implicit-whiteout-named-dirs": ["/.wh.g/q"],
    "whiteout-members-holding-whiteouts": ["/.wh.a/b", "/a", "/c"],
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
    """The last layer's accurate tree in both modes, Removed paths left out, with its path errors;
    the explorer's views (checkpoints, chains) must give the same."""
    image = load_image("docker-archive", str(path), ReadOptions(cache=False))
    lt = LayerTrees(image, accurate=True)
    views = LayerViews(LayerTrees(image, accurate=True))
    u = views.universe
    out = []
    for aggregated in (False, True):
        tree, errors = lt.compare(TreeKey.for_layer(len(image.layers) - 1, aggregated))
        paths = {"/" + "/".join(n) for n, node in walk_pre(tree) if node.mark != REMOVED}
        st = views.view(len(image.layers) - 1, aggregated)
        assert {u.path[i] for i in range(1, len(u)) if st.code[i] and st.code[i] != C_REMOVED} == paths
        assert st.errors == errors
        out.append((paths, errors))
    return out


def _cli_files(path: Path) -> tuple[dict[str, int], int]:
    """``report``'s final files (what ``diff`` compares) and the count ``explain`` gives."""
    ref = f"docker-archive://{path}"
    run = [sys.executable, "-m", "layerscope"]
    rep = subprocess.run([*run, "report", "--format", "json", ref], capture_output=True, text=True, timeout=120)
    exp = subprocess.run([*run, "explain", "--format", "json", ref], capture_output=True, text=True, timeout=120)
    assert rep.returncode == 0 and exp.returncode == 0, rep.stderr + exp.stderr
    return json.loads(rep.stdout)["files"], json.loads(exp.stdout)["final_files"]


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
    report_files, explain_count = _cli_files(path)
    assert report_files == _ours(path)[0] and explain_count == len(report_files)
    assert {p: n for p, n in report_files.items() if p not in LINKS.get(name, set())} == final
