"""The typed input and output of one CI run (:func:`layerscope.ci.run.run`).

Plain frozen dataclasses, cheap to import: the CLI builds them from its flags and the config
file before anything is read, and the explorer takes :class:`RuleOptions` for its Image
Details.  Nothing here parses a flag or reads a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..sources.archive import ReadOptions
    from .extra_rules import ExtraVerdict
    from .rule import Verdict

FORMATS = ("dive", "junit", "github", "markdown")  # CI output formats, rendered by ci/render.py and ci/formats.py
DEFAULT_CI_CONFIG = ".dive-ci"  # dive's rules file, in the working directory


@dataclass(frozen=True, slots=True)
class RuleOptions:
    """Where the rules come from: the ``.dive-ci`` path and the rule flags that were given
    (``lowestEfficiency``, ... keyed by dive's names; None = not given).  The precedence
    between the two is dive's, applied by :func:`layerscope.ci.rules.load_rules`."""

    ci_config: str | None = DEFAULT_CI_CONFIG
    flags: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CiSettings:
    """One non-interactive run: dive's CI mode and/or the ``--json`` export.

    ``ci`` False means ``--json`` alone (no rules are read).  With ``json_path`` set the run
    exports and exits 0 after the preamble, as dive does, even in CI mode."""

    source: str  # the picked source's name (sources.pick_source)
    image_arg: str  # the image argument without its SOURCE:// prefix
    read: ReadOptions
    ci: bool = True
    json_path: str | None = None
    format: str = "dive"  # one of FORMATS
    rules: RuleOptions = field(default_factory=RuleOptions)
    config_path: str | None = None  # the .dive.yaml in use: announced first, like dive


@dataclass(frozen=True, slots=True)
class CiOutcome:
    """What a run decided: its exit code (0 pass, 1 a rule failed or is misconfigured) and the
    verdicts behind it (None for a ``--json`` export, or when the rules file has no
    ``layerscope:`` section)."""

    exit_code: int
    verdict: Verdict | None = None
    extra: ExtraVerdict | None = None
