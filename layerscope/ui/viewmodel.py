"""The file tree as the UI shows it, with no Textual in sight, so it can be tested directly.

A marked tree (from :class:`~layerscope.tree.marks.LayerTrees`) is flattened once, in name
order, into parallel arrays (:class:`FlatTree`).  Everything the pane needs is then a linear
pass over those arrays instead of a walk over node objects, which is what keeps a key press
on a 100k-file image within a frame:

* visibility (dive's ``Update``): a node shows if its diff type is not hidden and it matches
  the filter, or if any child shows — ancestors of a match stay, as in dive (reference §5.4);
* sizes are computed on that *view* (dive's ``GetSize`` on the view tree, §2.6): a directory
  counts only its visible descendants, skipping Removed ones unless it is Removed itself;
* rows are the visible nodes minus the insides of collapsed directories, in name order or by
  size descending (ties by name, dive's ``BySizeDesc``);
* collapse state is kept by path, so it follows the path when another layer is selected
  (dive's ``SetTreeByLayer``).

Only the rows on screen are ever turned into text (:meth:`TreeView.prefix`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..image import TYPE_LINK, TYPE_SYMLINK
from ..tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED
from .flat_tree import FlatTree

SORT_NAME, SORT_SIZE = "name", "size"
MAX_FILTER = 200  # dive compiles at most 200 characters of the filter


def compile_filter(text: str) -> re.Pattern[str] | None:
    """dive's filter: the trimmed text as an unanchored, case-sensitive regex (≤ 200 chars).

    Returns None for an empty filter; raises ``re.error`` for an invalid one.
    """
    text = text.strip()[:MAX_FILTER]
    if not text:
        return None
    return re.compile(text)


class TreeView:
    """What the file tree pane shows for one flattened tree, and the state that drives it."""

    def __init__(self, flat: FlatTree, *, hidden: Iterable[int] = (), sort: str = SORT_NAME,
                 collapse_default: bool = False, expanded: dict[str, bool] | None = None) -> None:
        self.flat = flat
        self.hidden: set[int] = set(hidden)
        self.filter: re.Pattern[str] | None = None
        self.sort = sort
        self.collapse_default = collapse_default
        # Explicit per-path collapse state (True = collapsed); other nodes use the default.
        self.collapsed: dict[str, bool] = dict(expanded or {})
        self.cursor = 0
        self.visible = bytearray()
        self.size: list[int] = []
        self.is_last = bytearray()
        self.rows: list[int] = []
        self._order: list[int] | None = None  # all visible nodes in display order (search)
        self._refresh_visibility()

    # ----------------------------------------------------------------- derived state
    def _refresh_visibility(self) -> None:
        """Recompute visibility, view sizes, last-sibling flags and rows (one linear pass each)."""
        f = self.flat
        n = len(f)
        parent, mark, own, path = f.parent, f.mark, f.own, f.path
        hidden = self.hidden
        rx = self.filter
        vis = bytearray(n)
        nonrem = list(own)
        total = list(own)
        if rx is None and not hidden:
            vis = bytearray(b"\x01") * n
            for i in range(n - 1, 0, -1):
                p = parent[i]
                total[p] += total[i]
                if mark[i] != REMOVED:
                    nonrem[p] += nonrem[i]
        else:
            search = rx.search if rx is not None else None
            for i in range(n - 1, 0, -1):
                if vis[i] or (mark[i] not in hidden and (search is None or search(path[i]) is not None)):
                    vis[i] = 1
                    p = parent[i]
                    vis[p] = 1
                    total[p] += total[i]
                    if mark[i] != REMOVED:
                        nonrem[p] += nonrem[i]
        vis[0] = 1
        self.visible = vis
        self.size = [t if m == REMOVED else r for t, r, m in zip(total, nonrem, mark)]
        self._refresh_order()

    def _refresh_order(self) -> None:
        """Sibling order and last-child flags for the current sort, then the rows."""
        f = self.flat
        n = len(f)
        last = bytearray(n)
        vis = self.visible
        if self.sort == SORT_SIZE:
            size = self.size
            kids = f.children()
            self._sorted_kids = [
                sorted((c for c in ks if vis[c]), key=lambda c: -size[c]) if ks else ks for ks in kids
            ]
            for ks in self._sorted_kids:
                if ks:
                    last[ks[-1]] = 1
        else:
            self._sorted_kids = None
            seen = bytearray(n)
            parent = f.parent
            for i in range(n - 1, 0, -1):
                if vis[i]:
                    p = parent[i]
                    if not seen[p]:
                        seen[p] = 1
                        last[i] = 1
        self.is_last = last
        self._order = None
        self._rebuild_rows()

    def is_collapsed(self, i: int) -> bool:
        f = self.flat
        if not f.has_children[i]:
            return False
        return self.collapsed.get(f.path[i], self.collapse_default)

    def _rebuild_rows(self) -> None:
        keep = self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else -1
        f = self.flat
        vis = self.visible
        end, has_children, path = f.end, f.has_children, f.path
        collapsed, default = self.collapsed, self.collapse_default
        rows: list[int] = []
        append = rows.append
        if self._sorted_kids is None:
            i, n = 1, len(f)
            while i < n:
                if not vis[i]:
                    i = end[i]
                    continue
                append(i)
                if has_children[i] and collapsed.get(path[i], default):
                    i = end[i]
                else:
                    i += 1
        else:
            kids = self._sorted_kids
            stack = [iter(kids[0])]
            while stack:
                i = next(stack[-1], -1)
                if i < 0:
                    stack.pop()
                    continue
                append(i)
                if kids[i] and not (has_children[i] and collapsed.get(path[i], default)):
                    stack.append(iter(kids[i]))
        self.rows = rows
        self._place_cursor(keep)

    def _place_cursor(self, node: int) -> None:
        if node >= 0:
            try:
                self.cursor = self.rows.index(node)
                return
            except ValueError:
                pass
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))

    # ----------------------------------------------------------------- queries
    @property
    def current(self) -> int:
        """Flat index of the node under the cursor, or -1 when nothing is shown."""
        return self.rows[self.cursor] if self.rows else -1

    @property
    def current_path(self) -> str:
        i = self.current
        return self.flat.path[i] if i > 0 else ""

    def has_visible_children(self, i: int) -> bool:
        f = self.flat
        vis = self.visible
        j = i + 1
        while j < f.end[i]:
            if vis[j]:
                return True
            j = f.end[j]
        return False

    def prefix(self, i: int) -> str:
        """dive's tree guide for node ``i``: ``│   `` / 4 spaces per level, ``├─``/``└─``, ``─ ``/``⊕ ``."""
        f = self.flat
        parts: list[str] = []
        a = f.parent[i]
        while a > 0:
            parts.append("    " if self.is_last[a] else "│   ")
            a = f.parent[a]
        parts.reverse()
        parts.append("└─" if self.is_last[i] else "├─")
        parts.append("⊕ " if self.is_collapsed(i) and self.has_visible_children(i) else "─ ")
        return "".join(parts)

    def label(self, i: int) -> str:
        """The node's name as shown, with `` → target`` for links (both kinds, as dive)."""
        name = display_text(self.flat.names[i])
        info = self.flat.info[i]
        if info is not None and info.typeflag in (TYPE_SYMLINK, TYPE_LINK) and info.linkname:
            return f"{name} → {display_text(info.linkname)}"
        return name

    # ----------------------------------------------------------------- state changes
    def set_hidden(self, mark: int, hidden: bool) -> None:
        if hidden:
            self.hidden.add(mark)
        else:
            self.hidden.discard(mark)
        self._refresh_visibility()

    def toggle_hidden(self, mark: int) -> None:
        self.set_hidden(mark, mark not in self.hidden)

    def set_filter(self, pattern: re.Pattern[str] | None) -> None:
        self.filter = pattern
        self._refresh_visibility()

    def set_sort(self, sort: str) -> None:
        """Change the order; dive resets the cursor to the top when the order changes."""
        self.sort = sort
        self.cursor = 0
        self.rows = []
        self._refresh_order()

    def toggle_collapse(self, i: int | None = None) -> None:
        i = self.current if i is None else i
        if i <= 0 or not self.flat.has_children[i]:
            return
        self.collapsed[self.flat.path[i]] = not self.is_collapsed(i)
        self._rebuild_rows()

    def set_all_collapsed(self, collapsed: bool) -> None:
        """dive's collapse-all: every directory to one state; the cursor resets when collapsing."""
        self.collapse_default = collapsed
        self.collapsed.clear()
        if collapsed:
            self.cursor = 0
            self.rows = []
        self._rebuild_rows()

    def move(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def to_parent(self) -> None:
        """Cursor to the parent directory (dive's cursor-left)."""
        i = self.current
        if i <= 0:
            return
        p = self.flat.parent[i]
        if p > 0:
            self._place_cursor(p)

    def enter(self) -> None:
        """dive's cursor-right: expand a collapsed directory, else step into its first child."""
        i = self.current
        if i <= 0 or not self.flat.has_children[i]:
            return
        if self.is_collapsed(i):
            self.collapsed[self.flat.path[i]] = False
            self._rebuild_rows()
        elif self.cursor + 1 < len(self.rows) and self.flat.parent[self.rows[self.cursor + 1]] == i:
            self.cursor += 1

    def adopt_state(self, other: TreeView) -> None:
        """Carry view state (collapse by path, toggles, filter, order, cursor path) to this tree."""
        self.hidden = set(other.hidden)
        self.filter = other.filter
        self.sort = other.sort
        self.collapse_default = other.collapse_default
        self.collapsed = other.collapsed
        path = other.current_path
        self.cursor = other.cursor
        self.rows = []
        self._refresh_visibility()
        if path:
            i = self.flat.find(path)
            if i > 0 and self.visible[i]:
                self._place_cursor(i)

    # ----------------------------------------------------------------- search
    def display_order(self) -> list[int]:
        """Every visible node in display order, collapsed insides included (for search)."""
        if self._order is None:
            f = self.flat
            vis = self.visible
            if self._sorted_kids is None:
                self._order = [i for i in range(1, len(f)) if vis[i]]
            else:
                order: list[int] = []
                kids = self._sorted_kids
                stack = [iter(kids[0])]
                while stack:
                    i = next(stack[-1], -1)
                    if i < 0:
                        stack.pop()
                        continue
                    order.append(i)
                    if kids[i]:
                        stack.append(iter(kids[i]))
                self._order = order
        return self._order

    def search(self, pattern: re.Pattern[str], forward: bool = True) -> bool:
        """Jump to the next (or previous) visible node whose path matches, wrapping around.

        Collapsed ancestors of the match are expanded.  Returns False when nothing matches.
        """
        order = self.display_order()
        if not order:
            return False
        cur = self.current
        try:
            pos = order.index(cur)
        except ValueError:
            pos = -1 if forward else 0
        n = len(order)
        path = self.flat.path
        step = 1 if forward else -1
        for k in range(1, n + 1):
            i = order[(pos + step * k) % n]
            if pattern.search(path[i]) is not None:
                self.reveal(i)
                return True
        return False

    def reveal(self, i: int) -> None:
        """Expand every collapsed ancestor of node ``i`` and put the cursor on it."""
        f = self.flat
        a = f.parent[i]
        changed = False
        while a > 0:
            if self.is_collapsed(a):
                self.collapsed[f.path[a]] = False
                changed = True
            a = f.parent[a]
        if changed:
            self._rebuild_rows()
        self._place_cursor(i)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def display_text(name: str) -> str:
    """A name made safe to draw: raw bytes as ``\\xNN``, control characters escaped."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if _CONTROL.search(name):
        name = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)
    return name


__all__ = ["ADDED", "MODIFIED", "REMOVED", "UNMODIFIED", "FlatTree", "TreeView", "SORT_NAME",
           "SORT_SIZE", "compile_filter", "display_text"]
