"""Values as the sqlite3 shell (3.40) writes them.

sqlite3 turns a REAL into text with SQLite's own ``printf``: ``%!.15g`` where
it shows a column's text, ``%!.20g`` in quote and insert modes. That printf
rounds half up (not to even) and computes digits in x87 ``long double``
arithmetic, so its 16th to 20th digits are not those of an exact conversion
(1.0/3 prints as ``0.33333333333333331482``, not ``...483``). To be
byte-identical this module replays that arithmetic exactly, with integers
standing in for 64-bit-significand floats (or, much faster, in C's own x87
long double, _rows.c); the common cases take a fast path.
"""

from __future__ import annotations

import math
from typing import Any

from ...sqltext import sql_string

# -- x87 long double, emulated: a positive value is (significand, exponent) with
# the significand rounded to 64 bits, half to even, like the FPU's default mode.

_BITS = 64


def _round(m: int, e: int) -> tuple[int, int]:
    n = m.bit_length()
    if n <= _BITS:
        return m, e
    shift = n - _BITS
    q = m >> shift
    rem = m & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if rem > half or (rem == half and q & 1):
        q += 1
        if q.bit_length() > _BITS:
            q >>= 1
            shift += 1
    return q, e + shift


def _ld(x: float | int) -> tuple[int, int]:
    """A double (or a small integer) as an exact long double."""
    if isinstance(x, int):
        return _round(x, 0)
    m, e = math.frexp(x)
    return _round(int(m * (1 << 53)), e - 53)


def _mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return _round(a[0] * b[0], a[1] + b[1])


