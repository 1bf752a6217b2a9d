"""The pager: at a terminal, output of one statement or dot-command taller than the screen goes
through ``$PAGER`` (else ``less -SRFX``).

Output is streamed, never gathered whole: it is held only until it would not fit on the screen
(``PagedOutput``). If it never gets there it is written as usual when the statement ends; once
it does, the pager starts, gets what was held and then the rest as it comes. The summarised
table view (pretty.py) is never too tall, since it is summarised, but may be too wide: it
starts the pager itself (``PagedOutput.start``) to show every column at full width.

Quitting the pager early (``q`` in less) stops the statement quietly: the first write after it
raises BrokenPipeError, which the shell does not report (``PagedOutput.error_stream``), and later
writes of that statement or dot-command go nowhere. Ctrl-C while the pager runs is the pager's
alone: the shell ignores SIGINT until the pager ends.

Batch runs never come here: the runner asks only for interactive input (runner.py).
"""

from __future__ import annotations

import os

from ...lean import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

    from ..state import Shell

DEFAULT_PAGER = "less -SRFX"  # chop long lines (sideways scrolling), colours, quit if one screen, no clearing


def pager_command(setting: str | None) -> str | None:
    """The command line a ``Shell.pager`` setting stands for: None when off; "" means $PAGER, else
    ``less -SRFX``; any other text is the command."""
    if setting is None:
        return None
    return setting or os.environ.get("PAGER") or DEFAULT_PAGER


def may_page(shell: Shell) -> bool:
    """Whether output may go through the pager now: interactive, the pager on, output to stdout
    (no .output or .once) and stdout a terminal."""
    if shell.pager is None or not shell.flags.interactive or shell.redirect is not None:
        return False
    return shell.paging is None and shell.stdout.isatty()


def run_paged(shell: Shell, run: Callable[[], int]) -> int:
    """Run one statement text or dot-command (``run``) with its output through a PagedOutput
    when ``may_page``; return what ``run`` returns (0 if the user quit the pager, which is what
    made it fail). The pager's quitting sets ``shell.interrupted``, so a .read stops there."""
    if not may_page(shell):
        return run()
    terminal = shell.stdout
    command = pager_command(shell.pager)
    assert command is not None
    paged = PagedOutput(terminal, command, shell.stderr, on_quit=lambda: setattr(shell, "interrupted", True))
    shell.stdout, shell.paging = paged, paged
    try:
        status = run()
    finally:
        shell.paging = None
        if shell.stdout is paged:  # (a .testcase may have put its own stream there)
            shell.stdout = terminal
        paged.close()
    return 0 if paged.quit else status  # quitting the pager is no error: it stopped the output


def screen_size(terminal: TextIO) -> tuple[int, int]:
    """The terminal's (columns, lines); 80x24 when it does not say."""
    try:
        size = os.get_terminal_size(terminal.fileno())
    except (OSError, ValueError, AttributeError):
        return 80, 24
    return max(size.columns, 1), max(size.lines, 1)


