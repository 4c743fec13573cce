"""Errors a user can act on.

Every failure that comes from the input (a bad archive, a missing file, a bad rule) is raised
as :class:`LayerscopeError` with a single-line message; the CLI prints it as one line on stderr
and exits 2.  Anything else reaching the CLI is a bug, but it is still reported in one line so a
pipeline never sees a traceback.
"""

from __future__ import annotations


class LayerscopeError(Exception):
    """An error in the input or the environment, reported as one line, exit code 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # Keep it on one line whatever the caller passed: pipelines grep stderr.
        super().__init__(" ".join(str(message).split()))


class ArchiveError(LayerscopeError):
    """The image archive is malformed, truncated, unsafe or inconsistent."""


class LimitError(ArchiveError):
    """A resource bound (``--max-bytes``, ``--max-entries``, a decompression ratio) was hit:
    always fatal, even under ``ignore-errors``, which only skips what cannot be parsed."""


class ConfigError(LayerscopeError):
    """A configuration file, flag or environment value is invalid."""
