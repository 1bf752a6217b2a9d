"""Reading input line by line, as sqlite3's process_input does.

SQL accumulates until SQLite says the text is a complete statement; a line
starting with ``.`` while no SQL is pending is a dot-command; text left at the
end of input still runs. Lines are consumed as they arrive, so a script of any
size streams through in constant memory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

import apsw

from ..engine.statements import engine_must_see, is_blank
from .commands import run_command
from .state import QUIT, Shell

BATCH_LINES = 2000  # at most this many lines are held before they run


class ChunkReader:
    """Lines of a file descriptor, read in chunks as they arrive.

    Lines already read can be run together; ``before_wait`` is called each
    time the next line is not yet available, so that nothing read is held
    back while waiting for more input (a program feeding the shell through a
    pipe sees each statement's output as soon as it is sent).
    """

    CHUNK = 1 << 16

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.before_wait: Callable[[], None] | None = None

    def __iter__(self) -> Iterator[str]:
        partial = b""
        while True:
            if self.before_wait is not None:
                self.before_wait()
            data = os.read(self.fd, self.CHUNK)
            if not data:
                break
            cut = data.rfind(b"\n")
            if cut < 0:
                partial += data
                continue
            # Bytes that are not UTF-8 become U+FFFD: SQLite takes only valid text.
            text = (partial + data[:cut]).decode("utf-8", "replace")
            partial = data[cut + 1 :]
            yield from text.split("\n")
        if partial:
            yield partial.decode("utf-8", "replace")


def sql_is_complete(sql: str) -> bool:
    """SQLite's completeness test, taking a -- comment at the very end as ended (as 3.40 does)."""
    return apsw.complete(sql + "\n")


def _batchable(line: str) -> bool:
    """Safe to run in a batch: no character that could start a parameter (?, :x, @x, $x),
    and nothing the engine must see statement by statement (CREATE/DROP FUNCTION, a
    ROLLBACK, a write to the function table)."""
    if "?" in line or ":" in line or "@" in line or "$" in line or "#" in line:
        return False
    return not engine_must_see(line)


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
    lineno = shell.lineno if prompted else 0  # a terminal's lines count on, as in sqlite3
    complete = sql_is_complete
    run_sql = shell.run_sql
    flags = shell.flags
    # Complete one-statement lines that have already arrived run together in
    # one call into SQLite; see Shell.run_batch.
    batch: list[tuple[int, str]] = []
    stop = False

    def flush() -> None:
        nonlocal errors, stop
        if batch:
            if len(batch) == 1:  # nothing to gain, and a lone SELECT keeps the plain row loop
                failed = shell.run_sql(batch[0][1], batch[0][0])
            else:
                failed = shell.run_batch(batch)
            batch.clear()
            if failed:
                errors += failed
                stop = flags.bail

    if isinstance(lines, ChunkReader):
        lines.before_wait = flush
    carry = ""
    for raw in lines:
        if stop:
            return errors
        if not carry:
            lineno += 1  # a line continued after a NUL keeps its number
            shell.lineno = lineno
        line = raw[:-1] if raw[-1:] == "\n" else raw
        if line[-1:] == "\r":
            line = line[:-1]  # sqlite3 drops the CR of a CR LF line ending
        if carry:
            line, carry = carry + line, ""
        if "\0" in line:
            # sqlite3 reads lines as C strings: a NUL ends the text, and the
            # next line continues where the NUL was.
            carry = line[: line.index("\0")]
            continue
        if not pending:
            first = line[:1]
            if first == "." or first == "#":
                flush()
                if stop:
                    return errors
                if flags.echo:
                    shell.out.write(line + "\n")
                if first == "#":
                    continue
                rc = run_command(shell, line)
                if rc == QUIT or shell.exit_code is not None:
                    return errors
                if rc:
                    errors += 1
                    if flags.bail:
                        return errors
                continue
            if first.isspace() or first == "-" or first == "/" or not first or first in "gG":
                if is_blank(line) or _is_terminator(line):
                    if flags.echo:
                        shell.out.write(line + "\n")
                    continue
                line = line.lstrip()
            if line[-1:] == ";" and complete(line):
                # One complete line: the common case of a script, kept short.
                if not prompted and line.count(";") == 1 and _batchable(line) and shell.can_batch():
                    batch.append((lineno, line))
                    if len(batch) >= BATCH_LINES:
                        flush()
                    continue
                flush()
                if stop:
                    return errors
                if run_sql(line, None if prompted else lineno):
                    errors += 1
                    if flags.bail:
                        return errors
                continue
            flush()
            if stop:
                return errors
            startline = lineno
            pending.append(line)
        else:
            if _is_terminator(line) and complete("\n".join(pending) + ";"):
                line = ";"
            pending.append(line)
        if ";" in line and complete(sql := "\n".join(pending)):
            pending = []
            if run_sql(sql, None if prompted else startline):
                errors += 1
                if flags.bail:
                    return errors
    flush()
    if stop:
        return errors
    if pending:
        sql = "\n".join(pending)
        if not is_blank(sql) and run_sql(sql, None if prompted else startline):
            errors += 1
    return errors
