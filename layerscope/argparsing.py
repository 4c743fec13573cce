"""The command-line parser every command uses: a usage error is one line and exit 2.

argparse's own ``error()`` prints the whole usage block (11 lines for ``layerscope``) and calls
``sys.exit(2)`` from deep inside the parse; pipelines grep one line on stderr.  Here ``error()``
raises :class:`UsageError` instead, which the CLI prints like any other input error:
``layerscope: diff: argument --top: invalid --top 'x': not an integer (see --help)``.  The
top-level command has no sub-command name to show: ``layerscope: argument --max-bytes: … (see
--help)``.  ``--help`` still prints the help and exits 0.

The value types for resource caps live here too, so every command refuses a cap of zero or
less the same way (a non-positive cap would either stop every read or mean "unbounded").
"""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from .errors import ConfigError

PROG = "layerscope"


class UsageError(ConfigError):
    """A bad command line: one line, exit 2."""


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors are one :class:`UsageError` line."""

    def __init__(self, prog: str = PROG, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # a typo must not silently pick another flag
        super().__init__(prog=prog, **kwargs)

    @property
    def command(self) -> str:
        """``diff`` for ``layerscope diff``; empty for the top-level command."""
        return self.prog.removeprefix(PROG).strip()

    def error(self, message: str) -> NoReturn:
        message = " ".join(message.split())
        prefix = f"{self.command}: " if self.command else ""
        raise UsageError(f"{prefix}{message} (see --help)")


def positive_count(text: str) -> int:
    """A count cap such as ``--max-entries``: a decimal integer ≥ 1 (no 5000-digit input:
    Python refuses to convert it and argparse would call that an internal error)."""
    t = text.strip().replace("_", "")
    if not t.lstrip("+-").isdigit() or len(t) > 30:
        raise argparse.ArgumentTypeError(f"invalid value {_short(text)!r}: want a whole number ≥ 1")
    n = int(t)
    if n < 1:
        raise argparse.ArgumentTypeError(f"invalid value {_short(text)!r}: must be ≥ 1")
    return n


def positive_size(text: str) -> int:
    """A byte cap such as ``--max-bytes``: go-humanize syntax (``64GiB``, ``500MB``), ≥ 1 byte."""
    from .golang.humanize import go_parse_bytes
    from .golang.strconv import GoValueError

    try:
        n = go_parse_bytes(text.strip())
    except GoValueError as e:
        raise argparse.ArgumentTypeError(f"invalid size {_short(text)!r}: {_short(str(e))}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"invalid size {_short(text)!r}: must be at least 1 byte")
    return n


def _short(text: str, limit: int = 60) -> str:
    """A user value cut for a one-line message (a 5000-digit argument stays readable)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
