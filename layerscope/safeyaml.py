"""Bounded reading of the YAML files a user or a repository controls (``.dive-ci``, ``.dive.yaml``).

A rules file sits in the repository under test, so it is as untrusted as the image.  Three
things in YAML let a few bytes cost gigabytes or a crash, and each is bounded here:

* **size** — at most :data:`MAX_BYTES` (1 MiB) are read; real files are a few hundred bytes;
* **nesting** — at most :data:`MAX_DEPTH` levels, checked while composing, so a
  ``[[[[…`` file is a located error, not a ``RecursionError``;
* **aliases** — an alias is allowed, but the document, with every alias expanded, may hold at
  most :data:`MAX_ALIAS_NODES` nodes that came from aliases (a "billion laughs" file is a few
  hundred bytes and expands to 10⁹ nodes).  Aliases are *limited* rather than refused because
  dive (Go's yaml.v3) accepts a small ``<<: *defaults`` and refuses only "excessive aliasing":
  a ``.dive-ci`` that dive reads must keep working.  A recursive alias is refused, as in yaml.v3.

Integers beyond Python's int-string conversion limit (4300 digits) stay text instead of raising
``ValueError``; the caller's validation then reports the key (dive does the same: yaml.v3 cannot
represent them as numbers either).
"""

from __future__ import annotations

from typing import Any

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_ALIAS_NODES = 10_000


class YamlInputError(Exception):
    """A YAML file that cannot be used: ``problem`` in words, ``line`` (1-based) when known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem if line is None else f"line {line}: {problem}")
        self.problem = problem
        self.line = line


def read_bounded(path: str, limit: int = MAX_BYTES) -> str:
    """The file's text (undecodable bytes kept as surrogate escapes); ``OSError`` passes through."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise YamlInputError(f"larger than {limit // 1024} KiB, too big for a configuration file")
    return data.decode("utf-8", "surrogateescape")


def _node_size(node: Any, memo: dict[int, int]) -> int:
    """Nodes in ``node`` with aliases expanded; memoised, so shared subtrees cost once."""
    key = id(node)
    if key in memo:
        return memo[key]
    value = node.value
    if isinstance(value, list):
        total = 1
        for item in value:
            if isinstance(item, tuple):  # a mapping's (key, value) pair
                total += _node_size(item[0], memo) + _node_size(item[1], memo)
            else:
                total += _node_size(item, memo)
    else:
        total = 1
    memo[key] = total
    return total


def bounded_loader(base: type) -> type:
    """A subclass of the PyYAML loader ``base`` that enforces the depth and alias limits."""
    from yaml.composer import ComposerError
    from yaml.events import AliasEvent

    class BoundedLoader(base):
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self._depth = 0
            self._alias_nodes = 0
            self._sizes: dict[int, int] = {}
            self._open_anchors: set[str] = set()

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(AliasEvent):
                return self._compose_alias(parent, index)
            event = self.peek_event()
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
            anchor = event.anchor
            if anchor is not None:
                self._open_anchors.add(anchor)
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
                if anchor is not None:
                    self._open_anchors.discard(anchor)

        def _compose_alias(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if event.anchor in self._open_anchors:
                raise ComposerError(
                    None, None, f"alias *{event.anchor} refers to a node that contains it", event.start_mark
                )
            node = self.anchors.get(event.anchor)
            if node is not None:
                self._alias_nodes += _node_size(node, self._sizes)
                if self._alias_nodes > MAX_ALIAS_NODES:
                    raise ComposerError(
                        None,
                        None,
                        "document contains excessive aliasing (more than "
                        f"{MAX_ALIAS_NODES} nodes after expanding aliases)",
                        event.start_mark,
                    )
            return super().compose_node(parent, index)

        def construct_yaml_int(self, node: Any) -> Any:
            try:
                return super().construct_yaml_int(node)
            except ValueError:  # beyond Python's int-string limit: keep the text
                return self.construct_scalar(node)

    BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)
    return BoundedLoader


_SAFE: type | None = None


def safe_bounded_loader() -> type:
    """``yaml.SafeLoader`` with the bounds (built on first use: yaml is imported lazily)."""
    global _SAFE
    if _SAFE is None:
        import yaml

        _SAFE = bounded_loader(yaml.SafeLoader)
    return _SAFE


def load_text(text: str, loader: type) -> Any:
    """Parse ``text`` with ``loader``; every YAML problem becomes one :class:`YamlInputError`."""
    import yaml

    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - loader is a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise YamlInputError(problem, mark.line + 1 if mark is not None else None) from None
    except RecursionError:  # unreachable with MAX_DEPTH, kept so no input can crash the reader
        raise YamlInputError("nested too deeply") from None


def load_file(path: str, loader: type | None = None) -> Any:
    """Read (bounded) and parse ``path``; ``YamlInputError`` or ``OSError``."""
    return load_text(read_bounded(path), loader or safe_bounded_loader())
