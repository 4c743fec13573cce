"""dive's log file: ``log.enabled`` / ``log.path`` / ``log.level`` of ``.dive.yaml``.

dive 0.13.1 (``cmd/root.go``) defaults to ``enabled: false``, ``path: ./dive.log``,
``level: info``; when enabled it opens the path with ``O_WRONLY|O_APPEND|O_CREATE`` (0644) and
logs through logrus.  layerscope does the same with the standard :mod:`logging` package: every
module logs to ``logging.getLogger("layerscope.<module>")``, and :func:`configure` gives the
``layerscope`` logger one file handler when (and only when) the log is enabled — what was read,
timings, warnings (skipped layers and members under ``ignore-errors``) and the traceback of
any internal error.  The modules on the CI path log through :class:`LazyLogger` (or
:func:`logger`), so :mod:`logging` itself is loaded only when a message has somewhere to go.

Deliberate difference: dive prints a log path it cannot open and carries on without a log;
layerscope stops with one line (exit 2), since a user who asked for a log wants to know.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, LayerscopeError

if TYPE_CHECKING:
    import logging

    from .image import Image

ROOT = "layerscope"
DEFAULT_PATH = "./dive.log"
DEFAULT_LEVEL = "info"
_CRITICAL, _ERROR, _WARNING, _INFO, _DEBUG = 50, 40, 30, 20, 10  # logging's level numbers
# logrus level names (what dive accepts, case-insensitively) → logging levels
LEVELS = {
    "panic": _CRITICAL,
    "fatal": _CRITICAL,
    "error": _ERROR,
    "warn": _WARNING,
    "warning": _WARNING,
    "info": _INFO,
    "debug": _DEBUG,
    "trace": _DEBUG,
}
FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"

# :mod:`logging` is imported only when something is logged for a listener, or the log file is
# enabled: loading it costs every CI run 0.6 MiB of resident memory, and in the usual run (no
# log file) every message would go to the NullHandler anyway.
_handler: logging.Handler | None = None  # the file handler configure() installed, if any
_null: logging.Handler | None = None  # the NullHandler on the ``layerscope`` logger, once made
_quiet = False  # a run's logging goes to the log file or nowhere (quiet() / configure() said so)


def _attach_null(logging: Any) -> None:
    global _null
    if _null is None:
        _null = logging.NullHandler()
    root = logging.getLogger(ROOT)
    if _null not in root.handlers:
        root.addHandler(_null)


class _NullOnImport:
    """A one-shot import hook: when :mod:`logging` is first imported (by anything: a module of
    ours that logs directly, Textual, the docker SDK), the ``layerscope`` logger gets its
    NullHandler before any message can be logged, as if it had been imported at start-up."""

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "logging":
            return None
        from importlib.machinery import PathFinder

        if cls in sys.meta_path:
            sys.meta_path.remove(cls)
        spec = PathFinder.find_spec(name, path, target)
        loader = None if spec is None else spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec  # not the standard library's module as we know it: the caller attaches later
        run = loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            _attach_null(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _logging() -> Any:
    """The :mod:`logging` module, imported now; on a quiet run the ``layerscope`` logger has
    its NullHandler, so nothing reaches stderr through logging's last resort."""
    import logging

    if _quiet:
        _attach_null(logging)
    return logging


def quiet() -> None:
    """This process's logging goes to dive's log file (when enabled) or nowhere, never to the
    terminal: what the console script sets before anything can log (a crash's traceback is
    logged, and with no handler configured Python would print it)."""
    global _quiet
    _quiet = True
    if "logging" in sys.modules:
        _logging()
    elif _NullOnImport not in sys.meta_path:
        sys.meta_path.insert(0, _NullOnImport)


def logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)``, importing :mod:`logging` only now."""
    return _logging().getLogger(name)


class LazyLogger:
    """A module's logger that imports :mod:`logging` at its first message, not at import."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(logger(self.name), attr)


def _listened() -> bool:
    """Whether a message logged now could reach anything but the NullHandler: not on a quiet
    run before :mod:`logging` was imported (then no handler exists yet, anywhere)."""
    return not _quiet or "logging" in sys.modules


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
    a NullHandler is attached (when :mod:`logging` is first loaded, if it is not yet) so
    nothing reaches stderr through logging's last resort.
    """
    global _handler
    quiet()
    if not settings.enabled and "logging" not in sys.modules:
        return  # no handler to close, none to add: _logging() attaches the NullHandler when first used
    logging = _logging()
    root = logging.getLogger(ROOT)
    reset()
    if not settings.enabled:
        return
    try:
        handler = logging.FileHandler(settings.path, mode="a", encoding="utf-8")
    except OSError as e:
        raise LayerscopeError(f"cannot open log file {settings.path}: {e.strerror or e}") from None
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(LEVELS[settings.level])
    _handler = handler


def reset() -> None:
    """Remove and close the file handler (if any); the level goes back to the default."""
    global _handler
    if "logging" not in sys.modules:
        return  # nothing was configured
    import logging

    root = logging.getLogger(ROOT)
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
        _handler = None
    root.setLevel(logging.NOTSET)


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
    if not _listened():
        return
    log = logger(f"{ROOT}.read")
    entries = sum(len(layer.entries) for layer in image.layers)
    log.info(
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
        log.debug(
            "layer %d %s: %d entries, %d bytes, %s",
            layer.index,
            layer.member,
            len(layer.entries),
            layer.size,
            layer.compression,
        )
    for note in image.notes:
        log.info("note: %s", note)
    for layer in image.skipped_layers:
        log.warning("skipped layer %d (ignore-errors): %s", layer.index, layer.skipped)


def skipped_warnings(image: Image) -> list[str]:
    """The one-line warnings for layers skipped under ignore-errors (stderr in CI / --json)."""
    return [f"warning: layer {layer.index} skipped (ignore-errors): {layer.skipped}" for layer in image.skipped_layers]