class PagedOutput:
    """A text stream to the terminal that holds what is written until it is taller than the
    screen, then hands it, and all that follows, to the pager.

    ``counted`` False keeps what is written from counting towards the height (the table view).
    After ``close`` (or ``release``) writes go straight to the terminal.
    """

    def __init__(self, terminal: TextIO, command: str, stderr: TextIO, on_quit: Callable[[], None]) -> None:
        self.terminal = terminal
        self.command = command
        self.stderr = stderr
        self.on_quit = on_quit  # called once when the pager was quit before the output ended
        self.columns, self.lines = screen_size(terminal)
        self.held: list[str] | None = []  # None: not holding (paging, or passing through)
        self.rows = 0  # screen lines the held text takes
        self.column = 0  # cells taken on the line being written
        self.counted = True
        self.proc: Any = None  # the pager's subprocess.Popen
        self.pipe: TextIO | None = None  # its stdin
        self.quit = False  # the pager ended before the output did
        self.closed = False  # the statement or dot-command ended

    # -- the stream ------------------------------------------------------------

    def write(self, text: str) -> int:
        """Hold, page or pass ``text`` on."""
        if self.pipe is not None:
            self._to_pager(text)
        elif self.held is not None:
            self.held.append(text)
            if self.counted and self._taller_than_screen(text):
                self.start()
        elif self.closed or not self.quit:
            self.terminal.write(text)
        return len(text)

    def flush(self) -> None:
        """Send what the pager is given on to it (what is held stays held)."""
        if self.pipe is not None:
            self._flush_pipe()
        elif self.held is None and (self.closed or not self.quit):
            self.terminal.flush()

    def isatty(self) -> bool:
        """True: the output ends on the terminal (so the table view keeps its colours)."""
        return True

    def fileno(self) -> int:
        """The terminal's file descriptor (for its size)."""
        return self.terminal.fileno()

    def _taller_than_screen(self, text: str) -> bool:
        """Count the screen lines ``text`` adds (long lines wrap); whether the held text no longer
        fits above the prompt."""
        columns = self.columns
        lines = text.split("\n")
        if len(lines) == 1:
            self.column += len(text)
            return False
        rows = self.rows
        width = self.column + len(lines[0])
        for line in lines[1:]:
            rows += 1 + max(width - 1, 0) // columns
            width = len(line)
        self.rows, self.column = rows, width
        return rows >= self.lines

    # -- the pager -------------------------------------------------------------

    def start(self) -> bool:
        """Start the pager now and give it what is held; whether it runs. A pager that cannot be
        started is said so once, and the output goes to the terminal."""
        if self.pipe is not None:
            return True
        if self.held is None:
            return False
        held, self.held = self.held, None
        self.proc = _start_pager(self.command, self.terminal, self.stderr)
        if self.proc is None:
            self.terminal.write("".join(held))
            return False
        self.pipe = _text_pipe(self.proc.stdin)
        self._ignore_sigpipe()
        self._to_pager("".join(held))
        return True

    def _to_pager(self, text: str) -> None:
        assert self.pipe is not None
        try:
            self.pipe.write(text)
        except BrokenPipeError:
            self._pager_quit()
            raise

    def _flush_pipe(self) -> None:
        assert self.pipe is not None
        try:
            self.pipe.flush()
        except BrokenPipeError:
            self._pager_quit()
            raise

    def _pager_quit(self) -> None:
        """The pager is gone: what is written from now on goes nowhere."""
        self.quit = True
        pipe, self.pipe = self.pipe, None
        _close_quietly(pipe)
        self.on_quit()

    def _ignore_sigpipe(self) -> None:
        """A pager quit early must not end the shell by SIGPIPE (which the command line leaves
        deadly, as in sqlite3's ``| head``): writing then fails with EPIPE instead. (Ctrl-C while
        the pager runs is the pager's: the shell's watcher passes over it, see ``pager_runs``.)"""
        import _signal

        signals = [_signal.SIGPIPE] if hasattr(_signal, "SIGPIPE") else []
        self._previous = [(sig, _signal.signal(sig, _signal.SIG_IGN)) for sig in signals]

    def _restore_signals(self) -> None:
        import _signal

        for sig, handler in self._previous:
            _signal.signal(sig, handler)

    def pager_runs(self) -> bool:
        """Whether the pager is on the terminal now (started and not yet ended, even if quit)."""
        return self.proc is not None and self.proc.poll() is None

    def error_stream(self) -> TextIO | None:
        """Where an error message goes now: the pager while it runs; stderr after what is held,
        which goes to the terminal first (so that messages come after the output they follow);
        None once the pager was quit (the statement stopped because of that: nothing to say)."""
        if self.quit and not self.closed:
            return None
        if self.pipe is not None:
            if self.pager_runs():
                return self.pipe
            # The pager was quit and nothing written since told us: the message is for the terminal.
            pipe, self.pipe = self.pipe, None
            _close_quietly(pipe)
        self.release()
        return self.stderr

    def release(self) -> None:
        """What is held goes to the terminal now, and what follows too (another program is to use
        the terminal, or a message is to come after the output)."""
        if self.held is not None:
            held, self.held = self.held, None
            self.terminal.write("".join(held))
        if self.pipe is None and not self.quit:
            self.terminal.flush()

    def close(self) -> None:
        """At the end of the statement or dot-command: what is held goes to the terminal; a pager
        gets the end of its input and is waited for."""
        self.release()
        pipe, self.pipe = self.pipe, None
        if pipe is not None:
            _close_quietly(pipe)
        if self.proc is not None:
            try:
                status = self.proc.wait()
            finally:
                self._restore_signals()
            if status > 0:  # (less quit with q ends with 0): the output it was given may be lost
                self.stderr.write(f'pager "{self.command}" ended with status {status}\n')
                self.stderr.flush()
        self.closed = True  # (writes after the end pass straight to the terminal)


def _start_pager(command: str, terminal: TextIO, stderr: TextIO) -> Any:
    """The pager's process, its stdin a pipe, its stdout the terminal; None, after one line on
    ``stderr``, if it cannot be started. ``command`` is split as a shell would split it."""
    import shlex
    import subprocess

    terminal.flush()
    env = dict(os.environ)
    env.setdefault("LESSCHARSET", "utf-8")  # the shell writes UTF-8, whatever the locale says
    env.setdefault("LESS", "FRSX")  # as git does: a bare PAGER=less shows the colours, not ESC[2m
    try:
        # Unbuffered: rows that come slowly reach the pager as they come.
        return subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, bufsize=0, env=env)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        stderr.write(f'pager "{command}" cannot be started: {reason}\n')
        stderr.flush()
        return None


def _text_pipe(binary: Any) -> TextIO:
    """A text stream over the pager's stdin, written as the terminal is (UTF-8, bytes kept)."""
    import io

    return io.TextIOWrapper(
        binary, encoding="utf-8", errors="surrogateescape", newline="\n", write_through=True
    )


def _close_quietly(pipe: TextIO | None) -> None:
    """Close the pager's stdin; a pager already gone is no error."""
    if pipe is None:
        return
    try:  # noqa: SIM105  # (nothing is buffered: writes go through)
        pipe.close()
    except BrokenPipeError:
        pass
