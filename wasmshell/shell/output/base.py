"""What every output mode shares: the settings (.mode, .headers, .separator ...),
the renderer's interface, and the switch to the C loops of ``_rows.c``.

A renderer is made per statement: ``start(columns)`` once, ``row(values)`` per
row as it arrives, ``finish()`` at the end.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any, TextIO


class OutputSettings:
    """How results are written: sqlite3's .mode, .headers, .separator, .nullvalue, .width.

    A plain class, not a dataclass: importing ``dataclasses`` costs start-up time.
    """

    __slots__ = (
        "colsep",
        "headers",
        "headers_always",
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
        self.headers_always = False  # .headers always: names for a result without rows too
        self.colsep = "|"
        self.rowsep = "\n"
        self.null = ""
        self.widths: list[int] = []
        self.wrap = 0  # columnar modes wrap longer values at this width (--wrap N; 0: never)
        self.wordwrap = True  # ... breaking them between words (--wordwrap on, 3.54's default)
        self.quote = False  # ... and show values as SQL literals (--quote)
        self.table = "table"  # the table name insert mode writes
        self.maxrows = 40  # the interactive "pretty" mode shows at most this many rows
        for name, value in changes.items():
            setattr(self, name, value)


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
