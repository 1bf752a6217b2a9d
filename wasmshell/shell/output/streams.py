"""The streaming modes (list, csv, tabs, line, html, quote, insert, json, tcl, count, off),
byte for byte as the sqlite3 shell (3.54) writes them: each row is written as it arrives."""

from __future__ import annotations

from ...lean import TYPE_CHECKING
from . import qrf
from .base import Renderer
from .modes import NO

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

CHUNK_ROWS = 1000  # rows written at once by the Python loops


class _StyledRenderer(Renderer):
    """A streaming mode of sqlite3 3.54: values rendered in the ValueStyle (qrf.py) the output
    settings describe, names in their title encoding."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle.of(self.s)

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.vs = self.style()
        self.vs.direct = not isinstance(self, LineRenderer)
        self.names = self.vs.titles(self.s.title_text)

    def c_layout(self) -> tuple[Any, ...] | None:
        return None

    # --rowcount's line after the rows, "{n}" and "{s}" filled in ("": the layout has none)
    row_count = ""

    def finish(self) -> None:
        """After the rows: the names of an empty result under --titles always, the row count
        under --rowcount, then what closes the layout."""
        if self.count == 0 and self.s.headers_always and self.columns:
            self.empty_titles()
        if self.s.rowcount and self.row_count and self.columns:
            self.out.write(self.row_count.format(n=self.count, s="" if self.count == 1 else "s"))
        self.close()

    def empty_titles(self) -> None:
        """The names of a result without rows, where the layout shows them."""

    def close(self) -> None:
        """What ends the layout's output."""


class ListRenderer(_StyledRenderer):
    """The list layout: values joined by the separators, each in the mode's encoding (list,
    csv, tabs, ascii, quote, tcl, c and jatom are all this layout)."""

    def c_layout(self) -> tuple[Any, ...] | None:
        """_rows.c's loop writes numbers and plain or CSV TEXT; BLOBs and TEXT with control
        characters come back here (qrf.render)."""
        s, vs = self.s, self.vs
        if vs.text not in (qrf.PLAIN, qrf.CSV) or vs.blob != qrf.AS_TEXT or vs.escape != qrf.ASCII:
            return None
        if vs.special:
            return None
        header = self._header() if s.headers else None
        return (
            "csv" if vs.text == qrf.CSV else "list",
            s.colsep,
            s.rowsep,
            s.null,
            lambda v: qrf.render(v, vs),
            header,
        )

    row_count = "({n} row{s})\n"

    def _header(self) -> str:
        s = self.s
        return s.colsep.join(qrf.encode_text(c, self.names) for c in self.columns) + s.rowsep

    def empty_titles(self) -> None:
        self.out.write(self._header())

    def row(self, values: Sequence[Any]) -> None:
        self.python_rows((values,))

    def python_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows written a chunk of lines at a time (a write per row costs as much as its formatting)."""
        s = self.s
        sep, end, vs, render = s.colsep, s.rowsep, self.vs, qrf.render
        plain = vs.text == qrf.PLAIN and not vs.special
        lines: list[str] = []
        try:
            for values in rows:
                if self.count == 0 and s.headers:
                    lines.append(self._header())
                self.count += 1
                parts = []
                for v in values:
                    t = type(v)
                    if t is int and not vs.special:
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


class LineRenderer(_StyledRenderer):
    """line mode: ``name: value`` per column (names right-aligned, ``: `` the column separator), a
    blank line between rows; a value of several lines continues under its first, up to
    --linelimit lines, and is wrapped to fit --screenwidth."""

    def start(self, columns: Sequence[str]) -> None:
        from .columnar import width_print  # line mode's only: list and csv run without columnar.py

        super().start(columns)
        s = self.s
        names = [qrf.title_limit(c, s.title_limit) if s.title_limit > 0 else c for c in self.columns]
        width = max((qrf.display_width(c) for c in names), default=0)
        sep = s.colsep  # ": " as .mode line sets it; .separator changes it
        self.keys = [width_print(c, -width) + sep for c in names]
        self.indent = " " * (width + len(sep))
        self.room = s.screenwidth - (len(sep) + width) if s.screenwidth > 0 else 0

    @property
    def row_count(self) -> str:  # type: ignore[override]
        return ("\n" if self.count else "") + "({n} row{s})\n"

    def row(self, values: Sequence[Any]) -> None:
        out = ["\n"] if self.count else []
        self.count += 1
        for key, v in zip(self.keys, values, strict=True):
            text = qrf.render(v, self.vs)
            if "\n" in text or self.room or self.s.line_limit:
                text = ("\n" + self.indent).join(self._lines(text))
            out.append(key + text + "\n")
        self.out.write("".join(out))

    def _lines(self, text: str) -> list[str]:
        """The lines of a value as 3.54 splits it in line mode: at LF (a CR before it stays),
        and where it would pass the screen width; "..." after --linelimit lines."""
        from .columnar import wrap_line

        s = self.s
        if self.room:
            z = text.encode("utf-8", "surrogateescape")
            lines = []
            while True:
                this, _wide, nxt = wrap_line(z, max(self.room, 1), s.wordwrap != NO)
                lines.append(z[:this].decode("utf-8", "surrogateescape"))
                z = z[nxt:]
                if not z:
                    break
        else:
            lines = text.split("\n")
            if len(lines) > 1 and lines[-1] == "":
                lines.pop()
        if 0 < s.line_limit < len(lines):
            lines = [*lines[: s.line_limit], "..."]
        return lines


class HtmlRenderer(_StyledRenderer):
    """html mode: table rows in lower case, a cell per line, as sqlite3 3.54 writes them; TEXT
    in HTML, NULL as null, whatever the settings say."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle.of(self.s, text=qrf.HTML, null="null")

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.names = self.vs

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

    row_count = "<!-- {n} row{s} -->\n"

    def empty_titles(self) -> None:
        self._names()


