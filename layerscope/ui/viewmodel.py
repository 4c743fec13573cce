"""The file tree as the UI shows it, with no Textual in sight, so it can be tested directly.

A layer's marked tree comes as parallel arrays over a preorder index (:class:`FlatTree`, from
:mod:`layerscope.tree.views`).  Everything the pane needs is computed from those arrays with
C-speed operations (``translate``, ``find``, slices, ``itertools``) or only for the rows on
screen, which is what keeps a key press on a 100k-file image within a frame:

* visibility (dive's ``Update``): a node shows if its diff type is not hidden and it matches
  the filter, or if any child shows — ancestors of a match stay, as in dive
  (``docs/dive-compat.md``, *The explorer*);
* sizes are computed on that *view* (dive's ``GetSize`` on the view tree;
  ``docs/dive-compat.md``, *Sizes in the file tree*): a directory
  counts only its visible descendants, skipping Removed ones unless it is Removed itself —
  lazily, for the rows drawn (all of them only for the size order);
* rows are the visible nodes minus the insides of collapsed directories, in name order or by
  size descending (ties by name, dive's ``BySizeDesc``);
* collapse state is kept by path, so it follows the path when another layer is selected
  (dive's ``SetTreeByLayer``).

Only the rows on screen are ever turned into text (:meth:`TreeView.prefix`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress
from operator import mul, sub

from ..image import TYPE_LINK, TYPE_SYMLINK
from ..regex import PathRegex
from ..tree.node import ADDED, MODIFIED, REMOVED, UNMODIFIED
from .flat_tree import FlatTree, PathSet
from .patterns import MAX_FILTER, compile_filter

SORT_NAME, SORT_SIZE = "name", "size"

Pattern = PathRegex | re.Pattern[str]  # users' patterns are RE2 (PathRegex); code's own may be re


@dataclass(frozen=True)
class ViewState:
    """The view settings that follow the user from one layer's tree to the next.

    Taken with :meth:`TreeView.state` on the UI thread and handed to the worker that builds the
    next layer's view (:meth:`TreeView.from_state`), as dive's ``SetTreeByLayer`` carries them.
    A snapshot: the worker never sees a later change (those are carried over by
    :meth:`TreeView.carry_over` when the new view arrives).
    """

    hidden: frozenset[int] = frozenset()
    sort: str = SORT_NAME
    collapse_default: bool = False
    collapsed: Mapping[str, bool] = field(default_factory=dict)  # explicit per-path state
    path: str = ""  # the node under the cursor, kept when the new tree has it
    cursor: int = 0  # the cursor row, used when it has not
    filter: Pattern | None = None
    only: PathSet | None = None  # the package view's selection: only these paths (and their parents)


class Sizes:
    """dive's ``GetSize`` on the view tree, per node, computed when asked (and remembered).

    A directory's subtree is the index range ``[i, end[i])``, so its size is the sum of the
    visible sizes in that range — with Removed subtrees zeroed unless the directory itself is
    Removed — taken at C speed with ``compress``.
    """

    def __init__(self, flat: FlatTree, visible: bytearray) -> None:
        self.flat = flat
        self.visible = visible
        self._memo: dict[int, int] = {}
        self._all: list[int] | None = None

    def __getitem__(self, i: int) -> int:
        if self._all is not None:
            return self._all[i]
        hit = self._memo.get(i)
        if hit is None:
            hit = self._memo[i] = self._size(i)
        return hit

    def _size(self, i: int) -> int:
        f, vis = self.flat, self.visible
        e = f.end[i]
        own = f.own
        if vis.find(1, i + 1, e) < 0:
            return own[i]
        if f.mark[i] == REMOVED:
            return sum(compress(own[i:e], vis[i:e]))
        own_nr, under = f.removed_info()
        if not under[i]:
            return sum(compress(own_nr[i:e], vis[i:e]))
        return self._slow(i)

    def _slow(self, i: int) -> int:
        """A non-Removed directory below a Removed one (deleted, then re-created)."""
        f, vis = self.flat, self.visible
        end, own, mark = f.end, f.own, f.mark
        total = own[i]
        j, e = i + 1, end[i]
        while j < e:
            if not vis[j] or mark[j] == REMOVED:
                j = end[j]
                continue
            total += own[j]
            j += 1
        return total

    def all(self) -> list[int]:
        """Every node's size (0 for hidden ones), from prefix sums: for the size order."""
        if self._all is None:
            f, vis = self.flat, self.visible
            end, own = f.end, f.own
            own_nr, under = f.removed_info()
            p = list(accumulate(map(mul, own_nr, vis), initial=0))
            sizes = list(map(sub, map(p.__getitem__, end), p))
            if own_nr is not own:
                code_removed = f.mark
                pa = list(accumulate(map(mul, own, vis), initial=0))
                i = under.find(1)
                while i >= 0:
                    e = end[i]
                    for j in range(i, e):
                        if vis[j]:
                            sizes[j] = pa[end[j]] - pa[j] if code_removed[j] == REMOVED else self._slow(j)
                    i = under.find(1, e)
            sizes = list(map(mul, sizes, vis))
            self._all = sizes
        return self._all


