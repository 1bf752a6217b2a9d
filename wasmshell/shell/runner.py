"""Reading input line by line, as sqlite3's process_input does.

SQL accumulates until SQLite says the text is a complete statement; a line
starting with ``.`` while no SQL is pending is a dot-command; text left at the
end of input still runs. Lines are consumed as they arrive, so a script of any
size streams through in constant memory, and the end of a statement of many
lines is found in one pass over it (``StatementScanner``). No input can take
unbounded memory: a line or a statement longer than SQLite's SQL length limit
ends that input with sqlite3's "Input SQL is too big". After an interrupt
(SIGINT) the input stops at the next line, as in sqlite3.

The runner is above the dot-commands: it loads their modules, runs a
dot-command line (``run_command``) and owns ``.read``, which is reading
input; no command module imports it.
"""

from __future__ import annotations

import os
import stat

import apsw

from ..engine.dialect import engine_must_see
from ..lean import TYPE_CHECKING
from ..sqltext import StatementScanner, blank_prefix, is_blank
from .commands.args import byte_len, dot_words
from .commands.registry import Command, all_commands, command, find, usage_error
from .safe import refuse
from .state import QUIT, Batch, Shell, looks_like_query

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any

BATCH_LINES = 2000  # at most this many lines are held before they run
PENDING_JOIN = 1024  # lines of a statement held apart before they are joined
MAX_INPUT_NESTING = 25  # sqlite3's limit on inputs read from inputs (.read in .read ...)
_C_SPACE = " \t\n\v\f\r"  # C's isspace, which the sqlite3 shell uses on lines


