"""Values as sqlite3 3.54's result formatter writes them.

sqlite3 3.54 formats every result through one library, its "query result
formatter": each output mode is a choice of how TEXT is encoded (as it is,
as an SQL literal, CSV, HTML, C or JSON), how a BLOB is shown (as its bytes,
as x'..', as C or JSON escapes), how control characters are escaped and what
NULL is. ``ValueStyle`` is that choice and ``render`` applies it to one
value; the renderers (streams.py, columnar.py) lay the rendered values out.

Escaping: a control character other than TAB, LF and the CR of a CRLF is
written ``^X`` (``^@`` for NUL, ``^[`` for ESC); DEL and bytes that are not
UTF-8 are written as they are. TEXT ends at its first NUL, as a C string
does; a BLOB shown as text keeps every byte (a NUL is ``^@``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from ...sqltext import quote_identifier
from .values import real_literal, real_text

# How TEXT is encoded
PLAIN, SQL, CSV, HTML, C, JSON, RELAXED = "plain", "sql", "csv", "html", "c", "json", "relaxed"
# How a BLOB is shown (AUTO: as its TEXT encoding implies)
AUTO, AS_TEXT, HEX, SIZE = "auto", "text", "hex", "size"
# How control characters are escaped
ASCII, SYMBOL, OFF = "ascii", "symbol", "off"

_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f]|\r(?!\n)")
_CSV_NEEDS_QUOTE = re.compile("[^!#-&(-~]")  # not printable ASCII, or space, " or '
_HTML = str.maketrans({"<": "&lt;", "&": "&amp;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})
_C_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_C_SPECIAL = re.compile('["\\\\\x00-\x1f]')
_SQL_CONTROL = re.compile("[\x00-\x1f]")


class ValueStyle:
    """How one mode writes values: ``text`` and ``blob`` encodings, ``escape``, ``null``, the
    column separator (a CSV field holding it is quoted) and REALs as text or as literals."""

    __slots__ = ("blob", "colsep", "escape", "literal_reals", "null", "text")

    def __init__(
        self,
        text: str = PLAIN,
        blob: str = AUTO,
        *,
        escape: str = ASCII,
        null: str = "",
        colsep: str = ",",
        literal_reals: bool = False,
    ) -> None:
        self.text, self.escape, self.null, self.colsep = text, escape, null, colsep
        self.literal_reals = literal_reals
        if blob == AUTO:
            blob = {SQL: SQL, RELAXED: SQL, C: C, JSON: JSON}.get(text, AS_TEXT)
        self.blob = blob


def escape_controls(text: str, escape: str = ASCII) -> str:
    """Control characters as ``^X`` (``escape=ASCII``) or as U+2400 symbols (``SYMBOL``);
    TAB, LF and a CR before LF stay as they are."""
    if escape == OFF or not _CONTROL.search(text):
        return text
    if escape == SYMBOL:
        return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())), text)
    return _CONTROL.sub(lambda m: "^" + chr(0x40 + ord(m.group())), text)


def c_text(text: str) -> str:
    """``text`` up to its first NUL, as SQLite's C string of it ends there."""
    cut = text.find("\0")
    return text if cut < 0 else text[:cut]


def encode_text(text: str, style: ValueStyle) -> str:
    """A TEXT value (or a name) in the style's encoding, control characters escaped."""
    kind = style.text
    if kind == PLAIN:
        out = text
    elif kind == CSV:
        quote = text == "" or _CSV_NEEDS_QUOTE.search(text) is not None or style.colsep in text
        out = '"' + text.replace('"', '""') + '"' if quote else text
    elif kind == SQL or (kind == RELAXED and not relaxable(text, style)):
        return sql_text(text, style.escape)
    elif kind == HTML:
        out = text.translate(_HTML)
    elif kind in (C, JSON):
        out = c_json_text(text, kind)
    else:  # RELAXED and plain enough
        out = text
    return escape_controls(out, style.escape)


def sql_text(text: str, escape: str = ASCII) -> str:
    """An SQL literal of ``text``; with control characters (unless ``escape=OFF``) as
    ``unistr('...\\u000a...')`` (SQLite's ``%#Q``)."""
    body = text.replace("'", "''")
    if escape == OFF or not _SQL_CONTROL.search(text):
        return f"'{body}'"
    body = body.replace("\\", "\\\\")
    return "unistr('" + _SQL_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", body) + "')"


