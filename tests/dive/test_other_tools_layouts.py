"""Archive layouts written by other tools, checked against dive where dive reads them
deterministically (they all carry a manifest.json):

* kaniko's ``--tar-path`` tarball: layers ``<hex>.tar.gz`` at the top level, config named
  ``sha256:<hex>`` (no ``.json``), written by our generator (``write_kaniko_tarball``); its
  layers start with a ``/`` member and may name files ``/bin/x`` (once refused);
* podman's ``docker-archive``: layers ``<hex>.tar`` at the top level, config ``<hex>.json``,
  re-packed here from a generated ``docker save``, byte-exact layer contents.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile

import pytest

from fixtures.catalog import CASES, KANIKO_CASES, write_layout
from fixtures.imagegen import write_docker_save

from .test_differential import DIVE, LS, SKIP_REASON, run

pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


def _repack(src: str, dst: str) -> None:
    """Re-pack a generated ``docker save`` the way podman's ``docker-archive`` names it."""
    with tarfile.open(src) as t:
        manifest = json.load(t.extractfile("manifest.json"))[0]
        config = t.extractfile(manifest["Config"]).read()
        layers = [t.extractfile(name).read() for name in manifest["Layers"]]
    members: list[tuple[str, bytes]] = []
    names = []
    for data in layers:
        hexd = hashlib.sha256(data).hexdigest()
        name, blob = f"{hexd}.tar", data
        if name not in names:
            members.append((name, blob))
        names.append(name)
    cfg_hex = hashlib.sha256(config).hexdigest()
    cfg_name = f"{cfg_hex}.json"
    members.append((cfg_name, config))
    members.append(
        (
            "manifest.json",
            json.dumps([{"Config": cfg_name, "RepoTags": manifest["RepoTags"], "Layers": names}]).encode(),
        )
    )
    with tarfile.open(dst, "w") as out:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            out.addfile(ti, io.BytesIO(data))


def _assert_matches_dive(tmp: str) -> None:
    """CI exit code and text, and the ``--json`` export, byte for byte against dive."""
    d = run([DIVE, "--source", "docker-archive", "img.tar"], tmp)
    o = run([*LS, "--source", "docker-archive", "img.tar"], tmp)
    assert o.returncode == d.returncode, o.stderr
    assert o.stdout == d.stdout
    d = run([DIVE, "--source", "docker-archive", "img.tar", "--json", "d.json"], tmp, ci=False)
    o = run([*LS, "--source", "docker-archive", "img.tar", "--json", "o.json"], tmp, ci=False)
    assert o.returncode == 0, o.stderr
    assert open(os.path.join(tmp, "o.json"), "rb").read() == open(os.path.join(tmp, "d.json"), "rb").read()


@pytest.mark.parametrize("case", ["demo", "hardlink_symlink_grow", "long_names"])
def test_podman_archive_matches_dive(case, tmp_path):
    tmp = str(tmp_path)
    write_docker_save(os.path.join(tmp, "save.tar"), CASES[case])
    _repack(os.path.join(tmp, "save.tar"), os.path.join(tmp, "img.tar"))
    _assert_matches_dive(tmp)


@pytest.mark.parametrize("case", ["demo", "hardlink_symlink_grow", "long_names", *sorted(KANIKO_CASES)])
def test_kaniko_tarball_matches_dive(case, tmp_path):
    """kaniko's tarballs (``/`` and ``/bin/x`` members, the same path named ``/x`` and ``x`` in
    one layer, absolute hard-link targets): dive reads them, and so must we, identically."""
    tmp = str(tmp_path)
    write_layout(case, "kaniko", os.path.join(tmp, "img.tar"))
    _assert_matches_dive(tmp)


@pytest.mark.parametrize("command", [("explain",), ("report", "-o", "base.json"), ("diff", "img.tar")])
def test_kaniko_absolute_names_read_by_every_command(command, tmp_path):
    """The other commands read the same image (before absolute names were read: exit 2, name refused)."""
    tmp = str(tmp_path)
    write_layout("kaniko_absolute_names", "kaniko", os.path.join(tmp, "img.tar"))
    o = run([*LS, command[0], "img.tar", *command[1:]], tmp, ci=False)
    assert o.returncode in (0, 1), o.stderr
    assert b"refused" not in o.stderr and b"internal error" not in o.stderr, o.stderr
