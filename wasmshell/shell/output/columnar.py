"""The columnar modes (column, table, box, markdown) as sqlite3 3.40 writes them: they
must see every row to size their columns, and write when the statement ends."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from .base import Renderer, c_output, slow_text
from .values import quoted_cell, text_of

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
    i, n = _line_extent(z, limit)
    k = i
    if n >= limit and wordwrap:
        k = _word_break(z, i)
        if k is None:
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
    return _expanded(z, k, limit), tail


def _line_extent(z: bytes, limit: int) -> tuple[int, int]:
    """Where the first line of ``z`` ends (at ``limit`` characters or a control character),
    and its width in characters, tabs expanded."""
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
    return i, n


def _word_break(z: bytes, i: int) -> int | None:
    """Where a full line ending at ``i`` breaks between words: after a space, else between a
    letter or digit and another character, in its second half; None if nowhere."""
    half = i // 2
    k = i
    while k > half and z[k - 1] not in _C_SPACE:
        k -= 1
    if k <= half:
        k = i
        while k > half and not (_isalnum(z[k - 1]) != _isalnum(z[k]) and (z[k] & 0xC0) != 0x80):
            k -= 1
    return None if k <= half else k


def _expanded(z: bytes, k: int, limit: int) -> bytes:
    """The first ``k`` bytes of ``z`` with tabs expanded to spaces, as the line shows them."""
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
    return bytes(out)


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
            args = (self.header, self.set_widths, self.limits, s.null, s.headers, slow_text)
            if c.columnar(self.values, self.out.write, s.mode, *args):
                return  # every value was one plain line: laid out in C
        self.rows = [self._cells(values) for values in self.values]
        grid = _Grid(self._widths(self.rows), self.set_widths)
        colsep, rowsep, start = self._write_head(grid)
        self._write_body(grid, colsep, rowsep, start)
        if s.mode == "table":
            self.out.write(grid.rule("+", "-", "+", "+"))
        elif s.mode == "box":
            self.out.write(grid.rule("└", "─", "┴", "┘"))

    def _widths(self, rows: list[list[list[str]]]) -> list[int]:
        """Each column's width: its set width, or its widest line (the name's included)."""
        widths = [abs(w) for w in self.set_widths]
        for j, name in enumerate(self.header):
            widths[j] = max(widths[j], display_width(name))
        for cells in rows:
            for j, lines in enumerate(cells):
                for line in lines:
                    n = display_width(line)
                    if n > widths[j]:
                        widths[j] = n
        return widths

    def _write_head(self, grid: _Grid) -> tuple[str, str, str]:
        """Write what comes before the rows; give the mode's column separator, row end and row start."""
        s, w, header = self.s, self.out.write, self.header
        centred = [grid.centre(h, j) for j, h in enumerate(header)]
        if s.mode == "column":
            if s.headers:
                w("  ".join(grid.fit(h, j) for j, h in enumerate(header)) + "\n")
                w("  ".join("-" * wd for wd in grid.widths) + "\n")
            return "  ", "\n", ""
        if s.mode == "table":
            w(grid.rule("+", "-", "+", "+"))
            w("| " + " | ".join(centred) + " |\n")
            w(grid.rule("+", "-", "+", "+"))
            return " | ", " |\n", "| "
        if s.mode == "box":
            w(grid.rule("┌", "─", "┬", "┐"))
            w("│ " + " │ ".join(centred) + " │\n")
            w(grid.rule("├", "─", "┼", "┤"))
            return " │ ", " │\n", "│ "
        w("| " + " | ".join(centred) + " |\n")  # markdown
        w(grid.rule("|", "-", "|", "|"))
        return " | ", " |\n", "| "

    def _write_body(self, grid: _Grid, colsep: str, rowsep: str, start: str) -> None:
        """Write the rows, a value's lines side by side; a divider between rows when any takes several."""
        w, fit, mode = self.out.write, grid.fit, self.s.mode
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
                    w(grid.rule("+", "-", "+", "+"))
                elif mode == "box":
                    w(grid.rule("├", "─", "┼", "┤"))
                elif mode == "column":
                    w("\n")


class _Grid:
    """The columns' widths, and text padded or centred to them and rules drawn along them."""

    __slots__ = ("set_widths", "widths")

    def __init__(self, widths: list[int], set_widths: list[int]) -> None:
        self.widths = widths
        self.set_widths = set_widths  # a negative set width right-aligns its column

    def fit(self, text: str, j: int) -> str:
        pad = self.widths[j] - display_width(text)
        if pad <= 0:
            return text
        return " " * pad + text if self.set_widths[j] < 0 else text + " " * pad

    def centre(self, text: str, j: int) -> str:
        pad = self.widths[j] - display_width(text)
        return " " * (pad // 2) + text + " " * ((pad + 1) // 2)

    def rule(self, left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (wd + 2) for wd in self.widths) + right + "\n"
