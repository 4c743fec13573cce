"""Archive layouts written by other tools, checked against dive where dive reads them
deterministically (they all carry a manifest.json):

* kaniko's ``--tar-path`` tarball: layers ``<hex>.tar.gz`` at the top level, config named
  ``sha256:<hex>`` (no ``.json``);
* podman's ``docker-archive``: layers ``<hex>.tar`` at the top level, config ``<hex>.json``.

Both are re-packed here from a generated ``docker save`` (our own generator), byte-exact layer
contents, only the outer naming changes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile

import pytest

from fixtures.catalog import CASES
from fixtures.imagegen import write_docker_save

from .test_differential import DIVE, LS, SKIP_REASON, run

pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


def _repack(src: str, dst: str, style: str) -> None:
    with tarfile.open(src) as t:
        manifest = json.load(t.extractfile("manifest.json"))[0]
        config = t.extractfile(manifest["Config"]).read()
        layers = [t.extractfile(name).read() for name in manifest["Layers"]]
    members: list[tuple[str, bytes]] = []
    names = []
    for data in layers:
        hexd = hashlib.sha256(data).hexdigest()
        if style == "kaniko":
            name, blob = f"{hexd}.tar.gz", gzip.compress(data, mtime=0)
        else:
            name, blob = f"{hexd}.tar", data
        if name not in names:
            members.append((name, blob))
        names.append(name)
    cfg_hex = hashlib.sha256(config).hexdigest()
    cfg_name = f"sha256:{cfg_hex}" if style == "kaniko" else f"{cfg_hex}.json"
    members.append((cfg_name, config))
    members.append(("manifest.json", json.dumps([{"Config": cfg_name, "RepoTags": manifest["RepoTags"],
                                                   "Layers": names}]).encode()))
    with tarfile.open(dst, "w") as out:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            out.addfile(ti, io.BytesIO(data))


@pytest.mark.parametrize("style", ["kaniko", "podman"])
@pytest.mark.parametrize("case", ["demo", "hardlink_symlink_grow", "long_names"])
def test_other_tool_layouts_match_dive(style, case, tmp_path):
    tmp = str(tmp_path)
    write_docker_save(os.path.join(tmp, "save.tar"), CASES[case])
    _repack(os.path.join(tmp, "save.tar"), os.path.join(tmp, "img.tar"), style)
    d = run([DIVE, "--source", "docker-archive", "img.tar"], tmp)
    o = run([*LS, "--source", "docker-archive", "img.tar"], tmp)
    assert o.returncode == d.returncode, o.stderr
    assert o.stdout == d.stdout
    d = run([DIVE, "--source", "docker-archive", "img.tar", "--json", "d.json"], tmp, ci=False)
    o = run([*LS, "--source", "docker-archive", "img.tar", "--json", "o.json"], tmp, ci=False)
    assert open(os.path.join(tmp, "o.json"), "rb").read() == open(os.path.join(tmp, "d.json"), "rb").read()
