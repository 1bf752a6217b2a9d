"""Output modes, byte for byte as the sqlite3 shell (3.40) writes them.

A renderer is made per statement: ``start(columns)`` once, ``row(values)`` per
row as it arrives, ``finish()`` at the end. Streaming modes write each row at
once; the columnar modes (column, table, box, markdown) must see every row to
size their columns, as sqlite3's do, and write when the statement ends.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from .formatting import quote_identifier, quote_literal, real_literal, text_of

MODES = (
    "ascii",
    "box",
    "column",
    "csv",
    "html",
    "insert",
    "json",
    "line",
    "list",
    "markdown",
    "quote",
    "table",
    "tabs",
)


@dataclass
class OutputSettings:
    """How results are written: sqlite3's .mode, .headers, .separator, .nullvalue, .width."""

    mode: str = "list"
    headers: bool = False
    headers_set: bool = False  # .mode column turns headers on unless .headers was used
    colsep: str = "|"
    rowsep: str = "\n"
    null: str = ""
    widths: list[int] = field(default_factory=list)
    wrap: int = 60  # columnar modes wrap longer values, as sqlite3's --wrap 60
    wordwrap: bool = False  # ... breaking them between words (--wordwrap on)
    quote: bool = False  # ... and show values as SQL literals (--quote)
    table: str = "table"  # the table name insert mode writes


# -- escaping helpers ---------------------------------------------------------

_NEEDS_CSV_QUOTE = re.compile(r"[\x00-\x20\"'\x7f-\U0010ffff]")


def csv_field(text: str | None, settings: OutputSettings) -> str:
    """A field as sqlite3's output_csv writes it."""
    if text is None:
        return settings.null
    if text == "" or _NEEDS_CSV_QUOTE.search(text) or settings.colsep in text:
        return '"' + text.replace('"', '""') + '"'
    return text


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


def _unused(text: str, a: str, b: str) -> str:
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
    if "\0" in text:
        text = text[: text.index("\0")]
    if "\n" not in text and "\r" not in text:
        return "'" + text.replace("'", "''") + "'"
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

    def finish(self) -> None:
        """Called after the last row."""


class ListRenderer(Renderer):
    """list, tabs and ascii modes: values joined by the separators."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        if self.count == 0 and s.headers:
            self.out.write(s.colsep.join(self.columns) + s.rowsep)
        self.count += 1
        null = s.null
        self.out.write(s.colsep.join([text_of(v, null) for v in values]) + s.rowsep)


class CsvRenderer(Renderer):
    """csv mode: RFC 4180-style quoting where a field needs it."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        if self.count == 0 and s.headers:
            self.out.write(s.colsep.join(csv_field(c, s) for c in self.columns) + s.rowsep)
        self.count += 1
        self.out.write(
            s.colsep.join(csv_field(None if v is None else text_of(v, ""), s) for v in values) + s.rowsep
        )


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


class HtmlRenderer(Renderer):
    """html mode: table rows, without the <table> element, as sqlite3 writes them."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        w = self.out.write
        if self.count == 0 and s.headers:
            w("<TR>" + "".join(f"<TH>{c.translate(_HTML)}</TH>\n" for c in self.columns) + "</TR>\n")
        self.count += 1
        w("<TR>" + "".join(f"<TD>{text_of(v, s.null).translate(_HTML)}</TD>\n" for v in values) + "</TR>\n")


class QuoteRenderer(Renderer):
    """quote mode: every value as an SQL literal."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        if self.count == 0 and s.headers:
            self.out.write(s.colsep.join(quote_literal(c) for c in self.columns) + s.rowsep)
        self.count += 1
        self.out.write(s.colsep.join(quote_literal(v) for v in values) + s.rowsep)


class InsertRenderer(Renderer):
    """insert mode: one INSERT statement per row."""

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        head = f"INSERT INTO {quote_identifier(s.table)}"
        if s.headers:
            head += "(" + ",".join(quote_identifier(c) for c in self.columns) + ")"
        self.count += 1
        parts = [escaped_literal(v) if type(v) is str else quote_literal(v) for v in values]
        self.out.write(head + " VALUES(" + ",".join(parts) + ");\n")


class JsonRenderer(Renderer):
    """json mode: an array of objects, one per row."""

    def row(self, values: Sequence[Any]) -> None:
        w = self.out.write
        w("[{" if self.count == 0 else ",\n{")
        self.count += 1
        parts = []
        for name, v in zip(self.columns, values, strict=True):
            t = type(v)
            if v is None:
                text = "null"
            elif t is float:
                text = real_literal(v)
            elif t is int:
                text = str(v)
            elif t is str:
                text = json_string(v[: v.index("\0")] if "\0" in v else v)
            else:
                text = json_string(bytes(v).decode("utf-8", "surrogateescape"))
            parts.append(json_string(name) + ":" + text)
        w(",".join(parts) + "}")

    def finish(self) -> None:
        if self.count:
            self.out.write("]\n")


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
        self.header = [
            display_lines(c, self.limits[j], s.wordwrap)[0] for j, c in enumerate(self.columns)
        ]
        self.rows: list[list[list[str]]] = []

    def row(self, values: Sequence[Any]) -> None:
        s = self.s
        limits = self.limits
        cells = []
        for j, v in enumerate(values):
            if s.quote:
                text = quoted_cell(v)
            else:
                text = s.null if v is None else text_of(v, "")
            cells.append(display_lines(text, limits[j], s.wordwrap))
        self.rows.append(cells)
        self.count += 1

    def finish(self) -> None:
        if not self.rows:
            return
        s = self.s
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
}


def renderer_for(out: TextIO, settings: OutputSettings) -> Renderer:
    """A fresh renderer for the current mode."""
    return RENDERERS[settings.mode](out, settings)
