"""Values as the sqlite3 shell (3.54) writes them.

A REAL's text is SQLite's own: ``CAST(x AS TEXT)`` (``%!.17g``, up to 17
significant digits, ``1.0e+300``, ``Inf``) in the text modes and ``.dump``,
``%.16g`` (``100``, ``1e+300``) in insert and json modes. SQLite computes
the 17th digit its own way, not as an exact conversion would, so the digits
are asked of SQLite (``engine.native.real_formatter``).
"""

from __future__ import annotations

import math

from ...engine.native import REAL_LITERAL, REAL_TEXT, real_formatter
from ...lean import TYPE_CHECKING
from ...sqltext import sql_string

if TYPE_CHECKING:
    from typing import Any

_INFINITY_LITERAL = {math.inf: "9e+999", -math.inf: "-9e+999"}
_INFINITY_QUOTED = {math.inf: "9.0e+999", -math.inf: "-9.0e+999"}


def real_text(value: float) -> str:
    """A REAL as sqlite3_column_text gives it: 0.1, 3.0, 1.0e+300, 0.33333333333333332, Inf."""
    return real_formatter()(value, REAL_TEXT)


def real_literal(value: float) -> str:
    """A REAL as insert and json modes write it: 100, 0.1, 1e+300; an infinity as 9e+999, which
    SQLite reads back as one."""
    return _INFINITY_LITERAL.get(value) or real_formatter()(value, REAL_LITERAL)


def dump_real(value: float) -> str:
    """A REAL as .dump writes it: its text (0.30000000000000004, 100.0), which SQLite reads back
    as the same REAL; an infinity as 9e+999. (sqlite3 3.54.1 writes insert mode's %.16g there,
    which reads 0.1+0.2 back as 0.3 and 100.0 as the INTEGER 100.)"""
    if value == 0 and math.copysign(1.0, value) < 0:
        return "-0.0"  # SQLite's text of -0.0 is 0.0; the literal -0.0 reads back as -0.0
    return _INFINITY_LITERAL.get(value) or real_text(value)


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


def quote_value(value: Any) -> str:
    """A value as SQLite's quote() writes it (an infinity as 9.0e+999)."""
    if type(value) is float:
        return _INFINITY_QUOTED.get(value) or real_text(value)
    if type(value) is bytes:
        return "X'" + value.hex().upper() + "'"
    if value is None:
        return "NULL"
    if type(value) is str:
        return sql_string(_before_nul(value))
    return str(value)


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
        return real_literal(value)  # type: ignore[arg-type]
    return quote_literal(value)


_C_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}


def c_string(text: str) -> str:
    """``text`` as sqlite3 3.54's output_c_string writes it (.show, .import -v): quoted, C escapes.

    Characters beyond ASCII are written as they are; a control character or
    DEL, and each byte that is not UTF-8, as a three-digit octal escape (TAB,
    LF, CR and FF by name); a NUL ends the string, as it ends a C string.
    """
    out = ['"']
    for ch in text:
        if ch == "\0":
            break
        escape = _C_ESCAPES.get(ch)
        if escape is not None:
            out.append(escape)
        elif ch < " " or ch == "\x7f":
            out.append(f"\\{ord(ch):03o}")
        elif "\udc80" <= ch <= "\udcff":  # a byte that is not UTF-8 (surrogateescape)
            out.append(f"\\{ord(ch) - 0xDC00:03o}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
