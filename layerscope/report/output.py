"""Writing reports: whole files atomically, the GitHub job summary by appending.

A report file is written to a temporary file next to it and renamed, so a failure (disk
full, a bad path) never leaves a half-written baseline that a later job would read as corrupt.
"""

from __future__ import annotations

import os
import sys
import tempfile

from ..errors import LayerscopeError


def write_file(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".layerscope-", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise LayerscopeError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def emit(text: str, output: str | None) -> None:
    """The one place a command's report goes: ``--output FILE`` (atomically) or stdout."""
    if output:
        write_file(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def append_step_summary(text: str, env: dict[str, str] | None = None) -> bool:
    """Append to ``$GITHUB_STEP_SUMMARY`` when it is set; True if something was written."""
    path = (os.environ if env is None else env).get("GITHUB_STEP_SUMMARY", "")
    if not path:
        return False
    try:
        with open(path, "a", encoding="utf-8", newline="\n") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    except OSError as e:
        raise LayerscopeError(f"cannot append to GITHUB_STEP_SUMMARY {path}: {e.strerror or e}") from None
    return True
