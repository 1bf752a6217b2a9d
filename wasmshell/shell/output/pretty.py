"""The interactive result view: a rich table, summarised as DuckDB's shell does.

A result is streamed once: the first rows are kept, the last ones go through
a bounded deque, the rest are only counted, so a result of millions of rows
costs the time to fetch it and no more memory than ``maxrows`` rows. What is
cut is always shown as cut: a mark row where rows were left out, a ``…``
column where columns did not fit the terminal, an ellipsis at the end of a
value too long for its column, and a footer with the counts.

rich is imported only when a table is drawn, so batch runs never load it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import compress, count, islice
from time import perf_counter
from typing import TYPE_CHECKING, Any, TextIO

from .values import real_text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

MIN_COLUMN_WIDTH = 8  # a text column is never squeezed below this while others are hidden instead
MAX_HEADER_WIDTH = 20  # a column name up to this long is not cut while other columns can be hidden instead
MAX_NUMBER_WIDTH = 24  # a number up to this long keeps its full width: cutting digits would mislead
BLOB_HEX_BYTES = 4  # a blob longer than this shows its size and this many bytes as hex
ROW_MARK = "⋮"  # in each column of the row standing for the rows left out
COLUMN_MARK = "…"  # header and cells of the column standing for the columns left out

# Characters that would break a table row or drive the terminal: C0 and C1
# controls, Unicode's line and paragraph separators, and lone surrogates
# (undecodable bytes kept by surrogateescape).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SYMBOLS = {"\n": "↵", "\t": "⇥", "\x7f": "␡", "\u2028": "↵", "\u2029": "¶"}


def _symbol(ch: str) -> str:
    """The visible stand-in for an unprintable character."""
    symbol = _SYMBOLS.get(ch)
    if symbol is not None:
        return symbol
    code = ord(ch)
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"  # control pictures: ␀ ␍ ␛ ...


def text_cell(value: str, limit: int) -> Text:
    """TEXT for a cell: on one line, unprintable characters shown as dim symbols, cut at ``limit``."""
    from rich.text import Text

    cut = len(value) > limit
    if cut:
        value = value[:limit]
    if not _UNPRINTABLE.search(value):
        text = Text(value, no_wrap=True, overflow="ellipsis")
    else:
        text = Text(no_wrap=True, overflow="ellipsis")
        pos = 0
        for m in _UNPRINTABLE.finditer(value):
            text.append(value[pos : m.start()])
            text.append(_symbol(m.group()), style="dim")
            pos = m.end()
        text.append(value[pos:])
    if cut:
        text.append("…")
    return text


def blob_summary(value: bytes) -> str:
    """A BLOB in a table cell: a short one as an SQL literal, a long one by its size and first bytes."""
    data = bytes(value)
    if len(data) <= BLOB_HEX_BYTES:
        return "x'" + data.hex() + "'"
    return f"<blob {len(data):,} bytes {data[:BLOB_HEX_BYTES].hex()}…>"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def readable_seconds(value: float) -> str:
    """A duration with a unit a person reads at a glance: 850 µs, 12.3 ms, 1.204 s."""
    if value < 0.001:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.3f} s"


def summary_line(
    total_rows: int, shown_rows: int, total_columns: int, shown_columns: int, seconds: float | None = None
) -> str:
    """The footer: how many rows (and columns) there are, how many of them are shown, and with
    .timer on (``seconds``) how long the statement took."""
    text = _plural(total_rows, "row")
    if shown_rows < total_rows:
        text += f" ({shown_rows:,} shown)"
    if shown_columns < total_columns:
        text += f"  {_plural(total_columns, 'column')} ({shown_columns:,} shown)"
    if seconds is not None:
        text += f" · {readable_seconds(seconds)}"
    return text


def fit_widths(natural: Sequence[int], floors: Sequence[int], available: int) -> list[int]:
    """Column widths summing to at most ``available``: narrow columns keep theirs, wide ones share the rest.

    ``natural`` is what each column needs to show everything, ``floors``
    the least each should get (ignored when even they do not fit). The
    widest columns are cut to one common width, the largest that fits.
    """
    if sum(natural) <= available:
        return list(natural)
    if sum(floors) > available:
        floors = [1] * len(natural)

    def total(cap: int) -> int:
        return sum(max(f, min(n, cap)) for n, f in zip(natural, floors, strict=True))

    low, high = 0, max(natural)
    while low < high:  # the largest cap whose total fits
        mid = (low + high + 1) // 2
        if total(mid) <= available:
            low = mid
        else:
            high = mid - 1
    widths = [max(f, min(n, low)) for n, f in zip(natural, floors, strict=True)]
    spare = available - sum(widths)
    for j, n in enumerate(natural):  # what rounding left over goes to the columns that were cut
        if spare <= 0:
            break
        if widths[j] < n:
            widths[j] += 1
            spare -= 1
    return widths


def table_overhead(columns: int) -> int:
    """Cells of a row taken by rules and padding: one rule per column and one more, two spaces per cell."""
    return 3 * columns + 1


def choose_columns(floors: Sequence[int], width: int) -> list[int]:
    """Which columns to show in ``width`` cells, as DuckDB does: all if they fit, else both ends.

    Columns are taken alternately from the left and from the right while
    they fit beside a one-cell ``…`` column; the first column is always shown.
    """
    n = len(floors)
    if sum(floors) + table_overhead(n) <= width:
        return list(range(n))
    left: list[int] = []
    right: list[int] = []
    used = 1 + table_overhead(1)  # the … column
    lo, hi = 0, n - 1
    take_left = True
    while lo <= hi:
        j = lo if take_left else hi
        need = floors[j] + 3
        if used + need > width and left:
            break
        used += need
        if take_left:
            left.append(j)
            lo += 1
        else:
            right.append(j)
            hi -= 1
        take_left = not take_left
    return left + right[::-1]


class PrettyRenderer:
    """Writes one result set as a rich table fitted to the terminal (the interactive default).

    The interface is render.py's ``Renderer``: ``start(columns)``,
    ``row(values)``, ``write_rows(rows)``, ``finish()``; the table is drawn
    by ``finish()``. At most ``settings.maxrows`` rows (default 40; 0 or
    less for all) are shown: the first half and the last half. ``width`` and
    ``color`` override what the console finds out from ``out`` (for tests
    and for callers that know better).
    """

    def __init__(
        self,
        out: TextIO,
        settings: Any,
        *,
        width: int | None = None,
        color: bool | None = None,
    ) -> None:
        self.out = out
        self.s = settings
        self.width = width
        self.color = color
        self.columns: list[str] = []
        self.count = 0
        self.maxrows = max(settings.maxrows, 0)  # 0: every row
        # Head and tail together hold every row while there are at most maxrows.
        self._head_size = (self.maxrows + 1) // 2 if self.maxrows else -1
        self.head: list[Sequence[Any]] = []
        self.tail: deque[Sequence[Any]] = deque(maxlen=self.maxrows // 2)
        self.started: float | None = None  # when the statement began, if its time is shown
        self._taking: int | count[int] | None = None  # what write_rows is counting with

    def show_time(self, started: float) -> bool:
        """Show in the footer the time since ``started`` (``time.perf_counter``), the statement's
        beginning, as .timer does; True: this renderer shows it (render.py's Renderer does not)."""
        self.started = started
        return True

    def start(self, columns: Sequence[str]) -> None:
        """Called once with the column names, before any row."""
        self.columns = list(columns)

    def row(self, values: Sequence[Any]) -> None:
        """Take one row: kept if it may be shown, otherwise only counted."""
        if self._head_size < 0 or len(self.head) < self._head_size:
            self.head.append(values)
        else:
            self.tail.append(values)
        self.count += 1

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Take every row of an iterator, consuming it once, in loops that run in C."""
        it = iter(rows)
        head = self.head
        before = len(head)
        self._taking = before  # (for rows_seen)
        try:
            if self._head_size < 0:
                head.extend(it)
                return
            if len(head) < self._head_size:
                head.extend(islice(it, self._head_size - len(head)))
        finally:
            self.count += len(head) - before
            self._taking = None
        # compress() draws one number from the counter per row it passes on,
        # so the counter counts the rows while the deque keeps the last ones.
        counter = count(1)
        self._taking = counter
        try:
            self.tail.extend(compress(it, counter))
        finally:
            self.count += next(counter) - 1
            self._taking = None

    def rows_seen(self) -> int:
        """The rows taken so far, also while ``write_rows`` runs (the progress line asks from
        SQLite's progress handler, called in the middle of its loops, which count in C)."""
        taking = self._taking
        if taking is None:
            return self.count
        if isinstance(taking, int):  # list.extend makes the head longer row by row
            return self.count + len(self.head) - taking
        return self.count + int(repr(taking)[6:-1]) - 1  # "count(N)": the counter, not advanced

    def head_room(self) -> int:
        """How many more rows the head keeps (-1: every row is kept)."""
        return -1 if self._head_size < 0 else self._head_size - len(self.head)

    def add_tail(self, count: int, last: list[Sequence[Any]]) -> None:
        """``count`` more rows went by, counted elsewhere, of which ``last`` are the latest (as many
        as the tail keeps): for a head that is full."""
        self.tail.extend(last)
        self.count += count

    # -- drawing -----------------------------------------------------------------

    def console(self, width: int | None = None) -> Console:
        """A rich console writing to ``out``, ``width`` wide, else as wide as the terminal unless
        told."""
        from rich.console import Console

        return Console(
            file=self.out,
            width=width or self.width,
            force_terminal=self.color,
            no_color=self.color is False,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=False,
        )

    def finish(self) -> None:
        """Draw the table and its footer (nothing for a statement that returns no columns).

        A table wider than the terminal is drawn as ``settings.wide`` says: at full width
        through the pager (when the output can go through one), as records, or fitted.
        """
        if not self.columns:
            return
        from rich.text import Text

        # The time the statement took to run and give its rows, not to draw them.
        seconds = None if self.started is None else perf_counter() - self.started
        console = self.console()
        cut = self.count > len(self.head) + len(self.tail)
        rows = self.head + list(self.tail)
        width = max(console.width, 10)
        # No cell is shown wider than the terminal: longer text is cut before it is measured.
        headers = [text_cell(name, width) for name in self.columns]
        columns = [_column_cells(rows, j, width, self.s.null or "NULL") for j in range(len(self.columns))]
        natural = _natural_widths(headers, columns)
        full = sum(natural) + table_overhead(len(natural))
        if full > width and self.s.wide == "vertical":
            self._records(console, headers, columns, len(rows) if not cut else len(self.head))
            shown_columns = len(self.columns)
        else:
            paged = self._pager() if full > width and self.s.wide == "pager" else None
            if paged is not None:
                console, width = self.console(full), full
            shown, widths = _column_widths(headers, columns, width)
            layout = _layout(shown, len(self.columns))
            table = _rich_table(headers, columns, layout, widths)
            _add_rows(table, columns, layout, len(rows), len(self.head) if cut else None)
            self._print_uncounted(console, table)
            shown_columns = len(shown)
        footer = summary_line(self.count, len(rows), len(self.columns), shown_columns, seconds)
        console.print(Text(footer, style="dim"))

    def _pager(self) -> Any:
        """The pager the output goes through, started now, if it goes through one (pager.py)."""
        from .pager import PagedOutput

        out = self.out
        return out if isinstance(out, PagedOutput) and out.start() else None

    def _print_uncounted(self, console: Console, table: Any) -> None:
        """Print the table: summarised, it never calls for the pager by its height."""
        from .pager import PagedOutput

        paged = self.out if isinstance(self.out, PagedOutput) else None
        if paged is not None:
            paged.counted = False
        try:
            console.print(table)
        finally:
            if paged is not None:
                paged.counted = True

    def _records(self, console: Console, headers: list[Text], columns: list[_Column], cut_at: int) -> None:
        """The rows as records, pgcli's expanded layout: a rule naming the row, then one
        ``column │ value`` line per column; a mark where rows were left out (after ``cut_at``)."""
        from rich.cells import cell_len
        from rich.text import Text

        name_width = max(cell_len(h.plain) for h in headers)
        names = [h.copy() for h in headers]
        for name in names:
            name.pad_right(name_width - cell_len(name.plain))
            name.stylize("bold")
        nrows = len(columns[0].cells)
        first_of_tail = self.count - (nrows - cut_at)  # the row number before the tail's first
        for i in range(nrows):
            if i == cut_at:
                console.print(Text(f"{ROW_MARK} {first_of_tail - cut_at:,} rows not shown", style="dim"))
            number = i + 1 if i < cut_at else first_of_tail + i - cut_at + 1
            rule = f"-[ RECORD {number:,} ]"
            console.print(Text(rule + "-" * max(console.width - len(rule), 0), style="dim"))
            for name, column in zip(names, columns, strict=True):
                line = Text.assemble(name, (" │ ", "dim"), column.cells[i].copy())
                line.justify = "left"
                console.print(line, no_wrap=True, overflow="ellipsis", crop=True)
        if cut_at == nrows and self.count > nrows:  # a cut with no tail: the mark is last
            console.print(Text(f"{ROW_MARK} {self.count - nrows:,} rows not shown", style="dim"))


class _Column:
    """One column's cells (rich Text), whether all its values are numbers, and the terminal cells
    its widest value takes (measured once: every layout decision asks)."""

    __slots__ = ("cells", "numeric", "width")

    def __init__(self, cells: list[Text], numeric: bool) -> None:
        from rich.cells import cell_len

        self.cells = cells
        self.numeric = numeric
        self.width = max([cell_len(c.plain) for c in cells], default=0)


def _column_cells(rows: list[Sequence[Any]], j: int, limit: int, null: str) -> _Column:
    """Column ``j`` of ``rows`` as cells: numbers on the right (so is NULL in a column of numbers)."""
    from rich.text import Text

    cells: list[Text | None] = []
    kinds = set()
    for values in rows:
        v = values[j]
        t = type(v)
        if v is None:
            cells.append(None)
            continue
        if t is int or t is float:
            kinds.add("number")
            cells.append(Text(str(v) if t is not float else real_text(v), justify="right"))
        elif t is str:
            kinds.add("text")
            cells.append(text_cell(v, limit))
        else:
            kinds.add("blob")
            cells.append(Text(blob_summary(v), style="cyan"))
    numeric = kinds == {"number"}
    justify = "right" if numeric else "left"
    return _Column(
        [Text(null, style="dim italic", justify=justify) if c is None else c for c in cells], numeric
    )


def _natural_widths(headers: list[Text], columns: list[_Column]) -> list[int]:
    """The width each column needs to show its name and every value in full."""
    from rich.cells import cell_len

    pairs = zip(headers, columns, strict=True)
    return [max(cell_len(header.plain), column.width, 1) for header, column in pairs]


def _column_widths(headers: list[Text], columns: list[_Column], width: int) -> tuple[list[int], list[int]]:
    """Which columns fit in ``width`` (their indexes) and the width each of them gets."""
    from rich.cells import cell_len

    natural = _natural_widths(headers, columns)
    floors = []
    for header, column, need in zip(headers, columns, natural, strict=True):
        values_width = column.width
        header_width = cell_len(header.plain)
        # Rather fewer columns than cut names or digits; text values can be cut to a few characters.
        keep = max(MIN_COLUMN_WIDTH, min(header_width, MAX_HEADER_WIDTH))
        if column.numeric:
            keep = max(keep, min(values_width, MAX_NUMBER_WIDTH))
        floors.append(min(need, keep))

    shown = choose_columns(floors, width)
    ncols = len(columns)
    if len(shown) < ncols and sum(floors[j] for j in shown) + table_overhead(len(shown) + 1) + 1 > width:
        # Even what is kept gets cut: then keep more columns, cut further, rather than hide them.
        shown = choose_columns([min(n, MIN_COLUMN_WIDTH) for n in natural], width)
    hidden = len(shown) < ncols
    available = width - table_overhead(len(shown) + (1 if hidden else 0)) - (1 if hidden else 0)
    widths = fit_widths(
        [natural[j] for j in shown],
        [floors[j] for j in shown],
        max(available, len(shown)),
    )
    return shown, widths


def _layout(shown: list[int], ncols: int) -> list[int | None]:
    """The columns shown in order, None where the mark of hidden columns goes."""
    layout: list[int | None] = list(shown)
    if len(shown) < ncols:
        split = next((k for k in range(1, len(shown)) if shown[k] != shown[k - 1] + 1), len(shown))
        layout.insert(split, None)
    return layout


def _rich_table(
    headers: list[Text], columns: list[_Column], layout: list[int | None], widths: list[int]
) -> Any:
    """An empty rich Table with the columns shown (and the mark of hidden ones)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.ROUNDED, header_style="bold", show_edge=True, pad_edge=True)
    w_iter = iter(widths)
    for j in layout:
        if j is None:
            table.add_column(Text(COLUMN_MARK), width=1, justify="center", style="dim", no_wrap=True)
            continue
        table.add_column(
            headers[j],
            width=next(w_iter),
            justify="right" if columns[j].numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
        )
    return table


def _add_rows(
    table: Any, columns: list[_Column], layout: list[int | None], nrows: int, cut_at: int | None
) -> None:
    """The rows into ``table``, with a mark row at ``cut_at`` (after the head) where rows were left out."""
    from rich.text import Text

    mark = Text(COLUMN_MARK, style="dim")
    for i in range(nrows + 1):
        if i == cut_at:  # after the head: before the tail, or last when there is none
            table.add_row(*(Text(ROW_MARK, style="dim", justify="center") for _ in layout))
        if i < nrows:
            table.add_row(*(mark if j is None else columns[j].cells[i] for j in layout))
