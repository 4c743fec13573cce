"""go-humanize (github.com/dustin/go-humanize), the two functions dive uses: ``Bytes`` and ``ParseBytes``.

``Bytes`` computes the unit with ``math.Log``; Go computes that with its own FreeBSD-derived
routine rather than the C library's, and near unit boundaries the last bit decides whether a
size reads ``1000 kB`` or ``1.0 MB``.  So Go's ``math.Log`` is ported here too.

``ParseBytes`` reads dive's ``highestWastedBytes`` and, because one size syntax is easier to
learn than two, every byte-size option and setting of layerscope's own (``--max-bytes``,
``--max-size``, ``LAYERSCOPE_CACHE_MAX``, the extra rules).
"""

from __future__ import annotations

import math

from .strconv import GoValueError, go_parse_float

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
    """Go's ``math.Log`` (pure-Go ``log`` from ``src/math/log.go``), bit for bit."""
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


# ---------------------------------------------------------------- Bytes
_SIZES = ("B", "kB", "MB", "GB", "TB", "PB", "EB")
_BIG_SIZES = (*_SIZES, "ZB", "YB")
_GO_MAX = (1 << 64) - 1  # go-humanize takes a uint64: dive never shows more


def humanize_bytes(n: int) -> str:
    """go-humanize ``Bytes``: base 1000, ``6.4 kB``, ``13 kB``, ``0 B``.

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
        from decimal import Decimal  # only here: loading it costs every CI run half a MiB

        return f"{Decimal(whole):.1e} {_BIG_SIZES[e]}"
    return f"{whole} {_BIG_SIZES[e]}"


# ---------------------------------------------------------------- ParseBytes
_BYTE_UNITS = {"": 1, "b": 1}
for _i, _p in enumerate("kmgtpe", start=1):
    _BYTE_UNITS[_p] = _BYTE_UNITS[_p + "b"] = 1000**_i
    _BYTE_UNITS[_p + "i"] = _BYTE_UNITS[_p + "ib"] = 1024**_i


def go_parse_bytes(s: str) -> int:
    """go-humanize ``ParseBytes``: decimal units, ``20Mb`` is 20,000,000 (``Mb`` = MB).

    Raises :class:`~layerscope.golang.strconv.GoValueError` with go-humanize's error text."""
    n = 0
    for ch in s:
        if not (ch.isdigit() or ch in ".,"):
            break
        n += 1
    num = s[:n].replace(",", "")
    f = go_parse_float(num)
    extra = s[n:].strip(" \t\n\r\v\f").lower()
    mult = _BYTE_UNITS.get(extra)
    if mult is None:
        raise GoValueError(f"unhandled size name: {extra}")
    value = f * float(mult)
    if value >= 18446744073709551615.0:
        raise GoValueError(f"too large: {s}")
    return int(value)
