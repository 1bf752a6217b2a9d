"""The columnar modes (column, table, box, markdown) as sqlite3 3.54 writes them: they
must see every row to size their columns, and write when the statement ends.

As 3.54's result formatter lays them out: names centred, numbers right-aligned
and the rest left-aligned (a negative ``.width`` right-aligns a column), box
with rounded corners and a double rule under the names, a value wider than its
column (a set width, or ``--wrap``) continued on further lines, broken at a
word where ``--wordwrap`` allows, and a rule between rows when any row takes
several lines. Widths are display columns: wide characters count two, tabs go
to the next multiple of 8. Cells are measured and split as UTF-8 bytes, as
the formatter does, so bytes that are not UTF-8 count one each.
"""

from __future__ import annotations

from ...lean import TYPE_CHECKING
from ...sqltext import LazyPattern
from . import qrf
from .base import Renderer, c_output
from .modes import BY_NAME, NO

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

_SPACE = frozenset(b" \t\n\v\f\r")
_CONTROL = LazyPattern(b"[\x00-\x1f]")
# Box drawing: rounded corners, single lines, and the double rule under the names.
_BOX_TOP = ("╭", "┬", "╮", "─")
_BOX_MID = ("├", "┼", "┤", "─")
_BOX_TITLE = ("╞", "╪", "╡", "═")
_BOX_BOTTOM = ("╰", "┴", "╯", "─")
_BOX_EMPTY = ("╘", "╧", "╛", "═")  # under the names of an empty result


def _alnum(byte: int) -> bool:
    return 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A or byte == 0x5F


def _char(z: bytes, i: int) -> tuple[int, int]:
    """The width and byte length of the multi-byte UTF-8 character at ``z[i]``, its code point
    put together from the bits as sqlite3 3.54 does (an overlong form counts as what it spells);
    a malformed one is one byte, one column."""
    c = z[i]
    n = 2 if c & 0xE0 == 0xC0 else 3 if c & 0xF0 == 0xE0 else 4 if c & 0xF8 == 0xF0 else 0
    if n == 0 or i + n > len(z) or any(b & 0xC0 != 0x80 for b in z[i + 1 : i + n]):
        return 1, 1
    code = c & (0x1F, 0x0F, 0x0F)[n - 2]  # 3.54 keeps four bits of a 4-byte lead
    for b in z[i + 1 : i + n]:
        code = code << 6 | b & 0x3F
    return qrf.code_width(code), n


def _vt100(z: bytes, i: int) -> int:
    """The length of the VT100 escape at ``z[i]`` (an ESC), or 0."""
    if z[i + 1 : i + 2] != b"[":
        return 0
    k = i + 2
    while k < len(z) and 0x30 <= z[k] <= 0x3F:
        k += 1
    while k < len(z) and 0x20 <= z[k] <= 0x2F:
        k += 1
    return k + 1 - i if k < len(z) and 0x40 <= z[k] <= 0x7E else 0


def width_print(text: str, width: int) -> str:
    """``text`` in ``abs(width)`` columns as 3.54's qrfWidthPrint writes it: cut where it would pass
    them (a control character counting one), padded with spaces, on the left when ``width`` is
    negative."""
    z = text.encode("utf-8", "surrogateescape")
    limit, i, n, end = abs(width), 0, 0, len(z)
    while i < end:
        c = z[i]
        if c & 0xC0 == 0xC0:
            w, k = _char(z, i)
            if n + w > limit:
                break
            i, n = i + k, n + w
        elif c == 0x1B and _vt100(z, i):
            i += _vt100(z, i)
        elif n >= limit:
            break
        else:
            i, n = i + 1, n + 1
    shown = z[:i].decode("utf-8", "surrogateescape")
    pad = " " * (limit - n)
    return pad + shown if width < 0 else shown + pad


def cell_width(z: bytes) -> tuple[int, bool]:
    """The width of the widest line of a cell, and whether it has several lines."""
    if z.isascii() and _CONTROL.search(z) is None:
        return len(z), False  # the common cell: printable ASCII, a column per byte
    widest = n = 0
    lines = False
    i, end = 0, len(z)
    while i < end:
        c = z[i]
        if c < 0x20:
            k = _vt100(z, i) if c == 0x1B else 0
            if k:
                i += k
                continue
            if c == 0x09:
                n = (n + 8) & ~7
            elif c in (0x0A, 0x0D):
                lines = True
                widest, n = max(widest, n), 0
            i += 1
        elif c < 0x80:
            n += 1
            i += 1
        else:
            w, k = _char(z, i)
            n += w
            i += k
    return max(widest, n), lines


