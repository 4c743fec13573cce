"""Compressed (download) size per layer: the stored blob size when known, an estimate otherwise.

What users pay for is the download, not the unpacked bytes.  OCI archives and Docker 25+ saves
store compressed blobs, so the size is exact (``Layer.compressed_size``).  A legacy ``docker
save`` stores plain tars; then the size is *estimated* from the entries alone, because the
reader does not keep content and gzipping every layer again would cost more than the whole
analysis.  The estimate uses typical gzip ratios by file type:

* already-compressed formats (``.gz``, ``.zip``, ``.whl``, ``.jar``, ``.deb``, images …): 1.0;
* text (source, JSON, YAML, HTML, man pages …): 0.30;
* everything else (ELF binaries and shared libraries, data): 0.45;
* each tar header (512 bytes + padding) compresses to about 40 bytes.

Estimates are labelled as such everywhere they are shown; never use them for gates that need
exact numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..image import Image, Layer

_STORED = {
    ".gz",
    ".tgz",
    ".xz",
    ".txz",
    ".bz2",
    ".zst",
    ".zip",
    ".jar",
    ".war",
    ".ear",
    ".whl",
    ".egg",
    ".deb",
    ".rpm",
    ".apk",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".mp3",
    ".mp4",
    ".ogg",
    ".woff",
    ".woff2",
    ".br",
    ".lz4",
    ".lzma",
    ".7z",
    ".pyc",
}
_TEXT = {
    ".py",
    ".pyi",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".json",
    ".txt",
    ".md",
    ".rst",
    ".html",
    ".htm",
    ".css",
    ".xml",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".conf",
    ".c",
    ".h",
    ".hpp",
    ".cc",
    ".cpp",
    ".go",
    ".rs",
    ".java",
    ".rb",
    ".pl",
    ".pm",
    ".php",
    ".sh",
    ".csv",
    ".svg",
    ".pem",
    ".crt",
    ".list",
    ".map",
    ".po",
    ".sql",
    ".lua",
    ".tcl",
    ".el",
    ".1",
    ".5",
    ".8",
}
RATIO_STORED, RATIO_TEXT, RATIO_OTHER = 1.0, 0.30, 0.45
HEADER_COST = 40
GZIP_OVERHEAD = 20


@dataclass(frozen=True, slots=True)
class CompressedSize:
    size: int
    exact: bool  # True: the blob size as stored; False: an estimate

    def label(self) -> str:
        return "stored" if self.exact else "estimate"


def _ratio(path: str) -> float:
    base = path[path.rfind("/") + 1 :]
    if base.endswith(".gz") or base.endswith(".xz"):  # also foo.1.gz man pages
        return RATIO_STORED
    ext = os.path.splitext(base)[1].lower()
    if ext in _STORED:
        return RATIO_STORED
    if ext in _TEXT or "/share/man/" in path or "/share/doc/" in path:
        return RATIO_TEXT
    return RATIO_OTHER


def estimate_layer(layer: Layer) -> int:
    """A gzip-size estimate from the layer's entries (see the module docstring)."""
    total = GZIP_OVERHEAD
    for e in layer.entries:
        total += HEADER_COST
        if e.size:
            total += int(e.size * _ratio(e.path))
    return total


def layer_compressed(layer: Layer) -> CompressedSize:
    if layer.compressed_size is not None and layer.compression != "none":
        return CompressedSize(layer.compressed_size, True)
    return CompressedSize(estimate_layer(layer), False)


def image_compressed(image: Image) -> CompressedSize:
    """Sum over layers; exact only when every layer's blob size is known."""
    sizes = [layer_compressed(layer) for layer in image.layers]
    return CompressedSize(sum(s.size for s in sizes), all(s.exact for s in sizes))
