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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import apsw

from ..engine import Limits, Session, WasmError, connect
from ..engine.statements import split_statements
from .render import OutputSettings, renderer_for

QUIT = 2


def text_stream(binary: Any) -> TextIO:
    """A text stream over a binary one that writes blobs' bytes back unchanged."""
    return io.TextIOWrapper(
        binary, encoding="utf-8", errors="surrogateescape", newline="\n", write_through=False
    )


@dataclass
class Flags:
    """On/off switches of the shell."""

    bail: bool = False
    echo: bool = False
    timer: bool = False
    changes: bool = False
    interactive: bool = False


@dataclass
class Redirect:
    """Where output goes when not to stdout (.output, .once)."""

    stream: TextIO
    close: Callable[[], None]
    once: bool = False


class Shell:
    """State shared by batch and interactive mode: session, settings, output."""

    def __init__(
        self,
        path: str = ":memory:",
        *,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        readonly: bool = False,
        limits: Limits | None = None,
    ) -> None:
        self.stdout = stdout or text_stream(sys.stdout.buffer)
        self.stderr = stderr or text_stream(sys.stderr.buffer)
        self.settings = OutputSettings()
        self.flags = Flags()
        self.limits = limits or Limits()
        self.readonly = readonly
        self.redirect: Redirect | None = None
        self.redirect_name: str | None = None
        self.errors = 0
        self.bindings: dict[str, Any] = {}
        self.session: Session = self.open(path, readonly=readonly)
        self.path = path
        self.lineno = 0  # line of the input being read, for messages
        self.read_depth = 0
        self.exit_code: int | None = None

    # -- database --------------------------------------------------------------

    def open(self, path: str, *, readonly: bool = False) -> Session:
        """Open ``path`` as the session's database (errors propagate)."""
        session = connect(path, limits=self.limits, readonly=readonly)
        session.connection.set_busy_timeout(0)
        return session

    def on_open(self) -> None:
        """Called after .open replaced the session."""

    # -- output ----------------------------------------------------------------

    @property
    def out(self) -> TextIO:
        """Where results go now: a redirect if one is set, else stdout."""
        return self.redirect.stream if self.redirect else self.stdout

    def error(self, message: str) -> None:
        """Write a message to stderr, after flushing what is pending on stdout."""
        self.out.flush()
        self.stderr.write(message + "\n")
        self.stderr.flush()

    def end_once(self) -> None:
        """After a statement, a .once redirect is over."""
        if self.redirect and self.redirect.once:
            self.reset_output()
            self.redirect_name = None

    def reset_output(self) -> None:
        """Send output back to stdout, closing any redirect."""
        if self.redirect:
            redirect, self.redirect = self.redirect, None
            redirect.stream.flush()
            redirect.close()

    def flush(self) -> None:
        """Flush stdout and any redirect."""
        self.out.flush()
        if self.redirect:
            self.stdout.flush()

    # -- SQL -------------------------------------------------------------------

    def run_sql(self, sql: str, startline: int | None) -> int:
        """Run the statements in ``sql``; return 1 if one failed (the rest are skipped).

        ``startline`` is the input line the text began on, for messages; None
        means the text came from an interactive prompt.
        """
        started = time.perf_counter()
        cpu = os.times()
        failed = 0
        for _offset, statement in split_statements(sql):
            if self.flags.echo:
                self.out.write(statement + "\n")
            failed = self._run_statement(statement, sql, startline)
            if failed:
                break
        self.end_once()
        if self.flags.timer:
            done = os.times()
            self.out.write(
                f"Run Time: real {time.perf_counter() - started:.3f} "
                f"user {done.user - cpu.user:.6f} sys {done.system - cpu.system:.6f}\n"
            )
        if not failed and self.flags.changes:
            conn = self.session.connection
            self.out.write(f"changes: {conn.changes()}   total_changes: {conn.total_changes()}\n")
        if self.flags.interactive:
            self.out.flush()
        return failed

    def _run_statement(self, statement: str, buffer: str, startline: int | None) -> int:
        prepared = False

        def trace(_cursor: Any, _sql: str, _bindings: Any) -> bool:
            nonlocal prepared
            prepared = True
            return True

        try:
            self._run_rows(statement, trace)
        except (apsw.Error, WasmError, Exception) as exc:
            self.report_sql_error(exc, prepared, statement, buffer, startline)
            return 1
        return 0

    def _run_rows(self, statement: str, trace: Callable[..., bool]) -> None:
        """Execute one statement and write its rows in the current mode."""
        renderer = None
        try:
            cursor = self.session.execute(statement, self._bindings_for(statement), trace=trace)
            for row in cursor:
                if renderer is None:
                    renderer = renderer_for(self.out, self.settings)
                    renderer.start([d[0] for d in cursor.get_description()])
                renderer.row(row)
        finally:
            if renderer is not None:
                renderer.finish()

    def _bindings_for(self, statement: str) -> dict[str, Any] | None:
        if not self.bindings:
            return None
        return self.bindings

    def report_sql_error(
        self, exc: BaseException, prepared: bool, statement: str, buffer: str, startline: int | None
    ) -> None:
        """Write an SQL error as sqlite3 does: kind, line, message, code and context."""
        kind = "Runtime error" if prepared else "Parse error"
        where = f" near line {startline}" if startline is not None else ""
        self.error(f"{kind}{where}: {describe_error(exc, prepared, statement, buffer)}")

    def run_sql_argument(self, sql: str) -> int:
        """Run SQL given on the command line; on failure report as sqlite3 does, return its code."""
        for _offset, statement in split_statements(sql):
            prepared = False

            def trace(_cursor: Any, _sql: str, _bindings: Any) -> bool:
                nonlocal prepared
                prepared = True
                return True

            try:
                self._run_rows(statement, trace)
            except Exception as exc:
                phase = "stepping" if prepared else "in prepare"
                self.error(f"Error: {phase}, {describe_error(exc, prepared, statement, sql)}")
                code = getattr(exc, "result", 1)
                return code if isinstance(code, int) and code > 0 else 1
        self.end_once()
        return 0


def describe_error(exc: BaseException, prepared: bool, statement: str, buffer: str) -> str:
    """The error message with sqlite3's ``(code)`` and, for parse errors, the context."""
    message = str(exc)
    code = getattr(exc, "result", 1)
    if prepared and isinstance(code, int) and code > 1:
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
