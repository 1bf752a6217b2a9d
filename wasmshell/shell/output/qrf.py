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

from ...lean import TYPE_CHECKING, bounded_cache
from ...sqltext import LazyPattern, quote_identifier
from .values import real_literal, real_text

if TYPE_CHECKING:
    import re
    from collections.abc import Callable
    from typing import Any

# How TEXT is encoded
PLAIN, SQL, CSV, HTML, C, JSON, RELAXED = "plain", "sql", "csv", "html", "tcl", "json", "relaxed"
# How a BLOB is shown (AUTO: as its TEXT encoding implies)
AUTO, AS_TEXT, HEX, SIZE = "auto", "text", "hex", "size"
# How control characters are escaped
ASCII, SYMBOL, OFF = "ascii", "symbol", "off"

_CONTROL = LazyPattern("[\x00-\x08\x0b-\x0c\x0e-\x1f]|\r(?!\n)")
_CSV_NEEDS_QUOTE = LazyPattern("[^!#-&(-~]")  # not printable ASCII, or space, " or '
_HTML = str.maketrans({"<": "&lt;", "&": "&amp;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})
_C_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_C_SPECIAL = LazyPattern('["\\\\\x00-\x1f]')
_SQL_CONTROL = LazyPattern("[\x00-\x1f]")


class ValueStyle:
    """How one mode writes values: ``text`` and ``blob`` encodings, ``escape``, ``null``, the
    column separator (a CSV field holding it is quoted) and REALs as text or as literals; and
    what ``.mode`` options add: a limit on a value's characters, printf formats of numbers,
    JSONB BLOBs shown as JSON."""

    __slots__ = (
        "blob", "char_limit", "colsep", "direct", "escape", "fpfmt", "ifmt", "literal_reals", "null",
        "raw", "special", "text", "textjsonb",
    )  # fmt: skip

    def __init__(
        self,
        text: str = PLAIN,
        blob: str = AUTO,
        *,
        escape: str = ASCII,
        null: str = "",
        colsep: str = ",",
        literal_reals: bool = False,
        char_limit: int = 0,
        ifmt: str = "",
        fpfmt: str = "",
        textjsonb: bool = False,
    ) -> None:
        self.text, self.null, self.colsep = text, null, colsep
        self.escape = ASCII if escape == AUTO else escape
        self.literal_reals = literal_reals
        if blob == AUTO:
            blob = {SQL: SQL, RELAXED: SQL, JSON: JSON}.get(text, AS_TEXT)  # as sqlite3 3.54.1 does
        self.blob = blob
        self.char_limit, self.ifmt, self.fpfmt, self.textjsonb = char_limit, ifmt, fpfmt, textjsonb
        # render() takes its slower path only when one of these is set
        self.special = bool(char_limit or ifmt or fpfmt or textjsonb)
        # Where a BLOB shown as text goes with --escape off: sqlite3 3.54 writes its bytes to the
        # output at once, which puts them before a columnar table (None: in the value).
        self.raw: Callable[[str], Any] | None = None
        # Values go straight into the output (the streaming layouts but line): 3.54 writes a
        # BLOB shown as text out at once there, and so never cuts it at --charlimit.
        self.direct = False

    @classmethod
    def of(
        cls, s: Any, *, literal_reals: bool = False, text: str | None = None, null: str | None = None
    ) -> ValueStyle:
        """The style the output settings ``s`` (OutputSettings) describe; a layout that forces
        an encoding or a NULL text (json, html, insert) passes it."""
        blob = s.blob
        if blob == AUTO:  # from the encoding the settings name, even where the layout forces another
            blob = ValueStyle(s.text).blob
        return cls(
            s.text if text is None else text,
            blob,
            escape=s.escape,
            null=s.null if null is None else null,
            colsep="," if s.colsep_unset else s.colsep,  # (sqlite3's formatter takes NULL as ",")
            literal_reals=literal_reals,
            char_limit=s.char_limit,
            ifmt=s.ifmt,
            fpfmt=s.fpfmt,
            textjsonb=s.textjsonb == 2,
        )

    def titles(self, title_text: str) -> ValueStyle:
        """The style of the column names: ``title_text`` their encoding, no limit on them."""
        names = ValueStyle(title_text, escape=self.escape, null=self.null, colsep=self.colsep)
        return names


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


_NUMBER_LIKE = LazyPattern(r"[-+]?(?:Inf|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[0-9]+\.[0-9]*[eE][-+]?)")


def render(value: Any, style: ValueStyle) -> str:
    """One value as the style writes it."""
    if style.special:
        return _render_special(value, style)
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


def _render_special(value: Any, style: ValueStyle) -> str:
    """``render`` with the .mode options that change values: --ifmt, --fpfmt, --textjsonb and
    --charlimit."""
    t = type(value)
    if t is int and style.ifmt:
        text = sqlite_printf(style.ifmt, value)
    elif t is float and style.fpfmt:
        text = sqlite_printf(style.fpfmt, value)
    elif style.textjsonb and t is not str and value is not None and t is not int and t is not float:
        json_text = jsonb_text(bytes(value))
        if json_text is None:
            text = render_blob(bytes(value), style)
        elif style.text == SQL:
            text = "jsonb(" + encode_text(json_text, style) + ")"
        else:
            text = encode_text(json_text, style)
    else:
        text = render(value, _plain(style))
        if style.direct and style.blob == AS_TEXT and t not in (str, int, float) and value is not None:
            return text
    return limit_chars(text, style.char_limit) if style.char_limit > 0 else text


@bounded_cache(8)
def _plain(style: ValueStyle) -> ValueStyle:
    """The style without its special options (render's fast path)."""
    return ValueStyle(
        style.text, style.blob, escape=style.escape, null=style.null, colsep=style.colsep,
        literal_reals=style.literal_reals,
    )  # fmt: skip


def title_limit(name: str, limit: int) -> str:
    """A column name cut to ``limit`` columns with "..." at its end when it is longer (3.54's
    --titlelimit); tabs and line breaks become spaces."""
    out: list[str] = []
    width, mark = 0, -1  # where "..." goes if the name is cut
    for ch in name:
        if ch < " ":
            if ch == "\0":
                break
            out.append(" " if ch in "\t\n\r" else ch)
            continue
        # 3.54 counts a multi-byte character's bytes, not its width, to place the "..."
        size = 1 if ch < "\x80" else len(ch.encode("utf-8", "surrogateescape"))
        if mark < 0 and width + size > limit - 3:
            mark = len(out)
        full = width + size > limit if size > 1 else width == limit
        if full:
            return "".join(out[:mark]) + "..." if limit >= 3 else "".join(out)
        out.append(ch)
        width += 1 if size == 1 else char_width(ch)
    return "".join(out)


def limit_chars(text: str, limit: int) -> str:
    """``text`` cut after ``limit`` display columns (at least 4) with "..." added, when its
    UTF-8 form is longer than ``limit`` bytes (3.54's --charlimit)."""
    if len(text.encode("utf-8", "surrogateescape")) <= limit:
        return text
    limit = max(limit, 4)
    width = 0
    for i, ch in enumerate(text):
        if ch < " ":
            continue  # control characters take no room (a VT100 escape's letters do, as in 3.54)
        width += char_width(ch)
        if width > limit:
            return text[:i] + "..."
    return text


_PRINTF = None


def sqlite_printf(fmt: str, value: Any) -> str:
    """``value`` formatted by SQLite's own printf (``%,d``, 64-bit ``%x`` as sqlite3 has them)."""
    global _PRINTF
    if _PRINTF is None:
        import apsw

        _PRINTF = apsw.Connection(":memory:")
    return str(_PRINTF.execute("SELECT printf(?, ?)", (fmt, value)).get)


def jsonb_text(data: bytes) -> str | None:
    """The JSON text of a BLOB whose size header says it is one JSONB element (as 3.54 checks
    before it asks SQLite's json()), or None."""
    if not _jsonb_sized(data):
        return None
    sqlite_printf("%d", 0)  # makes the connection
    assert _PRINTF is not None
    try:
        text = _PRINTF.execute("SELECT json(?)", (data,)).get
    except Exception:  # not JSONB after all: shown as a BLOB
        return None
    return text if isinstance(text, str) else None


def _jsonb_sized(data: bytes) -> bool:
    """Whether the payload size in a JSONB header accounts for exactly the BLOB's bytes."""
    if not data:
        return False
    x = data[0] >> 4
    if x <= 11:
        return len(data) == 1 + x
    n = x - 11 if x < 14 else 4 * (x - 13)
    if len(data) < 1 + n:
        return False
    return int.from_bytes(data[1 : 1 + n], "big") + n + 1 == len(data)


_INT_FORMAT = LazyPattern(r"%[-+0#,]*[0-9]*(?:\.[0-9]+)?[dxXo]")
_REAL_FORMAT = LazyPattern(r"%[-+0#,]*[0-9]*(?:\.[0-9]+)?[feEgG]")


def valid_format(fmt: str, real: bool) -> bool:
    """Whether ``fmt`` is one printf conversion of an INTEGER (``%d``, ``%x`` ...) or, with
    ``real``, of a REAL (``%f``, ``%g`` ...), as .mode --ifmt and --fpfmt take."""
    return (_REAL_FORMAT if real else _INT_FORMAT).fullmatch(fmt) is not None


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
    text = data.decode("utf-8", "surrogateescape")
    if style.escape == OFF and style.raw is not None:
        style.raw(text)
        return ""
    return escape_controls(text, style.escape)


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


@bounded_cache(4096)
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
        import unicodedata  # a library loaded when first needed: most text is ASCII

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


_VT100 = LazyPattern("\x1b\\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]")


def insert_head(table: str, columns: list[str] | None) -> str:
    """``INSERT INTO table(columns) VALUES(``, names quoted where SQL needs it."""
    head = f"INSERT INTO {quote_identifier(table)}"
    if columns is not None:
        head += "(" + ",".join(quote_identifier(c) for c in columns) + ")"
    return head + " VALUES("
