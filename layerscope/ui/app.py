"""The Textual application: load the image with progress, then the explorer.

``layerscope IMAGE`` without ``--ci``/``--json`` ends up in :func:`run`.  Settings are read and
validated first (a bad ``.dive.yaml`` value is a one-line error before any screen appears);
the image is read in a worker thread while :class:`LoadingScreen` shows progress; a load
error closes the app and is re-raised, so the CLI prints its one line and exits 2.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time
from collections.abc import Callable

from textual.app import App
from textual.binding import Binding

from ..config import UISettings, load_settings
from ..errors import LayerscopeError
from ..log import log_read
from ..sources import source_for
from ..sources.archive import ReadOptions, ReadState
from .keys import keymap
from .model import UIModel, build_model
from .progress import LoadProgress
from .screens.loading import LoadingScreen
from .screens.main import MainScreen

Loader = Callable[[LoadProgress], UIModel]

log = logging.getLogger("layerscope.ui")
# Records still reach the handlers of "layerscope" and the root (dive's log file); this only
# stops Python's last-resort handler from printing a crash's traceback on the terminal.
log.addHandler(logging.NullHandler())

CRASH_MESSAGE_MAX = 400  # characters of the exception message in the one stderr line


class LayerscopeApp(App[int]):
    """Loading screen, then :class:`MainScreen`; ``load_error`` holds what stopped the load."""

    CSS_PATH = "layerscope.tcss"
    TITLE = "layerscope"
    # Ctrl+C quits from anywhere, even a text input (which would otherwise copy).
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, loader: Loader, settings: UISettings, progress: LoadProgress, image_name: str) -> None:
        super().__init__()
        self.loader = loader
        self.settings = settings
        self.progress = progress
        self.image_name = image_name
        self.load_error: BaseException | None = None
        self.crash: BaseException | None = None
        self.model: UIModel | None = None

    def _handle_exception(self, error: Exception) -> None:
        """Textual's hook for an unhandled exception: keep it, and print nothing on exit.

        Textual would render a full traceback (with locals) on the terminal after the app
        closes, and :meth:`App.run` would still return normally (exit 0).  The first error is
        kept for :func:`run`, which logs the traceback and reports one line, exit 2.
        """
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)  # closes the app
        self._exit_renderables.clear()  # the traceback goes to the log, not the terminal

    def on_mount(self) -> None:
        self.set_keymap(keymap(self.settings.keybindings))
        self.push_screen(LoadingScreen(self.progress, self.image_name))
        self.run_worker(self._load, thread=True, exclusive=True, group="load")

    def _load(self) -> None:
        try:
            model = self.loader(self.progress)
        except BaseException as e:  # noqa: BLE001 - reported after the app closes
            self.call_from_thread(self._failed, e)
            return
        self.call_from_thread(self._loaded, model)

    def _loaded(self, model: UIModel) -> None:
        gc.freeze()  # the image and its analysis live as long as the UI: keep them out of GC passes
        self.model = model
        self.switch_screen(MainScreen(model, self.settings))

    def _failed(self, error: BaseException) -> None:
        self.load_error = error
        self.exit(2, return_code=2)


def make_loader(source: str, image_arg: str, opts: ReadOptions, args: argparse.Namespace | None = None) -> Loader:
    """The work done in the loading worker: read the image, then trees, analysis and CI verdict."""
    ci_config = getattr(args, "ci_config", ".dive-ci") if args is not None else ".dive-ci"
    flags = {k: getattr(args, k, None) for k in ("lowestEfficiency", "highestWastedBytes", "highestUserWastedPercent")}

    def load(progress: LoadProgress) -> UIModel:
        src = source_for(source, image_arg, opts)  # reads the image, and reopens a layer for the viewer
        started = time.perf_counter()
        image = src.read(opts, progress.state)
        log_read(image, time.perf_counter() - started)
        progress.stage = "Analyzing image"
        return build_model(image, ci_config=ci_config, rule_flags=flags, content=src)

    return load


def create_app(
    source: str, image_arg: str, opts: ReadOptions, settings: UISettings, args: argparse.Namespace | None = None
) -> LayerscopeApp:
    progress = LoadProgress(ReadState.start(opts))  # this read's own budget and counters
    return LayerscopeApp(make_loader(source, image_arg, opts, args), settings, progress, image_arg)


def run(args: argparse.Namespace, source: str, image_arg: str, opts: ReadOptions) -> int:
    """Entry point from the CLI: validate settings, run the app, re-raise a load error."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise LayerscopeError("the interactive UI needs a terminal; use --ci or --json for non-interactive use")
    settings = load_settings(getattr(args, "config", None), sort_flag=getattr(args, "sort", None))
    if settings.path:
        print(f"Using config file: {settings.path}", flush=True)
    app = create_app(source, image_arg, opts, settings, args)
    rc = app.run()
    if app.crash is not None:
        raise crash_error(app.crash)
    if app.load_error is not None:
        raise app.load_error
    return rc if isinstance(rc, int) else 0


def crash_error(error: BaseException) -> LayerscopeError:
    """Log the crash's traceback (dive's log file, when enabled) and make its one-line report."""
    log.error("the explorer crashed", exc_info=(type(error), error, error.__traceback__))
    message = " ".join(str(error).split())
    if len(message) > CRASH_MESSAGE_MAX:
        message = message[:CRASH_MESSAGE_MAX] + "…"
    return LayerscopeError(f"the explorer crashed: {type(error).__name__}: {message}".rstrip(": "))