class InputTooBig(Exception):
    """A line or a statement grew past the limit; ``size`` is how far it had got."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class LineReader:
    """Lines of a file descriptor, read in chunks as they arrive, in bounded memory.

    Lines are read as sqlite3 reads them, as C strings: a NUL ends a line's
    text, the rest of that line is dropped as it arrives, and the next line
    continues where the NUL was. A line longer than ``limit`` bytes raises
    InputTooBig. Bytes that are not UTF-8 are kept as the bytes they are
    (surrogateescape), as sqlite3 keeps them in a dot-command's arguments;
    ``raw`` says some were read, and SQL gets them as U+FFFD (``sql_text``).

    ``before_wait`` is called each time the next line is not yet available,
    so that nothing read is held back while waiting for more input (a program
    feeding the shell through a pipe sees each statement's output as soon as
    it is sent); ``stop`` is asked before each read, and True ends the input
    (an interrupt stops even a line that never ends).
    """

    CHUNK = 1 << 16

    def __init__(self, fd: int, limit: int = 1_000_000_000) -> None:
        self.fd = fd
        self.limit = limit  # process_input sets SQLite's SQL length limit
        self.before_wait: Callable[[], None] | None = None
        self.stop: Callable[[], bool] | None = None
        self.raw = False  # bytes that are not UTF-8 were read

    def _decode(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.raw = True
            return data.decode("utf-8", "surrogateescape")

    @classmethod
    def open(cls, path: str) -> LineReader:
        """A reader of the file ``path`` (``close()`` it); OSError if it cannot be opened."""
        fd = os.open(path, os.O_RDONLY)
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise IsADirectoryError(path)
        return cls(fd)

    def close(self) -> None:
        """Close the file descriptor."""
        os.close(self.fd)

    def __iter__(self) -> Iterator[str]:
        self._ready: list[str] = []  # lines of the last chunk read, not yet taken
        self._next = 0  # the first of them not taken
        self._chunks = self._read()
        return self

    def __next__(self) -> str:
        if self._next >= len(self._ready):
            self._ready = next(self._chunks)  # StopIteration at the end
            self._next = 0
        line = self._ready[self._next]
        self._next += 1
        return line

    def ready(self, most: int) -> list[str]:
        """The lines already read and not yet taken (up to ``most``), taken without waiting
        for more; ``give_back`` returns those not used."""
        start = self._next
        self._next = min(len(self._ready), start + most)
        return self._ready[start : self._next]

    def give_back(self, count: int) -> None:
        """The last ``count`` lines ``ready`` gave are to be taken again."""
        self._next -= count

    def _read(self) -> Iterator[list[str]]:
        """The lines of each chunk read, as a list (one line at a time after a NUL)."""
        pieces: list[bytes] = []  # the line read so far, in the chunks it came in
        size = 0
        dropping = False  # after a NUL: the rest of the line is not kept
        while True:
            if self.before_wait is not None:
                self.before_wait()
            if self.stop is not None and self.stop():
                return
            data = os.read(self.fd, self.CHUNK)
            if not data:
                break
            if not dropping and b"\0" not in data:
                # The usual case: whole lines decoded and split at C speed.
                last = data.rfind(b"\n")
                if last >= 0:
                    pieces.append(data[:last])
                    text = self._decode(b"".join(pieces))
                    pieces, size = [data[last + 1 :]], len(data) - last - 1
                    yield text.split("\n")
                else:
                    pieces.append(data)
                    size += len(data)
                if size > self.limit:
                    raise InputTooBig(size)
                continue
            start = 0
            while True:
                newline = data.find(b"\n", start)
                end = len(data) if newline < 0 else newline
                if not dropping:
                    nul = data.find(b"\0", start, end)
                    keep = end if nul < 0 else nul
                    dropping = nul >= 0
                    if keep > start:
                        pieces.append(data[start:keep])
                        size += keep - start
                        if size > self.limit:
                            raise InputTooBig(size)
                if newline < 0:
                    break
                start = newline + 1
                if dropping:
                    dropping = False  # the next line continues where the NUL was
                else:
                    text = self._decode(b"".join(pieces))
                    pieces, size = [], 0
                    yield [text]
        tail = b"".join(pieces)
        if tail:
            yield [self._decode(tail)]


def sql_text(line: str) -> str:
    """A line read with bytes that are not UTF-8 kept, as SQL text: those bytes become U+FFFD
    (SQLite takes only valid text from Python)."""
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def load_commands() -> list[Command]:
    """Every dot-command, sorted by name, once the modules that register them are imported.

    The runner imports them (they import the registry, never the runner), so
    the registry is complete from the moment a command can run.
    """
    from .commands import (  # noqa: F401
        checks,
        connections,
        core,
        data,
        editing,
        hooks,
        info,
        intck,
        opening,
        output,
        plans,
        schema,
        selftest,
        testcase,
        testctrl,
        viewers,
        wasm,
    )

    return all_commands()


def run_command(shell: Shell, line: str) -> int:
    """Run one dot-command line; return 0, 1 (an error was written) or QUIT."""
    load_commands()
    words = dot_words(line[1:])
    args = [word.text for word in words]
    shell.dot_line = line
    # where each word's text starts in the line (after its quote), in bytes as sqlite3 counts,
    # for messages that point at it
    shell.dot_offsets = [byte_len(line[: 1 + word.start + bool(word.quote)]) for word in words]
    if shell.expert is not None:  # any dot-command cancels .expert (sqlite3)
        shell.expert = None
        shell.watch_changed()
    if not args:
        return 0
    cmd = find(args[0])
    if cmd is None:
        shell.error(f'Error: unknown command or invalid arguments:  "{args[0]}". Enter ".help" for help')
        return 1
    if shell.safe is not None and not shell.safe_lifted:
        reason = cmd.refusal(shell, args)
        if reason is not None:
            refuse(shell, reason)
    if cmd.name != "nonce":
        shell.safe_lifted = False  # (this command is the one .nonce lifted safe mode for)
    shell.dot_running = True  # until a dot-command ends, its SQL shows no .eqp plan (sqlite3)
    try:
        return cmd.handler(shell, args)
    except OSError as exc:
        shell.error(f"Error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return 1
    finally:
        shell.dot_running = False
        shell.after_command()


@command(
    "read",
    "read FILE",
    "Read input from FILE or command output",
    safe="cannot run .read in safe mode",
    prefix=3,  # (.r and .re run nothing in sqlite3)
    arguments=("path",),
    files=(".sql",),
    details=('    If FILE begins with "|", it is a command that generates the input.',),
)
def _read(shell: Shell, args: list[str]) -> int:
    if len(args) != 2:
        return usage_error(shell, "read")
    name = args[1]
    if name.startswith("|"):
        import subprocess  # (2 ms of every start otherwise)

        proc = subprocess.Popen(name[1:], shell=True, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        with proc.stdout:
            errors = process_input(shell, LineReader(proc.stdout.fileno()), source="<pipe>")
        proc.wait()
        return 1 if errors else 0
    try:
        reader = LineReader.open(name)
    except OSError:
        shell.error(f'Error: cannot open "{name}"')
        return 1
    try:
        errors = process_input(shell, reader, source=name)
    finally:
        reader.close()
    return 1 if errors else 0


def input_limit(shell: Shell) -> int:
    """The longest line or statement input may hold: SQLite's own SQL length limit,
    beyond which no statement could run anyway."""
    session = shell.open_session()  # a database to be opened when first needed stays so
    return session.connection.limit(apsw.SQLITE_LIMIT_SQL_LENGTH) if session else 1_000_000_000


def _take_lines() -> Any:
    """The C reader of simple lines (_rows.take_lines), or None where it is not built or the
    C loops are turned off."""
    from .output.base import c_output

    c = c_output()
    return getattr(c, "take_lines", None)


def sql_is_complete(sql: str) -> bool:
    """SQLite's completeness test, taking a -- comment at the very end as ended (as 3.40 does)."""
    return apsw.complete(sql + "\n")


