"""The ``layerscope`` console script and ``python -m layerscope``.

This module is deliberately tiny and imports only ``sys`` at module level: the console script
imports it before anything can catch a Ctrl+C, and importing the CLI (Textual, the docker SDK,
the archive readers) takes long enough that a user interrupts it.  So the heavy import happens
inside :func:`main`, where ``KeyboardInterrupt`` becomes one line and exit code 130, as it does
everywhere else in the CLI.  What runs before this module (the interpreter's own start-up, the
wrapper pip writes) is out of a package's reach.
"""

import sys

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for an interrupted command


def interrupted_by(error: BaseException) -> bool:
    """Whether ``error`` is, or was caused by, a Ctrl+C.

    Python 3.11 wraps an interrupt that lands while a class body is being set up in
    ``RuntimeError("Error calling __set_name__ …")``, so the chain is walked, not just the type.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _say(line: str) -> None:
    try:
        sys.stderr.write(f"layerscope: {line}\n")
        sys.stderr.flush()
    except (KeyboardInterrupt, OSError, ValueError):
        pass


def _quiet_exit_on_sigint() -> None:
    """From here on a Ctrl+C ends the process by the signal itself, without a traceback.

    Interpreter shutdown (joining threads, flushing, atexit) runs after :func:`main` returns,
    outside any ``try``: a ``KeyboardInterrupt`` there would print ``Exception ignored`` with a
    traceback.  The default action of SIGINT terminates silently and the shell still sees 130.
    """
    try:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_DFL)
    except (KeyboardInterrupt, ImportError, OSError, ValueError):
        pass


def _run(argv: "list[str] | None") -> int:
    from . import log

    # The traceback of a crash is logged (to dive's log file when ``log.enabled``); with no
    # handler configured, Python's last-resort handler would print it on the terminal.  (Only
    # the flag is set here: :mod:`logging` itself is imported when something is logged.)
    log.quiet()
    from .cli import main as cli_main

    return cli_main(argv)


def main(argv: "list[str] | None" = None) -> int:
    """Run the CLI; an interrupt at any point (imports included) is one line and exit 130."""
    try:
        try:
            return _run(argv)
        except KeyboardInterrupt:
            _say("interrupted")
            return INTERRUPTED
        except Exception as e:  # noqa: BLE001 - a broken install still gets one line, not a traceback
            if interrupted_by(e):
                _say("interrupted")
                return INTERRUPTED
            _say(f"cannot start: {type(e).__name__}: {' '.join(str(e).split())}")
            return 2
        finally:
            _quiet_exit_on_sigint()
    except KeyboardInterrupt:  # a second Ctrl+C while the first one was being reported
        return INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
