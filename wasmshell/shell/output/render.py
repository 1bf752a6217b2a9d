"""Output modes, byte for byte as the sqlite3 shell (3.40) writes them.

A renderer is made per statement: ``start(columns)`` once, ``row(values)`` per
row as it arrives, ``finish()`` at the end. Streaming modes write each row at
once; the columnar modes (column, table, box, markdown) must see every row to
size their columns, as sqlite3's do, and write when the statement ends.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from .values import (  # escaped_literal and quote_identifier are used from here too
    c_string,
    escaped_literal,  # noqa: F401
    insert_literal,
    json_real,
    quote_identifier,
    quote_literal,
    real_text,
    text_of,
)

MODES = (
    "ascii",
    "box",
    "column",
    "count",
    "csv",
    "html",
    "insert",
    "json",
    "line",
    "list",
    "markdown",
    "off",
    "quote",
    "table",
    "tabs",
    "tcl",
)


class OutputSettings:
    """How results are written: sqlite3's .mode, .headers, .separator, .nullvalue, .width.

    A plain class, not a dataclass: importing ``dataclasses`` costs start-up time.
    """

    __slots__ = (
        "colsep",
        "headers",
        "headers_set",
        "maxrows",
        "mode",
        "null",
        "quote",
        "rowsep",
        "table",
        "widths",
        "wordwrap",
        "wrap",
    )

    def __init__(self, **changes: Any) -> None:
        self.mode = "list"
        self.headers = False
        self.headers_set = False  # .mode column turns headers on unless .headers was used
        self.colsep = "|"
        self.rowsep = "\n"
        self.null = ""
        self.widths: list[int] = []
        self.wrap = 0  # columnar modes wrap longer values (.mode box sets 60, as sqlite3 does)
        self.wordwrap = False  # ... breaking them between words (--wordwrap on)
        self.quote = False  # ... and show values as SQL literals (--quote)
        self.table = "table"  # the table name insert mode writes
        self.maxrows = 40  # the interactive "pretty" mode shows at most this many rows
        for name, value in changes.items():
            setattr(self, name, value)


# -- escaping helpers ---------------------------------------------------------

# sqlite3's needCsvQuote table: anything but printable ASCII other than space and quotes.
_CSV_NEEDS_QUOTE = re.compile("[^!#-&(-~]")
# Characters of the text of numbers: with none of them in the separator, numbers need no quotes.
_NUMBER_CHARS = "0123456789-+.eEInf"


# False: the Python loops even where the C ones are built (the tests compare the two).
c_loops = True


@functools.cache
def _c_module() -> Any:
    try:
        from . import _rows
    except ImportError:
        return None
    return _rows


def c_output() -> Any:
    """The C output loops (``_rows.c``: write_rows, columnar), or None when not built or turned off."""
    return _c_module() if c_loops else None


def _slow_text(value: Any) -> str:
    """What the C loop hands back: a value's text, NULL aside."""
    return text_of(value, "")


def csv_plain(text: str, colsep: str) -> bool:
    """Whether sqlite3 writes a CSV field unquoted."""
    return text != "" and not _CSV_NEEDS_QUOTE.search(text) and colsep not in text


def csv_field(text: str | None, settings: OutputSettings) -> str:
    """A field as sqlite3's output_csv writes it."""
    if text is None:
        return settings.null
    if csv_plain(text, settings.colsep):
        return text
    return '"' + text.replace('"', '""') + '"'