def _batchable(line: str) -> bool:
    """Safe to run in a batch: no character that could start a parameter (?, :x, @x, $x),
    nothing the engine must see statement by statement (CREATE/DROP FUNCTION, a
    ROLLBACK, a write to the function table), and a statement before the semicolon
    (SQLite runs nothing for ``;`` alone, so a batch could not tell where it failed)."""
    if "?" in line or ":" in line or "@" in line or "$" in line or "#" in line:
        return False
    if line[0] in ";/-" and is_blank(line[:-1]):  # (the line starts with no white space)
        return False
    return not engine_must_see(line)


class PendingSQL:
    """Lines of SQL that await the end of their statement.

    Each line is scanned once as it comes (where the statement stands, as
    sqlite3_complete sees it, and whether it is only comments so far), and
    lines are held joined in blocks: a statement of any number of lines takes
    time and memory about its size.
    """

    __slots__ = ("blank", "in_comment", "lines", "loose", "scanner", "size", "startline")

    def __init__(self, line: str, startline: int) -> None:
        self.startline = startline
        self.lines = [line]
        self.size = len(line)
        self.loose = 1  # lines not yet joined into a block
        self.scanner = StatementScanner()
        self.scanner.feed(line)
        self.blank, self.in_comment = blank_prefix(line, False)

    def add(self, line: str) -> None:
        """Append the next line."""
        lines = self.lines
        lines.append(line)
        self.size += len(line) + 1
        self.loose += 1
        if self.loose == PENDING_JOIN:  # a short line costs far more than its text
            lines[-PENDING_JOIN:] = ["\n".join(lines[-PENDING_JOIN:])]
            self.loose = 0
        self.scanner.feed("\n" + line)
        if self.blank:
            self.blank, self.in_comment = blank_prefix(line, self.in_comment)

    @property
    def only_comments(self) -> bool:
        """Nothing but white space and ended comments: sqlite3 drops such text."""
        return self.blank and not self.in_comment

    def text(self) -> str:
        """The SQL, lines joined."""
        return "\n".join(self.lines)


def process_input(
    shell: Shell, lines: Iterable[str], *, prompted: bool = False, source: str = "<stdin>"
) -> int:
    """Run every statement and dot-command in ``lines``; return the number of errors.

    Stops early on ``.quit`` (returning as usual), with ``.bail on`` at the
    first error, and at the next line after an interrupt unless the input is
    interactive. ``prompted`` marks interactive input: errors then carry no
    line number. ``source`` names the input in messages. Inputs read from
    inputs nest at most 25 deep, as in sqlite3.
    """
    if shell.input_depth >= MAX_INPUT_NESTING:
        shell.error(
            f"{source}: Input nesting limit ({MAX_INPUT_NESTING}) reached at line {shell.lineno}."
            " Check recursion."
        )
        return 1
    shell.input_depth += 1
    saved_lineno, saved_source, saved_next = shell.lineno, shell.input_source, shell.next_input_line
    shell.input_source = source
    try:
        return InputRunner(shell, prompted, source).run(lines)
    finally:
        shell.input_depth -= 1
        shell.input_source, shell.next_input_line = saved_source, saved_next
        if not prompted:  # a terminal's lines count on from one input to the next, as in sqlite3
            shell.lineno = saved_lineno


