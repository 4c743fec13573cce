"""Every key the UI answers to, in one table: dive's defaults, our plain-key alternatives, labels.

Each action's name is dive's ``keybinding.<name>`` config key and also the Textual binding id,
so a user's ``.dive.yaml`` override is applied with :meth:`App.set_keymap` and nothing else.

dive's defaults are kept (a dive user must feel at home), and chords that terminals swallow or
that clash get a plain key next to them: Ctrl+M *is* Enter, Ctrl+Space and Ctrl+/ often never
arrive, and Ctrl+A is tmux's and screen's prefix.  An override from the config replaces both.
The status bar shows the first key, and the plain alternative after a ``/`` when there is one.

The keys that open the filter and search lines are *priority* bindings: a terminal delivers
``ctrl+f`` and the letters typed behind it in one read, and Textual hands queued keys to the
focused widget (the tree) before a screen's ordinary binding has moved the focus, so the first
letters went to the tree.  A priority binding runs as the key is taken off the app's queue, so
the focus has moved before the next key is forwarded.  Inside a line the screen's action steps
aside (the line may consume the key: ``/`` in a path regex, or a printable key from the config)
and :func:`line_bindings` gives the line the same action for the keys it does not consume.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

from ..config import ACTION_NAMES, parse_key_list

GLOBAL, LAYERS, TREE, DETAILS = "global", "layers", "tree", "details"


@dataclass(frozen=True, slots=True)
class KeyAction:
    """One configurable action."""

    name: str  # dive's config name == Textual binding id
    keys: str  # dive's default keys (dive syntax)
    extra: str  # layerscope's plain-key alternatives ("" for none)
    label: str  # status-bar label ("" = not shown)
    scopes: tuple[str, ...]
    action: str  # Textual action name on the widget of that scope
    toggle: str = ""  # name of the state shown highlighted when on
    shown_if: str = ""  # a state that must be true for the label to show ("" = always shown)
    priority: bool = False  # runs before the focused widget sees the key (see the module's docstring)


ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("quit", "ctrl+c,q", "", "Quit", (GLOBAL,), "app.quit"),
    KeyAction("toggle-view", "tab", "", "Switch view", (GLOBAL,), "toggle_view"),
    KeyAction("filter-files", "ctrl+f,ctrl+slash", "", "Filter", (GLOBAL,), "open_filter", "filter", priority=True),
    KeyAction("close-filter-files", "esc", "", "", (GLOBAL,), "close_bars"),
    KeyAction("search", "/", "", "Search", (GLOBAL,), "open_search", "search", priority=True),
    KeyAction("insights", "I", "", "Insights", (GLOBAL,), "insights"),
    # shown once the package analysis found packages (the key always works: it also says "none")
    KeyAction("packages", "P", "", "Packages", (GLOBAL,), "packages", shown_if="packages"),
    KeyAction("up", "up,k", "", "", (LAYERS, TREE, DETAILS), "cursor_up"),
    KeyAction("down", "down,j", "", "", (LAYERS, TREE, DETAILS), "cursor_down"),
    KeyAction("left", "left,h", "", "", (LAYERS, TREE, DETAILS), "cursor_left"),
    KeyAction("right", "right,l", "", "", (LAYERS, TREE, DETAILS), "cursor_right"),
    KeyAction("page-up", "pgup,u", "", "", (LAYERS, TREE, DETAILS), "page_up"),
    KeyAction("page-down", "pgdn,d", "", "", (LAYERS, TREE, DETAILS), "page_down"),
    KeyAction("compare-layer", "ctrl+l", "c", "Show layer changes", (LAYERS,), "compare_layer", "layer"),
    KeyAction("compare-all", "ctrl+a", "a", "Show aggregated changes", (LAYERS,), "compare_all", "aggregated"),
    KeyAction("toggle-collapse-dir", "space", "", "Collapse dir", (TREE,), "toggle_collapse"),
    KeyAction("toggle-collapse-all-dir", "ctrl+space", "c", "Collapse all dir", (TREE,), "toggle_collapse_all"),
    KeyAction("toggle-sort-order", "ctrl+o", "s", "Sort", (TREE,), "toggle_sort", "sort"),
    KeyAction("extract-file", "ctrl+e", "x", "Extract File", (TREE,), "extract_file"),
    KeyAction("view-file", "v", "", "View", (TREE,), "view_file"),
    KeyAction("search-next", "n", "", "", (TREE,), "search_next"),
    KeyAction("search-prev", "N", "", "", (TREE,), "search_prev"),
    KeyAction("toggle-added-files", "ctrl+a", "a", "Added", (TREE,), "toggle_type('added')", "added"),
    KeyAction("toggle-removed-files", "ctrl+r", "r", "Removed", (TREE,), "toggle_type('removed')", "removed"),
    KeyAction("toggle-modified-files", "ctrl+m", "m", "Modified", (TREE,), "toggle_type('modified')", "modified"),
    KeyAction(
        "toggle-unmodified-files", "ctrl+u", "U", "Unmodified", (TREE,), "toggle_type('unmodified')", "unmodified"
    ),
    KeyAction("toggle-filetree-attributes", "ctrl+b", "b", "Attributes", (TREE,), "toggle_attributes", "attributes"),
    KeyAction("toggle-wrap-tree", "ctrl+p", "w", "Wrap", (TREE,), "toggle_wrap", "wrap"),
)
BY_NAME = {a.name: a for a in ACTIONS}
assert set(BY_NAME) == set(ACTION_NAMES), "keys.ACTIONS and config.ACTION_NAMES must agree"


def default_keys(action: KeyAction) -> str:
    """dive's keys then our alternatives, as one dive-syntax list."""
    return f"{action.keys},{action.extra}" if action.extra else action.keys