def _div(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    # Enough quotient bits for a correctly rounded 64-bit result, plus a sticky bit.
    shift = _BITS + 2 + b[0].bit_length() - a[0].bit_length() + 1
    shift = max(shift, 0)
    q, r = divmod(a[0] << shift, b[0])
    q = (q << 1) | (1 if r else 0)
    return _round(q, a[1] - b[1] - shift - 1)


def _add(a: tuple[int, int], b: tuple[int, int], sign: int = 1) -> tuple[int, int]:
    e = min(a[1], b[1])
    m = (a[0] << (a[1] - e)) + sign * (b[0] << (b[1] - e))
    if m <= 0:
        return (0, 0)
    return _round(m, e)


def _ge(a: tuple[int, int], b: tuple[int, int]) -> bool:
    e = min(a[1], b[1])
    return (a[0] << (a[1] - e)) >= (b[0] << (b[1] - e))


def _int(a: tuple[int, int]) -> int:
    """Truncate toward zero, as a C cast does."""
    return a[0] << a[1] if a[1] >= 0 else a[0] >> -a[1]


_ROUNDERS = [_ld(float(f"5e-{k:02d}")) for k in range(1, 11)]

try:  # the same steps in C's long double, where that is the x87 type (_rows.c)
    from ._rows import sqlite_g as _native_g
except ImportError:
    _native_g = None
_E100, _E10, _TEN, _E8 = _ld(1e100), _ld(1e10), _ld(10.0), _ld(1e8)
_ONE, _E_8, _TENTH = _ld(1.0), _ld(1e-8), _ld(0.1)


def sqlite_g(value: float, precision: int, alt2: bool) -> str:
    """SQLite 3.40's ``%[!].<precision>g`` of ``value``, digit for digit."""
    if _native_g is not None:
        return _native_g(value, precision, alt2)
    return emulated_g(value, precision, alt2)


def emulated_g(value: float, precision: int, alt2: bool) -> str:
    """``sqlite_g`` with x87 arithmetic replayed in integers (where C has no x87 long double)."""
    if value != value:
        return "NaN"
    prefix = "-" if value < 0 else ""
    if precision > 0:
        precision -= 1  # %g counts significant digits; the loop counts fraction digits
    rounder = _rounder(precision)
    real, exp = _scaled(_ld(abs(value)))
    if exp > 350:
        return prefix + "Inf"
    real = _add(real, rounder)
    if _ge(real, _TEN):
        real = _mul(real, _TENTH)
        exp += 1
    digits = _Digits(real, 16 + (10 if alt2 else 0))
    # %g: exponential notation when the exponent is < -4 or > precision
    if -4 <= exp <= precision:
        return prefix + _fixed_text(digits, exp, precision - exp, alt2)
    return prefix + _exponential_text(digits, exp, precision, alt2)


def _rounder(precision: int) -> tuple[int, int]:
    """0.5 in the last place of ``precision`` fraction digits, as SQLite's printf computes it."""
    idx = precision & 0xFFF
    rounder = _ROUNDERS[idx % 10]
    while idx >= 10:
        rounder = _mul(rounder, _ld(1e-10))
        idx -= 10
    return rounder


def _scaled(real: tuple[int, int]) -> tuple[tuple[int, int], int]:
    """``real`` scaled into [1, 10) and its decimal exponent (above 350: infinite), as SQLite scales it."""
    exp = 0
    if real[0] <= 0:
        return real, exp
    scale = _ONE
    for step, size in ((_E100, 100), (_E10, 10), (_TEN, 1)):
        while _ge(real, _mul(step, scale)) and exp <= 350:
            scale = _mul(scale, step)
            exp += size
    real = _div(real, scale)
    while not _ge(real, _E_8):
        real = _mul(real, _E8)
        exp -= 8
    while not _ge(real, _ONE):
        real = _mul(real, _TEN)
        exp -= 1
    return real, exp


class _Digits:
    """SQLite's et_getdigit: the digits of a value in [1, 10), then zeros once ``left`` are used."""

    __slots__ = ("left", "real")

    def __init__(self, real: tuple[int, int], left: int) -> None:
        self.real = real
        self.left = left

    def next(self) -> str:
        if self.left <= 0:
            return "0"
        self.left -= 1
        d = _int(self.real)
        self.real = _mul(_add(self.real, _ld(d), -1) if d else self.real, _TEN)
        return chr(48 + d)


def _fixed_text(digits: _Digits, exp: int, precision: int, alt2: bool) -> str:
    """%g's fixed notation: the whole digits, then ``precision`` fraction digits less trailing zeros."""
    text = "0" if exp < 0 else "".join([digits.next() for _ in range(exp + 1)])
    leading = min(max(-(exp + 1), 0), max(precision, 0))  # zeros before the first digit
    fraction = ("0" * leading + "".join([digits.next() for _ in range(precision - leading)])).rstrip("0")
    if fraction:
        return text + "." + fraction
    return text + ".0" if alt2 else text


def _exponential_text(digits: _Digits, exp: int, precision: int, alt2: bool) -> str:
    """%g's exponential notation: d.ddd, trailing zeros dropped, then e+XX."""
    first = digits.next()
    fraction = "".join([digits.next() for _ in range(precision)]).rstrip("0")
    text = first + ("." + fraction if fraction else (".0" if alt2 else ""))
    sign = "-" if exp < 0 else "+"
    return f"{text}e{sign}{abs(exp):02d}"


def real_text(value: float) -> str:
    """A REAL as sqlite3_column_text gives it (``%!.15g``): 0.1, 3.0, 1.0e+300."""
    short = repr(value)
    # Python's repr is the shortest round-trip form. In fixed notation with at
    # most 15 digits (len <= 16 counts the point) and below 1e15, where %g
    # would switch to an exponent, it is exactly what SQLite prints.
    if len(short) <= 16 and "e" not in short and "n" not in short and -1e15 < value < 1e15:
        return short if value else "0.0"
    return _real_text_rounded(value)


def _real_text_rounded(value: float) -> str:
    if value == 0:
        return "0.0"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    short = repr(value)
    mantissa = short.split("e")[0].lstrip("-").replace(".", "").strip("0")
    if len(mantissa) > 15:
        # Rounding happens: replay SQLite's printf to round exactly as it does.
        return sqlite_g(value, 15, True)
    text = format(value, ".15g")  # exact in 15 digits, so the same digits as SQLite
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}e{exponent}"
    if "." not in text:
        text += ".0"
    return text


def real_literal(value: float) -> str:
    """A REAL as quote mode writes it (``%!.20g``): exact enough to read back."""
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0.0"
    return sqlite_g(value, 20, True)


_INFINITY_SQL = {math.inf: "1e999", -math.inf: "-1e999"}
_I64 = 2**63


def json_real(value: float) -> str:
    """A REAL as json mode writes it: ``%!.20g``, but infinities as ``1e999`` so JSON can read them."""
    return _INFINITY_SQL.get(value) or real_literal(value)


def insert_real(value: float) -> str:
    """A REAL as insert mode (and .dump) writes it: whole numbers in full, else ``%!.20g``.

    Infinities become ``1e999`` and ``-1e999``, literals SQLite reads back as such.
    """
    if math.isinf(value):
        return _INFINITY_SQL[value]
    if value.is_integer() and -_I64 <= value < _I64:
        return f"{int(value)}.0"
    return real_literal(value)


def text_of(value: object, null: str) -> str:
    """A value as sqlite3_column_text gives it, cut at the first NUL as C strings are."""
    t = type(value)
    if t is str:
        text = value  # type: ignore[assignment]
    elif t is int:
        return str(value)
    elif t is float:
        return real_text(value)  # type: ignore[arg-type]
    elif value is None:
        return null
    else:
        text = bytes(value).decode("utf-8", "surrogateescape")  # type: ignore[call-overload]
    if "\0" in text:
        text = text[: text.index("\0")]
    return text