class InputRunner:
    """One input being run, line by line, as sqlite3's process_input runs it.

    Each line is one step: a dot-command (or ``#`` comment), a blank line, a
    complete one-statement line (batched when nothing can tell the
    difference) or part of pending SQL. A step returns False when the input
    is to stop here (.quit, .bail, an input too big); ``errors`` is then the
    count to return.
    """

    def __init__(self, shell: Shell, prompted: bool, source: str) -> None:
        self.shell = shell
        self.prompted = prompted  # interactive: errors carry no line number
        self.source = source  # the input's name in messages
        self.errors = 0
        self.pending: PendingSQL | None = None  # SQL awaiting the end of its statement
        self.lineno = shell.lineno if prompted else 0
        self.limit = input_limit(shell)
        # Complete one-statement lines that have already arrived run together in
        # one call into SQLite; see Shell.run_batch.
        self.batch = Batch()
        self.may_batch = not prompted and shell.can_batch()
        self.stop = False  # a batch failed under .bail: stop at the next step
        self.reader: LineReader | None = None  # the input, when it is one (see LineReader.raw)

    def run(self, lines: Iterable[str]) -> int:
        """Run every line; return the number of errors."""
        if isinstance(lines, LineReader):
            self.reader = lines
            lines.before_wait = self._before_wait
            lines.limit = self.limit
            if not self.prompted:
                lines.stop = lambda: self.shell.interrupted
        lines = iter(lines)  # (a LineReader is its own iterator)

        def next_line() -> str | None:  # a command reads on in this input (.import <<EOF)
            raw = next(lines, None)
            if raw is not None:
                self._read_line(raw)
            return raw

        self.shell.next_input_line = next_line
        take = _take_lines()
        reader = lines if take is not None and isinstance(lines, LineReader) else None
        try:
            for raw in lines:
                if self.stop:
                    return self.errors
                if self.prompted:
                    self.shell.interrupted = False  # as sqlite3: only the statement running is stopped
                elif self.shell.interrupted:
                    break
                if not self._line(self._read_line(raw)):
                    return self.errors
                if reader is not None and self.batch and self.may_batch and self.pending is None:
                    self._take(take, reader)
        except InputTooBig as exc:  # a line too long to end, from the reader
            self._too_big(exc.size + (self.pending.size + 1 if self.pending else 0))
            return self.errors
        return self._end()

    def _take(self, take: Any, reader: LineReader) -> None:
        """After a line went into the batch: the simple lines already read after it (never
        waiting for more), checked and batched in C (_rows.take_lines); the rest are left to
        be read one by one."""
        lines = reader.ready(BATCH_LINES - len(self.batch))
        texts, used, query = take(lines, 0)
        reader.give_back(len(lines) - used)
        if texts:
            self.batch.add(self.lineno + 1, texts, query)
            self.lineno = self.shell.lineno = self.lineno + len(texts)
        if len(self.batch) >= BATCH_LINES:
            self._flush_batch()

    def _read_line(self, raw: str) -> str:
        """Count the line and drop its line ending (LF or CR LF, as sqlite3)."""
        self.lineno += 1
        self.shell.lineno = self.lineno  # for messages of what runs now (-safe's "line N:")
        line = raw[:-1] if raw[-1:] == "\n" else raw
        return line[:-1] if line[-1:] == "\r" else line

    def _line(self, line: str) -> bool:
        """One line: a step of pending SQL, a dot-command, a blank line or new SQL."""
        if self.reader is not None and self.reader.raw and (self.pending is not None or line[:1] != "."):
            line = sql_text(line)  # a dot-command keeps the bytes; SQL cannot
        if self.pending is not None:
            self.pending.add(
                line
            )  # a line of "go" or "/" is SQL too (sqlite3 3.54; 3.40 ended statements there)
            return self._pending_step()
        first = line[:1]
        if first == "." or first == "#":
            return self._dot_command(line)
        if not first or first in _C_SPACE or first == "-":
            if is_blank(line):
                self._echo(line)
                return True
            line = line.lstrip(_C_SPACE)
        if line[-1:] == ";" and apsw.complete(line):
            # One complete line: the common case of a script, kept short. (A line
            # complete only with the newline after it, "x; -- y;", is pending SQL.)
            return self._complete_line(line)
        self._flush_batch()
        if self.stop:
            return False
        self.pending = PendingSQL(line, self.lineno)
        return self._pending_step()

    def _dot_command(self, line: str) -> bool:
        """A dot-command, or a ``#`` comment (echoed, never run)."""
        self._flush_batch()
        if self.stop:
            return False
        self._echo(line)
        if line[:1] == "#":
            return True
        self._flush_output()
        rc = self._paged(lambda: run_command(self.shell, line))
        self.may_batch = not self.prompted and self.shell.can_batch()  # .echo, .timer, .once ...
        if rc == QUIT or self.shell.exit_code is not None:
            return False
        return self._count(rc)

    def _complete_line(self, line: str) -> bool:
        """A line that is complete SQL: into the batch if it may go there, else run now."""
        shell = self.shell
        if self.may_batch and line.count(";") == 1 and _batchable(line) and not shell.may_end_dump(line):
            self.batch.add(self.lineno, [line], looks_like_query(line))
            if len(self.batch) >= BATCH_LINES:
                self._flush_batch()
            return True
        self._flush_batch()
        if self.stop:
            return False
        return self._run_sql(line, self.lineno)

    def _pending_step(self) -> bool:
        """After a line joined pending SQL: run it if complete, drop it if only comments."""
        pending = self.pending
        assert pending is not None
        if pending.size > self.limit:
            self._too_big(pending.size)
            return False
        if pending.scanner.complete:
            self.pending = None
            return self._run_sql(pending.text(), pending.startline)
        if pending.only_comments:
            self._echo(pending.text())  # sqlite3 drops them, as it does a blank line
            self.pending = None
        return True

    def _run_sql(self, sql: str, startline: int) -> bool:
        """Run SQL text that began on line ``startline``."""
        failed = self._paged(lambda: self.shell.run_sql(sql, None if self.prompted else startline))
        self.may_batch = not self.prompted and self.shell.can_batch()  # a .once redirect is over
        return self._count(failed)

    def _count(self, failed: int) -> bool:
        """Count a failure; False if .bail says to stop."""
        if failed:
            self.errors += 1
            if self.shell.flags.bail:
                return False
        return True

    def _flush_batch(self) -> None:
        """Run the batched lines, if any."""
        batch = self.batch
        if not batch:
            return
        if len(batch) == 1:  # nothing to gain, and a lone SELECT keeps the plain row loop
            failed = self.shell.run_sql(batch.texts[0], batch.line(0), dialect=False)  # _batchable said so
        else:
            failed = self.shell.run_batch(batch)
        batch.clear()
        if failed:
            self.errors += failed
            self.stop = self.shell.flags.bail

    def _echo(self, text: str) -> None:
        if self.shell.flags.echo:
            self.shell.out.write(text + "\n")

    def _flush_output(self) -> None:
        # As sqlite3 before each line: what ran is visible while the next thing runs
        # or input is awaited (statements flush for themselves, see Shell._trace).
        try:  # noqa: SIM105  # contextlib costs start-up time
            self.shell.flush()
        except OSError:  # output that cannot be written is reported at the end
            pass

    def _before_wait(self) -> None:
        self._flush_batch()
        self._flush_output()

    def _too_big(self, size: int) -> None:
        """sqlite3's message for a line or statement longer than the SQL length limit.

        The batch runs first, but its errors are not counted here: the input
        ends with an error either way, and the count stays what it was.
        """
        errors = self.errors
        self._flush_batch()
        where = self.pending.startline if self.pending else self.lineno + 1
        self.shell.error(f"{self.source}:{where}: Input SQL is too big: {size:,} bytes")
        self.errors = errors + 1

    def _end(self) -> int:
        """At the end of input: run the batch, then any SQL left pending."""
        self._flush_batch()
        if self.stop:
            return self.errors
        pending = self.pending
        if pending and self._paged(
            lambda: self.shell.run_sql(pending.text(), None if self.prompted else pending.startline)
        ):
            self.errors += 1
        return self.errors

    def _paged(self, run: Callable[[], int]) -> int:
        """Run one SQL text or dot-command: typed at a terminal, its output may go through the
        pager (output/pager.py, not imported for other input)."""
        if not self.prompted or self.shell.pager is None:
            return run()
        from .output.pager import run_paged

        return run_paged(self.shell, run)
