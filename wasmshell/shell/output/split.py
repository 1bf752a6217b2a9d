"""sqlite3 3.54's "split" layout: a one-column result laid out in as many columns as fit the
screen, filled top to bottom, as ``.tables`` and ``.indexes`` show names.

It is column mode with two steps of 3.54's result formatter added: a single
column of more than one value, shown without names, is split into the most
columns that fit the screen with two spaces between them, and the spare
width is spread between the columns (up to five spaces). A result that cannot
be split is narrowed to the screen instead: its widest columns are cut down
and their values wrapped onto more lines, a blank line between rows.
"""

from __future__ import annotations

import os
from typing import Any

from .base import OutputSettings
from .columnar import ColumnarRenderer, _Layout

_DEFAULT_SCREEN_WIDTH = 80
_MIN_SQUEEZE = 8  # a column is never narrowed below this ...
_MIN_EX_SQUEEZE = 16  # ... nor, when narrower than this, to less than half its widest value


def screen_width() -> int:
    """The terminal's width as sqlite3 asks for it: of stdin, else stdout, else stderr; 80 when
    none is a terminal (a terminal that reports no size gives 0: no limit)."""
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns
        except (OSError, ValueError):
            continue
    return _DEFAULT_SCREEN_WIDTH


def split_settings(settings: OutputSettings) -> OutputSettings:
    """The settings as sqlite3 3.54 changes them to split mode for a moment: column mode, plain
    text and an empty NULL, and no names unless ``.headers`` was used; widths, wrapping and
    the rest stay as they are."""
    changed: dict[str, Any] = {name: getattr(settings, name) for name in OutputSettings.__slots__}
    changed.update(mode="column", quote=False, null="")
    if not settings.headers_set:
        changed.update(headers=False, headers_always=False)
    return OutputSettings(**changed)


class SplitRenderer(ColumnarRenderer):
    """Column mode that splits a single column over the screen's width (see the module's text)."""

    def __init__(self, out: Any, settings: OutputSettings, width: int | None = None) -> None:
        super().__init__(out, settings)
        self.width = screen_width() if width is None else width

    def finish(self) -> None:
        if self.count == 0 and not (self.titles and self.s.headers_always):
            return  # as sqlite3: an empty result shows its names only with .headers always
        layout = _Layout(self)
        if not _split(layout, self.width):
            _narrow(layout, self.width, self.s.widths)
        layout.write()


def _column_widths(widths: list[int], ncol: int, limit: int) -> list[int] | None:
    """The widths of ``ncol`` columns holding ``widths`` top to bottom, or None if they and two
    spaces between them are wider than ``limit``."""
    nrow = -(-len(widths) // ncol)
    columns = [max(widths[k : k + nrow]) for k in range(0, len(widths), nrow)]
    if len(columns) < ncol or sum(columns) + 2 * (ncol - 1) > limit:
        return None
    return columns


def _split(layout: _Layout, limit: int) -> bool:
    """Lay out a single column of several values, shown without names, in the most columns that
    fit ``limit``; False if it is not such a result or is too wide for the screen."""
    if layout.ncol != 1 or len(layout.cells) < 2 or layout.titles:
        return False
    if limit <= layout.widths[0] + 3:
        return False
    n = len(layout.cells)
    best: list[int] | None = None
    ncol = 2
    while True:
        widths = _column_widths(layout.cell_widths, ncol, limit)
        if widths is None:
            break
        best, nrow = widths, -(-n // ncol)
        if nrow == 1:
            break
        ncol += 1
        while -(-n // ncol) == nrow:  # as many rows as before: not a new layout
            ncol += 1
    if best is None:
        return True  # one column after all, as it is
    ncol = len(best)
    nrow = -(-n // ncol)
    cells: list[tuple[bytes, bool]] = [(b"", False)] * (nrow * ncol)
    cell_widths = [0] * (nrow * ncol)
    for i in range(n):
        j = (i % nrow) * ncol + i // nrow  # filled top to bottom, written left to right
        cells[j], cell_widths[j] = layout.cells[i], layout.cell_widths[i]
    layout.cells, layout.cell_widths, layout.ncol = cells, cell_widths, ncol
    layout.widths = best
    layout.right = layout.right[:1] * ncol
    layout.margin = min((limit - sum(best)) // (ncol - 1), 5)
    return True


def _narrow(layout: _Layout, limit: int, set_widths: list[int]) -> None:
    """Cut the widest columns down until a row fits ``limit`` (with one space between columns),
    as sqlite3 3.54 does when the screen is too narrow; values then wrap onto more lines. A
    column whose width ``.width`` sets keeps it."""
    if limit == 0:
        return
    ncol = layout.ncol
    total = sum(layout.widths)
    if limit >= total + 2 * ncol - 2:
        return
    layout.margin = 0
    target = limit - (ncol - 1)
    widest = [0] * ncol
    for k, w in enumerate(layout.cell_widths):
        widest[k % ncol] = max(widest[k % ncol], w)
    while total > target:
        candidates = [
            (w, -j)
            for j, w in enumerate(layout.widths)
            if not (j < len(set_widths) and set_widths[j])
            and w > _MIN_SQUEEZE
            and (w > _MIN_EX_SQUEEZE or w * 2 > widest[j])
        ]
        if not candidates:
            break
        w, j = max(candidates)
        j = -j
        gain = w // 2 if w >= 2 * _MIN_SQUEEZE else w - _MIN_SQUEEZE
        gain = min(gain, total - target)
        total -= gain
        layout.widths[j] -= gain
        layout.multi = True