class TreeView:
    """What the file tree pane shows for one flattened tree, and the state that drives it."""

    def __init__(
        self,
        flat: FlatTree,
        *,
        hidden: Iterable[int] = (),
        sort: str = SORT_NAME,
        collapse_default: bool = False,
        expanded: dict[str, bool] | None = None,
    ) -> None:
        self.flat = flat
        self.hidden: set[int] = set(hidden)
        self.filter: Pattern | None = None
        self.only: PathSet | None = None  # narrowed to one package's files (ANDed with the filter)
        self.sort = sort
        self.collapse_default = collapse_default
        # Explicit per-path collapse state (True = collapsed); other nodes use the default.
        self.collapsed: dict[str, bool] = dict(expanded or {})
        self.cursor = 0
        self.visible = bytearray()
        self.size: Sizes = Sizes(flat, self.visible)
        self.rows: Sequence[int] = []  # a list, or MaskRows (the name order, nothing collapsed by default)
        self._sorted_kids: list[list[int]] | None = None
        self._last: dict[int, bool] = {}
        self._order: list[int] | None = None  # all visible nodes in display order (search)
        self._refresh_visibility()

    @classmethod
    def from_state(cls, flat: FlatTree, state: ViewState) -> TreeView:
        """A view of ``flat`` with another tree's settings; the cursor stays on the same path
        when this tree shows it, else on the same row (dive's ``SetTreeByLayer``)."""
        view = cls(
            flat,
            hidden=state.hidden,
            sort=state.sort,
            collapse_default=state.collapse_default,
            expanded=dict(state.collapsed),
        )
        if state.filter is not None or state.only is not None:
            view.filter = state.filter
            view.only = state.only
            view._refresh_visibility()
        view.cursor = state.cursor
        view._place_cursor(-1)
        view._cursor_to_path(state.path)
        return view

    def state(self) -> ViewState:
        """A snapshot of this view's settings, for :meth:`from_state` on another tree."""
        return ViewState(
            hidden=frozenset(self.hidden),
            sort=self.sort,
            collapse_default=self.collapse_default,
            collapsed=dict(self.collapsed),
            path=self.current_path,
            cursor=self.cursor,
            filter=self.filter,
            only=self.only,
        )

    def carry_over(self, old: TreeView) -> None:
        """Take the changes made on ``old`` while this view was built from its snapshot.

        When a setting changed (hidden types, filter, order, collapse-all) the whole state is
        adopted; otherwise only the collapse map (a directory toggled meanwhile).
        """
        if (
            old.hidden != self.hidden
            or old.filter is not self.filter
            or old.only is not self.only
            or old.sort != self.sort
            or old.collapse_default != self.collapse_default
        ):
            self.adopt_state(old)
        else:
            self.collapsed = old.collapsed

    def _cursor_to_path(self, path: str) -> None:
        if path:
            i = self.flat.find(path)
            if i > 0 and self.visible[i]:
                self._place_cursor(i)

    # ----------------------------------------------------------------- derived state
    def _refresh_visibility(self) -> None:
        """Visibility: a node shows if its type is not hidden and it matches the filter, or if
        anything below it shows (:func:`_with_ancestors`: C-speed passes, and one ``find`` per
        directory that does not qualify itself)."""
        f = self.flat
        hidden = self.hidden
        rx = self.filter
        only = self.only
        if rx is None and only is None and not hidden:
            vis = bytearray(f.present)
        else:
            table = bytes([0] + [0 if m in hidden else 1 for m in range(4)] + [0] * 251)
            ok: bytes | bytearray = f.code.translate(table)
            for narrow in (rx, only):
                if narrow is not None:
                    n = len(ok)
                    both = int.from_bytes(ok, "little") & int.from_bytes(f.shared.matches(narrow), "little")
                    ok = both.to_bytes(n, "little")
            vis = _with_ancestors(ok, f)
        vis[0] = 1
        self.visible = vis
        self.size = Sizes(f, vis)
        self._refresh_order()

    def _refresh_order(self) -> None:
        """Sibling order for the current sort, then the rows."""
        self._last = {}
        if self.sort == SORT_SIZE:
            vis = self.visible
            size = self.size.all()
            kids = self.flat.children()
            self._sorted_kids = [sorted((c for c in ks if vis[c]), key=lambda c: -size[c]) if ks else ks for ks in kids]
        else:
            self._sorted_kids = None
        self._order = None
        self._rebuild_rows()

    def is_last(self, i: int) -> bool:
        """Whether ``i`` is the last visible child of its parent in the current order."""
        hit = self._last.get(i)
        if hit is None:
            f = self.flat
            p = f.parent[i]
            if self._sorted_kids is not None:
                ks = self._sorted_kids[p]
                hit = bool(ks) and ks[-1] == i
            else:
                hit = self.visible.find(1, f.end[i], f.end[p]) < 0
            self._last[i] = hit
        return hit

    def is_collapsed(self, i: int) -> bool:
        f = self.flat
        if i <= 0 or not f.has_children(i):
            return False
        return self.collapsed.get(f.path[i], self.collapse_default)

    def _rebuild_rows(self) -> None:
        keep = self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else -1
        f = self.flat
        vis = self.visible
        end, path = f.end, f.path
        collapsed, default = self.collapsed, self.collapse_default
        if self._sorted_kids is None and not default:
            # everything visible, minus the insides of collapsed directories
            mask = vis
            for p, c in collapsed.items():
                if c:
                    i = f.find(p)
                    if i > 0 and vis[i] and end[i] > i + 1:
                        if mask is vis:
                            mask = bytearray(vis)
                        mask[i + 1 : end[i]] = bytes(end[i] - i - 1)
            rows: Sequence[int] = MaskRows(mask)  # made a block at a time, for the rows drawn
        elif self._sorted_kids is None:
            # mostly collapsed: walk only into expanded directories
            rows = []
            append = rows.append
            find = vis.find
            stack = [(1, len(f))]
            while stack:
                j, e = stack.pop()
                j = find(1, j, e)
                if j < 0:
                    continue
                append(j)
                stack.append((end[j], e))
                if end[j] > j + 1 and not collapsed.get(path[j], default):
                    stack.append((j + 1, end[j]))
        else:
            rows = _sorted_preorder(self._sorted_kids, lambda i: not collapsed.get(path[i], default))
        self.rows = rows
        self._place_cursor(keep)

    def _place_cursor(self, node: int) -> None:
        if node >= 0:
            rows = self.rows
            if self._sorted_kids is None:
                k = rows.rank(node) if isinstance(rows, MaskRows) else bisect_left(rows, node)
                if k < len(rows) and rows[k] == node:
                    self.cursor = k
                    return
            else:
                try:
                    self.cursor = rows.index(node)
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
        return self.visible.find(1, i + 1, self.flat.end[i]) >= 0

    def prefix(self, i: int) -> str:
        """dive's tree guide for node ``i``: ``│   `` / 4 spaces per level, ``├─``/``└─``, ``─ ``/``⊕ ``."""
        f = self.flat
        parts: list[str] = []
        a = f.parent[i]
        while a > 0:
            parts.append("    " if self.is_last(a) else "│   ")
            a = f.parent[a]
        parts.reverse()
        parts.append("└─" if self.is_last(i) else "├─")
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

    def set_filter(self, pattern: Pattern | None) -> None:
        self.filter = pattern
        self._refresh_visibility()

    def set_only(self, paths: PathSet | None) -> None:
        """Show only ``paths`` (files; their directories stay as a filter match's do), or everything."""
        self.only = paths
        self._refresh_visibility()

    def set_sort(self, sort: str) -> None:
        """Change the order; dive resets the cursor to the top when the order changes."""
        self.sort = sort
        self.cursor = 0
        self.rows = []
        self._refresh_order()

    def toggle_collapse(self, i: int | None = None) -> None:
        i = self.current if i is None else i
        if i <= 0 or not self.flat.has_children(i):
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
        if i <= 0 or not self.flat.has_children(i):
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
        self.only = other.only
        self.sort = other.sort
        self.collapse_default = other.collapse_default
        self.collapsed = other.collapsed
        path = other.current_path
        self.cursor = other.cursor
        self.rows = []
        self._refresh_visibility()
        self._cursor_to_path(path)

    # ----------------------------------------------------------------- search
    def display_order(self) -> list[int]:
        """Every visible node in display order, collapsed insides included (for search)."""
        if self._order is None:
            if self._sorted_kids is None:
                order = list(compress(range(len(self.flat)), self.visible))
                self._order = order[1:]  # the root is always visible
            else:
                self._order = _sorted_preorder(self._sorted_kids, None)
        return self._order

    def search(self, pattern: Pattern, forward: bool = True) -> bool:
        """Jump to the next (or previous) visible node whose path matches, wrapping around.

        Collapsed ancestors of the match are expanded.  Returns False when nothing matches.
        """
        order = self.display_order()
        if not order:
            return False
        cur = self.current
        if self._sorted_kids is None:
            k = bisect_left(order, cur)
            pos = k if k < len(order) and order[k] == cur else (-1 if forward else 0)
        else:
            try:
                pos = order.index(cur)
            except ValueError:
                pos = -1 if forward else 0
        n = len(order)
        # one C-speed scan per pattern (cached), not a path built per row: paths are made on
        # demand (tests/hardening/test_deep_path_memory.py), so building them one by one here
        # would be the slow part
        hit = self.flat.shared.matches(pattern)
        step = 1 if forward else -1
        for k in range(1, n + 1):
            i = order[(pos + step * k) % n]
            if hit[i]:
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


