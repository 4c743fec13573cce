"""The flags several commands share, declared once: reading an image, dive's rules, CI output.

Each group is an ``add_*`` function (for a parser or an argument group) and, for a command
that prefers argparse's ``parents=``, a parent parser (:func:`read_parent`, :func:`rules_parent`,
:func:`ci_parent`)::

    p = ArgumentParser(prog="layerscope packages", parents=[read_parent(), quiet_parent()])

Every function declares the same dests, spellings and types for every command, so
:class:`layerscope.settings.ReadArgs` / :class:`~layerscope.settings.AnalyzeArgs` read any
command's namespace.  A parser made with ``argument_default=argparse.SUPPRESS`` (``build``'s,
whose flags override the analysis's defaults only when given) gets no defaults from here.

Why argparse and not click: dive's flag spellings are camelCase (``--lowestEfficiency``) beside
our kebab-case aliases, ``build`` must pass unknown flags through in order
(``parse_known_args``), and :mod:`layerscope.argparsing` already turns every usage error into
one line; click would need custom classes for all three, and it costs import time on every run.

This module imports only argparse and :mod:`layerscope.argparsing`: ``layerscope --help`` and
a usage error stay fast.
"""

from __future__ import annotations

import argparse
from typing import Any, Protocol

from .argparsing import ArgumentParser, positive_count, positive_size
from .ci.settings import DEFAULT_CI_CONFIG, FORMATS

# dive's rule flags: (dest = dive's key, our kebab-case alias, metavar, help).  The dests are
# ci.rules.RULE_KEYS (tests/test_cli_args.py checks it), kept literal here to keep imports light.
RULE_FLAGS = (
    ("lowestEfficiency", "--lowest-efficiency", "RATIO", "fail below this efficiency (0..1)"),
    ("highestWastedBytes", "--highest-wasted-bytes", "SIZE", "fail above this many wasted bytes (e.g. 20MB)"),
    (
        "highestUserWastedPercent",
        "--highest-user-wasted-percent",
        "RATIO",
        "fail above this share of wasted bytes (0..1)",
    ),
)


class _Container(Protocol):
    """A parser or an argument group: what ``add_argument`` is called on."""

    argument_default: Any

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action: ...


def _default(p: _Container, value: object) -> dict[str, object]:
    """``default=value``, unless the parser suppresses defaults (then an absent flag stays absent)."""
    return {} if p.argument_default == argparse.SUPPRESS else {"default": value}


# ---------------------------------------------------------------- reading an image
def add_ignore_errors_arg(p: _Container) -> None:
    p.add_argument(
        "-i",
        "--ignore-errors",
        action="store_true",
        help="show a layer that cannot be parsed as empty (with a warning) instead of stopping; "
        "also the ignore-errors key of .dive.yaml and DIVE_IGNORE_ERRORS",
    )


def add_read_args(p: _Container, *, select_image: bool = True) -> None:
    """Where the image comes from and how it is read (``settings.ReadArgs``); ``select_image``
    adds ``--image`` (a command reading two images, ``diff``, has none)."""
    p.add_argument(
        "--source",
        **_default(p, None),
        help="image source for arguments without a SOURCE:// prefix: docker-archive (docker-tar), docker, "
        "podman, registry (default: $DIVE_SOURCE for layerscope IMAGE)",
    )
    if select_image:
        p.add_argument(
            "--image",
            dest="image_select",
            metavar="NAME:TAG",
            **_default(p, None),
            help="pick an image of a multi-image archive (name:tag; also ARCHIVE:NAME:TAG)",
        )
    p.add_argument(
        "--platform",
        metavar="OS/ARCH",
        **_default(p, None),
        help="os/arch[/variant] to pick from a multi-platform index",
    )
    add_ignore_errors_arg(p)
    p.add_argument("--no-verify", action="store_true", help="do not verify blob digests")
    p.add_argument(
        "--max-bytes",
        type=positive_size,
        metavar="SIZE",
        **_default(p, None),
        help="cap on the uncompressed bytes of each image read (default 64GiB)",
    )
    p.add_argument(
        "--max-entries",
        type=positive_count,
        metavar="N",
        **_default(p, None),
        help="cap on the tar entries of each image read (default 10M)",
    )
    p.add_argument("--insecure", action="store_true", help="registry source: plain http (no TLS)")
    p.add_argument(
        "--cache",
        dest="cache",
        action="store_true",
        **_default(p, True),
        help="use the layer-analysis and registry blob cache in ~/.cache/layerscope (default)",
    )
    p.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="read every layer again: no layer-analysis cache, no registry blob cache (docs/cache.md)",
    )


