"""The one writer every output goes through: ``--json FILE``, ``-o FILE``, stdout, the job summary.

Writing to a path behaves like the tools people trust (``sed -i``, ``install``, editors):

* **A regular file** (or a path that does not exist yet) is written to a temporary file in the
  same directory — the directory of the symlink's resolved target, so a symlink keeps pointing
  at the file it named — and renamed over it atomically.  A reader never sees half a document,
  and on any error or Ctrl+C the old file stays exactly as it was: only our temporary file is
  removed.  The new file keeps the old one's permission bits (and owner and group when we run
  as root); a new file gets ``0666 & ~umask``, as ``open(2)`` would give it.
* **Hard links**: the rename gives the path a new inode, so other names of the old file keep
  the old content (``sed -i``, ``git`` and most editors do the same).  We chose this over
  writing in place because writing in place cannot be made atomic: a failure half-way would
  destroy the only copy of a baseline that a later job reads.
* **Anything else** — a character device (``/dev/null``), a FIFO, a socket, ``/dev/stdout``,
  ``/dev/fd/N`` and ``-`` — is written *into*, never truncated first, never replaced, never
  deleted: a device node stays a device node even when we run as root.
* Every failure (``ENOSPC`` from ``/dev/full``, ``EACCES``, ``EPIPE`` from a FIFO whose reader
  left) is one :class:`~layerscope.errors.LayerscopeError` line and exit 2.

Standard output is guarded by :func:`guard_stdout`; see there what a closed pipe does.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from ..errors import LayerscopeError
from ..log import LazyLogger  # logging is imported at the first message, not on every run

log = LazyLogger("layerscope.report.output")

STDOUT_ALIASES = ("-", "/dev/stdout")
_MAX_LINK_HOPS = 40  # the kernel's own limit on symlinks followed in one path (ELOOP)


# ---------------------------------------------------------------- standard output
class GuardedStdout:
    """Stands in for ``sys.stdout`` while a command runs, so a reader that stops reading can
    never change the exit code into a pass.

    On ``EPIPE`` (``layerscope --ci img | head -c 10``) the rest of the output is dropped and
    file descriptor 1 is pointed at ``/dev/null``, so neither this run nor Python's flush at
    shutdown prints a traceback or "Exception ignored".  The command keeps evaluating and exits
    with its verdict: 1 when a rule or gate failed, 0 when everything passed.  A pass stays a
    pass because the reader chose to stop reading — ``head`` is a decision, not a failure of
    ours — and the verdict, not the text, is what a gate reports; making it 2 would fail every
    ``| head`` in a pipeline.  Any other write error (``ENOSPC`` on ``> /dev/full``, ``EIO``)
    means output the user asked for was lost: that is an operational error, exit 2.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.lost = False

    def _drop(self) -> None:
        self.lost = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to silence
            pass

    def _guard(self, op: Callable[[], Any], default: Any) -> Any:
        if self.lost:
            return default
        try:
            return op()
        except BrokenPipeError:
            log.debug("standard output closed by its reader; output dropped")
            self._drop()
            return default
        except OSError as e:
            self._drop()
            raise LayerscopeError(f"cannot write to standard output: {e.strerror or e}") from None

    def write(self, s: str) -> int:
        return self._guard(lambda: self._stream.write(s), len(s))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._guard(self._stream.flush, None)

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding... for rich and print
        return getattr(self._stream, name)


@contextmanager
def guard_stdout() -> Iterator[GuardedStdout]:
    """Run a command with ``sys.stdout`` guarded (see :class:`GuardedStdout`); the output is
    flushed before the guard goes, so a late ``EPIPE`` is caught too."""
    real = sys.stdout
    if isinstance(real, GuardedStdout):  # nested: the outer guard decides
        yield real
        return
    guard = GuardedStdout(real)
    sys.stdout = guard
    try:
        yield guard
        guard.flush()
    finally:
        if sys.stdout is guard:
            sys.stdout = real


def writes_to_stdout(path: str) -> bool:
    """``-`` and ``/dev/stdout`` name standard output itself (dive would create a file named
    ``-``; a pipeline wants the document on stdout)."""
    return path in STDOUT_ALIASES


