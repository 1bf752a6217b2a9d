"""Output modes, byte for byte as the sqlite3 shell (3.40) writes them: the renderer
made for each statement, from the table of modes (modes.py).

Streaming modes (streams.py) write each row at once; the columnar modes
(columnar.py) must see every row to size their columns, as sqlite3's do, and
write when the statement ends; EXPLAIN has layouts of its own (explain.py).
"""

from __future__ import annotations

from ...lean import TYPE_CHECKING
from .base import OutputSettings, Renderer
from .modes import BY_NAME

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

    RendererFactory = Callable[[TextIO, OutputSettings], Renderer]


def _load(where: str) -> RendererFactory:
    """The renderer class the table of modes names as "module:Class"."""
    module, name = where.split(":")
    # __import__ rather than importlib.import_module: importlib brings warnings with it.
    return getattr(__import__(module, globals(), None, (name,), 1), name)


# Each mode's renderer, from the table of modes, loaded when the mode is first used: a start
# imports the modules of the modes it uses, not of all of them.
_RENDERERS: dict[str, RendererFactory] = {}


def renderer_class(mode: str) -> RendererFactory:
    """The renderer of a mode of the table (KeyError for a name it does not have)."""
    factory = _RENDERERS.get(mode)
    if factory is None:
        factory = _RENDERERS[mode] = _load(BY_NAME[mode].renderer)
    return factory


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
        from .explain import EqpRenderer

        return EqpRenderer(out, settings)
    if explain == 1:
        from .explain import ExplainRenderer

        return ExplainRenderer(out, settings, mode_renderer)
    return mode_renderer(out, settings)


def mode_renderer(out: TextIO, settings: OutputSettings) -> Renderer:
    """A fresh renderer for the current mode."""
    return renderer_class(settings.mode)(out, settings)
