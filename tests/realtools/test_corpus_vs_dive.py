"""Images built and saved by real tools (see ``conftest.py``), with the real dive 0.13.1 as the
oracle, and a running container as the oracle for what the filesystem holds.

* Every archive dive reads deterministically (it has a ``manifest.json``: ``docker save``,
  ``ctr image export``, skopeo / buildah / podman docker-archives, umoci's result copied to a
  docker-archive): CI text, exit code and ``--json`` byte for byte.
* Layouts dive reads in random order or not at all (OCI archives, ``oci:`` directories,
  podman's ``docker-dir``): our CI text on them equals dive's on a dive-readable save of the same
  image, the image name aside; and the image totals of ``--json`` are equal.
* The ``docker://`` source against the private engine, byte for byte with dive's.
* ``stat`` inside a container of the image vs what our final tree says about the same paths.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from layerscope.image import TYPE_LINK
from layerscope.sources.archive import ReadOptions, read_archive
from layerscope.tree.build import build_layer_tree
from layerscope.tree.node import Node, get_node
from layerscope.tree.stack import stack_range
from tests.dive_oracle import DIVE, dive_unavailable

from .conftest import UNAVAILABLE, Corpus, ToolError, variant_keys

LS = [sys.executable, "-m", "layerscope"]
DIVE_READS = ("docker-save", "ctr-export", "docker-archive")
DIVE_KEYS = [k for k in variant_keys() if k.endswith(DIVE_READS)]
# includes skopeo's ``dir:`` layout (podman save --format docker-dir): manifest.json is one v2s2
# manifest object and blobs are named by bare hex digest.
LAYOUT_KEYS = [k for k in variant_keys() if not k.endswith(DIVE_READS)]


DIVE_REASON = dive_unavailable()
needs_dive = pytest.mark.skipif(DIVE_REASON is not None, reason=DIVE_REASON or "")


def run(argv: list[str], cwd: Path, *, ci: bool = True, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Run dive or layerscope from ``cwd`` (no ``.dive-ci``, HOME there: no stray config)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "XDG_CONFIG_HOME", "DOCKER_HOST")}
    if ci:
        env["CI"] = "true"
    env["HOME"] = str(cwd)
    env.update(extra_env or {})
    return subprocess.run(argv, cwd=cwd, capture_output=True, env=env, timeout=300)


def dive_json(archive: str, cwd: Path, out: str) -> bytes:
    res = run([DIVE, "--source", "docker-archive", archive, "--json", out], cwd, ci=False)
    assert res.returncode == 0, res.stdout + res.stderr
    return Path(out).read_bytes()


def our_json(image: str, cwd: Path, out: str) -> bytes:
    res = run([*LS, image, "--json", out], cwd, ci=False)
    assert res.returncode == 0, res.stderr
    return Path(out).read_bytes()


def show(res: subprocess.CompletedProcess) -> str:
    return f"rc={res.returncode}\n{res.stdout.decode(errors='replace')}\n{res.stderr.decode(errors='replace')}"


@needs_dive
@pytest.mark.parametrize("key", DIVE_KEYS)
def test_ci_text_exit_and_json_match_dive(key: str, corpus: Corpus, tmp_path: Path) -> None:
    """What dive reads deterministically, we must print and export byte for byte."""
    v = corpus.get(key)
    d = run([DIVE, "--source", "docker-archive", v.path], tmp_path)
    o = run([*LS, "--source", "docker-archive", v.path], tmp_path)
    assert o.stderr == b"", o.stderr
    assert o.stdout.decode(errors="replace") == d.stdout.decode(errors="replace"), (show(d), show(o))
    assert o.stdout == d.stdout
    assert o.returncode == d.returncode
    ours = our_json(v.path, tmp_path, str(tmp_path / "ours.json"))
    assert ours == dive_json(v.path, tmp_path, str(tmp_path / "dive.json"))


def _totals(raw: bytes) -> tuple[dict, list]:
    """The image section and each layer's size and command: what does not depend on how the
    layout names its blobs (layer ids are member names / digests, which differ by layout)."""
    doc = json.loads(raw)
    return doc["image"], [(layer["sizeBytes"], layer["command"]) for layer in doc["layer"]]


@needs_dive
@pytest.mark.parametrize("key", LAYOUT_KEYS)
def test_layout_numbers_equal_dive_on_same_image(key: str, corpus: Corpus, tmp_path: Path) -> None:
    """dive cannot read these layouts deterministically; our reading of them must give dive's
    numbers on a dive-readable save of the very same image."""
    v = corpus.get(key)
    sib = corpus.get(v.sibling)
    d = run([DIVE, "--source", "docker-archive", sib.path], tmp_path)
    o = run([*LS, v.path], tmp_path)
    assert o.stderr == b"", o.stderr
    ours = o.stdout.replace(v.path.encode(), b"IMAGE")
    theirs = d.stdout.replace(sib.path.encode(), b"IMAGE")
    assert ours.decode(errors="replace") == theirs.decode(errors="replace"), (show(d), show(o))
    assert o.returncode == d.returncode
    mine = our_json(v.path, tmp_path, str(tmp_path / "ours.json"))
    assert _totals(mine) == _totals(dive_json(sib.path, tmp_path, str(tmp_path / "dive.json")))


@needs_dive
@pytest.mark.parametrize("name", ["edits", "pyapp"])
def test_docker_engine_source_matches_dive(name: str, corpus: Corpus, tmp_path: Path) -> None:
    """``docker://NAME`` against a real engine: dive's bytes, including its wording of the
    extraction line (``Extracting image from docker-engine...``)."""
    corpus.get(f"{name}/docker-save")  # skips with the reason when the engine build failed
    tag, host = corpus.tags[name], corpus.engine.host
    d = run([DIVE, "--source", "docker", tag], tmp_path, extra_env={"DOCKER_HOST": host})
    assert b"Extracting image from docker-engine..." in d.stdout, show(d)  # the oracle's wording
    o = run([*LS, "--ci", f"docker://{tag}"], tmp_path, extra_env={"DOCKER_HOST": host})
    assert o.stdout.decode(errors="replace") == d.stdout.decode(errors="replace"), (show(d), show(o))
    assert o.stdout == d.stdout
    assert o.returncode == d.returncode


# paths of the "edits" image whose final metadata each layer changed a different way
STAT_PATHS = ["/x", "/x.hard", "/y", "/empty", "/cfg/n", "/data/keep/k", "/bin/busybox", "/cfg", "/data/keep", "/data"]


def _final_tree(archive: str) -> tuple[Node, dict[int, int]]:
    """Our stacked final tree, and for each hard-link entry (by identity) the size of the file
    it links to in its own layer: a tar hard link carries size 0, the file system does not."""
    img = read_archive(archive, archive, ReadOptions(hash_content=False))
    trees = [build_layer_tree(layer.entries, accurate=True) for layer in img.layers]
    link_sizes = {}
    for layer in img.layers:
        by_path = {e.path: e for e in layer.entries}
        for e in layer.entries:
            if e.typeflag == TYPE_LINK and e.linkname.lstrip("/") in by_path:
                link_sizes[id(e)] = by_path[e.linkname.lstrip("/")].size
    return stack_range(trees, 0, len(trees) - 1, accurate=True), link_sizes


def _model_stat(root: Node, link_sizes: dict[int, int], path: str) -> str:
    node = get_node(root, path.strip("/").split("/"))
    assert node is not None and node.info is not None, f"{path} missing from our tree"
    info = node.info
    size = "DIR" if node.is_dir else str(link_sizes.get(id(info), info.size))  # a dir's st_size is the fs's
    return f"{path} {size} {info.mode & 0o7777:o} {info.uid} {info.gid}"


def test_final_tree_matches_running_container(corpus: Corpus) -> None:
    """The container's filesystem is the oracle for size, permissions and owner of each path,
    after deletes, overwrites, chmod / chown copy-ups and an opaque directory."""
    v = corpus.get("edits/docker-save")
    try:
        res = corpus.engine.docker(
            "run",
            "--rm",
            "--user",
            "0",
            corpus.tags["edits"],
            "stat",
            "-c",
            "%n %s %a %u %g %F",
            *STAT_PATHS,
            timeout=120,
        )
    except ToolError as e:  # the engine built the image, so this is the host refusing containers
        UNAVAILABLE["edits/docker-run"] = str(e)
        pytest.skip(f"cannot run a container of the image here: {e}")
    expected = []
    for line in res.stdout.decode().splitlines():
        name, size, mode, uid, gid, kind = line.split(" ", 5)
        expected.append(f"{name} {'DIR' if kind == 'directory' else size} {mode} {uid} {gid}")
    root, link_sizes = _final_tree(v.path)
    assert [_model_stat(root, link_sizes, p) for p in STAT_PATHS] == expected
    gone = get_node(root, ["data", "gone"])
    assert gone is None, "a directory deleted by a later layer is still in our final tree"
    old = get_node(root, ["cfg", "old"])
    assert old is None, "a file under an opaque (recreated) directory survived in our final tree"
