"""Work in progress, shown on the terminal of an interactive shell and nowhere else.

A statement that runs longer than a second gets a line under the input, redrawn a few times a
second until it ends::

    ⠹ 3.2 s · 1,234,567 rows · Ctrl-C to stop

and an ``.import`` that runs that long a bar with the bytes read, the rows imported and the share
done. Both are erased, the line left clean, before anything else is written, so results and errors
come out as they would without them.

The statement line is drawn from SQLite's progress handler (one of APSW's, under its own id, so
``.progress`` keeps its own; never more often than ``.progress N`` asks, since APSW calls all of a
connection's at the smallest N), which SQLite calls every ``STEPS`` instructions: until the first
second has passed, a call is a clock check and nothing else. SQLite does not call it while a Wasm
function runs, so a function that runs for seconds freezes the line (or, if the line was not yet
drawn, keeps it away) until it returns; the time limit and Ctrl-C do not go through here and are not
touched. The shell gives ``Progress`` where rows come from (``rows``): the table view counts the
rows it takes, and the ones it steps in C past its head (``native.rows_stepped``).

``Shell.progress`` is a ``Progress`` only in an interactive session whose standard output is a
terminal (``for_terminal``); with output sent to a file (.output, .once) nothing is drawn either.
"""

from __future__ import annotations

import os
from contextlib import suppress
from time import monotonic
from typing import TYPE_CHECKING, Any

from ...engine import native

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..state import Shell

DELAY = 1.0  # seconds of work before anything is shown
EVERY = 0.2  # seconds between redraws
STEPS = 100_000  # SQLite instructions between calls of the progress handler (a thousand a second or more)
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_NEVER = float("inf")


class StatusLine:
    """The terminal line under the cursor, drawn over and erased; nothing else is written to it."""

    def __init__(self, fd: int, before_first: Callable[[], None]) -> None:
        self.fd = fd
        self.shown = False
        self._before_first = before_first  # flushes what the shell holds, so the line comes after it

    def width(self) -> int:
        """The columns the line may take: fewer than the terminal's, so that it never wraps (a
        wrapped line would not be erased by going back to its start), even with the ``^C`` the
        terminal echoes after it when Ctrl-C is pressed."""
        try:
            return max(os.get_terminal_size(self.fd).columns - 3, 10)
        except OSError:
            return 77

    def draw(self, text: str) -> None:
        """Show ``text`` (no wider than ``width()``; escape sequences allowed) as the line."""
        if not self.shown:
            self._before_first()
        self.shown = True
        self._write("\r" + text + "\x1b[0m\x1b[K")

    def clear(self) -> None:
        """Erase the line, the cursor left at its start, if it is shown."""
        if self.shown:
            self.shown = False
            self._write("\r\x1b[K")

    def _write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        try:
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError:  # a terminal gone: the shell finds out when it next writes
            pass


def _no_rows() -> int:
    return 0


