"""The shell: a session, output settings and the flags dot-commands change.

``Shell`` runs SQL text and dot-command lines and reports errors the way the
sqlite3 shell does. Reading input (batch or interactive) is done elsewhere
and feeds it.
"""

from __future__ import annotations

import io
import os
import sys
import time
from itertools import islice

import apsw

from ..engine import Interrupted, Limits, Session, connect, native
from ..lean import TYPE_CHECKING, Record
from ..sqltext import split_statements
from .output.base import OutputSettings
from .output.modes import BY_NAME, COUNTED, TITLED
from .output.render import renderer_for
from .watch import Watch

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, TextIO

    from .interactive.progress import Progress
    from .safe import SafeMode

# What is done to each connection a shell opens, besides what Shell.open does: filled in
# by the modules that know (sqlfuncs.py), which the command line imports.
CONNECTION_SETUP: list[Callable[[Shell, Any], None]] = []
QUIT = 2  # a dot-command's status when it stops the input being read (.quit, .exit)
RESTORE_DONE = 7  # Shell.restore_state once nothing is left to do (see _detect_restore)
_END = object()  # no more rows


class Quit(Record):
    """The shell is to end: ``.quit`` outside a ``.read`` file, or ``.exit CODE``."""

    code: int | None = None  # the exit status .exit gave; None: the usual one


DEFAULT_PROMPTS = ("wasmshell> ", "   ...> ")  # main, continuation


class Batch:
    """Complete one-statement lines waiting to run together (see Shell.run_batch): their texts,
    and their line numbers kept as runs of consecutive lines (a script's usual batch is one
    run: no number is made per line)."""

    __slots__ = ("_next", "query", "runs", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.runs: list[tuple[int, int]] = []  # (index of a run's first text, its line number)
        self.query = False  # a line may give rows (looks_like_query)
        self._next = -1  # the line number that would go on the last run

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, lineno: int, texts: list[str], query: bool) -> None:
        """Lines numbered from ``lineno`` on; ``query`` if one may give rows."""
        if lineno != self._next:
            self.runs.append((len(self.texts), lineno))
        self.texts += texts
        self._next = lineno + len(texts)
        self.query = self.query or query

    def line(self, index: int) -> int:
        """The line number of text ``index``."""
        from bisect import bisect_right  # only for messages: not imported at start-up

        run = bisect_right(self.runs, (index, sys.maxsize)) - 1
        first, lineno = self.runs[run]
        return lineno + index - first

    def items(self, start: int, end: int) -> list[tuple[int, str]]:
        """Texts ``start`` to ``end`` as (line number, text)."""
        return [(self.line(i), self.texts[i]) for i in range(start, end)]

    def clear(self) -> None:
        self.texts, self.runs, self.query, self._next = [], [], False, -1


class _ResumeBatch(Exception):
    """A batch stopped after its ``started``-th statement, which was handled: run the rest."""

    def __init__(self, started: int) -> None:
        super().__init__(started)
        self.started = started


def text_stream(binary: Any) -> TextIO:
    """A text stream over a binary one that writes blobs' bytes back unchanged."""
    return io.TextIOWrapper(
        binary, encoding="utf-8", errors="surrogateescape", newline="\n", write_through=False
    )


def fd_stream(fd: int) -> TextIO:
    """A text stream on a file descriptor (1 or 2) that never closes it."""
    return open(fd, "w", encoding="utf-8", errors="surrogateescape", newline="\n", closefd=False)


class Running:
    """What apsw's exec trace tells of the statements that run now (see Shell._trace), and when
    the statement running began, for .timer in the table view."""

    __slots__ = ("clock", "description", "prepared", "sql", "started")

    def __init__(self) -> None:
        self.prepared = False  # the statement was prepared: an error now is a runtime error
        self.started = 0  # statements begun since the count was reset (a batch runs several)
        self.sql = ""  # the text of the statement begun last
        self.description: Any = ()  # its columns, for the table view of an empty result
        self.clock: float | None = None  # time.perf_counter() at its start, until a table shows its time


class Flags:
    """On/off switches of the shell."""

    __slots__ = ("bail", "changes", "echo", "interactive", "timer")

    def __init__(self) -> None:
        self.bail = False
        self.echo = False
        self.timer = 0  # .timer: 0 off, 1 once (for the next SQL text), 2 on
        self.changes = False
        self.interactive = False


class Redirect:
    """Where output goes when not to stdout (.output, .once)."""

    __slots__ = ("close", "stream")

    def __init__(self, stream: TextIO, close: Callable[[], None]) -> None:
        self.stream = stream
        self.close = close


