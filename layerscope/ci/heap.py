"""Give the C heap's free pages back to the system between the read and the analysis.

Reading a compressed layer passes a few MiB through quarter-MiB pieces (the file's reads, the
decompressor's output, the cache's hashing queue).  The C allocator serves pieces of that size
from its heap, and once they are freed it keeps the pages: free, but still resident.  The
analysis that follows allocates its objects through Python's own allocator, in fresh pages of
its own, so it cannot reuse them, and the peak RSS of a run is the two added together (1.5 MiB
of a 28 MiB run on a 35 MB OCI archive).  ``malloc_trim(0)`` hands the free pages back.

Only glibc has it; anywhere else (musl, macOS, no :mod:`ctypes`) this does nothing.  It is
called only after a read that decompressed something: an uncompressed archive leaves little
behind (0.4 MiB), less than loading :mod:`ctypes` costs (0.3 MiB).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..image import Image


def worth_trimming(image: Image) -> bool:
    """Whether the read decompressed a layer (and so left freed buffers behind)."""
    return any(layer.compression not in ("", "none") for layer in image.layers)


def release_free_heap() -> bool:
    """``malloc_trim(0)`` where the C library has it; whether it ran."""
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
    except (ImportError, OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True