def wrap_line(z: bytes, w: int, wordwrap: bool) -> tuple[int, int, int]:
    """The first display line of ``z`` in a column ``w`` wide: its bytes, its width, and where the
    next line starts (3.54's qrfWrapLine)."""
    end = len(z)
    if end == 0 or (end <= w and z.isascii() and _CONTROL.search(z) is None):
        return end, end, end  # empty, or fits as it is
    i = n = 0
    c = 0
    while n <= w:
        if i >= end:
            c = 0
            break
        c = z[i]
        if c >= 0xC0:
            wc, k = _char(z, i)
            if wc + n > w:
                break
            i += k
            n += wc
            continue
        if c >= 0x20:
            if n == w:
                break
            n += 1
            i += 1
            continue
        if c == 0x0A:
            break
        if c == 0x0D and z[i + 1 : i + 2] == b"\n":
            i += 1
            c = 0x0A
            break
        if c == 0x09:
            wc = 8 - (n & 7)
            if n + wc > w:
                break
            n += wc
            i += 1
            continue
        k = _vt100(z, i) if c == 0x1B else 0
        if k:
            i += k
            continue
        if n == w:
            break
        n += 1
        i += 1
    if c == 0:
        return i, n, i
    if c == 0x0A:
        return i, n, i + 1
    if wordwrap and i < end and z[i] not in _SPACE and _alnum(c) == _alnum(z[i]):
        k = _word_break(z, i)
        if k is not None:
            i, n = k, cell_width(z[:k])[0]
    this, wide = i, n
    while i < end and z[i] in (0x20, 0x09, 0x0D):
        i += 1
    return this, wide, i


def _word_break(z: bytes, i: int) -> int | None:
    """Where a line that is full at ``i`` (in a word) breaks instead: at a space in its second
    half, else between a letter or digit and another character there; None if nowhere."""
    k, half = i - 1, i // 2
    while k >= half and z[k] not in _SPACE:
        k -= 1
    if k < half and half > 0:
        k = i
        while k >= half and not (_alnum(z[k - 1]) != _alnum(z[k]) and z[k] & 0xC0 != 0x80):
            k -= 1
    return k if k >= half else None


def with_tabs(z: bytes) -> str:
    """A line's bytes as written: tabs to the next multiple of 8, a final CR dropped, other
    control characters as their U+2400 symbols, VT100 escapes as they are."""
    if _CONTROL.search(z) is None:
        return z.decode("utf-8", "surrogateescape")
    out, col, i, end = bytearray(), 0, 0, len(z)
    while i < end:
        c = z[i]
        if c < 0x20:
            k = _vt100(z, i) if c == 0x1B else 0
            if k:
                out += z[i : i + k]
                i += k
                continue
            if c == 0x09:
                k = 8 - (col & 7)
                out += b" " * k
                col += k
            elif not (c == 0x0D and i == end - 1):
                out += chr(0x2400 + c).encode()
                col += 1
            i += 1
        elif c < 0x80:
            out.append(c)
            col += 1
            i += 1
        else:
            w, k = _char(z, i)
            out += z[i : i + k]
            col += w
            i += k
    return out.decode("utf-8", "surrogateescape")


