"""``layerscope build [FLAGS] BUILD-ARGS…``: build an image, then analyze it (dive's ``build``).

The build arguments go verbatim to ``docker build --iidfile FILE`` (or ``podman build`` with
``container-engine: podman`` in the config, ``$DIVE_CONTAINER_ENGINE`` or ``--engine``).  Unlike
dive, layerscope's own analysis flags work here too (``--ci``, ``--json``, rule thresholds,
``--ci-config``, ``--config``, limits): they are taken out of the argument list before the rest
is handed to the builder.  Flags both tools know (``--platform``, ``--no-cache``) belong to the
build.  Everything after ``--`` goes to the build untouched.

The builder's output goes to stderr, so stdout carries only the analysis (CI report, JSON).
A failed build is ``layerscope: cannot build image: …`` and exit 1, as in dive.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

from ..errors import ConfigError, LayerscopeError

# layerscope flags lifted out of a build's arguments: name -> takes a value
OWN_FLAGS: dict[str, bool] = {
    "--ci": False, "--ci-config": True, "--lowestEfficiency": True, "--lowest-efficiency": True,
    "--highestWastedBytes": True, "--highest-wasted-bytes": True, "--highestUserWastedPercent": True,
    "--highest-user-wasted-percent": True, "-j": True, "--json": True, "--config": True,
    "--no-verify": False, "--max-bytes": True, "--max-entries": True, "--sort": True,
    "-i": False, "--ignore-errors": False, "--engine": True,
}
ENGINES = ("docker", "podman")


class BuildError(LayerscopeError):
    """The builder failed: exit 1, as dive does."""

    exit_code = 1


def split_args(argv: list[str]) -> tuple[list[str], list[str], str | None]:
    """(layerscope flags, build args, --engine value) from a ``build`` command line."""
    own: list[str] = []
    build: list[str] = []
    engine = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            build += argv[i + 1:]
            break
        name, eq, _value = a.partition("=")
        if name in OWN_FLAGS and (eq or not OWN_FLAGS[name] or i + 1 < len(argv)):
            takes = OWN_FLAGS[name]
            if eq and not takes:
                raise ConfigError(f"build: option {name} takes no value")
            group = [a] if (eq or not takes) else [a, argv[i + 1]]
            if name == "--engine":
                engine = a.partition("=")[2] if eq else argv[i + 1]
            else:
                own += group
            i += len(group)
            continue
        build.append(a)
        i += 1
    return own, build, engine


def container_engine(config_flag: str | None, explicit: str | None) -> str:
    """``--engine``, then ``$LAYERSCOPE_CONTAINER_ENGINE``/``$DIVE_CONTAINER_ENGINE``, then the
    ``container-engine`` key of the config file (dive's), default docker."""
    value = explicit or os.environ.get("LAYERSCOPE_CONTAINER_ENGINE") or os.environ.get("DIVE_CONTAINER_ENGINE")
    if not value:
        from ..config import _read_yaml, find_config

        path = find_config(config_flag)
        value = str(_read_yaml(path).get("container-engine", "") or "") if path else ""
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


def run_build(engine: str, build_args: list[str]) -> str:
    """Run the build with an iid file; return the image ID it wrote."""
    exe = shutil.which(engine)
    if not exe:
        raise BuildError(f"cannot build image: the {engine} binary is not on PATH")
    fd, iidfile = tempfile.mkstemp(prefix="layerscope.", suffix=".iid")
    os.close(fd)
    try:
        print("Building image...", file=sys.stderr, flush=True)
        try:
            rc = _run_to_stderr([exe, "build", "--iidfile", iidfile, *build_args])
        except OSError as e:
            raise BuildError(f"cannot build image: {e.strerror or e}") from None
        if rc != 0:
            raise BuildError(f"cannot build image: {engine} build exited with status {rc}")
        with open(iidfile, encoding="utf-8") as f:
            iid = f.read().strip()
    finally:
        try:
            os.unlink(iidfile)
        except OSError:
            pass
    if not iid:
        raise BuildError(f"cannot build image: {engine} build wrote no image ID")
    return iid


def main(argv: list[str]) -> int:
    """Build, then analyze the result exactly as ``layerscope IMAGE FLAGS`` would."""
    from .. import cli

    own, build_args, engine_flag = split_args(argv)
    if not build_args:
        raise ConfigError("build: no build arguments given (e.g. layerscope build -t app .)")
    parser = cli.build_parser()

    def error(message: str) -> None:  # one line, not argparse's usage block
        raise ConfigError(f"build: {message}")

    parser.error = error  # type: ignore[method-assign]
    parsed = parser.parse_args(own)  # validate our flags before a possibly long build
    engine = container_engine(parsed.config, engine_flag)
    iid = run_build(engine, build_args)
    args = parser.parse_args([*own, f"{engine}://{iid}"])
    return cli.run_analyze(args)
