"""Output modes, byte for byte as the sqlite3 shell (3.40) writes them: the modes
and the renderer made for each statement.

Streaming modes (streams.py) write each row at once; the columnar modes
(columnar.py) must see every row to size their columns, as sqlite3's do, and
write when the statement ends; EXPLAIN has layouts of its own (explain.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from .base import OutputSettings, Renderer
from .columnar import ColumnarRenderer
from .explain import EqpRenderer, ExplainRenderer
from .streams import (
    CountRenderer,
    CsvRenderer,
    HtmlRenderer,
    InsertRenderer,
    JsonRenderer,
    LineRenderer,
    ListRenderer,
    OffRenderer,
    QuoteRenderer,
    TclRenderer,
)

MODES = (
    "ascii",
    "box",
    "column",
    "count",
    "csv",
    "html",
    "insert",
    "json",
    "line",
    "list",
    "markdown",
    "off",
    "quote",
    "table",
    "tabs",
    "tcl",
)


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
    "tcl": TclRenderer,
    "count": CountRenderer,
    "off": OffRenderer,
}


def renderer_for(out: TextIO, settings: OutputSettings, explain: int = 0, sql: str | None = None) -> Renderer:
    """A fresh renderer for the current mode, or for the statement when it is an EXPLAIN.

    ``explain`` is what sqlite3_stmt_isexplain says of the statement (apsw's
    ``Cursor.is_explain``): 1 for EXPLAIN, 2 for EXPLAIN QUERY PLAN, which
    sqlite3 shows in a layout of their own whatever the mode. ``sql`` is the
    statement's text: as in sqlite3, an EXPLAIN that does not begin with the
    word (a comment first) is shown in the current mode.
    """
    if explain == 2:
        return EqpRenderer(out, settings)
    if explain == 1 and (sql is None or sql.lstrip(" \t\n\f\r")[:7].lower() == "explain"):
        return ExplainRenderer(out, settings, RENDERERS[settings.mode])
    if settings.mode == "pretty":  # the interactive default: rich tables, imported when used
        from .pretty import PrettyRenderer

        return PrettyRenderer(out, settings)
    return RENDERERS[settings.mode](out, settings)