# ---------------------------------------------------------------- files
def _through_special(path: str) -> bool:
    """True when ``path`` or a symlink on the way to it is under ``/dev`` or ``/proc``: those
    names stand for open descriptors and devices, which are written into, never replaced."""
    p = os.path.abspath(path)
    for _ in range(_MAX_LINK_HOPS):
        if p == "/dev" or p.startswith(("/dev/", "/proc/")):
            return True
        if not os.path.islink(p):
            return False
        p = os.path.join(os.path.dirname(p), os.readlink(p))
        p = os.path.abspath(p)
    return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _is_regular_or_missing(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True


@contextmanager
def _into(path: str, errors: str) -> Iterator[TextIO]:
    """Write into an existing non-regular file (device, FIFO, descriptor): no truncation, no
    creation, no removal; a regular file reached through ``/dev/fd`` is appended to."""
    flags = os.O_WRONLY | os.O_NOCTTY
    if _is_regular_or_missing(path):
        flags |= os.O_APPEND | os.O_CREAT
    fd = os.open(path, flags, 0o666)
    with os.fdopen(fd, "w", encoding="utf-8", errors=errors, newline="", buffering=1 << 20) as f:
        yield f


@contextmanager
def _replace(path: str, errors: str) -> Iterator[TextIO]:
    """Write a regular file through a temporary file and an atomic rename (see the module)."""
    import tempfile  # only when a file is written: printing a CI verdict needs none

    target = os.path.realpath(path)
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    fd, tmp = tempfile.mkstemp(prefix=".layerscope-", suffix=".tmp", dir=os.path.dirname(target))
    done = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors=errors, newline="", buffering=1 << 20) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if old is None:
            os.chmod(tmp, 0o666 & ~_umask())
        else:
            if os.geteuid() == 0 and (old.st_uid, old.st_gid) != (0, 0):
                os.chown(tmp, old.st_uid, old.st_gid)  # before chmod: chown clears set-id bits
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
        os.replace(tmp, target)
        done = True
    finally:
        if not done:
            try:
                os.unlink(tmp)
            except OSError:
                pass


@contextmanager
def open_output(path: str, *, errors: str = "strict") -> Iterator[TextIO]:
    """A text stream for ``path`` that is committed only when the ``with`` block succeeds.

    ``errors="surrogateescape"`` writes raw non-UTF-8 bytes of names back as bytes (dive's
    JSON does).  Any ``OSError`` becomes one ``cannot write PATH: reason`` error (exit 2); a
    ``KeyboardInterrupt`` or any other exception propagates after the old file was left
    untouched and our temporary file removed.
    """
    if writes_to_stdout(path):
        with guard_stdout() as out:
            yield out  # type: ignore[misc]
            out.flush()
        if out.lost:  # the user named stdout as the output: losing it is not a pass
            raise LayerscopeError(f"cannot write {path}: standard output was closed before the output was written")
        return
    try:
        if _through_special(path) or not _is_regular_or_missing(path):
            cm = _into(path, errors)
        else:
            cm = _replace(path, errors)
        with cm as f:
            yield f
    except OSError as e:
        raise LayerscopeError(f"cannot write {path}: {e.strerror or e}") from None


def write_file(path: str, text: str) -> None:
    """``text`` to ``path`` (see :func:`open_output`)."""
    with open_output(path) as f:
        f.write(text)


def emit(text: str, output: str | None) -> None:
    """The one place a command's report goes: ``--output FILE`` or stdout."""
    if output:
        write_file(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def append_step_summary(text: str, env: dict[str, str] | None = None) -> bool:
    """Append to ``$GITHUB_STEP_SUMMARY`` when it is set; True if something was written.
    Appending (not replacing) is the runner's contract: every step adds its own section."""
    path = (os.environ if env is None else env).get("GITHUB_STEP_SUMMARY", "")
    if not path:
        return False
    try:
        with open(path, "a", encoding="utf-8", newline="\n") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    except OSError as e:
        raise LayerscopeError(f"cannot append to GITHUB_STEP_SUMMARY {path}: {e.strerror or e}") from None
    return True