def elapsed_text(seconds: float) -> str:
    """``3.2 s``, and from a minute on ``2 min 05 s``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    return f"{whole // 60} min {whole % 60:02d} s"


def statement_text(seconds: float, rows: int, width: int) -> str:
    """The statement line after ``seconds`` with ``rows`` received, cut to ``width`` columns."""
    spin = SPINNER[int(seconds / EVERY) % len(SPINNER)]
    text = f"{spin} {elapsed_text(seconds)} · {rows:,} rows · Ctrl-C to stop"
    return "\x1b[2m" + text[:width]


class Progress:
    """What an interactive shell on a terminal shows of long work (the shell's ``progress``)."""

    def __init__(self, shell: Shell, line: StatusLine) -> None:
        self.shell = shell
        self.line = line
        self.rows: Callable[[], int] = _no_rows  # the rows received so far: set by the shell
        self._connection: Any = None  # the one whose progress handler is ours, while a statement runs
        self._steps = STEPS  # the N it was given
        self._started = 0.0
        self._next = _NEVER  # when the line is next drawn

    @classmethod
    def for_terminal(cls, shell: Shell) -> Progress | None:
        """A Progress for ``shell`` if its standard output is a terminal, else None."""
        try:
            fd = shell.stdout.fileno()
        except (AttributeError, OSError, ValueError):  # a stream of a test, with no file
            return None
        return cls(shell, StatusLine(fd, shell.stdout.flush)) if os.isatty(fd) else None

    def begin(self) -> None:
        """A statement starts (the next of a batch: the line of the one before goes): its line is
        drawn if it is still running in a second. Nothing when output goes to a file."""
        self.rows = _no_rows
        self.line.clear()
        if not self._terminal_free():
            self._next = _NEVER
            return
        self._started = monotonic()
        self._next = self._started + DELAY
        # APSW calls every handler of a connection at the smallest N among them: never fewer
        # instructions than .progress N asks, so that its counts and limits stay sqlite3's.
        steps = max(STEPS, self.shell.progress_every)
        connection = self.shell.session.connection
        if (connection, steps) != (self._connection, self._steps):
            connection.set_progress_handler(self._tick, steps, id=Progress)
            self._connection, self._steps = connection, steps

    def hold(self) -> None:
        """Output of the statement is about to be written: the line goes and is not drawn again
        until the next statement."""
        self._next = _NEVER
        self.line.clear()

    def end(self) -> None:
        """The statement ended (or failed): the line goes, and SQLite stops calling."""
        self._next = _NEVER
        if self._connection is not None:
            self._connection.set_progress_handler(None, id=Progress)
            self._connection = None
        self.line.clear()

    def clear(self) -> None:
        """Something else is about to be written (an error): the line goes until its next redraw."""
        self.line.clear()

    def rows_in_c(self, counted: int) -> None:
        """The rows past the ``counted`` first are being stepped in C (Shell._rest_in_c), until the
        shell sets ``rows`` again."""
        self.rows = lambda: counted + native.rows_stepped()

    def _tick(self) -> bool:
        # SQLite's progress handler: True would stop the statement, which is never wanted here.
        now = monotonic()
        if now >= self._next:
            self._next = now + EVERY
            with suppress(Exception):  # the line must never fail the statement
                self.line.draw(statement_text(now - self._started, self.rows(), self.line.width()))
        return False

    def meter(self, total: int) -> ImportMeter | None:
        """A bar for an .import of ``total`` bytes (see ImportMeter); None when output goes to a file."""
        return ImportMeter(self.line, total) if self._terminal_free() else None

    def _terminal_free(self) -> bool:
        """Whether the line may be drawn: output goes to the terminal (no .output or .once), and
        no pager has it (a statement after one that started the pager)."""
        paging = self.shell.paging
        return self.shell.redirect is None and (paging is None or paging.pipe is None)


class ImportMeter:
    """The bar of an .import that runs longer than a second: bytes read of the total, rows
    imported, the share done, the time left. Drawn by rich's Progress, imported when first
    needed, into the status line."""

    def __init__(self, line: StatusLine, total: int) -> None:
        self.line = line
        self.total = max(total, 1)
        self._next = monotonic() + DELAY
        self._bar: Any = None  # rich's Progress and the task, made at the first draw

    def update(self, done: int, rows: int) -> None:
        """``done`` bytes read and ``rows`` imported so far (called often: a clock check)."""
        now = monotonic()
        if now < self._next:
            return
        self._next = now + EVERY
        with suppress(Exception):  # the bar must never fail the import
            self.line.draw(self._render(done, rows))

    def close(self) -> None:
        """The import ended: the bar goes."""
        self._next = _NEVER
        self.line.clear()

    def _render(self, done: int, rows: int) -> str:
        """The bar as one line of text with rich's escape sequences, as wide as the line allows."""
        if self._bar is None:
            self._bar = _make_bar(self.total)
        progress, task = self._bar
        progress.update(task, completed=min(done, self.total), rows=rows)
        console = progress.console
        console.width = self.line.width()
        with console.capture() as captured:
            console.print(progress.get_renderable(), end="", crop=True, overflow="crop")
        return captured.get().split("\n", 1)[0]


def _make_bar(total: int) -> tuple[Any, Any]:
    """rich's Progress with the columns of an .import, on a console of its own that only renders
    (the status line does the drawing)."""
    import io

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(file=io.StringIO(), force_terminal=True, highlight=False, soft_wrap=False)
    progress = Progress(
        TextColumn("[bold].import"),
        BarColumn(bar_width=None),
        TaskProgressColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeRemainingColumn(),
        TextColumn("[dim]Ctrl-C to stop"),
        console=console,
        auto_refresh=False,
        expand=False,
    )
    return progress, progress.add_task("import", total=total, rows=0)
