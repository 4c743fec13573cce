"""The package analysis' one window on the copy-on-write engine.

Everything this package asks of the layer stacking goes through :func:`final_view`: the
non-directory files of the final (accurate) filesystem with the layer each final copy lives in,
and, per final path, the superseded copies of it in lower layers (or earlier in the same tar).
When the engines are unified, only this function changes.

On top of those two maps :class:`FinalView` answers the questions the parsers and the
attribution have: a database file's final content, a declared path seen through symlinked
directories (``/bin/ls`` of a merged-/usr image lives at ``usr/bin/ls``), a directory's files.
It holds one path-keyed dict and, only when something needs it, one sorted list of the same
path strings: no tree per package.
"""

from __future__ import annotations

import bisect
import posixpath
from dataclasses import dataclass, field

from ..image import TYPE_LINK, TYPE_SYMLINK, Entry, Image

MAX_HOPS = 40  # symlinks followed resolving one path (Linux's MAXSYMLINKS)
MAX_WALK = 256  # path components walked resolving one path not found as it stands


def final_view(image: Image) -> FinalView:
    """The adapter: final files (path → (layer, entry)) and superseded copies per final path,
    from the accurate copy-on-write analysis (opaque directories, whiteouts, duplicate layers)."""
    from ..analysis.accurate import accurate_waste

    acc = accurate_waste(image)
    files = {e.path: (layer, e) for layer, e in acc.live}
    superseded: dict[str, list[tuple[int, Entry]]] = {}
    for d in acc.dead:
        path = d.entry.path
        if path in files:
            superseded.setdefault(path, []).append((d.layer, d.entry))
    return FinalView(image, files, superseded)


def link_target(e: Entry) -> str:
    """A hardlink's target as a cleaned path (tar names them relative to the root)."""
    t = e.linkname
    while t.startswith("./"):
        t = t[2:]
    return posixpath.normpath("/" + t).lstrip("/")


@dataclass(slots=True)
class FinalView:
    image: Image
    files: dict[str, tuple[int, Entry]]  # every non-directory of the final filesystem
    superseded: dict[str, list[tuple[int, Entry]]]  # final path → dead copies of it (layer, entry)
    _sorted: list[str] | None = field(default=None, repr=False)
    _symlinks: dict[str, str] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ database files
    def content(self, path: str) -> tuple[bytes | None, int | None, str]:
        """(final content, its layer, why not) of a captured database file (found through
        symlinked directories too: ``lib/apk`` of an image whose ``/lib`` links to ``usr/lib``)."""
        path = self.resolve(path) or path
        hit = self.files.get(path)
        if hit is None:
            return None, None, f"/{path}: not in the final image"
        layer, e = hit
        if e.typeflag == TYPE_LINK or e.typeflag == TYPE_SYMLINK:
            return None, layer, f"/{path}: a link in the image, not read"
        cap = self.image.layers[layer].captured
        if cap is None:
            return None, layer, f"/{path}: content not captured by this read"
        data = cap.files.get(path)
        if data is None:
            if path in cap.too_big:
                return None, layer, f"/{path}: larger than the capture bound, not read"
            if cap.budget.exhausted:
                return None, layer, f"/{path}: capture budget exhausted, not read"
            return None, layer, f"/{path}: content not captured"
        return data, layer, ""

    def exists(self, path: str) -> bool:
        return self.resolve(path) is not None

    def layer_of(self, path: str) -> int | None:
        hit = self.files.get(self.resolve(path) or path)
        return None if hit is None else hit[0]

    # ------------------------------------------------------------------ paths
    def sorted_paths(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.files)
        return self._sorted

    def under(self, directory: str) -> list[str]:
        """The final files below ``directory`` (any depth), in path order."""
        keys = self.sorted_paths()
        prefix = directory.rstrip("/") + "/" if directory else ""
        lo = bisect.bisect_left(keys, prefix)
        hi = bisect.bisect_left(keys, prefix + "\U0010ffff")
        return keys[lo:hi]

    def is_dir(self, path: str) -> bool:
        """Whether ``path`` has a final file below it (an empty directory reads as absent)."""
        keys = self.sorted_paths()
        prefix = path + "/"
        i = bisect.bisect_left(keys, prefix)
        return i < len(keys) and keys[i].startswith(prefix)

    def _links(self) -> dict[str, str]:
        if self._symlinks is None:
            self._symlinks = {p: e.linkname for p, (_, e) in self.files.items() if e.typeflag == TYPE_SYMLINK}
        return self._symlinks

    def canonical(self, path: str) -> str | None:
        """``path`` with every symlinked directory on the way followed (the last component
        is not: a package that ships a symlink owns the link); None on a loop."""
        links = self._links()
        parent, _, leaf = path.rpartition("/")
        if not links or not parent:
            return path
        pending = parent.split("/")
        pending.reverse()
        chain: list[str] = []  # chain[k]: the path of the first k+1 components so far
        hops = steps = 0
        while pending:
            steps += 1
            if steps > MAX_WALK:
                return None  # every step joins a prefix: deeper paths are not followed (stays linear)
            comp = pending.pop()
            if comp in ("", "."):
                continue
            if comp == "..":
                if chain:
                    chain.pop()
                continue
            cur = comp if not chain else chain[-1] + "/" + comp
            target = links.get(cur)
            if target is None:
                chain.append(cur)
                continue
            hops += 1
            if hops > MAX_HOPS:
                return None
            if target.startswith("/"):
                chain.clear()
            more = target.split("/")
            more.reverse()
            pending.extend(more)
        return chain[-1] + "/" + leaf if chain else leaf

    def resolve(self, path: str) -> str | None:
        """The final file a declared path names (through symlinked directories), or None."""
        if path in self.files:
            return path
        real = self.canonical(path)
        return real if real is not None and real in self.files else None

    def resolve_dir(self, path: str) -> bool:
        """Whether a declared path that is no final file is a directory (an empty directory
        reads as absent: only files are kept)."""
        hit = self.files.get(path)
        if hit is not None:
            return hit[1].typeflag == TYPE_SYMLINK  # a symlinked directory the package declares
        real = self.canonical(path)
        return real is not None and self.is_dir(real)
