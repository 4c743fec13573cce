"""Escaping of text that comes from an image (file names, commands, labels, registry replies),
one function per kind of consumer.

An image is untrusted input: a file name may hold a newline (a second line that a CI runner
reads as a ``::error`` workflow command), an ESC sequence (which recolours, retitles or
hyperlinks the user's terminal), a control character that makes an XML report unreadable, or
backticks and pipes that break out of a Markdown code span or table.  Every output escapes
for its own consumer here, at the moment it is written — never at the source, so no text is
escaped twice and every renderer keeps the raw value for the others.

Non-UTF-8 bytes of a name arrive as lone surrogates (``surrogateescape``); each face shows
them as ``\\xNN`` (terminal, XML) or U+FFFD (Markdown), never as invalid output.
"""

from __future__ import annotations

import re

# ------------------------------------------------------------------- GitHub workflow commands
# The runner's own rules (actions/toolkit, command.ts): data escapes %, CR, LF; property values
# additionally ':' and ','.  A newline left in would end the command and start a new one.


def gh_data(s: str) -> str:
    """The message part of ``::error ...::MESSAGE``.  Other control characters (ESC...) are
    made visible as in :func:`terminal`: the runner prints commands into the job's log."""
    s = _GH_CONTROLS.sub(_visible, s)
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_prop(s: str) -> str:
    """A property value: ``::error title=VALUE,file=VALUE::``."""
    return gh_data(s).replace(":", "%3A").replace(",", "%2C")


# ------------------------------------------------------------------- terminal
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GH_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # all but tab, LF, CR
# C0 controls, DEL and the C1 range (U+009B is a one-character CSI on some terminals).
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f]")
_TERMINAL_UNSAFE_OR_BYTE = re.compile("[\x00-\x1f\x7f-\x9f\udc80-\udcff]")


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a raw non-UTF-8 byte carried by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


def terminal(s: str, *, keep_bytes: bool = False) -> str:
    """Control characters made visible (``ESC`` → ``\\x1b``, newline → ``\\n``), so image text
    can neither drive the terminal nor start a new line.  Text without control characters is
    returned unchanged, which keeps dive's CI output byte-identical for normal names.

    ``keep_bytes`` leaves raw non-UTF-8 bytes as they are (dive's CI text prints them raw);
    otherwise they are shown as ``\\xNN``.
    """
    pattern = _TERMINAL_UNSAFE if keep_bytes else _TERMINAL_UNSAFE_OR_BYTE
    return pattern.sub(_visible, s)


# ------------------------------------------------------------------- XML 1.0
# Allowed: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].  Anything
# else cannot appear even as a character reference, so it is shown as visible text.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_XML_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)


def _xml_visible(m: re.Match[str]) -> str:
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}"


def xml_text(s: str) -> str:
    """Element content: well-formed XML whatever ``s`` holds."""
    return _XML_INVALID.sub(_xml_visible, s).translate(_XML_TEXT)


def xml_attr(s: str) -> str:
    """A quoted attribute value (quotes included); whitespace kept as character references."""
    return '"' + _XML_INVALID.sub(_xml_visible, s).translate(_XML_ATTR) + '"'


# ------------------------------------------------------------------- Markdown (GitHub-flavoured)
def _md_clean(s: str) -> str:
    """One line of printable text: raw bytes → U+FFFD, whitespace runs and controls → a space."""
    s = s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return " ".join(_TERMINAL_UNSAFE.sub(" ", s).split())


def md_code(s: str) -> str:
    """A code span nothing can break out of: one line, a backtick fence longer than any run
    of backticks inside, ``|`` escaped (GFM splits table cells before it parses code spans,
    and renders ``\\|`` inside a span as ``|``)."""
    text = _md_clean(s) or " "
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<|~])")


def md_text(s: str) -> str:
    """Plain text for a table cell or a list item: one line, Markdown punctuation backslash-
    escaped (so no link, image, HTML tag, emphasis or cell break can be injected)."""
    return _MD_SPECIAL.sub(r"\\\1", _md_clean(s))


__all__ = ["gh_data", "gh_prop", "terminal", "xml_text", "xml_attr", "md_code", "md_text"]