def bindings(scope: str) -> list[BindingType]:
    """Textual bindings for one scope; ids are dive's names so a keymap can override them."""
    out: list[BindingType] = []
    for a in ACTIONS:
        if scope in a.scopes:
            keys = ",".join(parse_key_list(default_keys(a)))
            out.append(Binding(keys, a.action, a.label or a.name, show=False, id=a.name, priority=a.priority))
    return out


def line_bindings() -> list[BindingType]:
    """For the filter and search lines: the priority actions again, as ordinary bindings that
    call the screen's action with ``in_line=True``, for the keys the line does not consume
    (``ctrl+f`` in the filter closes it).  Same ids, so a keymap moves them with the others."""
    out: list[BindingType] = []
    for a in ACTIONS:
        if a.priority:
            keys = ",".join(parse_key_list(default_keys(a)))
            out.append(Binding(keys, f"screen.{a.action}(True)", a.label or a.name, show=False, id=a.name))
    return out


def keymap(overrides: dict[str, str]) -> dict[str, str]:
    """Config overrides (dive syntax) → a Textual keymap (binding id → Textual key list)."""
    return {name: ",".join(parse_key_list(keys)) for name, keys in overrides.items() if name in BY_NAME}


def short_key(key: str) -> str:
    """A Textual key name as the status bar shows it: ``^C``, ``Tab``, ``Space``, ``/``."""
    if key.startswith("ctrl+"):
        rest = key[5:]
        return "^" + {"space": "Space", "slash": "/", "underscore": "/", "at": "Space"}.get(rest, rest.upper())
    named = {
        "tab": "Tab",
        "space": "Space",
        "escape": "Esc",
        "enter": "Enter",
        "slash": "/",
        "pageup": "PgUp",
        "pagedown": "PgDn",
    }
    return named.get(key, key)


def key_hint(action: KeyAction, overrides: dict[str, str]) -> str:
    """The key text for the status bar: the first key, plus a plain alternative if any."""
    text = overrides.get(action.name)
    keys = parse_key_list(text if text is not None else default_keys(action))
    first = keys[0]
    hint = short_key(first)
    if first.startswith("ctrl+"):
        plain = next((k for k in keys[1:] if not k.startswith(("ctrl+", "alt+")) and k != "enter"), None)
        if plain is not None:
            hint += "/" + short_key(plain)
    return hint


def help_items(
    scope: str, overrides: dict[str, str], states: dict[str, bool | str] | None = None
) -> list[tuple[str, str, str]]:
    """(key hint, label, toggle name) of the shown actions of a scope, in table order; an action
    with ``shown_if`` only when ``states`` says that state is on."""
    states = states or {}
    return [
        (key_hint(a, overrides), a.label, a.toggle)
        for a in ACTIONS
        if scope in a.scopes and a.label and (not a.shown_if or states.get(a.shown_if))
    ]
