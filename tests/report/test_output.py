"""The one output writer (layerscope.report.output): regular files replaced atomically with their
mode kept, symlinks followed, devices and FIFOs written into, every failure one error and the old
file left exactly as it was."""

from __future__ import annotations

import errno
import os
import stat
import threading

import pytest

from layerscope.errors import LayerscopeError
from layerscope.report import output
from layerscope.report.output import GuardedStdout, open_output, write_file


def _temps(directory) -> list[str]:
    return [n for n in os.listdir(directory) if n.startswith(".layerscope-")]


def test_existing_file_keeps_its_mode(tmp_path):
    p = tmp_path / "base.json"
    p.write_text("old")
    os.chmod(p, 0o600)
    write_file(str(p), "new")
    assert p.read_text() == "new"
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert _temps(tmp_path) == []


def test_new_file_gets_0666_minus_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_file(str(tmp_path / "n.json"), "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "n.json").st_mode) == 0o640


def test_symlink_is_followed_not_replaced(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "t.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_file(str(link), "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert _temps(tmp_path) == [] and _temps(tmp_path / "real") == []


def test_hard_link_is_split_like_sed_i(tmp_path):
    """The documented choice: an atomic rename gives the path a new inode; the other name
    keeps the old content, never a half-written one."""
    p, other = tmp_path / "a.json", tmp_path / "b.json"
    p.write_text("old")
    os.link(p, other)
    write_file(str(p), "new")
    assert p.read_text() == "new" and other.read_text() == "old"
    assert os.stat(p).st_nlink == 1


def test_failure_while_writing_leaves_old_file(tmp_path):
    p = tmp_path / "base.json"
    p.write_text("precious")
    with pytest.raises(RuntimeError):
        with open_output(str(p)) as f:
            f.write("half")
            raise RuntimeError("boom")
    assert p.read_text() == "precious" and _temps(tmp_path) == []


def test_ctrl_c_while_writing_leaves_old_file(tmp_path):
    p = tmp_path / "base.json"
    p.write_text("precious")
    with pytest.raises(KeyboardInterrupt):
        with open_output(str(p)) as f:
            f.write("x" * (3 << 20))  # more than the buffer: bytes reached the temp file
            raise KeyboardInterrupt
    assert p.read_text() == "precious" and _temps(tmp_path) == []


def test_dev_full_is_an_error():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with pytest.raises(LayerscopeError) as e:
        write_file("/dev/full", "x" * 10)
    assert e.value.exit_code == 2 and os.strerror(errno.ENOSPC) in str(e.value)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_dev_null_is_written_into():
    write_file("/dev/null", "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_device_node_stays_a_device_as_root(tmp_path):
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    write_file(str(node), "x")
    with pytest.raises(KeyboardInterrupt):
        with open_output(str(node)) as f:
            f.write("y")
            raise KeyboardInterrupt
    assert stat.S_ISCHR(os.stat(node).st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_owner_kept_as_root(tmp_path):
    p = tmp_path / "owned.json"
    p.write_text("old")
    os.chown(p, 1234, 4321)
    write_file(str(p), "new")
    st = os.stat(p)
    assert (st.st_uid, st.st_gid) == (1234, 4321)


def test_fifo_is_written_into(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    write_file(str(fifo), "through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_directory_is_an_error_and_keeps_old(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    (d / "f.json").write_text("old")
    os.chmod(d, 0o555)
    try:
        with pytest.raises(LayerscopeError) as e:
            write_file(str(d / "f.json"), "new")
    finally:
        os.chmod(d, 0o755)
    assert "Permission denied" in str(e.value) and (d / "f.json").read_text() == "old"


def test_raw_bytes_written_back_as_bytes(tmp_path):
    p = tmp_path / "x.json"
    with open_output(str(p), errors="surrogateescape") as f:
        f.write(b"caf\xe9".decode("utf-8", "surrogateescape"))
    assert p.read_bytes() == b"caf\xe9"


class _Closed:
    """A stdout whose every write fails with ``exc``."""

    def __init__(self, exc: OSError) -> None:
        self.exc = exc

    def write(self, s: str) -> int:
        raise self.exc

    def flush(self) -> None:
        raise self.exc


def test_guard_drops_output_after_epipe():
    g = GuardedStdout(_Closed(BrokenPipeError(errno.EPIPE, "Broken pipe")))  # type: ignore[arg-type]
    assert g.write("abc") == 3 and g.lost
    g.flush()  # no exception: the reader chose to stop
    assert g.write("more") == 4


def test_guard_reports_other_write_errors():
    g = GuardedStdout(_Closed(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))))  # type: ignore[arg-type]
    with pytest.raises(LayerscopeError) as e:
        g.write("abc")
    assert e.value.exit_code == 2 and "standard output" in str(e.value)


def test_stdout_alias_writes_to_stdout(capsys):
    write_file("-", "to stdout")
    assert capsys.readouterr().out == "to stdout"
    assert output.STDOUT_ALIASES == ("-", "/dev/stdout")
