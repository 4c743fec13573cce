"""Typed settings of one run, made from the parsed flags and the config file read once.

The parsers (:mod:`layerscope.cli_args`) produce an ``argparse.Namespace``; this module is
where it stops: :class:`ReadArgs` and :class:`AnalyzeArgs` are the flags as frozen dataclasses
(their field names are the flags' dests, and a field a command does not offer keeps its
default here), and :func:`ci_settings` / :func:`explore_settings` turn them, with the
:class:`~layerscope.config.ConfigFile` and :class:`~layerscope.config.RunSettings`, into what
the library takes: :class:`~layerscope.ci.settings.CiSettings` for the CI pipeline and
:class:`ExploreSettings` for the explorer.  Nothing below the CLI sees a namespace.

Cheap to import: the readers' modules are imported when options are built.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .ci.settings import DEFAULT_CI_CONFIG, CiSettings, RuleOptions
from .cli_args import RULE_FLAGS

if TYPE_CHECKING:
    from .archive.decompress import Limits
    from .config import ConfigFile, RunSettings, UISettings
    from .sources.archive import ReadOptions

GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}  # Go's strconv.ParseBool, as dive reads CI=

_A = TypeVar("_A", bound="ReadArgs")


@dataclass(frozen=True, slots=True)
class ReadArgs:
    """The read flags (:func:`layerscope.cli_args.add_read_args`) of any command."""

    source: str | None = None
    image_select: str | None = None
    platform: str | None = None
    no_verify: bool = False
    max_bytes: int | None = None
    max_entries: int | None = None
    ignore_errors: bool = False
    insecure: bool = False
    cache: bool = True

    @classmethod
    def from_namespace(cls: type[_A], ns: object, **given: Any) -> _A:
        """The fields ``ns`` has (by dest); the others keep their defaults; ``given`` wins."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {name: getattr(ns, name) for name in names if hasattr(ns, name)}
        values.update(given)
        return cls(**values)

    def limits(self) -> Limits:
        """``--max-bytes`` / ``--max-entries`` over the defaults (the limits of each single read)."""
        from .archive.decompress import Limits

        caps = {"max_bytes": self.max_bytes, "max_entries": self.max_entries}
        return Limits(**{k: v for k, v in caps.items() if v is not None})

    def options(self, run: RunSettings, **overrides: Any) -> ReadOptions:
        """The immutable options of every read of this run (each read has its own budget);
        ``ignore-errors`` is the flag or the config file's / environment's key."""
        from .sources.archive import ReadOptions

        values: dict[str, Any] = {
            "image": self.image_select,
            "platform": self.platform,
            "verify": not self.no_verify,
            "limits": self.limits(),
            "insecure": self.insecure,
            "cache": self.cache,
            "ignore_errors": self.ignore_errors or run.ignore_errors,
        }
        values.update(overrides)
        return ReadOptions(**values)


@dataclass(frozen=True, slots=True)
class AnalyzeArgs(ReadArgs):
    """The flags of ``layerscope IMAGE`` (and of ``layerscope build``, which offers a subset)."""

    image: str | None = None
    ci: bool = False
    ci_config: str | None = DEFAULT_CI_CONFIG
    rule_flags: Mapping[str, str] = field(default_factory=dict)  # the rule flags given, by dive's key
    json_path: str | None = None
    format: str = "dive"
    config: str | None = None
    sort: str | None = None
    version: bool = False

    @classmethod
    def from_namespace(cls: type[_A], ns: object, **given: Any) -> _A:
        flags = {dest: v for dest, *_ in RULE_FLAGS if (v := getattr(ns, dest, None)) is not None}
        return super(AnalyzeArgs, cls).from_namespace(ns, **{"rule_flags": flags, **given})

    def source_flag(self, env: Mapping[str, str]) -> str | None:
        """``--source``, else ``$DIVE_SOURCE`` (dive's environment binding)."""
        return self.source if self.source is not None else env.get("DIVE_SOURCE")

    def batch(self, env: Mapping[str, str]) -> bool:
        """No explorer: CI mode (``--ci``, ``CI=true``, a CI ``--format``) or ``--json``."""
        return bool(self.json_path) or self.ci_mode(env)

    def ci_mode(self, env: Mapping[str, str]) -> bool:
        return self.ci or env.get("CI", "") in GO_TRUE or self.format != "dive"

    def rules(self) -> RuleOptions:
        """The rules file and every rule flag (None: not given)."""
        return RuleOptions(self.ci_config, {dest: self.rule_flags.get(dest) for dest, *_ in RULE_FLAGS})


@dataclass(frozen=True, slots=True)
class ExploreSettings:
    """Everything the explorer (:func:`layerscope.ui.app.explore`) needs, validated before
    the first screen: which image, how to read it, the ``.dive.yaml`` UI keys, and the rules
    its Image Details shows a verdict for."""

    source: str
    image_arg: str
    read: ReadOptions
    ui: UISettings
    rules: RuleOptions = field(default_factory=RuleOptions)


def start_run(config: ConfigFile) -> RunSettings:
    """The run settings of ``config`` (``ignore-errors``, ``log.*``), with dive's log file
    opened now, before anything is read."""
    from . import log
    from .config import load_run_settings

    run = load_run_settings(config=config)
    log.configure(run.log)
    return run


def ci_settings(
    a: AnalyzeArgs, source: str, image_arg: str, config: ConfigFile, run: RunSettings, env: Mapping[str, str]
) -> CiSettings:
    """CI mode or ``--json`` (content hashes are never needed there: no hashing)."""
    return CiSettings(
        source=source,
        image_arg=image_arg,
        read=a.options(run, hash_content=False),
        ci=a.ci_mode(env),
        json_path=a.json_path,
        format=a.format,
        rules=a.rules(),
        config_path=config.path,
    )


def explore_settings(
    a: AnalyzeArgs, source: str, image_arg: str, config: ConfigFile, run: RunSettings
) -> ExploreSettings:
    """The explorer's settings; a bad ``.dive.yaml`` UI key is a ConfigError here."""
    from .config import load_settings

    ui = load_settings(a.config, sort_flag=a.sort, env=os.environ, config=config)
    return ExploreSettings(source, image_arg, a.options(run), ui, a.rules())