class MaskRows(Sequence[int]):
    """The rows of the name order when no directory is collapsed by default: every index ≥ 1
    whose byte in ``mask`` is set, in index order — a list of them made only where it is read.

    A list of every row is hundreds of thousands of ``int`` objects on a big layer, built on
    every layer switch and every toggle (about 30 ms a million entries) to draw fifty of them.
    Here the rows are counted per block of ``block`` indices (C-speed ``count``), and a
    block's list is made when one of its rows is read.  ``mask`` must not change afterwards
    (the view replaces its visibility bytes, it never edits them).  Equal to the list it stands
    for (``tests/ui/test_visibility_fast.py``)."""

    __slots__ = ("_mask", "_size", "_cum", "_blocks")

    def __init__(self, mask: bytearray | bytes, block: int = 4096) -> None:
        self._mask = mask
        self._size = b = block
        self._cum = list(accumulate((mask.count(1, s, s + b) for s in range(1, len(mask), b)), initial=0))
        self._blocks: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return self._cum[-1]

    def _block(self, k: int) -> list[int]:
        blk = self._blocks.get(k)
        if blk is None:
            s = 1 + k * self._size
            e = min(s + self._size, len(self._mask))
            blk = self._blocks[k] = list(compress(range(s, e), memoryview(self._mask)[s:e]))
        return blk

    def __getitem__(self, k):  # noqa: ANN001, ANN204
        n = self._cum[-1]
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(n))]
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("row index out of range")
        b = bisect_right(self._cum, k) - 1
        return self._block(b)[k - self._cum[b]]

    def __iter__(self) -> Iterator[int]:
        return compress(range(1, len(self._mask)), memoryview(self._mask)[1:])

    def rank(self, node: int) -> int:
        """How many rows come before index ``node`` (``bisect_left`` on the list)."""
        return self._mask.count(1, 1, max(1, node))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, MaskRows)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


