"""Go's ``encoding/json`` encodings of a float64 and a string, as dive's ``--json`` file has them.

dive writes its JSON with ``encoding/json``, whose float layout (``1e-7``, not ``1e-07``) and
string escaping (``<``, ``>``, ``&`` as ``\\u003c`` … and invalid UTF-8 as ``\\ufffd``) differ
from Python's :mod:`json`; these two functions reproduce them byte for byte.
"""

from __future__ import annotations

import math

from .strconv import fmt_e, fmt_f, shortest_digits


def go_json_float(x: float) -> str:
    """encoding/json's float64 encoding: 'f' unless |x| < 1e-6 or ≥ 1e21, then 'e' with a
    one-digit minimum exponent (``1e-7``, not ``1e-07``).  NaN and ±Inf are an error, as in Go."""
    if math.isnan(x) or math.isinf(x):
        raise ValueError("unsupported float value for JSON")
    a = abs(x)
    neg = math.copysign(1.0, x) < 0 and x != 0
    digits, dp = shortest_digits(a)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        s = fmt_e(neg, digits, dp)
        mant, _, exp = s.partition("e")
        sign, num = exp[0], exp[1:].lstrip("0") or "0"
        return f"{mant}e{sign}{num}" if sign == "-" else f"{mant}e+{num}"
    return fmt_f(neg, digits, dp)


_ESC = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_json_string(s: str) -> str:
    """encoding/json string encoding with HTML escaping, as dive writes it."""
    out = ['"']
    for ch in s:
        esc = _ESC.get(ch)
        if esc is not None:
            out.append(esc)
            continue
        o = ord(ch)
        if o < 0x20:
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:
            # a surrogate-escaped raw byte (invalid UTF-8 in a name) or a lone surrogate
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
