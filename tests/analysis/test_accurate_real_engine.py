"""The accurate overlay rules against the real engines, on hand-built malformed layers.

``tests/analysis/test_accurate_engine.py`` holds ``accurate_waste`` and the accurate copy-on-write
engine to each other; this file holds both to what Docker and containerd actually make of the same
layers: each case is written as a legacy ``docker save`` by our generator, then

* ``docker load`` into a private dockerd (overlay2 where overlay mounts work, else vfs), ``docker
  create`` and ``docker export``: the container's merged filesystem;
* ``ctr images import`` into the same private containerd, ``ctr images mount`` (overlayfs
  snapshotter): the image's merged filesystem.

The regular files found there, with their sizes, must be exactly ``final_files`` and the waste
analysis's live files.  A case an engine refuses to load (a path written under a file of the same
tar) is checked to be refused.  Skips when no private engine can start (not root, no dockerd).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save
from layerscope.analysis.accurate import accurate_waste
from layerscope.report.snapshot import final_files
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from tests.realtools.conftest import Engine, ToolError, any_engine


def F(name: str, data: bytes = b"x") -> M:  # noqa: N802 - reads like the tar it writes
    return M(name, "file", data=data)


def D(name: str) -> M:  # noqa: N802
    return M(name, "dir")


CASES: dict[str, list[list[M]]] = {
    "implicit-parent-over-file": [[F("a", b"file-a"), F("k", b"k")], [F("a/b", b"bb")]],
    "implicit-parent-of-whiteout-over-file": [[F("a", b"file-a"), F("k", b"k")], [F("a/.wh.b", b"")]],
    "implicit-parent-of-marker-over-file": [[F("a", b"file-a"), F("k", b"k")], [F("a/.wh..wh..opq", b"")]],
    "implicit-parent-of-whwh-name-over-file": [[F("a", b"file-a"), F("k", b"k")], [F("a/.wh..wh.foo", b"")]],
    "explicit-dir-over-file": [[F("a", b"file-a")], [D("a/"), F("a/b", b"bb")]],
    "under-whwh-dirs": [[D("a/"), F("a/f", b"f")], [F(".wh..wh.foo/x", b"x"), F("a/.wh..wh.bar/y", b"y")]],
    "under-marker-dir": [
        [D("a/"), F("a/f", b"f"), F("g", b"g")],
        [D("a/"), D("a/.wh..wh..opq/"), F("a/.wh..wh..opq/y", b"y"), D("a/.wh..wh.foo/"), F("a/.wh..wh.foo/z", b"z")],
    ],
    "file-after-paths-under-it": [[D("a/"), F("a/c", b"lower-c")], [F("a/b", b"bb"), F("a", b"file-a")]],
    "dir-after-file-in-one-tar": [[D("a/"), F("a/c", b"lower-c")], [F("a", b"file-a"), D("a/")]],
}
NAMES_A_PATH_TWICE = {"dir-after-file-in-one-tar"}
REFUSED = {  # a path under a file written before it: both engines fail with ENOTDIR
    "paths-after-a-file": [[D("a/"), F("a/c", b"lower-c")], [F("a", b"file-a"), F("a/b", b"bb")]],
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Iterator[Engine]:
    if not shutil.which("ctr"):
        pytest.skip("ctr (containerd's client) is not installed")
    root = Path(tmp_path_factory.mktemp("eng", numbered=True))
    short = Path("/tmp") / f"lsae-{os.getpid()}"  # unix socket paths must stay short
    try:
        with any_engine(short) as found:
            yield found
    finally:
        shutil.rmtree(short, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


def _archive(tmp: Path, name: str, layers: list[list[M]]) -> tuple[Path, str]:
    tag = f"lsae/{name}:t"
    path = tmp / f"{name}.tar"
    write_docker_save(
        str(path), ImageSpec([LayerSpec(ms, created_by=f"L{i}") for i, ms in enumerate(layers)], tags=[tag])
    )
    return path, tag


def _ours(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    image = load_image("docker-archive", str(path), ReadOptions(cache=False))
    live = {"/" + e.path: e.size for _layer, e in accurate_waste(image).live}
    return final_files(image), live


def _docker(engine: Engine, path: Path, tag: str, tmp: Path) -> dict[str, int]:
    engine.docker("load", "-i", str(path))
    cid = engine.docker("create", tag, "/none").stdout.decode().strip()
    out = tmp / f"{cid}.tar"
    try:
        engine.docker("export", "-o", str(out), cid)
    finally:
        engine.docker("rm", cid)
    with tarfile.open(out) as t:
        files = {"/" + m.name.strip("/"): m.size for m in t.getmembers() if m.isfile()}
    return {
        p: n for p, n in files.items() if p != "/.dockerenv" and not p.startswith(("/etc/", "/dev/", "/proc/", "/sys/"))
    }


def _ctr(engine: Engine, path: Path, tag: str, tmp: Path) -> dict[str, int]:
    ctr = ["ctr", "-a", engine.containerd_sock, "-n", "lsae"]
    subprocess.run(
        [*ctr, "images", "import", "--snapshotter", "overlayfs", str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    mnt = tmp / f"mnt-{tag.split('/')[1].split(':')[0]}"
    mnt.mkdir()
    subprocess.run(
        [*ctr, "images", "mount", "--snapshotter", "overlayfs", f"docker.io/{tag}", str(mnt)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        files = {}
        for d, _dirs, names in os.walk(mnt):
            for n in names:
                full = os.path.join(d, n)
                if os.path.isfile(full) and not os.path.islink(full):
                    files["/" + os.path.relpath(full, mnt)] = os.path.getsize(full)
        return files
    finally:
        subprocess.run([*ctr, "images", "unmount", str(mnt)], capture_output=True, timeout=60)


@pytest.mark.parametrize("name", sorted(CASES))
def test_final_files_are_what_the_engines_unpack(engine, name, tmp_path) -> None:
    path, tag = _archive(tmp_path, name, CASES[name])
    final, live = _ours(path)
    assert final == live
    if name in NAMES_A_PATH_TWICE:
        # dockerd's layer store refuses a tar that names one path twice (tar-split); containerd decides
        with pytest.raises(ToolError, match="duplicates of file paths"):
            engine.docker("load", "-i", str(path))
    else:
        assert final == _docker(engine, path, tag, tmp_path), ("docker", engine.driver)
    assert final == _ctr(engine, path, tag, tmp_path), "containerd"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_path_under_a_file_of_its_tar_is_refused(engine, name, tmp_path) -> None:
    path, tag = _archive(tmp_path, name, REFUSED[name])
    with pytest.raises(ToolError, match="not a directory"):
        engine.docker("load", "-i", str(path))
    r = subprocess.run(
        [
            "ctr",
            "-a",
            engine.containerd_sock,
            "-n",
            "lsae",
            "images",
            "import",
            "--snapshotter",
            "overlayfs",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and "not a directory" in r.stderr + r.stdout
    final, live = _ours(path)  # what we make of it (no engine does): both sides agree, nothing lower survives
    assert final == live == {"/a": 6, "/a/b": 2}