class InsertRenderer(_StyledRenderer):
    """insert mode: INSERT statements, values as SQL literals (REALs as %.16g); with
    --multiinsert N, rows are added to one statement until it passes N bytes."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle.of(self.s, literal_reals=True, text=qrf.SQL, null="NULL")

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.head = qrf.insert_head(self.s.table or "tab", self.columns if self.s.headers else None)
        self.size = 0  # bytes of the statement being written (0: none is open)

    def row(self, values: Sequence[Any]) -> None:
        self.count += 1
        vs, most = self.vs, self.s.multiinsert
        parts = []
        if self.size == 0 or self.size >= most:
            if self.size:
                parts.append(";\n")
                self.size = 0
            parts.append(self.head)
        else:
            parts.append(",\n  (")
        parts.append(",".join([qrf.render(v, vs) for v in values]))
        text = "".join(parts)
        self.size += len(text.encode("utf-8", "surrogateescape")) + 2
        if self.size >= most:
            text += ");\n"
            self.size = 0
        else:
            text += ")"
        self.out.write(text)

    row_count = "/* {n} row{s} inserted */\n"

    def close(self) -> None:
        if self.size:
            self.out.write(";\n")


class JsonRenderer(_StyledRenderer):
    """json mode, an array of objects, one per row; jobject mode, an object per line. TEXT as
    JSON strings, BLOBs as strings of \\u00XX escapes, NULL as null, whatever the settings say."""

    def style(self) -> qrf.ValueStyle:
        return qrf.ValueStyle.of(self.s, literal_reals=True, text=qrf.JSON, null="null")

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.keys = [qrf.encode_text(name, self.vs) + ":" for name in self.columns]
        self.marks = ("{", "}\n{", "}\n") if self.s.mode == "jobject" else ("[{", "},\n{", "}]\n")

    def row(self, values: Sequence[Any]) -> None:
        w, vs = self.out.write, self.vs
        w(self.marks[1] if self.count else self.marks[0])
        self.count += 1
        w(",".join(key + qrf.render(v, vs) for key, v in zip(self.keys, values, strict=True)))

    def close(self) -> None:
        if self.count:
            self.out.write(self.marks[2])


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
