"""``--json FILE`` is streamed into a temporary file and renamed: an error or Ctrl+C while
writing leaves the old FILE (or the device node) exactly as it was."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save
from layerscope.errors import LayerscopeError
from layerscope.export import dive_json
from layerscope.sources import load_image, pick_source
from layerscope.sources.archive import ReadOptions


def _small(tmp_path):
    path = tmp_path / "img.tar"
    write_docker_save(path, ImageSpec([LayerSpec([M("a.txt", data=b"a"), M("b.txt", data=b"bb")])]))
    source, arg = pick_source(str(path), None)
    return load_image(source, arg, ReadOptions())


def _temps(directory) -> list[str]:
    return [n for n in os.listdir(directory) if n.startswith(".layerscope-")]


def test_error_mid_export_keeps_old_file(tmp_path, monkeypatch):
    image = _small(tmp_path)
    out = tmp_path / "out.json"
    out.write_text("precious")

    def fail(_tree):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        yield  # pragma: no cover

    monkeypatch.setattr(dive_json, "_file_list", fail)
    with pytest.raises(LayerscopeError) as e:
        dive_json.export(str(out), image)
    assert e.value.exit_code == 2
    assert out.read_text() == "precious" and _temps(tmp_path) == []


def test_export_keeps_mode_of_existing_file(tmp_path):
    image = _small(tmp_path)
    out = tmp_path / "out.json"
    out.write_text("old")
    os.chmod(out, 0o600)
    dive_json.export(str(out), image)
    assert out.read_text().startswith('{\n  "layer": [') and stat.S_IMODE(os.stat(out).st_mode) == 0o600


@pytest.fixture(scope="module")
def big_image(tmp_path_factory):
    """Enough entries that dive's JSON takes seconds to write (tens of MB)."""
    path = tmp_path_factory.mktemp("big") / "big.tar"
    layers = [LayerSpec([M(f"d{layer}/{i // 1000}/f{i}") for i in range(60_000)]) for layer in range(2)]
    write_docker_save(path, ImageSpec(layers))
    return path


def _interrupt_while_writing(image, target, directory) -> subprocess.CompletedProcess:
    """SIGINT shortly after dive's "Exporting image to ..." line (printed just before the
    export starts), while tens of MB of JSON are being written."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    p = subprocess.Popen(
        [sys.executable, "-m", "layerscope", str(image), "--json", str(target)],
        cwd=directory,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    line = b""
    while b"Exporting" not in line and p.poll() is None:
        line = p.stdout.readline()
    time.sleep(0.3)
    finished_early = p.poll() is not None
    p.send_signal(signal.SIGINT)
    _out, err = p.communicate(timeout=120)
    if finished_early:
        pytest.skip("the export finished before it could be interrupted")
    return subprocess.CompletedProcess(p.args, p.returncode, b"", err)


def test_ctrl_c_during_json_keeps_old_file(big_image, tmp_path):
    out = tmp_path / "out.json"
    out.write_text("precious")
    r = _interrupt_while_writing(big_image, out, tmp_path)
    assert r.returncode != 0
    assert out.read_text() == "precious"
    assert _temps(tmp_path) == []
    assert b"Traceback" not in r.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_ctrl_c_during_json_to_device_keeps_node(big_image, tmp_path):
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    _interrupt_while_writing(big_image, node, tmp_path)
    assert stat.S_ISCHR(os.stat(node).st_mode)
    assert _temps(tmp_path) == []
