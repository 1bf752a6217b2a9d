"""What the connection dot-commands keep between commands, and the small pieces they share.

sqlite3 keeps the settings of its hooks (.auth, .progress, .trace, .log) and its other
connections (.connection) in its ShellState; here they are one ``Tools`` object per shell
(``tools(shell)``), made when first needed. The helpers below read numbers as C does
(sqlite3 reads its arguments with atoi, atof and casts to int), open .trace's and .log's
files as sqlite3's output_file_open does, and run a query of a command as sqlite3 runs
them (shown in a mode, failures unsaid).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import apsw

from ..output.base import OutputSettings
from ..output.render import mode_renderer

if TYPE_CHECKING:
    from ...engine import Session
    from ..state import Shell


@dataclass
class Progress:
    """.progress's settings and count (sqlite3's nProgress, mxProgress, flgProgress)."""

    count: int = 0
    limit: int = 0  # stop a statement after this many calls; 0: never
    quiet: bool = False  # say nothing until a limit or the timeout stops a statement
    reset: bool = False  # count from 0 again after each stop
    once: bool = False  # stop one statement only
    timeout: float = 0.0  # seconds a statement may run before it is stopped; 0: no timeout
    started: float = 0.0  # when the statement being counted began


@dataclass
class Slot:
    """One of .connection's five places: a connection, or none yet."""

    session: Session | None = None  # (None for the active place: its connection is shell.session)
    fresh: Session | None = None  # the temporary database the place opened itself, if it did
    used: bool = False  # whether a statement ran on that one


@dataclass
class Tools:
    """What this module's commands keep for one shell."""

    auth_on: bool = False
    auth_deny: str | None = None  # .auth --deny GLOB
    auth_ignore: str | None = None  # .auth --ignore GLOB
    auth_base: Any = None  # the authorizer .auth on went in front of (safe mode's), to put back
    progress: Progress = field(default_factory=Progress)
    trace_out: Callable[[], TextIO] | None = None
    trace_file: TextIO | None = None  # a file .trace opened, to close when it changes
    trace_expanded: bool = False
    trace_mask: int = 0  # the SQLITE_TRACE_ events asked for
    log_out: Callable[[], TextIO] | None = None
    log_file: TextIO | None = None
    slots: list[Slot] = field(default_factory=lambda: [Slot() for _ in range(5)])
    active: int = 0  # the slot whose connection is shell.session
    capture: io.StringIO | None = None  # .testcase: what stdout and stderr got since
    uncaptured: tuple[TextIO, TextIO] | None = None  # the shell's stdout and stderr meanwhile
    testcase: str = ""  # the name of the test case that runs, "" if none
    tests_run: int = 0  # .check commands run, and how many of them failed
    tests_failed: int = 0
    progress_on: bool = False

    def watching(self) -> bool:
        """Whether something reports each statement as it is tried (.auth, .trace, .progress,
        .log): statements then run one at a time, so that a batch's retries show nothing twice."""
        return self.auth_on or self.progress_on or self.trace_out is not None or self.log_out is not None


def tools(shell: Shell) -> Tools:
    """This shell's ``Tools``, made on first use."""
    if shell.tools is None:
        shell.tools = Tools()
    return shell.tools


def int32(value: int) -> int:
    """A C ``(int)`` cast of a 64-bit value."""
    return (value + 2**31) % 2**32 - 2**31


def atoi(text: str) -> int:
    """C's atoi: optional white space and sign, then digits; 0 when there are none."""
    found = re.match(r"[ \t\n\v\f\r]*([+-]?\d+)", text)
    return int32(int(found.group(1))) if found else 0


def output_file(shell: Shell, name: str) -> tuple[Callable[[], TextIO] | None, TextIO | None]:
    """sqlite3's output_file_open for .trace and .log: (where to write, file to close). stdout
    and stderr are the shell's as they are when written to (a .testcase keeps what goes
    there); "off", and anything but those two under -safe, is nowhere."""
    if name == "stdout":
        return (lambda: shell.stdout), None
    if name == "stderr":
        return (lambda: shell.stderr), None
    if name == "off" or shell.safe is not None:
        return None, None
    try:
        stream = open(name, "w", encoding="utf-8", errors="surrogateescape", newline="\n")  # noqa: SIM115
    except OSError:
        shell.error(f'Error: cannot open "{name}"')
        return None, None
    return (lambda: stream), stream


def close(stream: TextIO | None) -> None:
    """Close a file .trace or .log opened (None: nothing to close)."""
    if stream is not None:
        stream.close()


def atof(text: str) -> float:
    """C's atof: the longest number at the start of ``text``, 0.0 if none."""
    found = re.match(r"[ \t\n\v\f\r]*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf(inity)?)", text, re.I)
    return float(found.group(1)) if found else 0.0


def sqlite_message(exc: apsw.Error) -> str:
    """SQLite's message, without APSW's class name."""
    text = str(exc)
    name = type(exc).__name__
    return text[len(name) + 2 :] if text.startswith(name + ": ") else text


def show_query(shell: Shell, sql: str, settings: OutputSettings | None = None) -> bool:
    """Run ``sql`` and show its rows in the current mode (or ``settings``'); False if it
    failed, with nothing said (sqlite3 runs these without reporting errors)."""
    try:
        cursor = shell.session.connection.cursor().execute(sql)
        columns = [name for name, _ in cursor.get_description()]
        rows = cursor.fetchall()
    except apsw.Error:
        return False
    renderer = mode_renderer(shell.out, settings or shell.settings)
    renderer.start(columns)
    renderer.write_rows(rows)
    renderer.finish()
    return True


def sql_text(text: str) -> str:
    """A string as an SQL literal."""
    return "'" + text.replace("'", "''") + "'"