def add_quiet_arg(p: _Container) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="no progress display on stderr while reading")


# ---------------------------------------------------------------- dive's rules
def add_rule_args(
    p: _Container,
    *,
    ci_config_default: str | None = DEFAULT_CI_CONFIG,
    ci_config_help: str = "rules file (default: .dive-ci in the cwd)",
) -> None:
    """``--ci-config`` and dive's three rule flags (``RuleOptions``)."""
    p.add_argument("--ci-config", metavar="FILE", **_default(p, ci_config_default), help=ci_config_help)
    for dest, alias, metavar, help_text in RULE_FLAGS:
        p.add_argument(f"--{dest}", alias, dest=dest, metavar=metavar, **_default(p, None), help=help_text)


# ---------------------------------------------------------------- CI mode and its outputs
def add_ci_args(p: _Container) -> None:
    """``--ci``, the CI ``--format`` and ``-j/--json`` (``CiSettings``)."""
    p.add_argument("--ci", action="store_true", help="skip the UI; evaluate the CI rules (also CI=true)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        **_default(p, "dive"),
        help="CI output: dive's text (default), junit XML, dive's text + GitHub annotations, "
        "or the markdown summary; other than dive implies --ci",
    )
    p.add_argument(
        "-j", "--json", dest="json_path", metavar="FILE", **_default(p, None), help="write dive's JSON export to FILE"
    )


def add_config_arg(p: _Container, help_text: str = ".dive.yaml configuration file") -> None:
    p.add_argument("--config", metavar="FILE", **_default(p, None), help=help_text)


# ---------------------------------------------------------------- parent parsers
def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False, allow_abbrev=False)


def read_parent(*, select_image: bool = True) -> argparse.ArgumentParser:
    """A parent parser with :func:`add_read_args` (``parents=[read_parent()]``)."""
    p = _parent()
    add_read_args(p.add_argument_group("reading the image"), select_image=select_image)
    return p


def quiet_parent() -> argparse.ArgumentParser:
    """A parent parser with ``-q/--quiet`` (no progress display while reading)."""
    p = _parent()
    add_quiet_arg(p)
    return p


def rules_parent(*, ci_config_default: str | None = DEFAULT_CI_CONFIG) -> argparse.ArgumentParser:
    """A parent parser with :func:`add_rule_args`."""
    p = _parent()
    add_rule_args(p.add_argument_group("dive's CI rules"), ci_config_default=ci_config_default)
    return p


def ci_parent() -> argparse.ArgumentParser:
    """A parent parser with :func:`add_ci_args`."""
    p = _parent()
    add_ci_args(p.add_argument_group("CI mode"))
    return p


# ---------------------------------------------------------------- value types
def top_count(text: str) -> int:
    """``--top N``: a whole number ≥ 0 (0 shows all)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid --top {text!r}: not an integer") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"invalid --top {text!r}: must be ≥ 0 (0 shows all)")
    return n


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code of ``--help`` (argparse would exit the process)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)


__all__ = [
    "ArgumentParser",
    "RULE_FLAGS",
    "add_ci_args",
    "add_config_arg",
    "add_ignore_errors_arg",
    "add_quiet_arg",
    "add_read_args",
    "add_rule_args",
    "ci_parent",
    "parse",
    "quiet_parent",
    "read_parent",
    "rules_parent",
    "top_count",
]
