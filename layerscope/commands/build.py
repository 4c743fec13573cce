"""``layerscope build [FLAGS] BUILD-ARGS…``: build an image, then analyze it (dive's ``build``).

The wrapper takes dive's build flags itself — ``--source`` / ``--engine`` / ``--container-engine``
(the engine that builds and is then read: docker or podman), the CI flags (``--ci``,
``--ci-config``, the three rule flags, ``--format``), ``-j``/``--json``, ``-i`` and ``--config``
— with a real parser (:func:`build_parser`, ``parse_known_args``).  Everything else goes to
``ENGINE build --iidfile FILE`` verbatim and in order; so does every argument from the build
context on (the first argument naming a directory, a URL or ``-``: options after it belong to
the engine) and everything after ``--``.  ``layerscope build -- --help`` shows the engine's help.

The engine is, in order: the flag, ``$LAYERSCOPE_CONTAINER_ENGINE`` / ``$DIVE_CONTAINER_ENGINE``,
the ``container-engine`` key of the config file (dive's), docker.  The builder's output goes to
stderr, so stdout carries only the analysis (CI report, JSON).  A build that fails is
``layerscope: cannot build image: …`` and exit 2 (operational), never the rules' exit 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from typing import TYPE_CHECKING

from ..argparsing import ArgumentParser
from ..cli_args import add_ci_args, add_config_arg, add_ignore_errors_arg, add_rule_args
from ..errors import ConfigError, LayerscopeError

if TYPE_CHECKING:
    from ..config import ConfigFile

log = logging.getLogger("layerscope.commands.build")

ENGINES = ("docker", "podman")
HELP_FLAGS = ("-h", "--help")

DESCRIPTION = (
    "Build an image with docker or podman, then analyze it as 'layerscope ENGINE://IMAGE' would.\n"
    "The options below are layerscope's; every other argument (tags, -f, --build-arg, the build\n"
    "context, and anything after the context or after --) goes to 'ENGINE build' unchanged."
)
EPILOG = (
    "examples:\n"
    "  layerscope build --ci -t app:1 .\n"
    "  layerscope build --source podman -t app:1 .\n"
    "  layerscope build -- --help          the engine's own help"
)


class BuildError(LayerscopeError):
    """The builder failed, or could not run: an operational error, exit 2."""

    exit_code = 2


def build_parser() -> ArgumentParser:
    """The wrapper's own flags: dive's build flags, declared by :mod:`layerscope.cli_args` as for
    the top-level command.  Nothing has a default here (SUPPRESS): only what was given reaches
    :class:`~layerscope.settings.AnalyzeArgs`, whose defaults are the top-level command's."""
    p = ArgumentParser(
        prog="layerscope build",
        description=DESCRIPTION,
        epilog=EPILOG,
        argument_default=argparse.SUPPRESS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # keep the examples' lines
    p.add_argument(
        "--source",
        "--engine",
        "--container-engine",
        dest="engine",
        choices=ENGINES,
        metavar="ENGINE",
        help="docker or podman: the engine that builds the image and is then read (default: "
        "$DIVE_CONTAINER_ENGINE, else container-engine in the config, else docker)",
    )
    add_ci_args(p)
    add_rule_args(p)
    add_ignore_errors_arg(p)
    add_config_arg(p, ".dive.yaml configuration file (also read for container-engine)")
    return p


def _is_context(arg: str) -> bool:
    """What ``docker build`` takes as its PATH | URL | -."""
    return arg == "-" or "://" in arg or arg.startswith("git@") or os.path.isdir(arg)


def split_args(argv: list[str], parser: ArgumentParser | None = None) -> tuple[argparse.Namespace, list[str]]:
    """(the wrapper's flags, the engine's build arguments in their order).

    Our flags are recognised before the build context and before ``--``; from the context on,
    and after ``--`` (which is dropped), everything is the engine's."""
    parser = parser or build_parser()
    tail: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, tail = argv[:i], argv[i + 1 :]
    cut = next((i for i, a in enumerate(argv) if _is_context(a)), len(argv))
    own, engine_args = parser.parse_known_args(argv[:cut])
    return own, [*engine_args, *argv[cut:], *tail]


def container_engine(config_flag: str | None, explicit: str | None, config: ConfigFile | None = None) -> str:
    """``--engine``, then ``$LAYERSCOPE_CONTAINER_ENGINE``/``$DIVE_CONTAINER_ENGINE``, then the
    ``container-engine`` key of the config file (dive's; ``config`` when already read, else the
    one ``config_flag`` names or dive would find), default docker."""
    value = explicit or os.environ.get("LAYERSCOPE_CONTAINER_ENGINE") or os.environ.get("DIVE_CONTAINER_ENGINE")
    if not value:
        from ..config import load_config

        config = load_config(config_flag) if config is None else config
        value = str(config.get("container-engine", "") or "")
    value = (value or "docker").strip().lower()
    if value not in ENGINES:
        raise ConfigError(f"invalid container-engine {value!r} (want docker or podman)")
    return value


def _run_to_stderr(argv: list[str]) -> int:
    """Run the builder with its stdout sent to our stderr (stdout is reserved for the analysis
    output); relayed through a pipe when our stderr is no real file (embedded, captured)."""
    try:
        err_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        err_fd = None
    if err_fd is not None:
        return subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=err_fd)
    with subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as p:
        assert p.stdout is not None
        for line in p.stdout:
            sys.stderr.write(line.decode("utf-8", "replace"))
        return p.wait()


