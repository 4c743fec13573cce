"""Go's number and string formatting, so our text and JSON are byte-identical to dive's.

Python's ``repr(float)`` gives the same shortest round-trip digits as Go's ``strconv``; only the
layout rules differ (where exponents start, how they are written, ``NaN``/``+Inf``).  go-humanize's
``Bytes`` uses ``math.Log``; Go computes it with its own FreeBSD-derived routine, which is ported
here so that sizes near unit boundaries round exactly as dive's do.
"""

from __future__ import annotations

import math
from decimal import Decimal


def _shortest_digits(x: float) -> tuple[str, int]:
    """(digits, decimal point position) of the shortest repr: x = 0.DIGITS × 10^dp."""
    t = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, t.digits)).lstrip("0") or "0"
    # value = int(all digits) * 10^exponent; recompute dp for stripped digits
    all_digits = "".join(map(str, t.digits))
    lead_zeros = len(all_digits) - len(all_digits.lstrip("0"))
    n = len(all_digits) - lead_zeros
    dp = n + t.exponent  # type: ignore[operator]
    digits = digits.rstrip("0") or "0"
    return digits, dp


def _special(x: float) -> str | None:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return None


def _fmt_e(neg: bool, digits: str, dp: int) -> str:
    exp = dp - 1 if digits != "0" else 0
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sign = "-" if exp < 0 else "+"
    e = abs(exp)
    return ("-" if neg else "") + f"{mant}e{sign}{e:02d}"


def _fmt_f(neg: bool, digits: str, dp: int) -> str:
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
    sp = _special(x)
    if sp:
        return sp
    neg = math.copysign(1.0, x) < 0
    digits, dp = _shortest_digits(abs(x))
    exp = 0 if digits == "0" else dp - 1
    if exp < -4 or exp >= 6:
        return _fmt_e(neg, digits, dp)
    return _fmt_f(neg, digits, dp)


def go_json_float(x: float) -> str:
    """encoding/json's float64 encoding: 'f' unless |x| < 1e-6 or ≥ 1e21, then 'e' with a
    one-digit minimum exponent (``1e-7``, not ``1e-07``)."""
    if math.isnan(x) or math.isinf(x):
        raise ValueError("unsupported float value for JSON")
    a = abs(x)
    neg = math.copysign(1.0, x) < 0 and x != 0
    digits, dp = _shortest_digits(a)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        s = _fmt_e(neg, digits, dp)
        mant, _, exp = s.partition("e")
        sign, num = exp[0], exp[1:].lstrip("0") or "0"
        return f"{mant}e{sign}{num}" if sign == "-" else f"{mant}e+{num}"
    return _fmt_f(neg, digits, dp)


def go_percent(x: float) -> str:
    """``%2.4f`` of a float as Go prints it (NaN → ``NaN``, +Inf → ``+Inf``)."""
    sp = _special(x)
    if sp:
        return sp
    return "%2.4f" % x


# ---------------------------------------------------------------- Go math.Log (FreeBSD e_log.c)
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_L1 = 6.666666666666735130e-01
_L2 = 3.999999999940941908e-01
_L3 = 2.857142874366239149e-01
_L4 = 2.222219843214978396e-01
_L5 = 1.818357216161805012e-01
_L6 = 1.531383769920937332e-01
_L7 = 1.479819860511658591e-01
_SQRT2 = 1.41421356237309504880168872420969808


def go_log(x: float) -> float:
    if math.isnan(x) or math.isinf(x) and x > 0:
        return x
    if x < 0:
        return float("nan")
    if x == 0:
        return float("-inf")
    f1, ki = math.frexp(x)
    if f1 < _SQRT2 / 2:
        f1 *= 2
        ki -= 1
    f = f1 - 1
    k = float(ki)
    s = f / (2 + f)
    s2 = s * s
    s4 = s2 * s2
    t1 = s2 * (_L1 + s4 * (_L3 + s4 * (_L5 + s4 * _L7)))
    t2 = s4 * (_L2 + s4 * (_L4 + s4 * _L6))
    r = t1 + t2
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


_SIZES = ("B", "kB", "MB", "GB", "TB", "PB", "EB")
_BIG_SIZES = (*_SIZES, "ZB", "YB")
_GO_MAX = (1 << 64) - 1  # go-humanize takes a uint64: dive never shows more


def humanize_bytes(n: int) -> str:
    """go-humanize ``Bytes``: base 1000, ``6.4 kB``, ``13 kB``, ``0 B`` (reference §5.6).

    Byte-identical to dive for every size dive can show (< 2⁶⁴).  A larger count (a corrupt
    entry can claim any size) is formatted with integer arithmetic in the same style, with
    ``ZB`` and ``YB`` after ``EB`` (``1.2 ZB``, ``1000 YB``): Python floats overflow past 10³⁰⁸
    and Go's unit table stops at EB, so the ported float code cannot be used there."""
    if n < 10:
        return f"{n} B"
    if n > _GO_MAX:
        return _humanize_big(n)
    e = math.floor(go_log(float(n)) / go_log(1000.0))
    suffix = _SIZES[int(e)]
    val = math.floor(float(n) / math.pow(1000.0, e) * 10 + 0.5) / 10
    if val < 10:
        return f"{val:.1f} {suffix}"
    return f"{val:.0f} {suffix}"


def _humanize_big(n: int) -> str:
    """``humanize_bytes`` for ``n`` ≥ 2⁶⁴, exactly: floor(x·10 + ½)/10, then ``%.1f`` below 10
    or ``%.0f`` (round half to even) above, as the float code does."""
    e = 6
    while e < len(_BIG_SIZES) - 1 and n >= 1000 ** (e + 1):
        e += 1
    unit = 1000**e
    tenths = (20 * n + unit) // (2 * unit)  # floor(n / unit * 10 + 0.5)
    if tenths < 100:
        return f"{tenths // 10}.{tenths % 10} {_BIG_SIZES[e]}"
    whole, rest = divmod(tenths, 10)
    if rest > 5 or (rest == 5 and whole % 2):
        whole += 1
    if whole >= 10**30:  # no one reads 31 digits; str() would also fail past 4300 digits
        return f"{Decimal(whole):.1e} {_BIG_SIZES[e]}"
    return f"{whole} {_BIG_SIZES[e]}"


# ---------------------------------------------------------------- JSON strings
_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
        "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


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
