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

from .formatting import quote_literal, real_literal, text_of

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


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def quote_identifier(name: str) -> str:
    """Quote a name unless it is a plain identifier that is not a keyword."""
    from .keywords import is_keyword

    if _IDENT.match(name) and not is_keyword(name):
        return name
    return '"' + name.replace('"', '""') + '"'


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


def _display_lines(text: str, width: int) -> list[str]:
    """Split a value into display lines as sqlite3's translateForDisplayAndDup does.

    Tabs expand to the next multiple of 8, a newline starts a new line, and
    with a width each line holds at most that many characters.
    """
    limit = width or 1_000_000
    lines: list[str] = []
    i = 0
    n_text = len(text)
    while True:
        out: list[str] = []
        n = 0
        while n < limit and i < n_text:
            ch = text[i]
            if ch >= " ":
                out.append(ch)
                n += 1
                i += 1
            elif ch == "\t":
                while True:
                    out.append(" ")
                    n += 1
                    if n % 8 == 0 or n >= limit:
                        break
                i += 1
            else:
                break
        lines.append("".join(out))
        if i < n_text and text[i] == "\r":
            i += 1
        if i < n_text and text[i] == "\n":
            i += 1
        if i >= n_text:
            return lines
        if n < limit and text[i] not in "\r\n" and text[i] < " ":
            i += 1  # other control characters are dropped


class ColumnarRenderer(Renderer):
    """column, table, box and markdown: sized to the widest value, written at the end."""

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.rows: list[list[list[str]]] = []

    def row(self, values: Sequence[Any]) -> None:
        widths = self.s.widths
        cells = []
        wrap = self.s.wrap
        for j, v in enumerate(values):
            w = abs(widths[j]) if j < len(widths) and widths[j] else wrap
            text = self.s.null if v is None else text_of(v, "")
            cells.append(_display_lines(text, w))
        self.rows.append(cells)
        self.count += 1

    def finish(self) -> None:
        if not self.rows:
            return
        s = self.s
        mode = s.mode
        ncol = len(self.columns)
        set_widths = [s.widths[j] if j < len(s.widths) else 0 for j in range(ncol)]
        header = [_display_lines(c, abs(set_widths[j]) or s.wrap) for j, c in enumerate(self.columns)]
        widths = [abs(w) for w in set_widths]
        for cells in [header, *self.rows]:
            for j, lines in enumerate(cells):
                for line in lines:
                    if len(line) > widths[j]:
                        widths[j] = len(line)
        w = self.out.write

        def fit(text: str, j: int) -> str:
            width = widths[j]
            pad = width - len(text)
            if pad <= 0:
                return text
            return " " * pad + text if set_widths[j] < 0 else text + " " * pad

        def centre(text: str, j: int) -> str:
            pad = widths[j] - len(text)
            return " " * (pad // 2) + text + " " * ((pad + 1) // 2)

        def rule(left: str, fill: str, mid: str, right: str) -> str:
            return left + mid.join(fill * (wd + 2) for wd in widths) + right + "\n"

        if mode == "column":
            colsep, rowsep, start = "  ", "\n", ""
            if s.headers:
                w("  ".join(fit(h[0], j) for j, h in enumerate(header)) + "\n")
                w("  ".join("-" * wd for wd in widths) + "\n")
        elif mode == "table":
            colsep, rowsep, start = " | ", " |\n", "| "
            w(rule("+", "-", "+", "+"))
            w("| " + " | ".join(centre(h[0], j) for j, h in enumerate(header)) + " |\n")
            w(rule("+", "-", "+", "+"))
        elif mode == "box":
            colsep, rowsep, start = " │ ", " │\n", "│ "
            w(rule("┌", "─", "┬", "┐"))
            w("│ " + " │ ".join(centre(h[0], j) for j, h in enumerate(header)) + " │\n")
            w(rule("├", "─", "┼", "┤"))
        else:  # markdown
            colsep, rowsep, start = " | ", " |\n", "| "
            w("| " + " | ".join(centre(h[0], j) for j, h in enumerate(header)) + " |\n")
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