def _engine_binary(engine: str) -> str:
    exe = shutil.which(engine)
    if not exe:
        raise BuildError(f"cannot build image: the {engine} binary is not on PATH")
    return exe


def engine_help(engine: str, build_args: list[str]) -> int:
    """``layerscope build -- --help``: the engine's own ``build --help``, on our stdout."""
    try:
        return subprocess.call([_engine_binary(engine), "build", *build_args], stdin=subprocess.DEVNULL)
    except OSError as e:
        raise BuildError(f"cannot run {engine}: {e.strerror or e}") from None


def run_build(engine: str, build_args: list[str]) -> str:
    """Run the build with an iid file; return the image ID it wrote."""
    exe = _engine_binary(engine)
    fd, iidfile = tempfile.mkstemp(prefix="layerscope.", suffix=".iid")
    os.close(fd)
    try:
        print("Building image...", file=sys.stderr, flush=True)
        argv = [exe, "build", "--iidfile", iidfile, *build_args]
        log.info("running %s", argv)
        try:
            rc = _run_to_stderr(argv)
        except OSError as e:
            raise BuildError(f"cannot build image: {e.strerror or e}") from None
        if rc != 0:
            raise BuildError(f"cannot build image: {engine} build exited with status {rc}")
        with open(iidfile, encoding="utf-8", errors="replace") as f:
            iid = f.read(1024).strip()
    finally:
        try:
            os.unlink(iidfile)
        except OSError:
            pass
    if not iid:
        raise BuildError(f"cannot build image: {engine} build wrote no image ID")
    return iid


def main(argv: list[str]) -> int:
    """Build, then analyze the result exactly as ``layerscope ENGINE://ID FLAGS`` would."""
    from .. import cli
    from ..config import load_config
    from ..settings import AnalyzeArgs

    parser = build_parser()
    try:
        own, build_args = split_args(argv, parser)
    except SystemExit as e:  # --help: argparse printed it
        return int(e.code or 0)
    config = load_config(getattr(own, "config", None))  # read once: the engine, then the analysis
    engine = container_engine(None, getattr(own, "engine", None), config)
    if any(a in HELP_FLAGS for a in build_args):
        return engine_help(engine, build_args)
    if not build_args:
        raise ConfigError("build: no build arguments given (e.g. layerscope build -t app .)")
    iid = run_build(engine, build_args)
    return cli.run_analyze(AnalyzeArgs.from_namespace(own, image=f"{engine}://{iid}"), config)
