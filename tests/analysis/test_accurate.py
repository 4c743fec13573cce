"""layerscope's accurate waste figures against a brute-force reference.

The reference never looks at layerscope's trees: it extracts every layer tar (written by the
generator, read back with ``tarfile``) onto a real directory with overlay semantics (deletions
of a layer before its additions; a whiteout removes a path, an opaque marker empties a
directory, a written file replaces whatever was there, in a fresh inode), remembers which layer
wrote each inode, and at the end asks the filesystem which inodes survived.  Dead bytes are the
stored bytes whose inode did not survive.  Hardlinks share inodes, exactly as in a container.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile

import pytest

from fixtures import catalog, waste_cases
from fixtures.imagegen import ImageSpec, layer_tar, write_docker_save, write_oci_archive
from layerscope.analysis.accurate import COPY_UP, DELETED, OVERWRITTEN, accurate_waste
from layerscope.analysis.globs import PathGlobs
from layerscope.sources import load_image, pick_source
from layerscope.sources.archive import ReadOptions


def _rm(path: str) -> None:
    if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def _ensure_dir(root: str, rel: str) -> None:
    """Create ``rel`` as a directory, replacing a non-directory on the way (an implicit dir)."""
    cur = root
    for part in [p for p in rel.split("/") if p]:
        cur = os.path.join(cur, part)
        if os.path.lexists(cur) and (os.path.islink(cur) or not os.path.isdir(cur)):
            os.unlink(cur)
        if not os.path.lexists(cur):
            os.mkdir(cur)


def _clean(name: str) -> str:
    return os.path.normpath("/" + name).lstrip("/")


def reference(spec: ImageSpec, root: str) -> tuple[int, list[int], list[int]]:
    """(total stored bytes, per-layer stored bytes, per-layer dead bytes) by extraction."""
    inode_layer: dict[int, int] = {}
    stored = []
    for i, layer in enumerate(spec.layers):
        buf = io.BytesIO()
        layer_tar(layer.members, buf)
        buf.seek(0)
        with tarfile.open(fileobj=buf) as tf:
            members = tf.getmembers()
            stored.append(
                sum(m.size for m in members if m.isreg() and not os.path.basename(_clean(m.name)).startswith(".wh."))
            )
            for m in members:  # deletions first
                name = _clean(m.name)
                base = os.path.basename(name)
                if base == ".wh..wh..opq":
                    d = os.path.join(root, os.path.dirname(name))
                    if os.path.isdir(d) and not os.path.islink(d):
                        for child in os.listdir(d):
                            _rm(os.path.join(d, child))
                elif base.startswith(".wh."):
                    _rm(os.path.join(root, os.path.dirname(name), base[4:]))
            for m in members:
                name = _clean(m.name)
                base = os.path.basename(name)
                if base.startswith(".wh.") or name in ("", "."):
                    continue
                path = os.path.join(root, name)
                _ensure_dir(root, os.path.dirname(name))
                if m.isdir():
                    if os.path.lexists(path) and (os.path.islink(path) or not os.path.isdir(path)):
                        os.unlink(path)
                    os.makedirs(path, exist_ok=True)
                    continue
                _rm(path)
                if m.isreg():
                    with open(path, "wb") as out:
                        shutil.copyfileobj(tf.extractfile(m), out)
                    inode_layer[os.lstat(path).st_ino] = i
                elif m.islnk():
                    os.link(os.path.join(root, _clean(m.linkname)), path, follow_symlinks=False)
                elif m.issym():
                    os.symlink(m.linkname, path)
    alive = [0] * len(spec.layers)
    seen: set[int] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for fn in filenames + dirnames:
            st = os.lstat(os.path.join(dirpath, fn))
            if stat.S_ISREG(st.st_mode) and st.st_ino not in seen:
                seen.add(st.st_ino)
                alive[inode_layer[st.st_ino]] += st.st_size
    dead = [s - a for s, a in zip(stored, alive, strict=False)]
    return sum(stored), stored, dead


def _load(path) -> object:
    return load_image(*pick_source(str(path), None), ReadOptions())


# every waste case, and every dive case of the catalog whose names a POSIX filesystem can hold
_CATALOG = [n for n in catalog.CASES if n not in ("non_utf8_name", "devices_fifo", "empty_layer_tar")]
_ALL = [("waste", n) for n in waste_cases.CASES] + [("catalog", n) for n in _CATALOG]


@pytest.mark.parametrize("origin,name", _ALL, ids=[f"{o}-{n}" for o, n in _ALL])
def test_accurate_matches_extraction(tmp_path, origin, name):
    spec = waste_cases.CASES[name]().spec if origin == "waste" else catalog.CASES[name]
    write_docker_save(tmp_path / "img.tar", spec)
    acc = accurate_waste(_load(tmp_path / "img.tar"))
    root = tmp_path / "root"
    root.mkdir()
    total, stored, dead = reference(spec, str(root))
    assert acc.total_bytes == total
    assert [lw.size for lw in acc.layers] == stored
    assert [lw.dead_bytes for lw in acc.layers] == dead
    assert acc.wasted_bytes == sum(dead)
    assert acc.live_bytes == total - sum(dead)


@pytest.mark.parametrize("name", list(waste_cases.CASES))
def test_accurate_total_from_generator_inputs(tmp_path, name):
    case = waste_cases.CASES[name]()
    write_oci_archive(tmp_path / "img.tar", case.spec, compression="gzip")
    acc = accurate_waste(_load(tmp_path / "img.tar"))
    assert acc.wasted_bytes == case.accurate


def _spec(*layers) -> ImageSpec:
    return ImageSpec([waste_cases.BASE, *layers])


def test_fates_name_the_killing_layer_and_how(tmp_path):
    f, L = waste_cases.f, waste_cases.L
    spec = _spec(
        L("RUN a", f("x/keep", 10), f("x/over", 100, seed=1), f("x/chmod", 200, mode=0o644), f("d/in", 400), t=1),
        L("RUN b", f("x/over", 50, seed=2), f("x/chmod", 200, mode=0o700), t=2),
        L("RUN c", waste_cases.whiteout("d"), t=3),
    )
    write_docker_save(tmp_path / "img.tar", spec)
    acc = accurate_waste(_load(tmp_path / "img.tar"))
    fates = {d.path: (d.layer, d.killer, d.how, d.anchor) for d in acc.dead}
    assert fates == {
        "/x/over": (1, 2, OVERWRITTEN, "x/over"),
        "/x/chmod": (1, 2, COPY_UP, "x/chmod"),
        "/d/in": (1, 3, DELETED, "d"),
    }
    assert acc.layers[2].killed_bytes == 300 and acc.layers[3].killed_bytes == 400
    assert acc.by_how() == {OVERWRITTEN: 100, COPY_UP: 200, DELETED: 400}


def test_without_hashes_copy_up_counts_as_overwritten_same_total(tmp_path):
    case = waste_cases.chmod_copy_up()
    write_docker_save(tmp_path / "img.tar", case.spec)
    img = load_image(*pick_source(str(tmp_path / "img.tar"), None), ReadOptions(hash_content=False))
    acc = accurate_waste(img)
    assert not acc.hashed
    assert acc.wasted_bytes == 70_000 and acc.by_how()[OVERWRITTEN] == 70_000


def test_ignore_globs_move_bytes_out_of_the_figure(tmp_path):
    case = waste_cases.deleted_dir()  # 90,000 dead bytes under /tmp/build
    write_docker_save(tmp_path / "img.tar", case.spec)
    img = _load(tmp_path / "img.tar")
    acc = accurate_waste(img, PathGlobs(["/tmp/build/a.o"]))
    assert (acc.wasted_bytes, acc.ignored_bytes) == (30_000, 60_000)
    acc = accurate_waste(img, PathGlobs(["*.o"]))
    assert (acc.wasted_bytes, acc.ignored_bytes) == (0, 90_000)
    assert acc.efficiency == 1.0


def _random_spec(seed: int) -> ImageSpec:
    """Random stacks of writes, rewrites, chmods, file/dir deletes, opaque dirs and hardlinks
    over a small path space, so the layers keep colliding."""
    import random

    from fixtures.imagegen import LayerSpec, M, opaque, whiteout

    rnd = random.Random(seed)
    dirs = ["a", "a/b", "c", "c/d"]
    names = [f"{d}/{n}" for d in dirs for n in ("x", "y", "z")]
    layers = []
    for li in range(rnd.randint(2, 5)):
        members, used = [], set()
        for _ in range(rnd.randint(1, 7)):
            op = rnd.random()
            p = rnd.choice(names)
            if op < 0.45:
                members.append(
                    M(
                        p,
                        "file",
                        size=rnd.choice([0, 10, 100, 1000]),
                        seed=rnd.randint(0, 2),
                        mode=rnd.choice([0o644, 0o755]),
                        mtime=1700000000 + li,
                    )
                )
                used.add(p)
            elif op < 0.6 and p not in used:
                members.append(whiteout(p))
            elif op < 0.7:
                d = rnd.choice(dirs)
                if not any(u.startswith(d + "/") or u == d for u in used):
                    members.append(whiteout(d))
            elif op < 0.8:
                d = rnd.choice(dirs)
                members.append(M(d, "dir", mtime=1700000000 + li))
                members.append(opaque(d))
            elif op < 0.9 and used:
                target = rnd.choice(sorted(used))
                link = rnd.choice([n for n in names if n not in used] or [None])
                if link and os.path.dirname(link) == os.path.dirname(target):
                    members.append(M(link, "hardlink", linkname=target, mtime=1700000000 + li))
                    used.add(link)
            else:
                members.append(M(rnd.choice(dirs), "dir", mode=rnd.choice([0o755, 0o700]), mtime=1700000000 + li))
        layers.append(LayerSpec(members, f"RUN step {li}"))
    return ImageSpec(layers)


@pytest.mark.parametrize("seed", range(40))
def test_accurate_matches_extraction_random(tmp_path, seed):
    spec = _random_spec(seed)
    write_docker_save(tmp_path / "img.tar", spec)
    acc = accurate_waste(_load(tmp_path / "img.tar"))
    root = tmp_path / "root"
    root.mkdir()
    total, stored, dead = reference(spec, str(root))
    assert (acc.total_bytes, [lw.dead_bytes for lw in acc.layers]) == (total, dead)