class ColumnarRenderer(Renderer):
    """column, table, box, markdown (and psql, qbox, split): sized to the widest value, written
    at the end."""

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        s = self.s
        self.vs = qrf.ValueStyle.of(s)
        self.vs.raw = self.out.write
        names = self.vs.titles(s.title_text)
        self.titles = s.headers
        texts = [qrf.encode_text(c, names) for c in self.columns]
        if s.title_limit > 0:
            texts = [qrf.title_limit(t, s.title_limit) for t in texts]
        self.names = [t.encode("utf-8", "surrogateescape") for t in texts]
        self.cells: list[tuple[bytes, bool]] = []  # (rendered value, numeric), row after row
        # The cells kept in C (_rows.Cells): one buffer, and the common table written there too.
        c = c_output()
        vs = self.vs
        self.fast = None
        if c is not None and self.columns and not vs.special:
            render = qrf.render
            self.fast = c.Cells(
                len(self.columns), lambda v: render(v, vs), vs.null, vs.text == qrf.PLAIN, qrf.code_width
            )

    def row(self, values: Sequence[Any]) -> None:
        self.write_rows((values,))

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        if self.fast is not None:
            try:
                self.fast.add(rows)
            finally:
                self.count = self.fast.rows
            return
        vs, render, cells = self.vs, qrf.render, self.cells
        plain_ints = not vs.special
        for values in rows:
            row = []  # a row is kept whole or not at all, as the C cells keep it
            for v in values:
                t = type(v)
                if t is int and plain_ints:
                    row.append((str(v).encode(), True))
                else:
                    row.append((render(v, vs).encode("utf-8", "surrogateescape"), t is int or t is float))
            cells.extend(row)
            self.count += 1

    def finish(self) -> None:
        s = self.s
        if self.count == 0 and not s.headers_always:
            if s.rowcount:
                self.out.write("(0 rows)\n")
            return
        fast, self.fast = self.fast, None
        if fast is not None:
            if fast.simple:
                layout = _Layout(self, fast)
                if layout.fast:
                    layout.write()
                    return
            self.cells = fast.pairs()  # a table of wrapped or wide cells: laid out here
        _Layout(self).write()


_LEFT, _CENTER, _RIGHT = 1, 2, 3
_ALIGN = {"L": _LEFT, "C": _CENTER, "R": _RIGHT}
_MIN_SQUEEZE, _MIN_EX_SQUEEZE = 8, 16  # 3.54 narrows no column below these (screen width)


