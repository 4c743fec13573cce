"""The interactive UI's settings: ``.dive.yaml`` (dive's search order), ``DIVE_*`` env, flags.

dive users keep their ``.dive.yaml``; layerscope reads it from the same places (dive's
``cmd/root.go``), and also looks for a ``layerscope`` file of the same shape in each of those
places first:

1. ``--config FILE``;
2. the first ``*.yaml``/``*.yml`` (sorted) in ``$XDG_CONFIG_HOME/{layerscope,dive}/``, then in
   each ``$XDG_CONFIG_DIRS`` entry, then ``~/.config/{layerscope,dive}/``;
3. ``~/.layerscope.yaml``, then ``~/.dive.yaml``.

Environment variables override the file: ``DIVE_`` (or ``LAYERSCOPE_``) + the key upper-cased
with ``.`` and ``-`` as ``_``, e.g. ``DIVE_FILETREE_SHOW_ATTRIBUTES=false``.  Flags override both.

Deliberate differences from dive: a missing ``--config`` file is an error (dive prints it and
exits 0); an unset ``XDG_*`` variable does not make ``./dive/`` in the working directory a
config location (a dive quirk that reads random project files); ``filetree.pane-width`` is
honoured.  Unknown keys are ignored, as viper does; a bad value of a known key is a
:class:`~layerscope.errors.ConfigError` naming the key, raised before the UI starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    from .log import LogSettings

DIFF_TYPES = ("unmodified", "modified", "added", "removed")  # index = the tree mark
SORTS = ("name", "size")
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_NAMES = ("layerscope", "dive")
_ENV_PREFIXES = ("DIVE_", "LAYERSCOPE_")

# dive's ``keybinding.*`` names (``cmd/root.go``), plus layerscope's additions at the end.
ACTION_NAMES = (
    "quit",
    "toggle-view",
    "filter-files",
    "close-filter-files",
    "up",
    "down",
    "left",
    "right",
    "page-up",
    "page-down",
    "compare-layer",
    "compare-all",
    "toggle-collapse-dir",
    "toggle-collapse-all-dir",
    "toggle-sort-order",
    "extract-file",
    "toggle-added-files",
    "toggle-removed-files",
    "toggle-modified-files",
    "toggle-unmodified-files",
    "toggle-filetree-attributes",
    "toggle-wrap-tree",
    "search",
    "search-next",
    "search-prev",
    "view-file",
    "insights",
    "packages",
)
LEGACY_NAMES = {"toggle-unchanged-files": "toggle-unmodified-files"}

# dive (gocui) key names → Textual key names.  ctrl+slash arrives as ctrl+underscore (0x1f).
_NAMED_KEYS = {
    "esc": ["escape"],
    "escape": ["escape"],
    "enter": ["enter"],
    "tab": ["tab"],
    "backtab": ["shift+tab"],
    "space": ["space"],
    "backspace": ["backspace"],
    "delete": ["delete"],
    "insert": ["insert"],
    "home": ["home"],
    "end": ["end"],
    "pgup": ["pageup"],
    "pgdn": ["pagedown"],
    "pageup": ["pageup"],
    "pagedown": ["pagedown"],
    "up": ["up"],
    "down": ["down"],
    "left": ["left"],
    "right": ["right"],
    **{f"f{i}": [f"f{i}"] for i in range(1, 13)},
}
_CTRL_SPECIAL = {
    "slash": ["ctrl+slash", "ctrl+underscore"],
    "/": ["ctrl+slash", "ctrl+underscore"],
    "space": ["ctrl+space"],
    "backslash": ["ctrl+backslash"],
    "underscore": ["ctrl+underscore"],
    "m": ["ctrl+m", "enter"],
}


def parse_key(token: str) -> list[str]:
    """One dive key (``ctrl+f``, ``pgup``, ``q``, ``ctrl+slash``) → Textual key names."""
    from .ui.textual_compat import character_key  # Textual's name for a character (public API only)

    t = token.strip()
    if not t:
        raise ValueError("empty key")
    if len(t) == 1:
        if not t.isprintable():
            raise ValueError(f"unknown key {t!r}")
        return [character_key(t)]
    low = t.lower()
    if low in _NAMED_KEYS:
        return list(_NAMED_KEYS[low])
    for mod in ("ctrl+", "alt+", "shift+"):
        if low.startswith(mod):
            rest = t[len(mod) :]
            rest_low = rest.lower()
            if mod == "ctrl+" and rest_low in _CTRL_SPECIAL:
                return list(_CTRL_SPECIAL[rest_low])
            if len(rest) == 1 and rest.isalnum():
                return [mod + rest_low]
            if rest_low in _NAMED_KEYS:
                return [mod + k for k in _NAMED_KEYS[rest_low]]
            raise ValueError(f"unknown key {t!r}")
    raise ValueError(f"unknown key {t!r}")


def parse_key_list(text: str) -> list[str]:
    """A comma-separated dive key list → Textual key names (order kept, no duplicates)."""
    out: list[str] = []
    tokens = [text] if text.strip() == "," else text.split(",")
    for token in tokens:
        for k in parse_key(token if token.strip() else token):
            if k not in out:
                out.append(k)
    return out


@dataclass(slots=True)
class UISettings:
    """Everything the UI reads from configuration, already validated."""

    path: str | None = None  # the config file used, if any
    hide: frozenset[str] = frozenset()  # diff types hidden at start
    collapse_dir: bool = False
    pane_width: float = 0.5  # share of the width for the file tree
    show_attributes: bool = True
    aggregated: bool = False
    sort: str = "name"
    keybindings: dict[str, str] = field(default_factory=dict)  # action -> dive key string


def find_config(explicit: str | None, env: Mapping[str, str] | None = None, home: str | None = None) -> str | None:
    """The config file to use, in dive's order (a layerscope name before the dive one)."""
    env = os.environ if env is None else env
    if explicit:
        if not os.path.isfile(explicit):
            raise ConfigError(f"cannot read config file {explicit}: no such file")
        return explicit
    home = home if home is not None else os.path.expanduser("~")
    dirs: list[str] = []
    xdg_home = env.get("XDG_CONFIG_HOME", "")
    if xdg_home:
        dirs.append(xdg_home)
    dirs += [d for d in env.get("XDG_CONFIG_DIRS", "").split(":") if d]
    dirs.append(os.path.join(home, ".config"))
    for base in dirs:
        for name in _NAMES:
            d = os.path.join(base, name)
            try:
                entries = sorted(os.listdir(d))
            except OSError:
                continue
            for e in entries:
                if e.endswith((".yaml", ".yml")) and os.path.isfile(os.path.join(d, e)):
                    return os.path.join(d, e)
    for name in _NAMES:
        p = os.path.join(home, f".{name}.yaml")
        if os.path.isfile(p):
            return p
    return None


