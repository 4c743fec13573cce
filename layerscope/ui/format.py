"""Text for the attribute columns, in dive's exact formats (``runtime/ui/view/filetree.go``)."""

from __future__ import annotations

from ..golang.humanize import humanize_bytes
from ..image import MODE_SETGID, MODE_SETUID, MODE_STICKY, Entry

ATTR_HEADER = f"{'Permission':<10} {'UID:GID':>11} {'Size':>10}  Filetree"
NO_ATTR_HEADER = "Filetree"


def permissions(info: Entry | None, is_dir: bool) -> str:
    """``d``/``-`` then rwx×3 with ``s/S`` (setuid, setgid) and ``t/T`` (sticky), as dive prints.

    Implicit parents (no tar entry) show ``----------``; symlinks show ``-`` like files.
    """
    if info is None:
        return "----------"
    mode = info.mode
    chars = ["d" if is_dir else "-"]
    for shift, special, on, off in ((6, MODE_SETUID, "s", "S"), (3, MODE_SETGID, "s", "S"), (0, MODE_STICKY, "t", "T")):
        bits = (mode >> shift) & 7
        chars.append("r" if bits & 4 else "-")
        chars.append("w" if bits & 2 else "-")
        if mode & special:
            chars.append(on if bits & 1 else off)
        else:
            chars.append("x" if bits & 1 else "-")
    return "".join(chars)


def attributes(info: Entry | None, is_dir: bool, size: int) -> str:
    """dive's ``%s%s %11s %10s `` attribute block (permissions, uid:gid, humanized size)."""
    uid_gid = "0:0" if info is None else f"{info.uid}:{info.gid}"
    return f"{permissions(info, is_dir)} {uid_gid:>11} {humanize_bytes(size):>10}  "


def one_line(text: str) -> str:
    """A command on one row: newlines become ``↵`` as in dive's layer list."""
    return text.replace("\r\n", "↵").replace("\n", "↵")
