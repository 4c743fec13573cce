"""The podman source (``podman://NAME``, ``--source podman``).

Without ``CONTAINER_HOST``, as dive does: run ``podman image save NAME`` and parse its stdout
through a pipe, one pass, nothing extracted.  Unlike dive, podman's stderr is collected rather
than passed through, so a failure ("image not known") becomes one ``layerscope:`` line instead
of podman's text followed by a confusing "archive is empty".

With ``CONTAINER_HOST=unix://…`` or ``tcp://…`` (podman remote, a podman machine), the image
comes from that socket's Docker-compatible API, the same way as the engine source, without
pulling (podman's own ``save`` does not pull either).  An ``ssh://`` host is left to the podman
binary (``podman --remote``), which knows its identity files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

from ..errors import LayerscopeError
from ..image import Image
from .archive import READ_SIZE, ReadOptions, ReadState, state_for
from .contexts import EngineEndpoint
from .stream import read_stream

MAX_STDERR = 64 << 10


def _podman_binary() -> str:
    path = shutil.which(os.environ.get("LAYERSCOPE_PODMAN", "podman"))
    if not path:
        raise LayerscopeError("the podman source needs the podman binary, which is not on PATH")
    return path


class _Stderr(threading.Thread):
    """Drain stderr so podman never blocks on a full pipe; keep the tail for an error line."""

    def __init__(self, pipe) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self._pipe = pipe
        self.data = b""

    def run(self) -> None:
        for chunk in iter(lambda: self._pipe.read(4096), b""):
            self.data = (self.data + chunk)[-MAX_STDERR:]

    def last_line(self) -> str:
        lines = [ln.strip() for ln in self.data.decode("utf-8", "replace").splitlines() if ln.strip()]
        if not lines:
            return ""
        line = lines[-1]
        return line[len("Error: ") :] if line.startswith("Error: ") else line


def _error_line(name: str, rc: int, tail: str) -> LayerscopeError:
    low = tail.lower()
    if "image not known" in low or "no such image" in low:
        return LayerscopeError(f"image not found in podman: {name}")
    if "permission denied" in low:
        return LayerscopeError(f"podman image save {name}: permission denied ({tail})")
    if "cannot connect" in low or "connection refused" in low:
        return LayerscopeError(f"cannot connect to the podman service: {tail}")
    return LayerscopeError(f"podman image save {name} failed (exit {rc}){': ' + tail if tail else ''}")


def _save_via_binary(name: str, display: str, opts: ReadOptions, remote: bool, state: ReadState) -> Image:
    argv = [_podman_binary()] + (["--remote"] if remote else []) + ["image", "save", name]
    try:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
        )
    except OSError as e:
        raise LayerscopeError(f"cannot run podman: {e.strerror or e}") from None
    assert proc.stdout is not None and proc.stderr is not None
    err = _Stderr(proc.stderr)
    err.start()
    stdout = proc.stdout
    total = 0

    def read() -> bytes:
        nonlocal total
        c = stdout.read(READ_SIZE)
        total += len(c)
        state.progress.bytes_read = total
        return c

    image: Image | None = None
    failure: LayerscopeError | None = None
    try:
        image = read_stream(read, f"podman://{name}", display, opts, "podman", state)
    except LayerscopeError as e:
        failure = e
    finally:
        if image is None:
            proc.kill()  # the reader gave up (or podman failed): do not wait for a full save
        else:
            while stdout.read(READ_SIZE):  # trailing bytes after the tar end
                pass
        stdout.close()
        rc = proc.wait()
        err.join(timeout=5)
    if rc != 0 and (image is None or rc > 0):
        if failure is not None and rc < 0:  # we killed it because the archive was bad
            raise failure
        raise _error_line(name, rc, err.last_line())
    if failure is not None:
        raise failure
    assert image is not None
    return image


def endpoint_from_container_host(host: str) -> EngineEndpoint:
    return EngineEndpoint(host=host)


def load_from_podman(name: str, opts: ReadOptions, display: str | None = None, state: ReadState | None = None) -> Image:
    """``podman://NAME``: the local podman store, or the service at ``CONTAINER_HOST``."""
    if not name:
        raise LayerscopeError("No image argument given")
    display = display or name
    state = state_for(opts, state)
    host = os.environ.get("CONTAINER_HOST", "")
    if host and not host.startswith("ssh://"):
        from .engine import load_via_api

        return load_via_api(
            name,
            display,
            opts,
            endpoint_from_container_host(host),
            source="podman",
            what="podman service",
            pull=False,
            state=state,
        )
    return _save_via_binary(name, display, opts, remote=bool(host), state=state)
