"""dive's log file: ``log.enabled`` / ``log.path`` / ``log.level`` of ``.dive.yaml``.

dive 0.13.1 (``cmd/root.go``) defaults to ``enabled: false``, ``path: ./dive.log``,
``level: info``; when enabled it opens the path with ``O_WRONLY|O_APPEND|O_CREATE`` (0644) and
logs through logrus.  layerscope does the same with the standard :mod:`logging` package: every
module logs to ``logging.getLogger("layerscope.<module>")``, and :func:`configure` gives the
``layerscope`` logger one file handler when (and only when) the log is enabled — what was read,
timings, warnings (skipped layers and members under ``ignore-errors``) and the traceback of
any internal error.

Deliberate difference: dive prints a log path it cannot open and carries on without a log;
layerscope stops with one line (exit 2), since a user who asked for a log wants to know.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ConfigError, LayerscopeError

if TYPE_CHECKING:
    from .image import Image

ROOT = "layerscope"
DEFAULT_PATH = "./dive.log"
DEFAULT_LEVEL = "info"
# logrus level names (what dive accepts, case-insensitively) → logging levels
LEVELS = {
    "panic": logging.CRITICAL,
    "fatal": logging.CRITICAL,
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
}
FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"

_handler: logging.Handler | None = None  # the file handler configure() installed, if any
_null = logging.NullHandler()


@dataclass(frozen=True, slots=True)
class LogSettings:
    """The validated ``log.*`` keys."""

    enabled: bool = False
    path: str = DEFAULT_PATH
    level: str = DEFAULT_LEVEL


def parse_level(key: str, value: object) -> str:
    """A logrus level name, lower-cased; anything else is a ConfigError naming ``key``."""
    name = str(value).strip().lower()
    if name not in LEVELS:
        raise ConfigError(f"invalid value for {key}: {value!r} (want one of {', '.join(LEVELS)})")
    return name


def configure(settings: LogSettings) -> None:
    """Point the ``layerscope`` logger at the log file, or at nothing when it is disabled.

    Called once per run (again in tests: the previous handler is closed first).  When disabled
    a NullHandler is attached so nothing reaches stderr through logging's last resort.
    """
    global _handler
    logger = logging.getLogger(ROOT)
    reset()
    if _null not in logger.handlers:
        logger.addHandler(_null)
    if not settings.enabled:
        return
    try:
        handler = logging.FileHandler(settings.path, mode="a", encoding="utf-8")
    except OSError as e:
        raise LayerscopeError(f"cannot open log file {settings.path}: {e.strerror or e}") from None
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
    logger.setLevel(LEVELS[settings.level])
    _handler = handler


def reset() -> None:
    """Remove and close the file handler (if any); the level goes back to the default."""
    global _handler
    logger = logging.getLogger(ROOT)
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler.close()
        _handler = None
    logger.setLevel(logging.NOTSET)


@contextmanager
def timed(logger: logging.Logger, what: str) -> Iterator[None]:
    """Log how long ``what`` took (at INFO), also when it failed."""
    start = time.perf_counter()
    ok = False
    try:
        yield
        ok = True
    finally:
        logger.info("%s %s in %.3fs", what, "done" if ok else "failed", time.perf_counter() - start)


def log_read(image: Image, seconds: float) -> None:
    """What was read (source, layout, layers, entries, bytes) and how long it took; one
    warning per layer skipped under ignore-errors."""
    logger = logging.getLogger(f"{ROOT}.read")
    entries = sum(len(layer.entries) for layer in image.layers)
    logger.info(
        "read %s image %r (%s, %s): %d layers, %d entries, %d bytes in %.3fs",
        image.source,
        image.name,
        image.layout or "?",
        image.platform or "?",
        len(image.layers),
        entries,
        image.accurate_size,
        seconds,
    )
    for layer in image.layers:
        logger.debug(
            "layer %d %s: %d entries, %d bytes, %s",
            layer.index,
            layer.member,
            len(layer.entries),
            layer.size,
            layer.compression,
        )
    for note in image.notes:
        logger.info("note: %s", note)
    for layer in image.skipped_layers:
        logger.warning("skipped layer %d (ignore-errors): %s", layer.index, layer.skipped)


def skipped_warnings(image: Image) -> list[str]:
    """The one-line warnings for layers skipped under ignore-errors (stderr in CI / --json)."""
    return [f"warning: layer {layer.index} skipped (ignore-errors): {layer.skipped}" for layer in image.skipped_layers]
