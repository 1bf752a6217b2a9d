"""The table view's (interactive "pretty" mode) look of what is shown besides rows: a query
plan as a tree, statistics as a small table, the timer as a dim line.

Batch modes write these exactly as sqlite3 does (explain.py, shell/watch.py);
here the same facts are drawn for a person at a terminal. rich is imported
only when something is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .base import OutputSettings, Renderer
from .values import text_of

if TYPE_CHECKING:
    from rich.console import Console
    from rich.tree import Tree


def _console(out: TextIO) -> Console:
    """A rich console on ``out``, as the table view draws its tables."""
    from rich.console import Console

    return Console(file=out, highlight=False, markup=False, emoji=False, soft_wrap=False)


def plan_tree(rows: Sequence[Sequence[Any]], title: str = "QUERY PLAN") -> Tree | None:
    """EXPLAIN QUERY PLAN's rows (id, parent, notused, detail) as a rich tree; None if empty."""
    from rich.text import Text
    from rich.tree import Tree

    # EXPLAIN QUERY PLAN's id and parent are always integers (SQLite makes them)
    steps = [(int(r[0]), int(r[1]), text_of(r[3], "")) for r in rows if len(r) >= 4 and r[3] is not None]
    if not steps:
        return None
    root = Tree(Text(title, style="bold"), guide_style="dim")
    nodes: dict[int, Tree] = {}
    for node, parent, detail in steps:
        # A step whose parent is not (yet) drawn hangs from the root, as sqlite3 would not show it.
        branch = nodes.get(parent, root)
        nodes[node] = branch.add(_plan_step(detail))
    return root


def _plan_step(detail: str) -> Any:
    """One step of a plan, its first word (SCAN, SEARCH, ...) stressed: full scans stand out."""
    from rich.text import Text

    word, _, rest = detail.partition(" ")
    style = "bold yellow" if word == "SCAN" else "bold cyan" if word == "SEARCH" else "bold"
    return Text.assemble((word, style), (" " + rest if rest else "", ""))


def write_plan_tree(out: TextIO, rows: Sequence[Sequence[Any]]) -> None:
    """Draw a query plan as a tree (nothing for a statement without one)."""
    tree = plan_tree(rows)
    if tree is not None:
        _console(out).print(tree)


class PrettyEqpRenderer(Renderer):
    """EXPLAIN QUERY PLAN in the table view: the plan as a tree."""

    def __init__(self, out: TextIO, settings: OutputSettings) -> None:
        super().__init__(out, settings)
        self.rows: list[Sequence[Any]] = []

    def row(self, values: Sequence[Any]) -> None:
        self.rows.append(values)
        self.count += 1

    def finish(self) -> None:
        write_plan_tree(self.out, self.rows)


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
    """The timer (.timer on) under a result, dim, in readable units."""
    from rich.text import Text

    text = f"Run Time: real {_seconds(real)}  user {_seconds(user)}  sys {_seconds(system)}"
    _console(out).print(Text(text, style="dim"))


def _seconds(value: float) -> str:
    """A duration with a unit a person reads at a glance: 850 µs, 12.3 ms, 1.204 s."""
    if value < 0.001:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.3f} s"


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
