"""What every output mode shares: the settings (.mode, .headers, .separator ...),
the renderer's interface, and the switch to the C loops of ``_rows.c``.

A renderer is made per statement: ``start(columns)`` once, ``row(values)`` per
row as it arrives, ``finish()`` at the end.
"""

from __future__ import annotations

from ...lean import TYPE_CHECKING, cache

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any, TextIO


class OutputSettings:
    """How results are written: sqlite3 3.54's output mode, which .mode, .headers, .separator,
    .nullvalue and .width set (the fields of its result formatter's spec), and the interactive
    view's row limit.

    A plain class, not a dataclass: importing ``dataclasses`` costs start-up time.
    """

    __slots__ = (
        "_colsep", "align", "auto_width", "blob", "border", "char_limit", "colsep_unset", "escape", "fpfmt",
        "headers_set", "ifmt", "line_limit", "maxrows", "mode", "multiinsert", "null", "rowcount",
        "rowsep", "screenwidth", "split", "table", "text", "textjsonb", "title_limit", "title_text",
        "titles", "wide", "widths", "wordwrap", "wrap",
    )  # fmt: skip

    def __init__(self, mode: str = "list", **changes: Any) -> None:
        from .modes import change

        self.maxrows = 40  # the interactive "pretty" mode shows at most this many rows
        self.wide = "pager"  # ... and a result wider than the terminal: pager, vertical or fit (.wide)
        self.reset()
        change(self, mode)
        for name, value in changes.items():
            setattr(self, name, value)

    def reset(self) -> None:
        """Every setting of the mode back to nothing set (sqlite3's zeroed spec); a mode's own
        values come from ``modes.change``."""
        self.mode = "list"
        self.colsep = self.rowsep = self.null = self.table = ""
        self.colsep_unset = True  # sqlite3's NULL separator: "" to show, "," to CSV's quoting
        self.text = self.title_text = "plain"  # how TEXT and the names are encoded (qrf.py)
        self.blob = "auto"  # how a BLOB is shown; auto: as the TEXT encoding implies
        self.escape = "auto"  # control characters: auto (as ascii), off, ascii, symbol
        self.titles = 0  # names shown? modes.TITLES_*: 0 as the layout has it, off, on, always
        self.headers_set = False  # .headers was used: a mode no longer says whether names show
        self.border = self.wordwrap = self.textjsonb = 0  # modes.AUTO, NO or YES
        self.line_limit = self.char_limit = self.title_limit = 0  # 0: no limit
        self.multiinsert = 0  # insert mode: rows per INSERT up to this many bytes (0: one)
        self.screenwidth, self.auto_width = 0, False  # columnar modes fit this width (0: any)
        self.widths: list[int] = []  # set column widths (negative: right-aligned)
        self.align = ""  # per column: L, C or R
        self.wrap = 0  # columnar modes wrap longer values at this width (0: never)
        self.rowcount = self.split = False
        self.fpfmt = self.ifmt = ""  # printf formats of REALs and INTEGERs ("": SQLite's text)

    @property
    def colsep(self) -> str:
        """The column separator (.separator, .mode's --colsep, or the mode's own)."""
        return self._colsep

    @colsep.setter
    def colsep(self, value: str) -> None:
        self._colsep = value
        self.colsep_unset = False

    def keep_shells(self, other: OutputSettings) -> None:
        """Take from ``other`` the settings that are the shell's, not a mode's (.maxrows, .wide):
        switching to a saved mode or .mode --reset keeps them."""
        self.maxrows, self.wide = other.maxrows, other.wide

    def copy(self) -> OutputSettings:
        """An independent copy (a saved mode, or one .mode --once restores)."""
        other = object.__new__(OutputSettings)
        for name in self.__slots__:
            value = getattr(self, name)
            setattr(other, name, list(value) if isinstance(value, list) else value)
        return other

    @property
    def headers(self) -> bool:
        """Whether rows are preceded by the column names."""
        return self.titles >= 2

    @property
    def headers_always(self) -> bool:
        """Whether the names show for a result without rows too."""
        return self.titles == 3


# False: the Python loops even where the C ones are built (the tests compare the two).
c_loops = True


@cache
def _c_module() -> Any:
    try:
        from . import _rows
    except ImportError:
        return None
    return _rows


def _utf8(text: str) -> bool:
    """Whether text is valid UTF-8 once encoded (no byte kept as a surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
        if layout is None or not all(_utf8(part) for part in layout if isinstance(part, str)):
            self.python_rows(rows)  # (separators of bytes that are not UTF-8 go out as they are)
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

    def show_time(self, started: float) -> bool:
        """Whether this renderer shows the statement's time itself, counted from ``started``
        (``time.perf_counter``): only the table view's footer does (pretty.py)."""
        return False

    def finish(self) -> None:
        """Called after the last row."""