def c_json_text(text: str, kind: str) -> str:
    """A string in double quotes with C (``kind=C``: octal) or JSON escapes."""

    def one(m: re.Match[str]) -> str:
        ch = m.group()
        known = _C_ESCAPES.get(ch)
        if known is not None:
            return known
        return f"\\u{ord(ch):04x}" if kind == JSON else f"\\{ord(ch):03o}"

    return '"' + _C_SPECIAL.sub(one, text) + '"'


def relaxable(text: str, style: ValueStyle) -> bool:
    """Whether TEXT can be shown as it is in relaxed mode: it does not start or end with a quote
    or a space, is not the NULL text and does not look like a number."""
    if text == "":
        return bool(style.null)
    if text[0] in "' \t\n\v\f\r" or text[-1] in "' \t\n\v\f\r" or text == style.null:
        return False
    return _NUMBER_LIKE.fullmatch(text) is None


_NUMBER_LIKE = re.compile(r"[-+]?(?:Inf|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[0-9]+\.[0-9]*[eE][-+]?)")


def render(value: Any, style: ValueStyle) -> str:
    """One value as the style writes it."""
    t = type(value)
    if t is int:
        return str(value)
    if t is str:
        return encode_text(c_text(value), style)
    if value is None:
        return style.null
    if t is float:
        return real_literal(value) if style.literal_reals else real_text(value)
    return render_blob(bytes(value), style)


def render_blob(data: bytes, style: ValueStyle) -> str:
    """A BLOB as the style shows it."""
    kind = style.blob
    if kind == SQL:
        return "x'" + data.hex() + "'"
    if kind == HEX:
        return data.hex()
    if kind == C:
        return '"' + "".join(f"\\{b:03o}" for b in data) + '"'
    if kind == JSON:
        return '"' + "".join(f"\\u00{b:02x}" for b in data) + '"'
    if kind == SIZE:
        return f"({len(data)}-byte blob)"
    return escape_controls(data.decode("utf-8", "surrogateescape"), style.escape)


# East Asian wide and fullwidth ranges as Markus Kuhn's wcwidth() has them, which sqlite3 3.54
# follows (so an emoji counts one column there, as in terminals of its time).
_WIDE = (
    (0x1100, 0x115F), (0x2329, 0x232A), (0x2E80, 0x3029), (0x3030, 0x303E), (0x3040, 0x3098),
    (0x309B, 0xA4CF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE10, 0xFE19), (0xFE30, 0xFE6F),
    (0xFF00, 0xFF60), (0xFFE0, 0xFFE6), (0x20000, 0x2FFFD), (0x30000, 0x3FFFD),
)  # fmt: skip


def char_width(ch: str) -> int:
    """The columns one character takes as sqlite3 3.54 counts them (code_width)."""
    return code_width(ord(ch))


@functools.lru_cache(maxsize=4096)
def code_width(c: int) -> int:
    """The columns code point ``c`` takes as sqlite3 3.54 counts them: two for East Asian wide
    ones, none for combining marks, format characters and Hangul medial vowels, else one."""
    if c <= 0x300:
        return 1
    if any(lo <= c <= hi for lo, hi in _WIDE):
        return 2
    if 0x1160 <= c <= 0x11FF or c == 0x200B:
        return 0
    try:
        category = unicodedata.category(chr(c))
    except ValueError:  # beyond U+10FFFF
        return 1
    return 0 if category in ("Mn", "Me", "Cf") else 1


def display_width(text: str) -> int:
    """How many columns ``text`` takes on a terminal, as sqlite3 3.54 counts them (char_width);
    control characters and VT100 escapes take none."""
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(char_width(ch) for part in _VT100.split(text) for ch in part if ch >= " ")


_VT100 = re.compile("\x1b\\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]")


def insert_head(table: str, columns: list[str] | None) -> str:
    """``INSERT INTO table(columns) VALUES(``, names quoted where SQL needs it."""
    head = f"INSERT INTO {quote_identifier(table)}"
    if columns is not None:
        head += "(" + ",".join(quote_identifier(c) for c in columns) + ")"
    return head + " VALUES("
