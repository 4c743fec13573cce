"""Go's ``strconv`` (and ``fmt``'s float verbs) as dive's text depends on them.

Python's ``repr(float)`` gives the same shortest round-trip digits as Go's ``strconv``; only the
layout rules differ (where exponents start, how they are written, ``NaN``/``+Inf``).  This
module holds those layout rules once: ``%v``, ``'f'`` with shortest precision, ``%2.4f``, the
text of the non-finite values, and ``strconv.ParseFloat`` with the error wording dive prints
when a rule value is misconfigured.
"""

from __future__ import annotations

import math
import re


class GoValueError(ValueError):
    """A value one of Go's parsers rejects; ``str()`` is Go's error text, word for word, so a
    caller can wrap it exactly as dive wraps the Go error (``invalid config value (…): …``)."""


# ---------------------------------------------------------------- formatting


def nonfinite(x: float) -> str | None:
    """Go's text for NaN and ±Inf (``NaN``, ``+Inf``, ``-Inf``: what ``%v``, ``%f`` and
    ``FormatFloat`` print), or None for a finite ``x``.  The one place this spelling lives."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return None


def shortest_digits(x: float) -> tuple[str, int]:
    """(digits, decimal point position) of the shortest repr of ``x`` ≥ 0: x = 0.DIGITS × 10^dp."""
    # repr is ``I.F`` or ``I[.F]e±X``; read as text (not through decimal: loading it costs the
    # CI path half a MiB of resident memory)
    mantissa, _, exp = repr(x).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    dp = len(digits) + int(exp or 0) - len(frac)  # value = int(whole + frac) × 10^(exp - len(frac))
    return digits.rstrip("0") or "0", dp


def fmt_e(neg: bool, digits: str, dp: int) -> str:
    """Go's ``%e`` layout of shortest digits: ``d.ddde±XX`` with at least two exponent digits."""
    exp = dp - 1 if digits != "0" else 0
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sign = "-" if exp < 0 else "+"
    return ("-" if neg else "") + f"{mant}e{sign}{abs(exp):02d}"


def fmt_f(neg: bool, digits: str, dp: int) -> str:
    """Go's ``%f`` layout of shortest digits: no exponent, no trailing zeros."""
    if digits == "0":
        s = "0"
    elif dp <= 0:
        s = "0." + "0" * (-dp) + digits
    elif dp >= len(digits):
        s = digits + "0" * (dp - len(digits))
    else:
        s = digits[:dp] + "." + digits[dp:]
    return ("-" if neg else "") + s


def go_g(x: float) -> str:
    """``strconv.FormatFloat(x, 'g', -1, 64)``, which is also what ``%v`` prints.

    Shortest digits; exponent form when the exponent is < -4 or >= 6 (Go's rule for the
    shortest precision), so 1e6 prints ``1e+06`` and 123456.0 prints ``123456``.
    """
    special = nonfinite(x)
    if special is not None:
        return special
    neg = math.copysign(1.0, x) < 0
    digits, dp = shortest_digits(abs(x))
    exp = 0 if digits == "0" else dp - 1
    if exp < -4 or exp >= 6:
        return fmt_e(neg, digits, dp)
    return fmt_f(neg, digits, dp)


def format_f(x: float) -> str:
    """``strconv.FormatFloat(x, 'f', -1, 64)``, how viper's ``GetString`` turns a YAML float of
    ``.dive-ci`` back into the text dive then parses.  Negative zero prints ``0``."""
    special = nonfinite(x)
    if special is not None:
        return special
    digits, dp = shortest_digits(abs(x))
    return ("-" if x < 0 else "") + fmt_f(False, digits, dp)


def go_percent(x: float) -> str:
    """``%2.4f`` of a float as Go prints it (NaN → ``NaN``, +Inf → ``+Inf``)."""
    special = nonfinite(x)
    if special is not None:
        return special
    return f"{x:2.4f}"


def go_quote(s: str) -> str:
    """``strconv.Quote`` as it appears in dive's ``ParseFloat`` errors: ``"``, ``\\``, ``\\n``,
    ``\\t``, ``\\r`` escaped by name, other control bytes and DEL as ``\\xNN``."""
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# ---------------------------------------------------------------- parsing

_FLOAT_RE = re.compile(r"^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d*(?:[eE][+-]?\d+)?)$")
_SPECIAL = {
    "inf": math.inf,
    "+inf": math.inf,
    "-inf": -math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-infinity": -math.inf,
    "nan": math.nan,
    "+nan": math.nan,
    "-nan": math.nan,
}


def _invalid(s: str) -> GoValueError:
    return GoValueError(f"strconv.ParseFloat: parsing {go_quote(s)}: invalid syntax")


def go_parse_float(s: str) -> float:
    """``strconv.ParseFloat(s, 64)`` for decimal input, with Go's error text."""
    special = _SPECIAL.get(s.lower())
    if special is not None:
        return special
    ok = bool(s) and "_" not in s and _FLOAT_RE.match(s) is not None and any(c.isdigit() for c in s)
    if ok:
        mant = re.split("[eE]", s)[0].lstrip("+-")
        ok = any(c.isdigit() for c in mant)
    if not ok:
        raise _invalid(s)
    try:
        value = float(s)
    except (ValueError, OverflowError):
        raise _invalid(s) from None
    if math.isinf(value):
        raise GoValueError(f"strconv.ParseFloat: parsing {go_quote(s)}: value out of range")
    return value
