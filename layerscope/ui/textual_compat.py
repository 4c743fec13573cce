"""The few places where layerscope depends on how Textual works inside, kept in one module.

Everything else in ``ui/`` uses Textual's public API only.  What is here was checked against
Textual 8.2.8, which is why the dependency stays below the next major version; on an upgrade,
read this module against the new release first:

* :func:`character_key` — the key name Textual gives a printable character.  Textual has only a
  private helper for it (``textual.keys._character_to_key``); this rebuilds the rule from its
  public tables, and ``tests/ui/test_textual_compat.py`` checks it against the key Textual
  delivers when the character is typed.
* :func:`set_virtual_size_quietly` — change a scroll view's virtual size without the screen
  re-layout that assigning ``virtual_size`` (a layout reactive) costs; public API only, but it
  relies on what ``Widget._scroll_update`` does in 8.2.8.
* :class:`CrashCapture` — Textual has no public hook for an unhandled exception
  (Textualize/textual#2818, #5325): overriding ``App._handle_exception`` and clearing
  ``App._exit_renderables`` is the only way to keep the error and print no traceback.
"""

from __future__ import annotations

import unicodedata
from typing import TypeVar

from textual.app import App
from textual.geometry import Size
from textual.keys import ASCII_KEY_NAMES, KEY_NAME_REPLACEMENTS
from textual.scroll_view import ScrollView

ReturnType = TypeVar("ReturnType")


def character_key(character: str) -> str:
    """Textual's key name for one printable character: ``a``, ``A``, ``slash``, ``question_mark``.

    Letters and digits are their own name; anything else is its Unicode name in lower case with
    spaces and dashes as underscores, with Textual's friendlier replacements (``solidus`` →
    ``slash``).  Same rule as Textual 8.2.8's private ``_character_to_key``.
    """
    if character.isalnum():
        key = character
    else:
        try:
            key = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            key = ASCII_KEY_NAMES.get(character, character)
    return KEY_NAME_REPLACEMENTS.get(key, key)


def set_virtual_size_quietly(view: ScrollView, size: Size) -> None:
    """Set ``view``'s scrollable size without asking the screen for a new layout.

    ``virtual_size`` is a layout reactive: every change re-lays out (and re-renders) the whole
    screen, which is most of what a tree toggle costs on a big image.  When only the height
    changes and the vertical scrollbar cannot appear or disappear, the value is set without its
    watchers and the scrollbar and scroll position are updated by hand, as
    ``Widget._scroll_update`` does in Textual 8.2.8.  Otherwise ``virtual_size`` is assigned
    normally.
    """
    old = view.virtual_size
    if size == old:
        return
    h = view.size.height
    scrollbar_may_change = view.styles.overflow_y != "scroll" and (old.height > h) != (size.height > h)
    if old.width != size.width or scrollbar_may_change or not view.is_mounted:
        view.virtual_size = size
        return
    view.set_reactive(ScrollView.virtual_size, size)
    if view.show_vertical_scrollbar and view.styles.scrollbar_size_vertical:
        bar = view.vertical_scrollbar
        bar.window_virtual_size = size.height
        bar.window_size = view.container_size.height - view.scrollbar_size_horizontal
        bar.refresh()
    view.scroll_y = view.validate_scroll_y(view.scroll_y)
    view.refresh()


class CrashCapture(App[ReturnType]):
    """An app that keeps its first unhandled exception in :attr:`crash` and prints no traceback.

    Textual would render the traceback (with locals) on the terminal after the app closes, and
    :meth:`App.run` would still return normally.  The caller logs ``crash`` and reports one line.
    """

    crash: BaseException | None = None

    def _handle_exception(self, error: Exception) -> None:
        # private hook (Textual 8.2.8): there is no public one, see the module docstring
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)  # closes the app
        self._exit_renderables.clear()  # the traceback goes to the log, not the terminal
