"""The streaming modes (list, csv, line, html, quote, insert, json, tcl, count, off),
byte for byte as the sqlite3 shell (3.40) writes them: each row is written as it arrives."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from ...sqltext import quote_identifier
from .base import OutputSettings, Renderer, slow_text
from .values import c_string, insert_literal, json_real, quote_literal, real_text, text_of

# -- escaping helpers ---------------------------------------------------------

# sqlite3's needCsvQuote table: anything but printable ASCII other than space and quotes.
_CSV_NEEDS_QUOTE = re.compile("[^!#-&(-~]")
# Characters of the text of numbers: with none of them in the separator, numbers need no quotes.
_NUMBER_CHARS = "0123456789-+.eEInf"


def csv_plain(text: str, colsep: str) -> bool:
    """Whether sqlite3 writes a CSV field unquoted."""
    return text != "" and not _CSV_NEEDS_QUOTE.search(text) and colsep not in text


def csv_field(text: str | None, settings: OutputSettings) -> str:
    """A field as sqlite3's output_csv writes it."""
    if text is None:
        return settings.null
    if csv_plain(text, settings.colsep):
        return text
    return csv_quoted(text)


def csv_quoted(text: str) -> str:
    """A CSV field in double quotes, the quotes inside doubled."""
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


class ListRenderer(Renderer):
    """list, tabs and ascii modes: values joined by the separators."""

    def row(self, values: Sequence[Any]) -> None:
        self.python_rows((values,))

    def _header(self) -> str:
        return self.s.colsep.join(self.columns) + self.s.rowsep

    def c_layout(self) -> tuple[Any, ...]:
        s = self.s
        return ("list", s.colsep, s.rowsep, s.null, slow_text, self._header() if s.headers else None)

    def python_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """The Python twin of _rows.c's list loop (``row`` writes through it too)."""
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
        self.python_rows((values,))

    def _header(self) -> str:
        s = self.s
        return s.colsep.join(csv_field(c, s) for c in self.columns) + s.rowsep

    def c_layout(self) -> tuple[Any, ...]:
        s = self.s
        return ("csv", s.colsep, s.rowsep, s.null, slow_text, self._header() if s.headers else None)

    def python_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """The Python twin of _rows.c's csv loop (``row`` writes through it too)."""
        s = self.s
        write, sep, end, null = self.out.write, s.colsep, s.rowsep, s.null
        needs_quote = _CSV_NEEDS_QUOTE.search
        # An empty separator is in every text (sqlite3's strstr): every field is quoted.
        numbers_plain = sep != "" and not any(c in sep for c in _NUMBER_CHARS)
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
                    parts.append(real_text(v))
                    continue
                if v is None:
                    parts.append(null)
                    continue
                text = v if t is str and "\0" not in v else text_of(v, "")
                if text and not needs_quote(text) and sep not in text:
                    parts.append(text)
                else:
                    parts.append(csv_quoted(text))
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
        return ("line", "", s.rowsep, s.null, slow_text, None, "", False, keys)


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
        return ("html", "", "</TR>\n", s.null, slow_text, self._header() if s.headers else None, "<TR>")


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