_T_NOT = bytes([1] + [0] * 255)  # 0 → 1, anything else → 0


def _with_ancestors(ok: bytes | bytearray, f: FlatTree) -> bytearray:
    """``ok`` (1 for the nodes that qualify) plus every node with a qualifying descendant.

    Only a directory that does not qualify itself can change, so those are found at C speed
    (``~ok & has_kids`` on big integers) and each is settled by one ``find`` in its range —
    a range with nothing in it is skipped whole, directories inside included.  The same bytes
    as "a prefix sum of ``ok`` grows over ``[i, end[i])``" (``tests/ui/test_visibility_fast.py``)
    at a fraction of its cost: no list of a million ints per toggle."""
    n = len(ok)
    vis = bytearray(ok)
    cand = (int.from_bytes(ok.translate(_T_NOT), "little") & int.from_bytes(f.shared.has_kids(), "little")).to_bytes(
        n, "little"
    )
    end = f.end
    find, okfind = cand.find, ok.find
    i = find(1)
    while i >= 0:
        e = end[i]
        if okfind(1, i + 1, e) >= 0:
            vis[i] = 1
            i = find(1, i + 1)
        else:
            i = find(1, e)
    return vis


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


__all__ = [
    "ADDED",
    "MODIFIED",
    "REMOVED",
    "UNMODIFIED",
    "FlatTree",
    "MaskRows",
    "TreeView",
    "MAX_FILTER",
    "SORT_NAME",
    "SORT_SIZE",
    "Pattern",
    "PathSet",
    "ViewState",
    "compile_filter",
    "display_text",
]


def _sorted_preorder(kids: list[list[int]], descend: Callable[[int], bool] | None) -> list[int]:
    """Node indices in preorder over ``kids`` (each node's children already in display order),
    entering a node's children only when ``descend(i)`` says so (None: always)."""
    out: list[int] = []
    append = out.append
    stack = [iter(kids[0])]
    while stack:
        i = next(stack[-1], -1)
        if i < 0:
            stack.pop()
            continue
        append(i)
        if kids[i] and (descend is None or descend(i)):
            stack.append(iter(kids[i]))
    return out