class Shell:
    """State shared by batch and interactive mode: session, settings, output."""

    # The interactive shell's settings (the config file's keys, config.py), as class attributes
    # until set: __init__ would not fit on a screen with them.
    key_mode = "emacs"  # .keys: emacs or vi
    # .pager: None is off; "" is on, through $PAGER, else less -SRFX; other text is the pager's
    # command line. Only interactive output to a terminal is ever paged (output/pager.py).
    pager: str | None = ""
    paging: Any = None  # the PagedOutput of the statement or dot-command running now, if any
    theme = "default"  # input colours: default, plain or a pygments style
    history_size = 10000  # entries kept in the history file
    config_sources: Any = None  # config.Sources: where each setting came from (.show)
    progress_every = 0  # .progress N: SQLite instructions between its handler's calls (0: off)
    next_input: str | None = None  # text the next prompt starts with (.edit)
    last_input = ""  # the last SQL run at the prompt (.edit takes it)

    def __init__(
        self,
        path: str = ":memory:",
        *,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        readonly: bool = False,
        limits: Limits | None = None,
        opener: Callable[[Shell], Session] | None = None,
    ) -> None:
        """A shell on the database ``path``; with ``opener``, it is opened by that, when first used
        (sqlite3 opens a file that does not exist yet only when something needs the database)."""
        self.stdout = stdout or fd_stream(sys.stdout.fileno())
        self.stderr = stderr or fd_stream(sys.stderr.fileno())
        self.settings = OutputSettings()
        self.flags = Flags()
        self.redirect: Redirect | None = None
        self.redirect_name: str | None = None
        self.out_count = 0  # .once: output goes back to stdout when this reaches 0
        self.prompts = DEFAULT_PROMPTS
        # False once .testctrl changed how SQLite prepares statements: APSW's cached ones were
        # prepared before, and would run as they were (sqlite3 caches nothing).
        self.statement_cache = True
        self.mode_set = False  # an explicit mode was chosen (.mode or a switch)
        self.completer: Any = None
        self.running = Running()
        self._cursor: Any = None
        self._wrote = False  # output may be waiting in a buffer (see _trace)
        self._describe = False  # _trace keeps each statement's columns (see _run_rows)
        self._cursor_session: Session | None = None
        self.safe: SafeMode | None = None  # -safe (safe.py)
        self.restore_state = 0  # reading a dump into an empty database: see _detect_restore
        self.unsafe_testing = False  # -unsafe-testing: schemas trusted, defensive mode off
        self.temp_files: Any = None  # .excel, .www, .output -e: see commands/launch.py
        self._opener = opener
        self._limits = limits or Limits()  # of the first session
        self._pending_path = path
        self._session: Session | None = None
        if opener is None:
            self._session = self.open(path, readonly=readonly, limits=limits or Limits())
        self.input_depth = 0  # inputs being read, one inside the other (stdin, .read, ...)
        self.input_source = "<stdin>"  # the one being read: a file's name in error messages
        self.lineno = 0  # the line of the innermost input that runs now (a dot-command's)
        self.interrupted = False  # SIGINT came: batch input stops at its next line
        # The next line of the input running now, counted (None at its end): .import <<EOF's text.
        self.next_input_line: Callable[[], str | None] = lambda: None
        self.quit: Quit | None = None  # set by .quit and .exit: see Quit
        self.error_prefix: str | None = None  # names a command-line argument in messages ("argv[2]:")
        self.dot_line = ""  # the dot-command line that runs now, as typed
        self.dot_offsets: list[int] = []  # where each of its words starts in it
        self.mode_once: OutputSettings | None = None  # .mode --once: the settings to restore
        self.saved_modes: dict[str, OutputSettings] = {}  # .mode --tag NAME
        self.watch = Watch()  # .eqp, .explain, .stats, .scanstats (watch.py)
        self.expert: Callable[[Shell, str, int | None], int] | None = None  # .expert: takes the next SQL
        self.watching = False  # the runner's hooks for those run: see watch_changed
        self.dot_running = False  # a dot-command runs (sqlite3 shows no .eqp plan for its SQL)
        self.tools: Any = None  # what commands/info.py's commands keep (.auth, .trace, .connection ...)
        self.nonce: str | None = None  # -nonce: what .nonce must say to lift safe mode
        self.safe_lifted = False  # .nonce said it: the next command or SQL runs outside safe mode
        self.progress: Progress | None = None  # long work shown on a terminal (interactive/progress.py)

    def watch_changed(self) -> None:
        """Note a change of .eqp, .stats, .scanstats or .expert: whether the statement runner
        must call their hooks (with all of them off it never does, and costs nothing)."""
        self.watching = self.watch.active or self.expert is not None

    def error_location(self) -> str:
        """Where the line running now comes from, as sqlite3 3.54 begins a dot-command's error
        message: ``line 3:``, ``file.sql:3:`` in a .read file, ``argv[2]:`` on the command line."""
        if self.error_prefix is not None:
            return self.error_prefix
        if self.input_source == "<stdin>":
            return f"line {self.lineno}:"
        return f"{self.input_source}:{self.lineno}:"

    @property
    def exit_code(self) -> int | None:
        """The exit status ``.exit CODE`` asked for, if it did."""
        return self.quit.code if self.quit is not None else None

    # -- database --------------------------------------------------------------

    @property
    def session(self) -> Session:
        """The session on the database; opened now if it was to be opened when first needed."""
        session = self._session
        if session is None:
            opener, self._opener = self._opener, None
            assert opener is not None
            session = self._session = opener(self)
        return session

    @session.setter
    def session(self, session: Session) -> None:
        self._session, self._opener = session, None

    def open_session(self) -> Session | None:
        """The session, if the database was opened already (None while it waits to be)."""
        return self._session

    @property
    def path(self) -> str:
        """The file of the database open now (or to be opened), as it was named."""
        return self._session.path if self._session is not None else self._pending_path

    @property
    def limits(self) -> Limits:
        """The Wasm limits now: the session's, or those the first session will open with."""
        return self._session.limits if self._session is not None else self._limits

    def set_limits(self, limits: Limits) -> None:
        """Change the Wasm limits (ValueError, WasmError as Session.limits raises them)."""
        limits = limits.checked()
        if self._session is not None:
            self._session.limits = limits
        else:
            self._limits = limits

    def open(
        self,
        path: str,
        *,
        readonly: bool = False,
        limits: Limits | None = None,
        flags: int | None = None,
        vfs: str | None = None,
        contents: bytes | None = None,
    ) -> Session:
        """Open ``path`` as a session (errors propagate), with the limits of the session
        open now unless ``limits`` are given; ``flags``, ``vfs`` and ``contents`` as connect's."""
        if limits is None:
            limits = self.limits
        session = connect(path, limits=limits, readonly=readonly, flags=flags, vfs=vfs, contents=contents)
        conn = session.connection
        conn.set_busy_timeout(0)
        # As sqlite3 3.54 opens every file: a file's schema cannot be edited by SQL
        # (defensive), and its views and triggers call only innocuous functions
        # (-unsafe-testing turns both around).
        conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 0 if self.unsafe_testing else 1)
        conn.config(apsw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 1 if self.unsafe_testing else 0)
        # sqlite3 is built with SQLite's default of 10 attached databases; APSW's SQLite allows 125.
        conn.limit(apsw.SQLITE_LIMIT_ATTACHED, 10)
        # SQL's load_extension(), as sqlite3 has it (not under -safe); SQLite keeps it from views
        # and triggers, as it does readfile() and writefile().
        conn.enable_load_extension(True)
        for setup in CONNECTION_SETUP:  # sqlite3's own SQL functions (sqlfuncs.py) ...
            setup(self, conn)
        if self.safe is not None:
            self.safe.guard(self, session)
        return session

    def interrupt(self) -> None:
        """Stop what runs now (called from another thread on Ctrl-C or SIGINT)."""
        self.interrupted = True  # before the statement can fail, so the input stops after it
        if self._session is not None:
            self._session.interrupt()

    # -- output ----------------------------------------------------------------

    @property
    def wide(self) -> str:
        """.wide: what the table view does with a result wider than the terminal: "pager" (at
        full width through the pager; as "fit" while the pager is off), "vertical" (one line per
        column) or "fit" (columns hidden). Kept with the output settings, where renderers see it."""
        return self.settings.wide

    @wide.setter
    def wide(self, value: str) -> None:
        self.settings.wide = value

    @property
    def out(self) -> TextIO:
        """Where results go now: a redirect if one is set, else stdout."""
        return self.redirect.stream if self.redirect else self.stdout

    def error(self, message: str) -> None:
        """Write a message to stderr, after flushing what is pending on stdout.

        In an interactive session on a terminal the message is red, and a
        ``^--- error here`` marker line stands out.
        """
        self.out.flush()
        stream = self._error_stream()
        if stream is None:
            return
        if self.progress is not None:
            self.progress.clear()  # the message goes where the progress line was
        if self.flags.interactive and stream is self.stderr and stream.isatty():
            first, _, rest = message.partition("\n")
            message = f"\x1b[1;31m{first}\x1b[0m" + (f"\n\x1b[2m{rest}\x1b[0m" if rest else "")
        try:
            stream.write(message + "\n")
            stream.flush()
        except BrokenPipeError:  # the pager quit just now: the terminal is there again
            if stream is self.stderr:
                raise
            self.stderr.write(message + "\n")
            self.stderr.flush()

    def _error_stream(self) -> TextIO | None:
        """Where messages go: stderr, or the pager while one shows the output they follow; None
        when the user quit the pager, which stopped what was running (nothing to say)."""
        if self.paging is None:
            return self.stderr
        return self.paging.error_stream()

    def dot_error(self, index: int, brief: str | None, detail: str | None = None) -> int:
        """sqlite3 3.54's complaint about word ``index`` of the dot-command line (0 is the
        command's name): the line and a marker under the word with ``brief`` (none without a
        brief, or past the last word), then ``detail``; returns 1."""
        where = self.error_location()
        lines = []
        if brief is not None and 0 <= index < len(self.dot_offsets):
            at = self.dot_offsets[index]
            lines.append(f"{where} {self.dot_line}")
            room = len(brief) + 5
            if at > room:
                lines.append(f"{where} {' ' * (1 + at - room)}{brief} ---^")
            else:
                lines.append(f"{where} {' ' * at}^--- {brief}")
        if detail is not None:
            lines.append(f"{where} {detail}")
        if lines:
            self.error("\n".join(lines))
        return 1

    def after_sql(self) -> None:
        """A .once redirect ends after the next SQL text, and so do .mode --once's settings and
        .nonce's lifting of safe mode."""
        self.safe_lifted = False
        if self.mode_once is not None:
            self.settings, self.mode_once = self.mode_once, None
        if self.out_count:
            self.reset_output()
            self.out_count = 0

    def after_command(self) -> None:
        """... or after the next dot-command (sqlite3 counts .once itself as one)."""
        if self.out_count:
            self.out_count -= 1
            if self.out_count == 0:
                self.reset_output()

    def reset_output(self) -> None:
        """Send output back to stdout, closing any redirect."""
        self.redirect_name = None
        if self.redirect:
            redirect, self.redirect = self.redirect, None
            redirect.stream.flush()
            redirect.close()

    def flush(self) -> None:
        """Flush stdout and any redirect (output held for the pager stays held)."""
        self.out.flush()
        if self.redirect:
            self.stdout.flush()

    def share_terminal(self) -> None:
        """Before another program writes to the terminal (.system): all output so far is out, and
        the rest of this dot-command's goes straight to the terminal, not to the pager."""
        if self.paging is not None:
            self.paging.release()
        self.flush()

    # -- SQL -------------------------------------------------------------------

    def run_sql(self, sql: str, startline: int | None, *, dialect: bool = True) -> int:
        """Run the statements in ``sql``; return 1 if one failed (the rest are skipped).

        ``startline`` is the input line the text began on, for messages; None
        means the text came from an interactive prompt. ``dialect=False``
        promises that ``engine_must_see(sql)`` is false (see Session.execute).
        """
        flags = self.flags
        self._wrote = True
        if self.expert is not None:
            return self.expert(self, sql, startline)
        if flags.timer:
            started, cpu = time.perf_counter(), os.times()
        # The table view times each statement that draws a table in its footer (see _renderer).
        footers = flags.timer and self.settings.mode == "pretty"
        untimed = False  # a statement drew no table: the text's Run Time line is shown
        failed = 0
        if sql.endswith(";") and sql.count(";") == 1:
            statements: Any = ((0, sql),)  # the usual case: one statement, nothing to split
        else:
            statements = split_statements(sql)
        if flags.echo:
            self.out.write(sql + "\n")
        for _offset, statement in statements:
            if footers:
                self.running.clock = time.perf_counter()
            failed = self._run_statement(statement, sql, startline, dialect)
            untimed = untimed or self.running.clock is not None  # (a table took the clock)
            self.running.clock = None
            self.show_guest_output()
            if failed:
                break
        if self.out_count or self.mode_once is not None or self.safe_lifted:
            self.after_sql()
        if flags.timer:
            done = os.times()
            real = time.perf_counter() - started
            self.show_timer(real, done.user - cpu.user, done.system - cpu.system, footers and not untimed)
        if flags.changes and not failed:
            conn = self.session.connection
            self.out.write(f"changes: {conn.changes()}   total_changes: {conn.total_changes()}\n")
        if not failed and self.restore_state < RESTORE_DONE:
            self._detect_restore(sql)
        if flags.interactive:
            self.out.flush()
        return failed

    def show_timer(self, real: float, user: float, system: float, in_footers: bool = False) -> None:
        """Write the time an SQL text took (.timer), as sqlite3 does; .timer once ends here.

        ``in_footers``: each of its statements drew a table whose footer gave its time (the
        table view), so there is no line to write.
        """
        if in_footers:
            pass
        elif self.settings.mode == "pretty":
            from .output.insight import write_timer

            write_timer(self.out, real, user, system)
        else:
            self.out.write(f"Run Time: real {real:.6f} user {user:.6f} sys {system:.6f}\n")
        if self.flags.timer == 1:
            self.flags.timer = 0

    def may_end_dump(self, line: str) -> bool:
        """While a dump is read with defensive mode off: whether ``line`` may end its transaction
        (run on its own, so the mode is back before the next line runs)."""
        if self.restore_state >= RESTORE_DONE:
            return False
        word = line.lstrip()[:6].upper()
        return word.startswith(("COMMIT", "END"))

    def _detect_restore(self, sql: str) -> None:
        """sqlite3 3.54's doAutoDetectRestore, after each SQL text that ran without error.

        A dump read into an empty database, its first lines exactly
        ``PRAGMA foreign_keys=OFF;`` and ``BEGIN TRANSACTION;``, may need to
        write the schema table (virtual tables): defensive mode is off, and
        double-quoted strings allowed in DDL, until its transaction ends.
        Never under -safe.
        """
        conn = self.session.connection
        state = self.restore_state
        if state == 0:
            seen = sql == "PRAGMA foreign_keys=OFF;" and self.safe is None
            self.restore_state = 1 if seen else RESTORE_DONE
        elif state == 1:
            if sql != "BEGIN TRANSACTION;" or conn.execute("SELECT 1 FROM sqlite_schema LIMIT 1").fetchall():
                self.restore_state = RESTORE_DONE
                return
            defensive = conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, -1)
            dqs_ddl = conn.config(apsw.SQLITE_DBCONFIG_DQS_DDL, -1)
            conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 0)
            conn.config(apsw.SQLITE_DBCONFIG_DQS_DDL, 1)
            # As 3.54 does, bits 2 and 4 say what to do once the transaction ends.
            self.restore_state = (2 if defensive else 0) + (4 if dqs_ddl else 0)
        elif conn.in_transaction is False:
            if state & 2:
                conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)
            if state & 4:
                conn.config(apsw.SQLITE_DBCONFIG_DQS_DDL, 0)
            self.restore_state = RESTORE_DONE

    def show_guest_output(self) -> None:
        """Write what Wasm functions printed (WASI stdout/stderr) after the statement's results."""
        guest = self.session.take_output()
        if guest:
            self.out.write(guest if guest.endswith("\n") else guest + "\n")
        if self.session.notes:
            self.show_notes()

    def show_notes(self, shown: int = 10) -> None:
        """Write to stderr which functions just created libSQL could not run, and why (the engine's
        notes), names of the same verdict on one line, ``shown`` lines at most."""
        notes, more = self.session.take_notes()
        grouped: dict[Any, list[str]] = {}
        for name, verdict in notes:
            grouped.setdefault(verdict, []).append(name)
        lines = [f"Note: {verdict.note(', '.join(names))}" for verdict, names in grouped.items()]
        if len(lines) > shown:
            more += sum(len(names) for names in list(grouped.values())[shown:])
            lines = lines[:shown]
        if more:
            lines.append(f"Note: and {more:,} more functions libSQL could not run (see .funcs)")
        if lines:
            self.out.flush()
            self.stderr.write("\n".join(lines) + "\n")
            self.stderr.flush()

    def _trace(self, _cursor: Any, sql: str, _bindings: Any) -> bool:
        # apsw calls this once SQLite has prepared a statement and is about to
        # run it: an error before this is a parse error, after it a runtime one.
        self.running.prepared = True
        self.running.started += 1
        self.running.sql = sql
        if self.watching:
            self.watch.before(self, _cursor, sql)
        if self._wrote:
            # What was written so far is out before this statement runs, however long
            # it takes, as sqlite3 flushes before each line.
            self._wrote = False
            self.out.flush()
        if self._describe:  # the columns of an empty result are shown
            try:
                self.running.description = _cursor.get_description()
            except apsw.Error:
                self.running.description = ()
        return True

    def can_batch(self) -> bool:
        """Whether statements may run several to a call (nothing to print between them;
        under -safe, a refusal names the line of its statement)."""
        flags = self.flags
        if self.restore_state < 2:  # the first lines, perhaps a dump's: see _detect_restore
            return False
        if self._shows_empty(True):  # each statement's result is shown even without rows
            return False
        once = self.out_count or self.mode_once is not None
        watched = self.watching or (self.tools is not None and self.tools.watching())  # .eqp, .auth ...
        return not (flags.echo or flags.timer or flags.changes or once or self.safe or watched)

    def _shows_empty(self, has_columns: bool) -> bool:
        """Whether the mode shows a statement that gave no rows: count mode any statement (0);
        the table view, and (sqlite3 3.54) the modes whose names show by default until .headers
        is used, a query's names."""
        s = self.settings
        if s.mode == "count":
            return True
        if not has_columns:
            return False
        if s.mode == "pretty":
            return True
        style = BY_NAME[s.mode].style if s.mode in BY_NAME else ""
        return (s.headers_always and style in TITLED) or (s.rowcount and style in COUNTED)

    def run_batch(self, batch: Batch) -> int:
        """Run one-statement lines in one call; return the error count.

        A script of many short statements spends most of its time crossing
        from Python into SQLite; one call for many statements avoids that.
        Output and errors are the same as running the lines one by one: a
        failing line is reported and the lines after it still run.
        """
        errors = self._run_batch(batch)
        if self.restore_state < RESTORE_DONE:  # a dump being read: has its transaction ended?
            self._detect_restore("")
        return errors

    def _run_batch(self, batch: Batch) -> int:
        """Runs of lines that look like queries (``looks_like_query``) go through APSW, their
        rows shown, the rest through C (``Session.run_plain``), which hands back a statement
        that has rows."""
        errors = 0
        self._wrote = True
        if not batch.query:  # the usual script: nothing but statements to run
            return self._run_plain(batch, 0, len(batch))[0]
        start = 0
        while start < len(batch):
            query = looks_like_query(batch.texts[start])
            end = start + 1
            while end < len(batch) and looks_like_query(batch.texts[end]) == query:
                end += 1
            failed, stopped = (
                self._run_queries(batch.items(start, end)) if query else self._run_plain(batch, start, end)
            )
            errors += failed
            if stopped:
                break
            start = end
        return errors

    def _run_plain(self, batch: Batch, start: int, end: int) -> tuple[int, bool]:
        """The batch's lines ``start`` to ``end`` run in C while their statements show nothing; a
        statement that has rows goes through APSW. Returns the error count and whether to stop
        (.bail, Ctrl-C). The lines are joined and encoded once: after a statement that stopped
        the C loop, it goes on from the next line's byte."""
        texts = batch.texts
        sql = "\n".join(texts[start:end])
        data = self.session.plain_text(sql)
        if data is None:  # not here (no C part, text that is not UTF-8)
            return self._run_queries(batch.items(start, end))
        errors, offset, retried, text = 0, 0, -1, sql
        while start < end:
            if self._wrote:  # what was written so far is out before the next statement runs
                self._wrote = False
                self.out.flush()
            done, outcome, error, at = self.session.run_plain(data, offset, text)
            text = None  # (its names are registered from now on)
            self.show_guest_output()
            if outcome == native.RUN_ALL:
                return errors, False
            start += done
            offset = data.find(b"\n", at) + 1 or len(data)  # the line after the statement at ``at``
            if outcome == native.RUN_ROWS:
                failed, stopped = self._run_queries(batch.items(start, start + 1))
                errors += failed
                if stopped:
                    return errors, True
                start += 1
                continue
            prepared = outcome == native.RUN_STEP
            if error is not None and not prepared and retried != start:  # a name now registered
                retried = start  # (once: each retry follows a registration)
                error = self.session.prepare_failed(error, texts[start])
            if error is None:
                offset = at  # the same statement again
                continue
            errors += 1
            self.report_sql_error(error, prepared, texts[start], texts[start], batch.line(start))
            if self.flags.bail or self.interrupted:
                return errors, True
            start += 1
        return errors, False

    def _run_queries(self, items: list[tuple[int, str]]) -> tuple[int, bool]:
        """Lines run through APSW, their rows shown; the error count and whether to stop."""
        errors = 0
        while items:
            self.running.started = 0
            try:
                self._run_rows("\n".join(text for _, text in items), batched=True)
                self.show_guest_output()
                return errors, False
            except OSError as exc:
                self.report_output_error(exc)
                return errors + 1, True
            except _ResumeBatch as resume:
                self.show_guest_output()
                items = items[resume.started :]
            except Exception as exc:
                self.show_guest_output()
                index, prepared = self._locate_failure(items, exc)
                if not prepared and self.session.load_missing(exc):
                    items = items[index:]  # a view named one of sqlite3's built-ins: there now
                    continue
                errors += 1
                line, text = items[index]
                self.report_sql_error(exc, prepared, text, text, line)
                if self.flags.bail or self.interrupted:
                    return errors, True
                items = items[index + 1 :]
        return errors, False

    def _locate_failure(self, items: list[tuple[int, str]], exc: BaseException) -> tuple[int, bool]:
        """Which statement of a batch failed, and whether it had been prepared.

        ``running.started`` statements began running. Either the last of them failed
        while running, or the next one failed to prepare: preparing the next
        one alone (under EXPLAIN, so nothing runs) tells which.
        """
        started = self.running.started
        if started == 0:
            return 0, False
        if started >= len(items):
            return started - 1, True
        try:
            self.session.connection.cursor().execute("EXPLAIN " + items[started][1]).fetchall()
        except Exception as again:
            if str(again) == str(exc):
                return started, False
        return started - 1, True

    def _run_statement(self, statement: str, buffer: str, startline: int | None, dialect: bool) -> int:
        self.running.prepared = False
        try:
            self._run_rows(statement, dialect=dialect)
        except OSError as exc:
            self.report_output_error(exc)
            return 1
        except Exception as exc:
            prepared = self.running.prepared
            if prepared and (again := self._fails_to_prepare(statement, exc)) is not None:
                exc, prepared = again, False
            self.report_sql_error(exc, prepared, statement, buffer, startline)
            return 1
        return 0

    def _fails_to_prepare(self, statement: str, exc: BaseException) -> BaseException | None:
        """After ``statement`` failed while running: the error again if it now fails to prepare
        with the same message, its offset in ``statement``. APSW's statement cache had it
        prepared before a schema change (a table dropped, an index made), which SQLite then met
        only when stepping it; sqlite3, which caches nothing, fails to prepare it."""
        if not isinstance(exc, apsw.SQLError):
            return None
        try:
            self.session.connection.cursor().execute("EXPLAIN " + statement, can_cache=False).fetchall()
        except apsw.SQLError as again:
            if str(again) == str(exc):
                offset = getattr(again, "error_offset", -1)
                again.error_offset = offset - len("EXPLAIN ") if offset >= len("EXPLAIN ") else -1
                return again
        except Exception:  # anything else: the error stands as it was
            pass
        return None

    def report_output_error(self, exc: OSError) -> None:
        """Output could not be written (a full disk, a closed pipe): say so on stderr."""
        stream = self._error_stream()
        if stream is not None:
            stream.write(f"Error: cannot write output: {exc.strerror or exc}\n")
            stream.flush()

    def _run_rows(self, statement: str, batched: bool = False, dialect: bool = True) -> None:
        """Execute SQL and write its rows in the current mode, one result set per statement."""
        bindings = None if batched else self._bindings_for(statement)
        self._describe = self._shows_empty(True)  # for _trace: the settings hold for this call
        watching = self.watching
        renderer = None
        current = 0
        ended = False  # the statement ran to its end (for .stats and .scanstats)
        progress = self._progress_begin()
        try:
            cursor = self.session.execute(
                statement,
                bindings,
                cursor=self._session_cursor(),
                # A cached statement learns of a schema change only when stepped, after _trace
                # took its columns: an empty result would show the columns it had before. (.stats
                # reads a statement's counters from the cache: then it stays cached, even a PRAGMA.)
                can_cache=False
                if batched or (self._describe and not watching) or not self.statement_cache
                else watching or None,
                dialect=dialect and not batched,  # batched lines passed engine_must_see
            )
            rows = iter(cursor)
            try:
                pending = next(rows, _END)
                # One renderer per statement; a batch holds several, told apart by _trace.
                while pending is not _END:
                    current = self.running.started
                    renderer = self._renderer(cursor.is_explain, self.running.sql)
                    renderer.start([d[0] for d in cursor.get_description()])
                    renderer.row(pending)
                    pending = self._write_statement_rows(renderer, rows, batched, cursor, statement)
                    if pending is not _END:
                        self._progress_begin()  # the next statement of a batch; the line goes first
                        renderer.finish()
                        renderer = None
                columns = self.running.description  # the table view shows an empty result's columns
                if renderer is None and not batched and self._shows_empty(bool(columns)):
                    renderer = self._renderer()
                    renderer.start([d[0] for d in columns])
            except UnicodeDecodeError as exc:
                # APSW stopped in the middle of the SQL: the next statements want a new cursor.
                self._cursor_session = None
                if renderer is not None and self.running.started != current:
                    renderer.finish()  # the statement before was complete; the next one failed
                    renderer = None
                renderer = self._rerun_keeping_bytes(exc, renderer, bindings, cursor)
                if batched:  # the batch's later statements never ran
                    raise _ResumeBatch(self.running.started) from None
            ended = True
        finally:
            if progress is not None:
                progress.end()  # before the table or the error is written
            self.running.description = ()
            if renderer is not None:
                renderer.finish()
            if self.watching:
                self.watch.after(self, failed=not ended)

    def _progress_begin(self) -> Progress | None:
        """The progress line, told that a statement begins (None: there is none; batch runs)."""
        if self.progress is not None:
            self.progress.begin()
        return self.progress

    @staticmethod
    def _progress_rows(progress: Progress, renderer: Any) -> None:
        """Tell the progress line where the rows received come from: the table view counts them
        and writes nothing until the end; any other renderer writes as rows come, and the line
        goes before it does."""
        rows_seen = getattr(renderer, "rows_seen", None)
        if rows_seen is None:
            progress.hold()
        else:
            progress.rows = rows_seen

    def _session_cursor(self) -> Any:
        """The cursor statements run on, made once per session so that _trace sees them."""
        session = self.session
        if self._cursor_session is not session:
            self._cursor = session.connection.cursor()
            self._cursor.exec_trace = self._trace
            self._cursor_session = session
        return self._cursor

    def _write_statement_rows(
        self, renderer: Any, rows: Iterator[Any], batched: bool, cursor: Any = None, sql: str = ""
    ) -> Any:
        """Write the rest of one statement's rows; return the first row of the next
        statement of a batch (which _trace counted as begun), or _END."""
        if not batched:
            if not self._rest_in_c(renderer, rows, cursor, sql):
                renderer.write_rows(rows)  # the rest in the renderer's own loop
            return _END
        current = self.running.started
        pending = _END

        def this_statement() -> Iterator[Any]:
            nonlocal pending
            for row in rows:
                if self.running.started != current:
                    pending = row
                    return
                yield row

        renderer.write_rows(this_statement())
        return pending

    def _rest_in_c(self, renderer: Any, rows: Iterator[Any], cursor: Any, sql: str) -> bool:
        """For the table view, which shows a result's first and last rows: once its head is full,
        the rest of the statement is stepped, counted and its last rows kept in C
        (native.rest_of_rows), with no Python row for the millions between. False, with nothing
        taken past the head, where that cannot be; then the rows go on as they were."""
        room = getattr(renderer, "head_room", None)
        if room is None or room() < 0 or type(cursor) is not apsw.Cursor:
            return False
        if self.watching or not native.c_calls or len(list(islice(split_statements(sql), 2))) != 1:
            return False  # (closing the cursor at the end would skip a statement after it)
        renderer.write_rows(islice(rows, room()))
        if room() > 0:
            return True  # the rows ended within the head
        progress = self.progress
        if progress is not None:
            progress.rows_in_c(renderer.count)
        got = native.rest_of_rows(self.session.connection, self.running.sql or "", renderer.tail.maxlen)
        if progress is not None:
            progress.rows = renderer.rows_seen
        if got is None:
            return False
        count, last, error = got
        renderer.add_tail(count, last)
        # Its statement is done: the cursor goes, and the next statement makes another.
        self._cursor_session = None
        try:  # noqa: SIM105  # contextlib costs start-up time
            cursor.close()
        except apsw.Error:
            pass
        if error is not None:
            raise error
        return True

    def _renderer(self, explain: int = 0, sql: str | None = None) -> Any:
        """A renderer of rows to the current output (which then holds output to flush); an
        EXPLAIN has its own layout unless .explain is off. With .timer in the table view, a
        table is told when its statement began (``running.clock``) and shows the time."""
        self._wrote = True
        renderer = renderer_for(self.out, self.settings, explain if self.watch.explain else 0, sql)
        if self.running.clock is not None and renderer.show_time(self.running.clock):
            self.running.clock = None  # the statement's time is in its table's footer
        if self.progress is not None:
            self._progress_rows(self.progress, renderer)
        return renderer

    def _rerun_keeping_bytes(
        self, exc: UnicodeDecodeError, renderer: Any, bindings: list[Any] | None, cursor: Any
    ) -> Any:
        """Write the rest of a result that has TEXT which is not UTF-8, as sqlite3 does.

        APSW decodes TEXT strictly and gives up on the statement; a statement
        that only reads is run again with the bytes kept (native.py), skipping
        the rows already written. Returns the renderer, to be finished.
        """
        from ..engine import native

        again = native.rows_keeping_bytes(self.session.connection, self.running.sql, bindings)
        if again is None:
            raise exc
        columns, rest = again
        if renderer is None:
            renderer = self._renderer(cursor.is_explain, self.running.sql)
            renderer.start(columns)
        renderer.write_rows(islice(rest, renderer.count, None))
        return renderer

    def _bindings_for(self, statement: str) -> list[Any] | None:
        """Values for the statement's parameters (:x, @x, $x, ?NNN, ?) as sqlite3 binds them.

        They come from ``temp.sqlite_parameters`` (what .parameter set
        stores); a parameter without a value there is NULL, as in sqlite3.
        """
        if not any(mark in statement for mark in "?:@$#"):
            return None  # no parameter can be in it; skip importing the parameters' code
        from .parameters import statement_bindings

        return statement_bindings(self.session.connection, statement)

    def report_sql_error(
        self, exc: BaseException, prepared: bool, statement: str, buffer: str, startline: int | None
    ) -> None:
        """Write an SQL error as sqlite3 3.54 does: ``Parse error near line 3 of f.sql: ...`` with
        the code and context when it failed to prepare, ``Error near line 5: ...`` when it failed
        running."""
        kind = getattr(exc, "kind", None) or ("Error" if prepared else "Parse error")
        where = ""
        if startline is not None:
            source = self.input_source
            named = source not in ("<stdin>", "<pipe>")
            where = f" near line {startline}" + (f" of {source}" if named else "")
        self.error(f"{kind}{where}: {describe_error(exc, prepared, statement, buffer)}")

    def run_sql_argument(self, sql: str, position: int = 0) -> int:
        """Run SQL given on the command line (argument ``position``, counting from the first
        after the options); on failure report as sqlite3 does, return its code."""
        self._wrote = True
        for _offset, statement in split_statements(sql):
            self.running.prepared = False
            try:
                self._run_rows(statement)
                self.show_guest_output()
            except Exception as exc:
                self.show_guest_output()
                prepared = self.running.prepared
                if prepared and (again := self._fails_to_prepare(statement, exc)) is not None:
                    exc, prepared = again, False
                kind = getattr(exc, "kind", None) or ("Error" if prepared else "Parse error")
                where = f" in {ordinal(position)} command line argument" if position else ""
                self.error(f"{kind}{where}: {describe_error(exc, prepared, statement, sql)}")
                return 1  # sqlite3 3.54 exits 1 whatever the error's code
        self.after_sql()
        return 0