_HTML = str.maketrans({"<": "&lt;", "&": "&amp;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


def json_string(text: str) -> str:
    """A string as sqlite3's output_json_string writes it."""
    out = ['"']
    for ch in text:
        c = ord(ch)
        if ch in '\\"':
            out.append("\\" + ch)
        elif c <= 0x1F:
            out.append({8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t"}.get(c, f"\\u{c:04x}"))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_value(value: Any) -> str:
    """A value as json mode writes it."""
    t = type(value)
    if value is None:
        return "null"
    if t is float:
        return json_real(value)
    if t is int:
        return str(value)
    if t is str:
        return json_string(value[: value.index("\0")] if "\0" in value else value)
    return json_string(bytes(value).decode("utf-8", "surrogateescape"))


# -- renderers ----------------------------------------------------------------


class Renderer:
    """Writes one statement's result set."""

    def __init__(self, out: TextIO, settings: OutputSettings) -> None:
        self.out = out
        self.s = settings
        self.columns: list[str] = []
        self.count = 0

    def start(self, columns: Sequence[str]) -> None:
        """Called once with the column names, before any row."""
        self.columns = list(columns)

    def row(self, values: Sequence[Any]) -> None:
        """Called for each row, as it is produced."""
        raise NotImplementedError

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Write every row of an iterator, each as it comes: in C where the mode has a C loop."""
        c = c_output()
        layout = self.c_layout() if c is not None else None
        if layout is None:
            self.python_rows(rows)
        else:
            c.write_rows(self, rows, self.out.write, *layout)

    def c_layout(self) -> tuple[Any, ...] | None:
        """The C loop's arguments after (renderer, rows, write), or None: the mode has none."""
        return None

    def python_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """``write_rows`` without the C loop."""
        row = self.row
        for values in rows:
            row(values)

    def finish(self) -> None:
        """Called after the last row."""


class ListRenderer(Renderer):
    """list, tabs and ascii modes: values joined by the separators."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        if self.count == 0 and s.headers:
            self.out.write(self._header())
        self.count += 1
        null = s.null
        self.out.write(s.colsep.join([text_of(v, null) for v in values]) + s.rowsep)

    def _header(self) -> str:
        return self.s.colsep.join(self.columns) + self.s.rowsep

    def c_layout(self) -> tuple[Any, ...]:
        s = self.s
        return ("list", s.colsep, s.rowsep, s.null, _slow_text, self._header() if s.headers else None)

    def python_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        s = self.s
        write, sep, end, null = self.out.write, s.colsep, s.rowsep, s.null
        for values in rows:
            if self.count == 0 and s.headers:
                write(self._header())
            self.count += 1
            parts = []
            for v in values:
                t = type(v)
                if t is int:
                    parts.append(str(v))
                elif t is str and "\0" not in v:
                    parts.append(v)
                else:
                    parts.append(text_of(v, null))
            write(sep.join(parts) + end)


class CsvRenderer(Renderer):
    """csv mode: RFC 4180-style quoting where a field needs it."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        if self.count == 0 and s.headers:
            self.out.write(self._header())
        self.count += 1
        self.out.write(
            s.colsep.join(csv_field(None if v is None else text_of(v, ""), s) for v in values) + s.rowsep
        )

    def _header(self) -> str:
        s = self.s
        return s.colsep.join(csv_field(c, s) for c in self.columns) + s.rowsep

    def c_layout(self) -> tuple[Any, ...]:
        s = self.s
        return ("csv", s.colsep, s.rowsep, s.null, _slow_text, self._header() if s.headers else None)

    def python_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        s = self.s
        write, sep, end, null = self.out.write, s.colsep, s.rowsep, s.null
        needs_quote = _CSV_NEEDS_QUOTE.search
        numbers_plain = not any(c in sep for c in _NUMBER_CHARS)
        for values in rows:
            if self.count == 0 and s.headers:
                write(self._header())
            self.count += 1
            parts = []
            for v in values:
                t = type(v)
                if t is int and numbers_plain:
                    parts.append(str(v))
                    continue
                if t is float and numbers_plain:
                    r = repr(v)  # real_text's fast path, inline: this loop is hot
                    if len(r) <= 16 and "e" not in r and "n" not in r and -1e15 < v < 1e15 and v:
                        parts.append(r)
                    else:
                        parts.append(real_text(v))
                    continue
                if v is None:
                    parts.append(null)
                    continue
                text = v if t is str and "\0" not in v else text_of(v, "")
                if text and not needs_quote(text) and sep not in text:
                    parts.append(text)
                else:
                    parts.append('"' + text.replace('"', '""') + '"')
            write(sep.join(parts) + end)


class LineRenderer(Renderer):
    """line mode: one ``name = value`` line per column, a blank line between rows."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        width = max([5] + [len(c.encode("utf-8", "surrogateescape")) for c in self.columns])
        if self.count:
            self.out.write(s.rowsep)
        self.count += 1
        for name, v in zip(self.columns, values, strict=True):
            pad = width - len(name.encode("utf-8", "surrogateescape"))
            self.out.write(f"{' ' * pad}{name} = {text_of(v, s.null)}{s.rowsep}")

    def c_layout(self) -> tuple[Any, ...]:
        s = self.s
        sizes = [len(c.encode("utf-8", "surrogateescape")) for c in self.columns]
        width = max([5, *sizes])
        keys = [" " * (width - n) + c + " = " for c, n in zip(self.columns, sizes, strict=True)]
        return ("line", "", s.rowsep, s.null, _slow_text, None, "", False, keys)


class HtmlRenderer(Renderer):
    """html mode: table rows, without the <table> element, as sqlite3 writes them."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        w = self.out.write
        if self.count == 0 and s.headers:
            w(self._header())
        self.count += 1
        w("<TR>" + "".join(f"<TD>{text_of(v, s.null).translate(_HTML)}</TD>\n" for v in values) + "</TR>\n")

    def _header(self) -> str:
        return "<TR>" + "".join(f"<TH>{c.translate(_HTML)}</TH>\n" for c in self.columns) + "</TR>\n"

    def c_layout(self) -> tuple[Any, ...]:
        s = self.s
        return ("html", "", "</TR>\n", s.null, _slow_text, self._header() if s.headers else None, "<TR>")


class QuoteRenderer(Renderer):
    """quote mode: every value as an SQL literal."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        if self.count == 0 and s.headers:
            self.out.write(self._header())
        self.count += 1
        self.out.write(s.colsep.join(quote_literal(v) for v in values) + s.rowsep)

    def _header(self) -> str:
        return self.s.colsep.join(quote_literal(c) for c in self.columns) + self.s.rowsep

    def c_layout(self) -> tuple[Any, ...]:
        s = self.s
        return ("quote", s.colsep, s.rowsep, "NULL", quote_literal, self._header() if s.headers else None)


class InsertRenderer(Renderer):
    """insert mode: one INSERT statement per row."""

    def row(self, values: Sequence[Any]) -> None:
        self.count += 1
        parts = [insert_literal(v) for v in values]
        self.out.write(self._head() + ",".join(parts) + ");\n")

    def c_layout(self) -> tuple[Any, ...]:
        return ("insert", ",", ");\n", "NULL", insert_literal, None, self._head())

    def _head(self) -> str:
        s = self.s
        head = f"INSERT INTO {quote_identifier(s.table)}"
        if s.headers:
            head += "(" + ",".join(quote_identifier(c) for c in self.columns) + ")"
        return head + " VALUES("


class JsonRenderer(Renderer):
    """json mode: an array of objects, one per row."""

    def row(self, values: Sequence[Any]) -> None:
        w = self.out.write
        w("[{" if self.count == 0 else ",\n{")
        self.count += 1
        pairs = zip(self.columns, values, strict=True)
        w(",".join(json_string(name) + ":" + json_value(v) for name, v in pairs) + "}")

    def c_layout(self) -> tuple[Any, ...]:
        keys = [json_string(name) + ":" for name in self.columns]
        return ("json", ",", "}", "null", json_value, None, "", False, keys)

    def finish(self) -> None:
        if self.count:
            self.out.write("]\n")


class TclRenderer(Renderer):
    """tcl mode: every value (and name) as a C string, joined by the separators."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        if self.count == 0 and s.headers:
            self.out.write(s.colsep.join(c_string(c) for c in self.columns) + s.rowsep)
        self.count += 1
        null = s.null
        self.out.write(s.colsep.join(c_string(text_of(v, null)) for v in values) + s.rowsep)


class CountRenderer(Renderer):
    """count mode: no rows, just how many there were."""

    def row(self, values: Sequence[Any]) -> None:
        self.count += 1

    def finish(self) -> None:
        if self.count:
            self.out.write(f"{self.count} row{'' if self.count == 1 else 's'}\n")


class OffRenderer(Renderer):
    """off mode: results are not shown at all."""

    def row(self, values: Sequence[Any]) -> None:
        self.count += 1


# -- columnar modes -----------------------------------------------------------

# Bytes that need the slow path: control characters (line breaks, tabs) and
# surrogate escapes (bytes of a BLOB that are not UTF-8), whose width sqlite3
# counts byte by byte.
_PLAIN = re.compile("[^\x00-\x1f\ud800-\udfff]*")
_CONTINUATION = re.compile("[\udc80-\udcbf]")
_C_SPACE = b" \t\n\v\f\r"


def display_width(text: str) -> int:
    """Characters as sqlite3's strlenChar counts them: bytes that do not continue a UTF-8 sequence."""
    if text.isascii():
        return len(text)
    return len(text) - len(_CONTINUATION.findall(text))


def _isalnum(byte: int) -> bool:
    return 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def _display_line(z: bytes, limit: int, wordwrap: bool) -> tuple[bytes, int | None]:
    """The first display line of ``z`` (NUL-terminated) and where the next one starts.

    A byte-for-byte port of sqlite3's translateForDisplayAndDup: tabs expand
    to the next multiple of 8, a control character ends the line (and is
    skipped, as is a CR before a LF), and a line holds at most ``limit``
    characters, broken at a word boundary when ``wordwrap`` is on.
    """
    i = n = 0
    while n < limit:
        c = z[i]
        if c >= 0x20:
            n += 1
            i += 1
            while (z[i] & 0xC0) == 0x80:
                i += 1
        elif c == 0x09:
            while True:
                n += 1
                if n & 7 == 0 or n >= limit:
                    break
            i += 1
        else:
            break
    k = i
    if n >= limit and wordwrap:
        half = i // 2
        k = i
        while k > half and z[k - 1] not in _C_SPACE:
            k -= 1
        if k <= half:
            k = i
            while k > half and not (_isalnum(z[k - 1]) != _isalnum(z[k]) and (z[k] & 0xC0) != 0x80):
                k -= 1
        if k <= half:
            k = i
        else:
            i = k
            while z[i] == 0x20:
                i += 1
    tail: int | None
    if n >= limit and z[i] >= 0x20:
        tail = i
    elif z[i] == 0x0D and z[i + 1] == 0x0A:
        tail = i + 2 if z[i + 2] else None
    elif z[i] == 0 or z[i + 1] == 0:
        tail = None
    else:
        tail = i + 1
    out = bytearray()
    i = n = 0
    while i < k:
        c = z[i]
        if c >= 0x20:
            n += 1
            out.append(c)
            i += 1
            while (z[i] & 0xC0) == 0x80:
                out.append(z[i])
                i += 1
        elif c == 0x09:
            while True:
                n += 1
                out.append(0x20)
                if n & 7 == 0 or n >= limit:
                    break
            i += 1
        else:
            break
    return bytes(out), tail


def display_lines(text: str, width: int, wordwrap: bool = False) -> list[str]:
    """A value split into the lines a columnar mode shows, as sqlite3 splits it.

    ``width`` is the column's width (its sign ignored; 0 means no limit).
    """
    limit = abs(width) or 1_000_000
    if len(text) < limit and _PLAIN.fullmatch(text):
        return [text]
    z = text.encode("utf-8", "surrogateescape") + b"\0"
    lines = []
    while True:
        line, tail = _display_line(z, limit, wordwrap)
        lines.append(line.decode("utf-8", "surrogateescape"))
        if tail is None:
            return lines
        z = z[tail:]


def quoted_cell(value: Any) -> str:
    """A value as the columnar modes' --quote option shows it (sqlite3's quoted_column)."""
    t = type(value)
    if value is None:
        return "NULL"
    if t is str:
        text = value[: value.index("\0")] if "\0" in value else value
        return "'" + text.replace("'", "''") + "'"
    if t is int or t is float:
        return text_of(value, "")
    return "x'" + bytes(value).hex() + "'"


class ColumnarRenderer(Renderer):
    """column, table, box and markdown: sized to the widest value, written at the end.

    As sqlite3's exec_prepared_stmt_columnar: a value longer than its column's
    width (or the wrap limit) continues on further lines, and when any row
    takes several lines a divider is drawn between rows.
    """

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        s = self.s
        self.set_widths = [s.widths[j] if j < len(s.widths) else 0 for j in range(len(self.columns))]
        self.limits = [abs(w) if w else s.wrap for w in self.set_widths]
        # Only the first line of a column's name is shown.
        self.header = [display_lines(c, self.limits[j], s.wordwrap)[0] for j, c in enumerate(self.columns)]
        self.values: list[Sequence[Any]] = []  # laid out at the end, when the widths are known

    def row(self, values: Sequence[Any]) -> None:
        self.values.append(values)
        self.count += 1

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self.values.extend(rows)
        finally:
            self.count = len(self.values)

    def _cells(self, values: Sequence[Any]) -> list[list[str]]:
        s = self.s
        limits = self.limits
        cells = []
        for j, v in enumerate(values):
            if s.quote:
                text = quoted_cell(v)
            else:
                text = s.null if v is None else text_of(v, "")
            cells.append(display_lines(text, limits[j], s.wordwrap))
        return cells

    def finish(self) -> None:
        if not self.values:
            return
        s = self.s
        c = c_output()
        if c is not None and not s.quote:
            args = (self.header, self.set_widths, self.limits, s.null, s.headers, _slow_text)
            if c.columnar(self.values, self.out.write, s.mode, *args):
                return  # every value was one plain line: laid out in C
        self.rows = [self._cells(values) for values in self.values]
        mode = s.mode
        set_widths = self.set_widths
        header = self.header
        widths = [abs(w) for w in set_widths]
        for j, name in enumerate(header):
            widths[j] = max(widths[j], display_width(name))
        for cells in self.rows:
            for j, lines in enumerate(cells):
                for line in lines:
                    n = display_width(line)
                    if n > widths[j]:
                        widths[j] = n
        w = self.out.write

        def fit(text: str, j: int) -> str:
            pad = widths[j] - display_width(text)
            if pad <= 0:
                return text
            return " " * pad + text if set_widths[j] < 0 else text + " " * pad

        def centre(text: str, j: int) -> str:
            pad = widths[j] - display_width(text)
            return " " * (pad // 2) + text + " " * ((pad + 1) // 2)

        def rule(left: str, fill: str, mid: str, right: str) -> str:
            return left + mid.join(fill * (wd + 2) for wd in widths) + right + "\n"

        if mode == "column":
            colsep, rowsep, start = "  ", "\n", ""
            if s.headers:
                w("  ".join(fit(h, j) for j, h in enumerate(header)) + "\n")
                w("  ".join("-" * wd for wd in widths) + "\n")
        elif mode == "table":
            colsep, rowsep, start = " | ", " |\n", "| "
            w(rule("+", "-", "+", "+"))
            w("| " + " | ".join(centre(h, j) for j, h in enumerate(header)) + " |\n")
            w(rule("+", "-", "+", "+"))
        elif mode == "box":
            colsep, rowsep, start = " │ ", " │\n", "│ "
            w(rule("┌", "─", "┬", "┐"))
            w("│ " + " │ ".join(centre(h, j) for j, h in enumerate(header)) + " │\n")
            w(rule("├", "─", "┼", "┤"))
        else:  # markdown
            colsep, rowsep, start = " | ", " |\n", "| "
            w("| " + " | ".join(centre(h, j) for j, h in enumerate(header)) + " |\n")
            w(rule("|", "-", "|", "|"))
        multiline = any(len(lines) > 1 for cells in self.rows for lines in cells)
        last = len(self.rows) - 1
        for r, cells in enumerate(self.rows):
            height = max(len(lines) for lines in cells) if cells else 1
            for k in range(height):
                w(
                    start
                    + colsep.join(fit(lines[k] if k < len(lines) else "", j) for j, lines in enumerate(cells))
                    + rowsep
                )
            if multiline and r < last:
                if mode == "table":
                    w(rule("+", "-", "+", "+"))
                elif mode == "box":
                    w(rule("├", "─", "┼", "┤"))
                elif mode == "column":
                    w("\n")
        if mode == "table":
            w(rule("+", "-", "+", "+"))
        elif mode == "box":
            w(rule("└", "─", "┴", "┘"))


RENDERERS: dict[str, Callable[[TextIO, OutputSettings], Renderer]] = {
    "list": ListRenderer,
    "tabs": ListRenderer,
    "ascii": ListRenderer,
    "csv": CsvRenderer,
    "line": LineRenderer,
    "html": HtmlRenderer,
    "quote": QuoteRenderer,
    "insert": InsertRenderer,
    "json": JsonRenderer,
    "column": ColumnarRenderer,
    "table": ColumnarRenderer,
    "box": ColumnarRenderer,
    "markdown": ColumnarRenderer,
    "tcl": TclRenderer,
    "count": CountRenderer,
    "off": OffRenderer,
}


# -- EXPLAIN and EXPLAIN QUERY PLAN --------------------------------------------


def _c_int(value: Any) -> int:
    """A value as C's atoi (or sqlite3_column_int) reads it: leading digits, else 0."""
    if type(value) is int:
        return value
    if type(value) is float:
        return int(value)
    match = re.match(r"\s*([-+]?\d+)", text_of(value, ""))
    return int(match.group(1)) if match else 0


class EqpRenderer(Renderer):
    """EXPLAIN QUERY PLAN, whatever the mode: the plan drawn as a tree (sqlite3's eqp_render)."""

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.plan: list[tuple[int, int, str]] = []

    def row(self, values: Sequence[Any]) -> None:
        if len(values) >= 4 and values[3] is not None:
            self.plan.append((_c_int(values[0]), _c_int(values[1]), text_of(values[3], "")))
        self.count += 1

    def finish(self) -> None:
        plan = self.plan
        if not plan:
            return
        if plan[0][2].startswith("-"):
            if len(plan) == 1:
                return
            self.out.write(plan[0][2][3:] + "\n")
            plan = plan[1:]
        else:
            self.out.write("QUERY PLAN\n")
        self._level(plan, 0, "")

    def _level(self, plan: list[tuple[int, int, str]], parent: int, prefix: str) -> None:
        children = [step for step in plan if step[1] == parent]
        for k, (node, _parent, text) in enumerate(children):
            more = k + 1 < len(children)
            self.out.write(prefix + ("|--" if more else "`--") + text + "\n")
            if len(prefix) < 93:  # sqlite3's prefix buffer holds 100 bytes
                self._level(plan, node, prefix + ("|  " if more else "   "))


_EXPLAIN_COLUMNS = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"]
_EXPLAIN_WIDTHS = (4, 13, 4, 4, 4, 13, 2, 13)
_NEXT_OPS = frozenset(("Next", "Prev", "VPrev", "VNext", "SorterNext"))
_YIELD_OPS = frozenset(("Yield", "SeekLT", "SeekGT", "RowSetRead", "Rewind"))


class ExplainRenderer(Renderer):
    """EXPLAIN, whatever the mode: fixed columns, loop bodies indented (sqlite3's MODE_Explain)."""

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.program: list[Sequence[Any]] = []
        self.fallback: Renderer | None = None
        if list(columns) != _EXPLAIN_COLUMNS:
            self.fallback = RENDERERS[self.s.mode](self.out, self.s)
            self.fallback.start(columns)

    def row(self, values: Sequence[Any]) -> None:
        if self.fallback is not None:
            self.fallback.row(values)
        else:
            self.program.append(values)
        self.count += 1

    def _indents(self) -> list[int]:
        """How far each opcode is indented: two spaces per loop (or coroutine) it is inside."""
        indent = [0] * len(self.program)
        is_yield: list[bool] = []
        for op_index, op in enumerate(self.program):
            name = text_of(op[1], "")
            target = _c_int(op[3]) + op_index - _c_int(op[0])
            is_yield.append(name in _YIELD_OPS)
            if name in _NEXT_OPS or (
                name == "Goto" and 0 <= target <= op_index and (is_yield[target] or _c_int(op[2]))
            ):
                for i in range(max(target, 0), op_index):
                    indent[i] += 2
        return indent

    def finish(self) -> None:
        if self.fallback is not None:
            self.fallback.finish()
            return
        if not self.program:
            return
        w = self.out.write
        null = self.s.null
        last = len(_EXPLAIN_WIDTHS) - 1
        w("  ".join(_fit(name, width) for name, width in zip(self.columns, _EXPLAIN_WIDTHS, strict=True)))
        w("\n" + "  ".join("-" * width for width in _EXPLAIN_WIDTHS) + "\n")
        for op, indent in zip(self.program, self._indents(), strict=True):
            cells = []
            for i, value in enumerate(op):
                width = 0 if i == last else _EXPLAIN_WIDTHS[i]
                if value is None:
                    cell = _fit(null, width)  # cut to the width, as sqlite3 does
                else:
                    text = text_of(value, "")
                    cell = _fit(text, max(width, display_width(text)))
                cells.append(" " * indent + cell if i == 1 else cell)
            w("  ".join(cells) + "\n")


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut to ``width`` characters (0: as it is), as sqlite3's utf8_width_print."""
    if width <= 0:
        return text
    n = 0
    for i, ch in enumerate(text):
        if not "\udc80" <= ch <= "\udcbf":
            n += 1
            if n == width:
                end = i + 1
                while end < len(text) and "\udc80" <= text[end] <= "\udcbf":
                    end += 1
                return text[:end]
    return text + " " * (width - n)


def renderer_for(out: TextIO, settings: OutputSettings, explain: int = 0, sql: str | None = None) -> Renderer:
    """A fresh renderer for the current mode, or for the statement when it is an EXPLAIN.

    ``explain`` is what sqlite3_stmt_isexplain says of the statement (apsw's
    ``Cursor.is_explain``): 1 for EXPLAIN, 2 for EXPLAIN QUERY PLAN, which
    sqlite3 shows in a layout of their own whatever the mode. ``sql`` is the
    statement's text: as in sqlite3, an EXPLAIN that does not begin with the
    word (a comment first) is shown in the current mode.
    """
    if explain == 2:
        return EqpRenderer(out, settings)
    if explain == 1 and (sql is None or sql.lstrip(" \t\n\f\r")[:7].lower() == "explain"):
        return ExplainRenderer(out, settings)
    if settings.mode == "pretty":  # the interactive default: rich tables, imported when used
        from .pretty import PrettyRenderer

        return PrettyRenderer(out, settings)
    return RENDERERS[settings.mode](out, settings)