def _flatten(doc: Mapping[Any, Any], prefix: str = "") -> dict[str, Any]:
    """Nested YAML → ``a.b.c`` keys, lower-cased (viper is case-insensitive)."""
    out: dict[str, Any] = {}
    for k, v in doc.items():
        key = f"{prefix}{str(k).lower()}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _read_yaml(path: str) -> dict[str, Any]:
    """The flattened keys of a ``.dive.yaml``, read with the bounds of :mod:`.safeyaml` (size,
    nesting, alias expansion): the file may come from a repository, so it is untrusted input."""
    from .safeyaml import YamlInputError, load_file  # yaml only when there is a file

    try:
        doc = load_file(path)
    except YamlInputError as e:
        where = f" line {e.line}" if e.line is not None else ""
        raise ConfigError(f"config file {path}{where}: {e.problem}") from None
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror or e}") from None
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise ConfigError(f"config file {path}: expected a mapping of keys, got {type(doc).__name__}")
    return _flatten(doc)


def _env_values(env: Mapping[str, str], keys: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in keys:
        suffix = key.upper().replace(".", "_").replace("-", "_")
        for prefix in _ENV_PREFIXES:  # LAYERSCOPE_ wins over DIVE_ when both are set
            v = env.get(prefix + suffix)
            if v is not None:
                out[key] = v
    return out


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    s = str(value).strip()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ConfigError(f"invalid value for {key}: {str(value)!r} (want true or false)")


def _hide(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    items = value if isinstance(value, list) else str(value).replace(",", " ").split()
    out = set()
    for item in items:
        name = str(item).strip().lower()
        if name not in DIFF_TYPES:
            raise ConfigError(f"unknown diff.hide value: {item!r} (want added, removed, modified or unmodified)")
        out.add(name)
    return frozenset(out)


def _pane_width(value: Any) -> float:
    try:
        w = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"invalid value for filetree.pane-width: {value!r} (want a number between 0 and 1)") from None
    if not 0 < w < 1:
        raise ConfigError(f"invalid value for filetree.pane-width: {value!r} (want a number between 0 and 1)")
    return w


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """The ``.dive.yaml`` of one run, found and read once: its path (None when there is none)
    and its flattened keys.  The run settings, the explorer's settings and ``build``'s
    ``container-engine`` are all read from this one value, so the file is opened once per run
    and every reader sees the same content."""

    path: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def load_config(
    explicit: str | None = None, env: Mapping[str, str] | None = None, home: str | None = None
) -> ConfigFile:
    """Find the config file in dive's order and read it (bounded, see :func:`_read_yaml`)."""
    path = find_config(explicit, env, home)
    return ConfigFile(path, _read_yaml(path) if path else {})


def load_settings(
    explicit: str | None = None,
    *,
    sort_flag: str | None = None,
    env: Mapping[str, str] | None = None,
    home: str | None = None,
    config: ConfigFile | None = None,
) -> UISettings:
    """Validate the UI settings of ``config`` (found and read now when not given) under the
    environment; raise ConfigError naming a bad key."""
    env = os.environ if env is None else env
    config = load_config(explicit, env, home) if config is None else config
    path = config.path
    values = dict(config.values)
    key_names = [f"keybinding.{n}" for n in ACTION_NAMES + tuple(LEGACY_NAMES)]
    known = [
        "diff.hide",
        "filetree.collapse-dir",
        "filetree.pane-width",
        "filetree.show-attributes",
        "filetree.sort",
        "layer.show-aggregated-changes",
        *key_names,
    ]
    values.update(_env_values(env, known))
    s = UISettings(path=path)
    if "diff.hide" in values:
        s.hide = _hide(values["diff.hide"])
    if "filetree.collapse-dir" in values:
        s.collapse_dir = _bool("filetree.collapse-dir", values["filetree.collapse-dir"])
    if "filetree.pane-width" in values:
        s.pane_width = _pane_width(values["filetree.pane-width"])
    if "filetree.show-attributes" in values:
        s.show_attributes = _bool("filetree.show-attributes", values["filetree.show-attributes"])
    if "layer.show-aggregated-changes" in values:
        s.aggregated = _bool("layer.show-aggregated-changes", values["layer.show-aggregated-changes"])
    if "filetree.sort" in values:
        sort = str(values["filetree.sort"]).strip().lower()
        if sort not in SORTS:
            raise ConfigError(f"invalid value for filetree.sort: {values['filetree.sort']!r} (want name or size)")
        s.sort = sort
    if sort_flag:
        s.sort = sort_flag
    for key in key_names:
        if key not in values:
            continue
        raw = values[key]
        name = key.split(".", 1)[1]
        name = LEGACY_NAMES.get(name, name)
        if not isinstance(raw, (str, int)) or not str(raw).strip():
            raise ConfigError(f'invalid value for {key}: {raw!r} (want keys such as "ctrl+x,y")')
        try:
            parse_key_list(str(raw))
        except ValueError as e:
            raise ConfigError(f"invalid value for {key}: {e}") from None
        s.keybindings[name] = str(raw)
    return s


# --------------------------------------------------------------------------- run settings
# ``ignore-errors`` and ``log.*`` apply to every mode (UI, CI, --json), not only the UI.
RUN_KEYS = ("ignore-errors", "log.enabled", "log.path", "log.level")


@dataclass(frozen=True, slots=True)
class RunSettings:
    """The ``.dive.yaml`` keys that shape a whole run: dive's defaults (cmd/root.go)."""

    path: str | None = None
    ignore_errors: bool = False
    log: "LogSettings" = field(default_factory=lambda: _log_settings())


def _log_settings(**kw: Any) -> "LogSettings":
    from .log import LogSettings

    return LogSettings(**kw)


def _dive_env_values(env: Mapping[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    """dive's own spelling too: viper only maps ``-`` to ``_``, so dive reads ``log.enabled``
    from ``DIVE_LOG.ENABLED`` (checked against dive 0.13.1); ``DIVE_LOG_ENABLED`` is ours."""
    out: dict[str, str] = {}
    for key in keys:
        v = env.get("DIVE_" + key.upper().replace("-", "_"))
        if v is not None:
            out[key] = v
    out.update(_env_values(env, list(keys)))
    return out


def load_run_settings(
    explicit: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    home: str | None = None,
    config: ConfigFile | None = None,
) -> RunSettings:
    """``ignore-errors`` and ``log.*`` from ``config`` (the file dive would use, found and read
    now when not given) and the environment."""
    from .log import DEFAULT_PATH, parse_level

    env = os.environ if env is None else env
    config = load_config(explicit, env, home) if config is None else config
    path = config.path
    values = {k: v for k, v in config.values.items() if k in RUN_KEYS}
    values.update(_dive_env_values(env, RUN_KEYS))
    ignore = _bool("ignore-errors", values["ignore-errors"]) if "ignore-errors" in values else False
    enabled = _bool("log.enabled", values["log.enabled"]) if "log.enabled" in values else False
    log_path = values.get("log.path", DEFAULT_PATH)
    if not isinstance(log_path, str) or not log_path.strip():
        raise ConfigError(f"invalid value for log.path: {log_path!r} (want a file path)")
    level = parse_level("log.level", values["log.level"]) if "log.level" in values else "info"
    return RunSettings(
        path=path,
        ignore_errors=ignore,
        log=_log_settings(enabled=enabled, path=os.path.expanduser(log_path), level=level),
    )