def quote_literal(value: object) -> str:
    """A value as an SQL literal, as quote and insert modes write it."""
    if value is None:
        return "NULL"
    t = type(value)
    if t is int:
        return str(value)
    if t is float:
        return real_literal(value)  # type: ignore[arg-type]
    if t is str:
        return sql_string(_before_nul(value))  # type: ignore[arg-type]
    return "X'" + bytes(value).hex() + "'"  # type: ignore[call-overload]


def quoted_cell(value: Any) -> str:
    """A value as the columnar modes' --quote option shows it (sqlite3's quoted_column).

    Unlike ``quote_literal``, a REAL is its text and a blob's x is lower case.
    """
    t = type(value)
    if value is None:
        return "NULL"
    if t is str:
        return sql_string(_before_nul(value))
    if t is int or t is float:
        return text_of(value, "")
    return "x'" + bytes(value).hex() + "'"


def quote_value(value: Any) -> str:
    """A value as SQLite 3.40's quote() writes it (REALs differ in later versions)."""
    if type(value) is float:
        if math.isinf(value):
            return "Inf" if value > 0 else "-Inf"
        text = real_text(value)
        try:
            exact = float(text) == value
        except ValueError:
            exact = False
        return text if exact else _exponent_20(value)
    if type(value) is bytes:
        return "X'" + value.hex().upper() + "'"
    if value is None:
        return "NULL"
    if type(value) is str:
        return sql_string(_before_nul(value))
    return str(value)


def _exponent_20(value: float) -> str:
    """SQLite's ``%!.20e``: the same 21 significant digits its ``%!.21g`` computes."""
    text = sqlite_g(value, 21, True)
    sign = "-" if text.startswith("-") else ""
    body = text.lstrip("-")
    if "e" in body:
        mantissa, exponent = body.split("e")
        exp = int(exponent)
        digits = mantissa.replace(".", "")
    else:
        whole, _, fraction = body.partition(".")
        if whole.strip("0"):
            exp = len(whole.lstrip("0")) - 1
            digits = whole.lstrip("0") + fraction
        else:
            stripped = fraction.lstrip("0")
            exp = -(len(fraction) - len(stripped)) - 1
            digits = stripped
    digits = (digits + "0" * 21)[:21]
    return f"{sign}{digits[0]}.{digits[1:]}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _before_nul(text: str) -> str:
    """``text`` up to its first NUL, where a C string would end."""
    return text[: text.index("\0")] if "\0" in text else text


def _unused(text: str, a: str, b: str) -> str:
    """``a`` or ``b`` if ``text`` lacks it, else the first ``(a<N>)`` it lacks (sqlite3's unused_string)."""
    if a not in text:
        return a
    if b not in text:
        return b
    i = 0
    while f"({a}{i})" in text:
        i += 1
    return f"({a}{i})"


def escaped_literal(text: str) -> str:
    """A TEXT literal with newlines spelled with replace(), as insert mode and .dump write it."""
    text = _before_nul(text)
    if "\n" not in text and "\r" not in text:
        return sql_string(text)
    nl = _unused(text, "\\n", "\\012") if "\n" in text else ""
    cr = _unused(text, "\\r", "\\015") if "\r" in text else ""
    body = text.replace("'", "''")
    if nl:
        body = body.replace("\n", nl)
    if cr:
        body = body.replace("\r", cr)
    out = ("replace(" if nl else "") + ("replace(" if cr else "") + "'" + body + "'"
    if cr:
        out += f",'{cr}',char(13))"
    if nl:
        out += f",'{nl}',char(10))"
    return out


def insert_literal(value: object) -> str:
    """A value as insert mode and .dump write it."""
    t = type(value)
    if t is str:
        return escaped_literal(value)  # type: ignore[arg-type]
    if t is float:
        return insert_real(value)  # type: ignore[arg-type]
    return quote_literal(value)


_C_ESCAPES = {0x5C: "\\\\", 0x22: '\\"', 0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def c_string(text: str) -> str:
    """``text`` as sqlite3's output_c_string writes it (tcl mode, .show): quoted, C escapes.

    Every byte that is not printable ASCII, each byte of a multi-byte
    character included, is written as a three-digit octal escape; a NUL ends
    the string, as it ends a C string.
    """
    out = ['"']
    for byte in text.encode("utf-8", "surrogateescape"):
        if byte == 0:
            break
        escape = _C_ESCAPES.get(byte)
        if escape is not None:
            out.append(escape)
        elif byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:03o}")
        else:
            out.append(chr(byte))
    out.append('"')
    return "".join(out)
