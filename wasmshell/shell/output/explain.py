"""EXPLAIN and EXPLAIN QUERY PLAN, shown as sqlite3 shows them whatever the mode."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from .base import OutputSettings, Renderer
from .values import text_of


def _c_int(value: Any) -> int:
    """A value as C's atoi (or sqlite3_column_int) reads it: leading digits, else 0."""
    if type(value) is int:
        return value
    if type(value) is float:
        return int(value)
    match = re.match(r"\s*([-+]?\d+)", text_of(value, ""))
    return int(match.group(1)) if match else 0


PlanStep = tuple[int, int, str]  # a plan's step: its id, its parent's id, its text


def plan_step(values: Sequence[Any]) -> PlanStep | None:
    """A row of EXPLAIN QUERY PLAN (id, parent, notused, detail) as sqlite3 reads it; None for a
    row without detail, which sqlite3 leaves out."""
    if len(values) >= 4 and values[3] is not None:
        return _c_int(values[0]), _c_int(values[1]), text_of(values[3], "")
    return None


def plan_lines(plan: list[PlanStep]) -> list[tuple[str, str]]:
    """The lines sqlite3 3.54 draws for a plan (its eqp_render), each as (guide, text): the title
    first, with no guide, then each step under its parent, ``|--`` before a step with siblings
    after it, a backquote and ``--`` before the last. Empty when there is nothing to draw. The batch modes
    write these as they are; the table view colours them (insight.py)."""
    if not plan:
        return []
    if plan[0][2].startswith("-"):  # .scanstats's header row is the title, when it has steps
        if len(plan) == 1:
            return []
        lines = [("", plan[0][2][3:])]
        plan = plan[1:]
    else:
        lines = [("", "QUERY PLAN")]
    _plan_level(plan, 0, "", lines)
    return lines


def _plan_level(plan: list[PlanStep], parent: int, prefix: str, lines: list[tuple[str, str]]) -> None:
    """The lines of ``parent``'s children and of theirs, below ``prefix``."""
    children = [step for step in plan if step[1] == parent]
    for k, (node, _parent, text) in enumerate(children):
        more = k + 1 < len(children)
        lines.append((prefix + ("|--" if more else "`--"), text))
        if len(prefix) < 93:  # sqlite3's prefix buffer holds 100 bytes
            _plan_level(plan, node, prefix + ("|  " if more else "   "), lines)


class EqpRenderer(Renderer):
    """EXPLAIN QUERY PLAN, whatever the mode: the plan drawn as a tree (sqlite3's eqp_render)."""

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.plan: list[PlanStep] = []

    def row(self, values: Sequence[Any]) -> None:
        step = plan_step(values)
        if step is not None:
            self.plan.append(step)
        self.count += 1

    def finish(self) -> None:
        self.out.write("".join(guide + text + "\n" for guide, text in plan_lines(self.plan)))


_EXPLAIN_COLUMNS = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"]
_EXPLAIN_WIDTHS = (4, 13, 4, 4, 4, 13, 2, 13)
_NEXT_OPS = frozenset(("Next", "Prev", "VPrev", "VNext", "SorterNext"))
_YIELD_OPS = frozenset(("Yield", "SeekLT", "SeekGT", "RowSetRead", "Rewind"))


class ExplainRenderer(Renderer):
    """EXPLAIN, whatever the mode: fixed columns, loop bodies indented (sqlite3's MODE_Explain).

    A statement whose columns are not EXPLAIN's is written by the renderer that
    ``fallback`` makes for the current mode.
    """

    def __init__(self, out: TextIO, settings: OutputSettings, fallback: Callable[..., Renderer]) -> None:
        super().__init__(out, settings)
        self.make_fallback = fallback

    def start(self, columns: Sequence[str]) -> None:
        super().start(columns)
        self.program: list[Sequence[Any]] = []
        self.fallback: Renderer | None = None
        if list(columns) != _EXPLAIN_COLUMNS:
            self.fallback = self.make_fallback(self.out, self.s)
            self.fallback.start(columns)

    def row(self, values: Sequence[Any]) -> None:
        if self.fallback is not None:
            self.fallback.row(values)
        else:
            self.program.append(values)
        self.count += 1

    def _indents(self) -> list[int]:
        """How far each opcode is indented: two spaces per loop (or coroutine) it is inside."""
        indent = [0] * len(self.program)
        is_yield: list[bool] = []
        for op_index, op in enumerate(self.program):
            name = text_of(op[1], "")
            target = _c_int(op[3]) + op_index - _c_int(op[0])
            is_yield.append(name in _YIELD_OPS)
            if name in _NEXT_OPS or (
                name == "Goto" and 0 <= target <= op_index and (is_yield[target] or _c_int(op[2]))
            ):
                for i in range(max(target, 0), op_index):
                    indent[i] += 2
        return indent

    def finish(self) -> None:
        if self.fallback is not None:
            self.fallback.finish()
            return
        if not self.program:
            return
        w = self.out.write
        last = len(_EXPLAIN_WIDTHS) - 1
        w("  ".join(_fit(name, width) for name, width in zip(self.columns, _EXPLAIN_WIDTHS, strict=True)))
        w("\n" + "  ".join("-" * width for width in _EXPLAIN_WIDTHS) + "\n")
        for op, indent in zip(self.program, self._indents(), strict=True):
            line = []
            for i, value in enumerate(op):
                width = 0 if i == last else _EXPLAIN_WIDTHS[i]
                text = "" if value is None else text_of(value, "")  # NULL: empty, whatever .nullvalue says
                size = display_width(text)
                if i == 1:
                    line.append(" " * indent)
                line.append(_fit(text, max(width, size)))
                if i < last:  # a value wider than its column is followed by one space, not two (3.54)
                    line.append(" " if size > width else "  ")
            w("".join(line) + "\n")


def display_width(text: str) -> int:
    """Characters as sqlite3 3.40's strlenChar counts them: bytes that do not continue a UTF-8
    sequence (the EXPLAIN layout is still 3.40's)."""
    if text.isascii():
        return len(text)
    return len(text) - sum("\udc80" <= ch <= "\udcbf" for ch in text)


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut to ``width`` characters (0: as it is), as sqlite3's utf8_width_print."""
    if width <= 0:
        return text
    n = 0
    for i, ch in enumerate(text):
        if not "\udc80" <= ch <= "\udcbf":
            n += 1
            if n == width:
                end = i + 1
                while end < len(text) and "\udc80" <= text[end] <= "\udcbf":
                    end += 1
                return text[:end]
    return text + " " * (width - n)
