"""The streaming modes (list, csv, tabs, line, html, quote, insert, json, tcl, count, off),
byte for byte as the sqlite3 shell (3.54) writes them: each row is written as it arrives."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from . import qrf
from .base import Renderer
from .columnar import width_print

CHUNK_ROWS = 1000  # rows written at once by the Python loops


class _StyledRenderer(Renderer):
    """A streaming mode of sqlite3 3.54: values rendered in the mode's ValueStyle (qrf.py)."""

    def style(self) -> qrf.ValueStyle:
        raise NotImplementedError

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.vs = self.style()

    def c_layout(self) -> tuple[Any, ...] | None:
        return None  # 3.54's escapes and encodings are not in the C loop yet


class ListRenderer(_StyledRenderer):
    """list, tabs, csv and ascii modes: values joined by the separators (csv and tabs: CSV text)."""

    csv = False

    def c_layout(self) -> tuple[Any, ...] | None:
        """_rows.c's loop writes numbers and plain TEXT; BLOBs and TEXT with control characters
        come back here (qrf.render)."""
        s, vs = self.s, self.vs
        header = self._header() if s.headers else None
        return (
            "csv" if self.csv else "list",
            s.colsep,
            s.rowsep,
            s.null,
            lambda v: qrf.render(v, vs),
            header,
        )

    def style(self) -> qrf.ValueStyle:
        s = self.s
        return qrf.ValueStyle(qrf.CSV if self.csv else qrf.PLAIN, qrf.AS_TEXT, null=s.null, colsep=s.colsep)

    def _header(self) -> str:
        s = self.s
        return s.colsep.join(qrf.encode_text(c, self.vs) for c in self.columns) + s.rowsep

    def row(self, values: Sequence[Any]) -> None:
        self.python_rows((values,))

    def python_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows written a chunk of lines at a time (a write per row costs as much as its formatting)."""
        s = self.s
        sep, end, vs, render = s.colsep, s.rowsep, self.vs, qrf.render
        plain = not self.csv
        lines: list[str] = []
        try:
            for values in rows:
                if self.count == 0 and s.headers:
                    lines.append(self._header())
                self.count += 1
                parts = []
                for v in values:
                    t = type(v)
                    if t is int:
                        parts.append(str(v))
                    elif t is str and plain and v.isprintable():
                        parts.append(v)
                    else:
                        parts.append(render(v, vs))
                lines.append(sep.join(parts) + end)
                if len(lines) >= CHUNK_ROWS:
                    self.out.write("".join(lines))
                    lines = []
        finally:
            if lines:  # the rows before an error too
                self.out.write("".join(lines))


class CsvRenderer(ListRenderer):
    """csv mode (and tabs): RFC 4180-style quoting where a field needs it."""

    csv = True


class LineRenderer(_StyledRenderer):
    """line mode: ``name: value`` per column (names right-aligned, ``: `` the column separator), a
    blank line between rows;
    a value of several lines continues under its first."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle(qrf.PLAIN, qrf.AS_TEXT, null=self.s.null)

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        width = max((qrf.display_width(c) for c in self.columns), default=0)
        sep = self.s.colsep  # ": " as .mode line sets it; .separator changes it
        self.keys = [width_print(c, -width) + sep for c in self.columns]
        self.indent = "\n" + " " * (width + len(sep))

    def row(self, values: Sequence[Any]) -> None:
        out = ["\n"] if self.count else []
        self.count += 1
        for key, v in zip(self.keys, values, strict=True):
            text = qrf.render(v, self.vs)
            if "\n" in text:
                text = self.indent.join(_lines(text))
            out.append(key + text + "\n")
        self.out.write("".join(out))


def _lines(text: str) -> list[str]:
    """The lines of a value as sqlite3 3.54 splits it in line mode: at LF (a CR before it stays)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class HtmlRenderer(_StyledRenderer):
    """html mode: table rows in lower case, a cell per line, as sqlite3 3.54 writes them; NULL as
    null."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle(qrf.HTML, qrf.AS_TEXT, null="null")

    def row(self, values: Sequence[Any]) -> None:
        w, vs = self.out.write, self.vs
        if self.count == 0 and self.s.headers:
            self._names()
        self.count += 1
        w("<tr>" + "".join("\n<td>" + qrf.render(v, vs) for v in values) + "\n</tr>\n")

    def _names(self) -> None:
        vs = self.vs
        self.out.write(
            "<tr>" + "".join("\n<th>" + qrf.encode_text(c, vs) for c in self.columns) + "\n</tr>\n"
        )

    def finish(self) -> None:
        if self.count == 0 and self.s.headers:
            self._names()  # an empty result: its names (the runner makes a renderer when it shows them)


class QuoteRenderer(_StyledRenderer):
    """quote mode: every value as an SQL literal (control characters through unistr())."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle(qrf.SQL, null=self.s.null)

    def row(self, values: Sequence[Any]) -> None:
        s, vs = self.s, self.vs
        if self.count == 0 and s.headers:
            self.out.write(s.colsep.join(qrf.encode_text(c, vs) for c in self.columns) + s.rowsep)
        self.count += 1
        self.out.write(s.colsep.join(qrf.render(v, vs) for v in values) + s.rowsep)


class InsertRenderer(_StyledRenderer):
    """insert mode: one INSERT statement per row, REALs as %.16g."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle(qrf.SQL, null="NULL", literal_reals=True)

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.head = qrf.insert_head(self.s.table or "tab", self.columns if self.s.headers else None)

    def row(self, values: Sequence[Any]) -> None:
        self.count += 1
        vs = self.vs
        self.out.write(self.head + ",".join([qrf.render(v, vs) for v in values]) + ");\n")


class JsonRenderer(_StyledRenderer):
    """json mode: an array of objects, one per row; BLOBs as strings of \\u00XX escapes."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle(qrf.JSON, null="null", literal_reals=True)

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.keys = [qrf.encode_text(name, self.vs) + ":" for name in self.columns]

    def row(self, values: Sequence[Any]) -> None:
        w, vs = self.out.write, self.vs
        w("[{" if self.count == 0 else "},\n{")
        self.count += 1
        w(",".join(key + qrf.render(v, vs) for key, v in zip(self.keys, values, strict=True)))

    def finish(self) -> None:
        if self.count:
            self.out.write("}]\n")


class TclRenderer(_StyledRenderer):
    """tcl mode: TEXT and names as C strings (control characters, quotes and backslashes escaped,
    other bytes as they are), BLOBs as octal escapes, numbers as they are, NULL as .nullvalue says
    (``""`` as .mode tcl sets it)."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle(qrf.C, null=self.s.null)

    def row(self, values: Sequence[Any]) -> None:
        s, vs = self.s, self.vs
        if self.count == 0 and s.headers:
            self.out.write(s.colsep.join(qrf.encode_text(c, vs) for c in self.columns) + s.rowsep)
        self.count += 1
        self.out.write(s.colsep.join(qrf.render(v, vs) for v in values) + s.rowsep)


class CountRenderer(Renderer):
    """count mode: no rows, just how many there were."""

    def row(self, values: Sequence[Any]) -> None:
        self.count += 1

    def finish(self) -> None:
        self.out.write(f"{self.count}\n")  # every statement, 0 included (sqlite3 3.54)


class OffRenderer(Renderer):
    """off mode: results are not shown at all."""

    def row(self, values: Sequence[Any]) -> None:
        self.count += 1


# -- columnar modes -----------------------------------------------------------

# Bytes that need the slow path: control characters (line breaks, tabs) and
# surrogate escapes (bytes of a BLOB that are not UTF-8), whose width sqlite3
# counts byte by byte.
