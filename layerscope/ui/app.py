"""The Textual application: load the image with progress, then the explorer.

``layerscope IMAGE`` without ``--ci``/``--json`` ends up in :func:`run`.  Settings are read and
validated first (a bad ``.dive.yaml`` value is a one-line error before any screen appears);
the image is read in a worker thread while :class:`LoadingScreen` shows progress; a load
error closes the app and is re-raised, so the CLI prints its one line and exits 2.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace

from rich.console import RenderableType
from textual import work
from textual.app import ScreenStackError
from textual.binding import Binding
from textual.css.query import NoMatches

from ..archive.gcpause import HeldPause
from ..ci.settings import RuleOptions
from ..config import UISettings
from ..errors import LayerscopeError
from ..log import log_read
from ..packages import CAPTURE
from ..settings import ExploreSettings
from ..sources import source_for
from ..sources.archive import ReadOptions, ReadState
from .keys import keymap
from .model import LateHashes, UIModel, build_model
from .progress import LoadProgress
from .screens.loading import LoadingScreen
from .screens.main import MainScreen
from .textual_compat import CrashCapture

Loader = Callable[[LoadProgress], UIModel]

log = logging.getLogger("layerscope.ui")
# Records still reach the handlers of "layerscope" and the root (dive's log file); this only
# stops Python's last-resort handler from printing a crash's traceback on the terminal.
log.addHandler(logging.NullHandler())

CRASH_MESSAGE_MAX = 400  # characters of the exception message in the one stderr line
# Seconds before the loading screen is shown: a load that ends sooner goes straight to the
# explorer (a progress screen for a moment is a flicker, and drawing it costs the read about a
# tenth of a second of the one GIL they share).  Longer loads show their progress from then on.
LOADING_DELAY = 1.0
# Seconds more for a load that is past the read by then: what is left (the analysis and the
# first tree) takes a fraction of the read on every image measured (0.45 s after a 0.8 s read on
# 130k entries), so its progress screen would be the flicker the delay is there to avoid, and
# drawing it, then swapping it for the explorer, cost the frame ~0.1 s of the GIL.
LOADING_GRACE = 0.5
ANALYZING = "Analyzing image"  # the stage after the read (LoadProgress.stage)


class LayerscopeApp(CrashCapture[int]):
    """Loading screen (after :data:`LOADING_DELAY`), then :class:`MainScreen`; ``load_error``
    holds what stopped the load and ``crash`` (:class:`~layerscope.ui.textual_compat.CrashCapture`)
    what crashed the explorer."""

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
        self.closing = False  # exit was asked for: the screens are being (or about to be) torn down
        self._graced = False  # the loading screen was put off once already (LOADING_GRACE)
        self._collector: HeldPause | None = None  # the collector's pause from the load to the first frame

    def on_mount(self) -> None:
        self.set_keymap(keymap(self.settings.keybindings))
        self._loading = self.set_timer(LOADING_DELAY, self._show_loading)
        self._collector = HeldPause()  # released by the first frame (settle_collector), or the exit
        self._load()

    def _show_loading(self) -> None:
        if self.model is not None or self.load_error is not None:
            return
        if self.progress.stage == ANALYZING and not self._graced:  # nearly done: see LOADING_GRACE
            self._graced = True
            self._loading = self.set_timer(LOADING_GRACE, self._show_loading)
            return
        self.push_screen(LoadingScreen(self.progress, self.image_name))

    @work(thread=True, exclusive=True, group="load")
    def _load(self) -> None:
        try:
            model = self.loader(self.progress)
        except BaseException as e:  # noqa: BLE001 - reported after the app closes
            self.call_from_thread(self._failed, e)
            return
        self.call_from_thread(self._loaded, model)

    def _loaded(self, model: UIModel) -> None:
        self.model = model
        self._loading.stop()
        main = MainScreen(model, self.settings, on_first_frame=self.settle_collector)
        if isinstance(self.screen, LoadingScreen):
            self.switch_screen(main)  # the loading screen and its objects go
        else:
            self.push_screen(main)  # loaded before the loading screen was due

    def _failed(self, error: BaseException) -> None:
        self._release_collector()
        self.load_error = error
        self.exit(2, return_code=2)

    def exit(self, result: int | None = None, return_code: int = 0, message: RenderableType | None = None) -> None:
        self.closing = True
        self._release_collector()
        super().exit(result, return_code, message)

    def _handle_exception(self, error: Exception) -> None:
        """Not a crash: a query that fails because exit tore the screens down under it.

        A quit pressed as the image finishes loading (or a Ctrl+C then) closes the app while the
        main screen is still mounting: its ``on_mount`` finds its panes already removed
        (``NoMatches``), an input's first watcher finds no screen left (``ScreenStackError``).
        The user asked to leave, and leaves, without a "crashed" line and exit 2."""
        if self.closing and isinstance(error, (NoMatches, ScreenStackError)):
            log.debug("ignored while closing: %s: %s", type(error).__name__, error)
            return
        self._release_collector()
        super()._handle_exception(error)

    def settle_collector(self) -> None:
        """The first frame is painted: end the collector's pause and freeze what the load built
        (the image and its analysis live as long as the UI: keep them out of every later
        collection).  The young generation is collected first, so no garbage cycle another thread
        dropped during the pause is frozen with it (:func:`~layerscope.archive.gcpause.freeze_survivors`).

        The pause spans the load and the first frame (:class:`~layerscope.archive.gcpause.HeldPause`):
        that one pass, here, replaces the three the read, the analysis and the first tree each set
        off as their own pauses ended (~80 ms of CPU before the frame on 130k entries)."""
        if self._collector is not None:
            self._collector.release(freeze=True)

    def _release_collector(self) -> None:
        """The app stops before its first frame (an error, a quit): the collector back on, nothing frozen."""
        if self._collector is not None:
            self._collector.release(freeze=False)


# Read headers only and hash what the marks and Insights need after the first frame
# (:mod:`layerscope.sources.hashes`); False is the old path: every file hashed during the read
# (``LAYERSCOPE_LATE_HASHES=0`` selects it, for comparison runs).
LATE_HASHES = os.environ.get("LAYERSCOPE_LATE_HASHES", "1") != "0"


def make_loader(
    source: str, image_arg: str, opts: ReadOptions, rules: RuleOptions | None = None, *, late_hashes: bool = False
) -> Loader:
    """The work done in the loading worker: read the image, then trees, analysis and CI verdict.
    ``rules`` None is dive's defaults.  With ``late_hashes`` (and ``opts`` asking for hashes) the
    read skips content and the model carries the :class:`~.model.LateHashes` still to compute."""
    rule_options = rules or RuleOptions()
    ci_config = rule_options.ci_config
    flags = dict(rule_options.flags)
    late = late_hashes and opts.hash_content
    read_opts = replace(opts, hash_content=False) if late else opts

    def load(progress: LoadProgress) -> UIModel:
        src = source_for(source, image_arg, read_opts)  # reads the image, and reopens a layer for the viewer
        started = time.perf_counter()
        image = src.read(read_opts, progress.state)
        log_read(image, time.perf_counter() - started)
        if not image.layers:  # every pane shows a layer: say so instead of drawing nothing (or crashing)
            raise LayerscopeError(
                f"{image_arg}: the image has no layers, so there is nothing to explore (--ci and --json report it)"
            )
        progress.stage = ANALYZING
        model = build_model(image, ci_config=ci_config, rule_flags=flags, content=src)
        if late:  # planned after the first frame, or before a tree compares layers (LateHashes.planned)
            model.late = LateHashes(image, opts.limits, use_cache=opts.cache)
            model.trees.before_marks = model.late.planned
        # The first screen shows layer 0: its tree is built here, in the thread that has nothing
        # else to do, so the main screen is drawn once, complete (no empty-tree frame first).
        model.first_tree()
        return model

    return load


def explorer_read_options(opts: ReadOptions) -> ReadOptions:
    """The explorer's read keeps the package databases' content (the Packages view), in the same
    single pass: the capture costs a few string tests a member, the analysis runs later."""
    return opts if opts.capture is not None else replace(opts, capture=CAPTURE)


def create_app(
    source: str,
    image_arg: str,
    opts: ReadOptions,
    settings: UISettings,
    rules: RuleOptions | None = None,
    *,
    late_hashes: bool | None = None,
) -> LayerscopeApp:
    """``late_hashes`` None is :data:`LATE_HASHES`."""
    opts = explorer_read_options(opts)
    progress = LoadProgress(ReadState.start(opts))  # this read's own budget and counters
    late = LATE_HASHES if late_hashes is None else late_hashes
    return LayerscopeApp(make_loader(source, image_arg, opts, rules, late_hashes=late), settings, progress, image_arg)


def _need_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise LayerscopeError("the interactive UI needs a terminal; use --ci or --json for non-interactive use")


def explore(settings: ExploreSettings) -> int:
    """Entry point from the CLI: run the app with settings validated before the first screen,
    re-raise a load error."""
    _need_terminal()
    if settings.ui.path:
        print(f"Using config file: {settings.ui.path}", flush=True)
    app = create_app(settings.source, settings.image_arg, settings.read, settings.ui, settings.rules)
    try:
        rc = app.run()
    finally:
        app._release_collector()  # however the app ended, the collector is on again
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