# Modes that show a query's names even when it gives no rows, unless .headers said otherwise.


# Statements that likely give rows, by their first word (as _rows.c's simple_line reports it).
_QUERY_WORDS = ("select", "values", "with", "pragma", "explain")


def looks_like_query(line: str) -> bool:
    """Whether a line's statement may give rows: its first word, or RETURNING in it. (Only the
    path a statement takes depends on this, not what it does.)"""
    line = line.lower()
    return line.startswith(_QUERY_WORDS) or "returning" in line


def error_code(exc: BaseException) -> int:
    """SQLite's result code of an error (1 when it has none)."""
    if isinstance(exc, Interrupted):
        return apsw.SQLITE_INTERRUPT  # Ctrl-C stopped a Wasm call: the same as stopping SQL
    code = getattr(exc, "result", 1)
    return code if isinstance(code, int) else 1


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st (SQLite's %r)."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe_error(exc: BaseException, prepared: bool, statement: str, buffer: str) -> str:
    """The error message with, for parse errors, sqlite3's ``(code)`` and the context.

    An interrupted Wasm call reads as SQLite's own "interrupted": one message
    for Ctrl-C, whatever was running.
    """
    message = "interrupted" if isinstance(exc, Interrupted) else str(exc)
    code = error_code(exc)
    if not prepared and code > 1:
        message += f" ({code})"
    if not prepared:
        offset = getattr(exc, "error_offset", -1)
        if isinstance(offset, int) and offset >= 0:
            start = buffer.find(statement)
            message += error_context(buffer[max(start, 0) :], offset)
    return message


def error_context(sql: str, offset: int) -> str:
    """The statement text around a parse error with sqlite3's ``^--- error here`` marker."""
    raw = sql.encode("utf-8", "surrogateescape")
    start = 0
    while offset > 50:
        offset -= 1
        start += 1
        while start < len(raw) and (raw[start] & 0xC0) == 0x80:
            start += 1
            offset -= 1
    code = raw[start:]
    length = len(code)
    if length > 78:
        length = 78
        while length > 0 and (code[length] & 0xC0) == 0x80:
            length -= 1
    code = bytes(0x20 if b in b" \t\n\v\f\r" else b for b in code[:length])
    text = code.decode("utf-8", "surrogateescape")
    if offset < 25:
        return f"\n  {text}\n  {' ' * offset}^--- error here"
    return f"\n  {text}\n  {' ' * (offset - 14)}error here ---^"