class _Layout:
    """One result laid out: the widths and alignments of its columns, then its lines."""

    def __init__(self, r: ColumnarRenderer, body: Any = None) -> None:
        """``body``: the rows' cells kept in C (every one printable ASCII), else ``r.cells``."""
        s = r.s
        self.s = s
        self.out, self.ncol, self.count = r.out, len(r.columns), r.count
        self.style = BY_NAME[s.mode].style if s.mode in BY_NAME else "column"
        self.border = s.border != NO or self.style == "markdown"
        head = [(name, False) for name in r.names] if r.titles else []
        self.body = body
        self.cells = head + (r.cells if body is None else [])
        self.titles = r.titles
        natural = list(body.widths) if body is not None else [0] * self.ncol
        multi = False
        self.cell_widths = []  # each cell's width, for the one-line layout
        for k, (z, _num) in enumerate(self.cells):
            w, lines = cell_width(z)
            self.cell_widths.append(w)
            natural[k % self.ncol] = max(natural[k % self.ncol], w)
            multi = multi or lines
        self.align = [self._body_align(j) for j in range(self.ncol)]
        self.title_align = [_RIGHT if self._odd_right(j) else _CENTER for j in range(self.ncol)]
        if not self.titles:
            self.align = [_RIGHT if self._odd_right(j) else a for j, a in enumerate(self.align)]
        self.widths, self.fixed = [], []
        for j in range(self.ncol):
            set_width = s.widths[j] if j < len(s.widths) else 0
            w = abs(set_width)
            self.fixed.append(w != 0)
            if w == 0:
                w = natural[j]
                if 0 < s.wrap < w:
                    w, multi = s.wrap, True
            elif (not multi or w == 1) and natural[j] > w:
                multi = True
                w = max(w, 2) if w == 1 else w
            self.widths.append(w)
        self.multi = multi
        self.margin = 2
        ncells = len(self.cells) + (body.rows * self.ncol if body is not None else 0)
        split = (
            self.ncol == 1 and ncells > 1 and s.split and self.style == "column"
            and not self.titles and _screen_width(s) > self.widths[0] + 3
        )  # fmt: skip
        if split and body is None:
            self._split(_screen_width(s))
        elif not split:
            self._fit(_screen_width(s), natural)
        self.height = s.line_limit if s.line_limit > 0 else 1 << 62
        # The rows can be written by C: one line each, no column split or narrowed
        self.fast = body is not None and not split and not self.multi

    def _body_align(self, j: int) -> int:
        """Column ``j``'s alignment below the names: --align's letter, else right for a negative
        width, else 0 (numbers right, the rest left)."""
        s = self.s
        if j < len(s.align):
            return _ALIGN.get(s.align[j].upper(), 0)
        return _RIGHT if j < len(s.widths) and s.widths[j] < 0 else 0

    def _odd_right(self, j: int) -> bool:
        """3.54 right-aligns a column with a negative width whose --align letter is not L, C or R
        (its names' row; its body too when there are no names)."""
        s = self.s
        if not (j < len(s.align) and j < len(s.widths) and s.widths[j] < 0):
            return False
        return s.align[j].upper() not in "LCR"

    def _fit(self, screen: int, natural: list[int]) -> None:
        """Narrow the widest columns (and drop the margins) until the table fits ``screen``."""
        if screen <= 0:
            return
        n = self.ncol
        if self.style == "column":
            sep = n * 2 - 2
        else:
            sep = n * 3 + 1 - (0 if self.border else 2)
        total = sum(self.widths)
        if screen >= total + sep:
            return
        self.margin = 0
        sep = n - 1 if self.style == "column" else n + 1 - (0 if self.border else 2)
        target = screen - sep
        while total > target:
            best, widest = -1, 0
            for j, w in enumerate(self.widths):
                if (
                    not self.fixed[j] and w > widest and w > _MIN_SQUEEZE
                    and (w > _MIN_EX_SQUEEZE or w * 2 > natural[j])
                ):  # fmt: skip
                    best, widest = j, w
            if best < 0:
                break
            gain = widest // 2 if widest >= _MIN_SQUEEZE * 2 else widest - _MIN_SQUEEZE
            gain = min(gain, total - target)
            total -= gain
            self.widths[best] -= gain
            self.multi = True

    def _split(self, screen: int) -> None:
        """A single column laid out as several side by side, top to bottom, to fill ``screen``."""
        widths = self.cell_widths
        count = len(self.cells)
        best: list[int] | None = None
        ncol, nxt = 1, 2
        while True:
            layout = _columns_fit(widths, nxt, screen)
            if layout is None:
                break
            best, ncol = layout, nxt
            nrow = -(-count // ncol)
            if nrow == 1:
                break
            nxt += 1
            while -(-count // nxt) == nrow:
                nxt += 1
        if best is None:
            return
        nrow = -(-count // ncol)
        cells: list[tuple[bytes, bool]] = [(b"", False)] * (nrow * ncol)
        cell_widths = [0] * (nrow * ncol)
        for i, cell in enumerate(self.cells):
            k = (i % nrow) * ncol + i // nrow
            cells[k], cell_widths[k] = cell, widths[i]
        self.cells, self.cell_widths, self.ncol = cells, cell_widths, ncol
        self.widths, self.fixed = best, [True] * ncol
        self.align = self.align * ncol
        self.margin = min((screen - sum(best)) // (ncol - 1), 5)

    def write(self) -> None:
        style, out, m = self.style, [], self.margin
        pad = " " * (m > 0)
        if style == "box":
            start, colsep, end = "│" + pad, pad + "│" + pad, pad + "│\n"
        elif style == "column":
            start, colsep, end = "", " " * max(m, 1), "\n"
        else:
            start, colsep, end = "|" + pad, pad + "|" + pad, pad + "|\n"
        if not self.border:
            start, end = start[1:], "\n"
        self.rtrim = style == "column" or not self.border
        if self.border and style == "box":
            out.append(self._rule(_BOX_TOP))
        elif self.border and style == "table":
            out.append(self._ascii_rule("+"))
        n, ncol = len(self.cells), self.ncol
        if self.body is not None:  # the names here, the rows in C
            if self.titles:
                self._row(out, self.cells[:ncol], True, start, colsep, end)
                if self.count:
                    out.append(self._between(True, colsep))
            self.out.write("".join(out))
            out = []
            self.body.write(self.out.write, self.widths, self.align, start, colsep, end, self.rtrim)
            n = 0
        for i in range(0, n, ncol):
            title = self.titles and i == 0
            if self.multi or title:
                self._row(out, self.cells[i : i + ncol], title, start, colsep, end)
            else:
                self._one_line(out, i, start, colsep, end)
            if i + ncol < n and (title or self.multi):
                out.append(self._between(title, colsep))
        out.append(self._bottom(colsep))
        if self.s.rowcount:
            out.append(f"({self.count} row{'' if self.count == 1 else 's'})\n")
        self.out.write("".join(out))

    def _line(self, start: str, parts: list[str], colsep: str, end: str) -> str:
        line = start + colsep.join(parts)
        if self.rtrim:
            line = line.rstrip(" ")
        return line + end

    def _one_line(self, out: list[str], i: int, start: str, colsep: str, end: str) -> None:
        """A row when every cell of the result fits on one line: padded, nothing to wrap."""
        parts = []
        for j in range(self.ncol):
            z, num = self.cells[i + j]
            text = with_tabs(z) if _CONTROL.search(z) else z.decode("utf-8", "surrogateescape")
            parts.append(_aligned(text, self.widths[j] - self.cell_widths[i + j], self.align[j], num))
        out.append(self._line(start, parts, colsep, end))

    def _row(
        self, out: list[str], cells: list[tuple[bytes, bool]], title: bool, start: str, colsep: str, end: str
    ) -> None:
        rest = [z for z, _num in cells]
        lines = 0
        while True:
            parts, more = [], False
            for j, z in enumerate(rest):
                this, wide, nxt = wrap_line(z, self.widths[j], self.s.wordwrap != NO and self.multi)
                align = self.title_align[j] if title else self.align[j]
                parts.append(_aligned(with_tabs(z[:this]), self.widths[j] - wide, align, cells[j][1]))
                rest[j] = z[nxt:]
                more = more or bool(rest[j])
            out.append(self._line(start, parts, colsep, end))
            lines += 1
            if not more:
                return
            if lines >= self.height:  # --linelimit: "..." where a value goes on
                parts = []
                for j, z in enumerate(rest):
                    w = self.widths[j]
                    dots = min(3, w) if z else 0
                    align = self.title_align[j] if title else self.align[j]
                    parts.append(_aligned("..."[:dots], w - dots, align, cells[j][1]) if z else " " * w)
                out.append(self._line(start, parts, colsep, end))
                return

    def _between(self, title: bool, colsep: str) -> str:
        style = self.style
        if style == "table":
            return self._ascii_rule("+")
        if style == "box":
            return self._rule(_BOX_TITLE if title else _BOX_MID)
        if style == "markdown":
            return self._ascii_rule("|") if title else ""
        if title:
            return colsep.join("-" * w for w in self.widths).rstrip(" ") + "\n"
        return "\n"

    def _bottom(self, colsep: str) -> str:
        style, empty = self.style, self.count == 0
        if not (self.border or empty):
            return ""
        if style == "box":
            return self._rule(_BOX_EMPTY if empty else _BOX_BOTTOM)
        if style == "table":
            return self._ascii_rule("+")
        if empty and style == "markdown":
            return self._ascii_rule("|")
        if empty and style == "column":
            return colsep.join("-" * w for w in self.widths).rstrip(" ") + "\n"
        return ""

    def _rule(self, parts: tuple[str, str, str, str]) -> str:
        left, mid, right, fill = parts
        body = mid.join(fill * (w + self.margin) for w in self.widths)
        return (left + body + right if self.border else body) + "\n"

    def _ascii_rule(self, sep: str) -> str:
        body = sep.join("-" * (w + self.margin) for w in self.widths)
        return (sep + body + sep if self.border else body) + "\n"


def _aligned(text: str, room: int, align: int, number: bool) -> str:
    """``text`` padded with ``room`` spaces as ``align`` says (0: numbers right, the rest left)."""
    if align == 0:
        align = _RIGHT if number else _LEFT
    if align == _CENTER:
        return " " * (room // 2) + text + " " * (room - room // 2)
    if align == _RIGHT:
        return " " * room + text
    return text + " " * room


TTY_WIDTH = 0  # -screenwidth N: the width --sw auto takes, in place of the terminal's


def _screen_width(s: Any) -> int:
    """The width the table is to fit: --sw N, or with --sw auto the terminal's as sqlite3 3.54
    asks for it: of stdin, else stdout, else stderr; 80 when none is a terminal."""
    if s.screenwidth > 0:
        return s.screenwidth
    if not s.auto_width:
        return 0
    if TTY_WIDTH > 0:
        return TTY_WIDTH
    import os

    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns
        except (OSError, ValueError):
            continue
    return 80


def _columns_fit(widths: list[int], ncol: int, screen: int) -> list[int] | None:
    """The widths of ``ncol`` columns holding ``widths``'s cells top to bottom, two spaces apart,
    if they fit in ``screen``; else None."""
    nrow = -(-len(widths) // ncol)
    cols = [max(widths[k : k + nrow], default=0) for k in range(0, len(widths), nrow)]
    cols += [0] * (ncol - len(cols))
    return cols if sum(cols) + 2 * (ncol - 1) <= screen else None
