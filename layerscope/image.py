"""The image model every later stage reads: plain data, no parsing, no analysis.

An :class:`Image` is what the archive reader produced: ordered layers, each with the entries of
its tar (one :class:`Entry` per tar member, in tar order) and its metadata from the config
history.  Trees, diff marks and efficiency are computed from this by ``tree`` and ``analysis``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# the whiteout spelling lives with the other path rules (paths.py); re-exported for the model's readers
from .paths import OPAQUE_MARKER, OPAQUE_PREFIX, WHITEOUT_PREFIX  # noqa: F401

if TYPE_CHECKING:
    from .archive.capture import LayerCapture

# tar typeflags as dive reports them (Go's archive/tar byte values).
TYPE_REG = 48  # '0' (TypeRegA '\0' is reported as '0', as Go does)
TYPE_LINK = 49  # '1' hardlink
TYPE_SYMLINK = 50  # '2'
TYPE_CHAR = 51  # '3'
TYPE_BLOCK = 52  # '4'
TYPE_DIR = 53  # '5'
TYPE_FIFO = 54  # '6'

# Go os.FileMode bits (dive exports modes in this encoding).
MODE_DIR = 1 << 31
MODE_SYMLINK = 1 << 27
MODE_DEVICE = 1 << 26
MODE_NAMED_PIPE = 1 << 25
MODE_SOCKET = 1 << 24
MODE_SETUID = 1 << 23
MODE_SETGID = 1 << 22
MODE_CHAR_DEVICE = 1 << 21
MODE_STICKY = 1 << 20


@dataclass(slots=True)
class Entry:
    """One member of a layer tar: dive's FileInfo, plus the content hash.

    ``path`` is the cleaned member name without a leading ``/``.  Names that are not valid
    UTF-8 are kept losslessly as surrogate escapes (``os.fsdecode`` style).
    """

    path: str
    typeflag: int
    linkname: str
    size: int
    mode: int  # Go os.FileMode encoding
    uid: int
    gid: int
    hash: int  # XXH64 of the content (0 for directories)

    @property
    def is_dir(self) -> bool:
        # dive uses header.FileInfo().IsDir(): the ModeDir bit, which the typeflag *or* the
        # S_IFDIR bits of the header mode can set.
        return bool(self.mode & MODE_DIR)

    @property
    def dive_path(self) -> str:
        """The path dive reports for this entry in ``--json`` (Go's ``path.Clean`` of the
        member name)."""
        return self.path


@dataclass(slots=True)
class RootedEntry(Entry):
    """An entry whose member name was absolute (``/bin/x``, as kaniko writes them).

    Read as ``bin/x`` like Docker and containerd do, so trees and numbers are dive's; only
    dive's ``--json`` shows the name as written, leading slash kept.  A subclass rather than a
    field so that a million ordinary entries pay nothing for it."""

    @property
    def dive_path(self) -> str:
        return "/" + self.path


@dataclass(slots=True)
class Layer:
    """A layer as the image presents it, in manifest order."""

    index: int
    id: str  # dive's Id: first '/'-separated component of the member name
    member: str  # member name of the layer blob in the outer archive
    digest: str  # paired history diff_id ("" when history ran out)
    command: str  # created_by with one leading "/bin/sh -c " removed
    size: int  # sum of header sizes of every entry
    entries: list[Entry] = field(default_factory=list)
    # dive reads a `docker save` duplicate layer (a symlink member) as empty; the accurate
    # view follows the link.  When set, dive-compatible analysis treats the layer as empty.
    dive_empty: bool = False
    diff_id: str = ""  # rootfs.diff_ids entry for this layer position, when known
    blob_digest: str = ""  # digest of the (possibly compressed) blob, OCI layouts
    compressed_size: int | None = None  # blob size in the archive when compressed
    media_type: str = ""
    compression: str = "none"  # none|gzip|zstd, detected from magic bytes
    created: str = ""
    comment: str = ""
    # dive reads every tar member; when the accurate view hides some (eStargz metadata), the
    # full member list dive sees is kept here.
    dive_all_entries: list[Entry] | None = None
    # ignore-errors: why this layer could not be parsed; it is then shown with no entries
    skipped: str = ""
    # content of the files the read's CaptureSpec asked for (package databases), else None
    captured: LayerCapture | None = None

    @property
    def dive_entries(self) -> list[Entry]:
        if self.dive_empty:
            return []
        return self.entries if self.dive_all_entries is None else self.dive_all_entries

    @property
    def dive_size(self) -> int:
        return 0 if self.dive_empty else self.size


@dataclass(slots=True)
class Image:
    """An image read from an archive (or any other source)."""

    name: str  # the image argument as the user gave it
    source: str  # e.g. "docker-archive"
    layers: list[Layer]
    tags: list[str] = field(default_factory=list)
    config_digest: str = ""
    layout: str = ""  # docker-save | docker-oci | oci
    platform: str = ""
    config: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # informational (e.g. which image was picked)

    @property
    def skipped_layers(self) -> list[Layer]:
        """Layers that could not be parsed and were skipped (only under ignore-errors)."""
        return [layer for layer in self.layers if layer.skipped]

    @property
    def size(self) -> int:
        """dive's SizeBytes: sum of layer sizes (symlinked duplicate layers count 0)."""
        return sum(layer.dive_size for layer in self.layers)

    @property
    def user_size(self) -> int:
        """dive's UserSizeBytes: every layer but layer 0."""
        return sum(layer.dive_size for layer in self.layers[1:])

    @property
    def accurate_size(self) -> int:
        return sum(layer.size for layer in self.layers)
