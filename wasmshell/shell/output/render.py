"""Output modes, byte for byte as the sqlite3 shell (3.40) writes them: the renderer
made for each statement, from the table of modes (modes.py).

Streaming modes (streams.py) write each row at once; the columnar modes
(columnar.py) must see every row to size their columns, as sqlite3's do, and
write when the statement ends; EXPLAIN has layouts of its own (explain.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TextIO

from .base import OutputSettings, Renderer
from .explain import EqpRenderer, ExplainRenderer
from .modes import BY_NAME, MODES

RendererFactory = Callable[[TextIO, OutputSettings], Renderer]


def _load(where: str) -> RendererFactory:
    """The renderer class the table of modes names as "module:Class"."""
    module, name = where.split(":")
    return getattr(importlib.import_module(f".{module}", __package__), name)


# Each mode's renderer, from the table of modes; a lazy one (the interactive
# "pretty" mode, which imports rich) is loaded only when it is used.
RENDERERS: dict[str, RendererFactory] = {
    mode.name: _load(mode.renderer) for mode in MODES if mode.renderer and not mode.lazy
}


def renderer_for(out: TextIO, settings: OutputSettings, explain: int = 0, sql: str | None = None) -> Renderer:
    """A fresh renderer for the current mode, or for the statement when it is an EXPLAIN.

    ``explain`` is what sqlite3_stmt_isexplain says of the statement (apsw's
    ``Cursor.is_explain``): 1 for EXPLAIN, 2 for EXPLAIN QUERY PLAN, which
    sqlite3 shows in a layout of their own whatever the mode, even after a
    comment (sqlite3 3.54). ``sql`` is the statement's text.
    """
    if explain == 2:
        if settings.mode == "pretty":  # the table view draws the plan as a tree
            from .insight import PrettyEqpRenderer

            return PrettyEqpRenderer(out, settings)
        return EqpRenderer(out, settings)
    if explain == 1:
        return ExplainRenderer(out, settings, mode_renderer)
    return mode_renderer(out, settings)


def mode_renderer(out: TextIO, settings: OutputSettings) -> Renderer:
    """A fresh renderer for the current mode."""
    factory = RENDERERS.get(settings.mode)
    if factory is None:  # a lazy mode: "pretty", the interactive default
        factory = _load(BY_NAME[settings.mode].renderer)
    return factory(out, settings)
