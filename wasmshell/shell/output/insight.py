"""The table view's (interactive "pretty" mode) look of what is shown besides rows: a query
plan as sqlite3's tree with dim guides, statistics as a small table, the timer as a dim line
after a statement that drew no table (a table's footer says its own time: pretty.py).

Batch modes write these exactly as sqlite3 does (explain.py, shell/watch.py);
here the same facts are drawn for a person at a terminal. rich is imported
only when something is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .explain import EqpRenderer, PlanStep, plan_lines, plan_step

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


def _console(out: TextIO, color: bool | None = None) -> Console:
    """A rich console on ``out``, as the table view draws its tables (``color``: force colour on or
    off; None: as ``out`` is a terminal or not)."""
    from rich.console import Console

    return Console(
        file=out,
        force_terminal=color,
        no_color=color is False,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
    )


def plan_text(steps: list[PlanStep]) -> Text | None:
    """A query plan's steps as sqlite3's tree, coloured: the text and shape are sqlite3's
    (explain.plan_lines), the guides dim. None if there is no plan."""
    from rich.text import Text

    lines = plan_lines(steps)
    if not lines:
        return None
    text = Text(end="")
    for guide, detail in lines:
        if guide:
            text.append(guide, style="dim")
            text.append_text(_plan_step(detail))
        else:
            text.append(detail, style="bold")
        text.append("\n")
    return text


def _plan_step(detail: str) -> Text:
    """One step of a plan, its first word (SCAN, SEARCH) coloured: full scans stand out."""
    from rich.text import Text

    word, space, rest = detail.partition(" ")
    style = "yellow" if word == "SCAN" else "cyan" if word == "SEARCH" else ""
    return Text.assemble((word, style), space + rest)


def write_plan_tree(out: TextIO, rows: Sequence[Sequence[Any]], color: bool | None = None) -> None:
    """Draw EXPLAIN QUERY PLAN's rows (id, parent, notused, detail) as sqlite3's tree (nothing
    for a statement without a plan)."""
    _write_steps(out, [step for step in map(plan_step, rows) if step is not None], color)


def _write_steps(out: TextIO, steps: list[PlanStep], color: bool | None = None) -> None:
    # Lines wider than the terminal are written whole, as sqlite3 writes them: cut or broken by
    # the view, they would lose the guides that show the tree.
    text = plan_text(steps)
    if text is not None:
        _console(out, color).print(text, soft_wrap=True, end="")


class PrettyEqpRenderer(EqpRenderer):
    """EXPLAIN QUERY PLAN in the table view: sqlite3's tree (EqpRenderer's steps), coloured."""

    def finish(self) -> None:
        _write_steps(self.out, self.plan)


def write_stats_table(out: TextIO, lines: Sequence[tuple[str, str]]) -> None:
    """Statistics (.stats) as a small two-column table, numbers right-aligned."""
    if not lines:
        return
    from rich import box
    from rich.table import Table

    table = Table(box=box.ROUNDED, show_header=False, padding=(0, 1), border_style="dim")
    table.add_column("statistic", style="dim")
    table.add_column("value", justify="right")
    for label, value in lines:
        table.add_row(label.rstrip(":"), value)
    _console(out).print(table)


def write_timer(out: TextIO, real: float, user: float, system: float) -> None:
    """The timer (.timer on) after an SQL text that drew no table (or not only tables), dim, in
    readable units."""
    from rich.text import Text

    from .pretty import readable_seconds as seconds

    text = f"Run Time: real {seconds(real)}  user {seconds(user)}  sys {seconds(system)}"
    _console(out).print(Text(text, style="dim"))


def write_expert(out: TextIO, report: str) -> None:
    """.expert's report: index statements highlighted as SQL, "(no new indexes)" and the plan dim."""
    from rich.syntax import Syntax
    from rich.text import Text

    console = _console(out)
    for block in report.rstrip("\n").split("\n\n"):
        if block.startswith("CREATE INDEX"):
            console.print(Syntax(block, "sql", theme="ansi_dark", background_color="default"))
        elif block.startswith("-- "):
            console.print(Text(block, style="bold"))
        else:
            console.print(Text(block, style="dim"))
        console.print()
