"""Reading input line by line, as sqlite3's process_input does.

SQL accumulates until SQLite says the text is a complete statement; a line
starting with ``.`` while no SQL is pending is a dot-command; text left at the
end of input still runs. Lines are consumed as they arrive, so a script of any
size streams through in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterable

import apsw

from .commands import run_command
from .state import QUIT, Shell


def _is_terminator(line: str) -> bool:
    """A line holding only ``/`` or ``go`` ends the statement, as in sqlite3."""
    word = line.strip()
    return word == "/" or word.lower() == "go"


def process_input(shell: Shell, lines: Iterable[str], *, prompted: bool = False) -> int:
    """Run every statement and dot-command in ``lines``; return the number of errors.

    Stops early on ``.quit`` (returning as usual) and, with ``.bail on``, at
    the first error. ``prompted`` marks interactive input: errors then carry
    no line number.
    """
    errors = 0
    pending: list[str] = []
    startline = 0
    lineno = 0
    complete = apsw.complete
    for raw in lines:
        lineno += 1
        line = raw[:-1] if raw.endswith("\n") else raw
        if not pending:
            if not line.strip():
                continue
            if line[0] in ".#":
                if line[0] == "#":
                    continue
                if shell.flags.echo:
                    shell.out.write(line + "\n")
                rc = run_command(shell, line)
                if rc == QUIT or shell.exit_code is not None:
                    return errors
                if rc:
                    errors += 1
                    if shell.flags.bail:
                        return errors
                continue
            startline = lineno
            pending.append(line.lstrip())
        else:
            if _is_terminator(line) and complete("\n".join(pending) + ";"):
                line = ";"
            pending.append(line)
        if ";" in line and complete(sql := "\n".join(pending)):
            pending = []
            if shell.run_sql(sql, None if prompted else startline):
                errors += 1
                if shell.flags.bail:
                    return errors
    if pending:
        sql = "\n".join(pending)
        if sql.strip() and shell.run_sql(sql, None if prompted else startline):
            errors += 1
    return errors
