"""The ``wasmshell`` command: options as sqlite3 takes them, then batch or interactive.

Options may come before or after the database name, with one dash or two;
the first other argument is the database and the rest are SQL or dot-commands
to run in order. sqlite3's error messages and exit statuses are kept, so
scripts written for sqlite3 work unchanged.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .shell.output.modes import SWITCHES as MODE_SWITCHES
from .shell.output.modes import apply_switch

if TYPE_CHECKING:
    from .shell.state import Shell

PROG = "wasmshell"

VALUE_OPTIONS = ("init", "cmd", "nullvalue", "separator", "newline", "wasm-timeout", "wasm-memory")
FLAG_OPTIONS = (
    "bail", "batch", "interactive", "echo", "header", "noheader", "readonly",
    "safe", "version", "help", *MODE_SWITCHES,
)  # fmt: skip

HELP = f"""\
Usage: {PROG} [OPTIONS] FILENAME [SQL...]
FILENAME is the name of an SQLite database. A new database is created
if the file does not previously exist. Defaults to :memory:.
Each SQL argument (SQL or a dot-command) runs in order, then {PROG} exits.
OPTIONS include:
   -ascii               set output mode to 'ascii'
   -bail                stop after hitting an error
   -batch               force batch I/O
   -box                 set output mode to 'box'
   -column              set output mode to 'column'
   -cmd COMMAND         run "COMMAND" before reading stdin
   -csv                 set output mode to 'csv'
   -echo                print inputs before execution
   -init FILENAME       read/process named file
   -[no]header          turn headers on or off
   -help                show this message
   -html                set output mode to HTML
   -interactive         force interactive I/O
   -json                set output mode to 'json'
   -line                set output mode to 'line'
   -list                set output mode to 'list'
   -markdown            set output mode to 'markdown'
   -newline SEP         set output row separator. Default: '\\n'
   -nullvalue TEXT      set text string for NULL values. Default ''
   -quote               set output mode to 'quote'
   -readonly            open the database read-only
   -safe                enable safe-mode: refuse what touches files or runs programs
   -separator SEP       set output column separator. Default: '|'
   -table               set output mode to 'table'
   -tabs                set output mode to 'tabs'
   -version             show wasmshell, SQLite and wasmtime versions
   --wasm-timeout MS    time limit of one Wasm call (default 5000)
   --wasm-memory MB     memory limit of one Wasm instance (default 64)
"""


class UsageError(Exception):
    """A command-line mistake; the message is printed as sqlite3 prints it."""


class Options:
    """The parsed command line; ``actions`` keeps the options in the order given."""

    def __init__(self) -> None:
        self.database: str | None = None
        self.sql: list[str] = []
        self.sql_positions: list[int] = []  # where each of ``sql`` is in argv, for messages
        self.actions: list[tuple[str, str | None]] = []
        self.init: str | None = None
        self.interactive: bool | None = None
        self.readonly = False
        self.timeout_ms: int | None = None
        self.memory_mb: int | None = None


def parse_args(argv: Sequence[str]) -> Options:
    """Parse sqlite3-style options (one or two dashes, anywhere on the line)."""
    opts = Options()
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            if opts.database is None:
                opts.database = arg
            else:
                opts.sql.append(arg)
                opts.sql_positions.append(i)  # argv[0] is the program
            continue
        given = arg
        arg = arg[1:] if arg.startswith("--") else arg  # sqlite3 names it with one dash
        name = arg[1:]
        if name in VALUE_OPTIONS:
            if i >= len(argv):
                raise UsageError(f"Error: missing argument to {arg}")
            value = argv[i]
            i += 1
            if name == "init":
                opts.init = value
            elif name in ("wasm-timeout", "wasm-memory"):
                from .engine.limits import LARGEST

                largest = LARGEST["timeout_ms" if name == "wasm-timeout" else "memory_mb"]
                try:
                    number = int(value)
                    if not 0 < number <= largest:
                        raise ValueError
                except ValueError:
                    raise UsageError(
                        f"Error: {given} takes a whole number from 1 to {largest}, not {value!r}"
                    ) from None
                if name == "wasm-timeout":
                    opts.timeout_ms = number
                else:
                    opts.memory_mb = number
            else:
                opts.actions.append((name, value))
        elif name in FLAG_OPTIONS:
            if name == "batch":
                opts.interactive = False
            elif name == "interactive":
                opts.interactive = True
            elif name == "readonly":
                opts.readonly = True
            else:
                opts.actions.append((name, None))
        else:
            raise UsageError(f"Error: unknown option: {arg}\nUse -help for a list of options.")
    return opts


def default_init_file() -> str | None:
    """$XDG_CONFIG_HOME/wasmshell/wasmshellrc, else ~/.wasmshellrc, if one exists."""
    home = os.path.expanduser("~")
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    for candidate in (os.path.join(config, "wasmshell", "wasmshellrc"), os.path.join(home, ".wasmshellrc")):
        if os.path.isfile(candidate):
            return candidate
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``wasmshell``; return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None and hasattr(signal, "SIGPIPE"):
        # Like sqlite3 and other filters: a closed pipe (| head) ends the program quietly.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        opts = parse_args(args)
    except UsageError as exc:
        sys.stderr.write(f"{PROG}: {exc}\n")
        return 1
    if any(name == "help" for name, _ in opts.actions):
        sys.stdout.write(HELP)
        return 0
    if any(name == "version" for name, _ in opts.actions):
        from .shell.commands.core import version_text

        sys.stdout.write(version_text() + "\n")
        return 0
    return run(opts)


def run(opts: Options) -> int:
    """Open the database, apply the options and run the input.

    From the start, SIGINT interrupts what runs, as in sqlite3: the statement
    stops with an error, batch input stops at its next line, a third SIGINT
    ends the process, and "Program interrupted." is the last word on stderr.
    """
    from .shell.interrupt import InterruptWatcher

    shells: list[Shell] = []
    watcher = InterruptWatcher(lambda: shells[0].interrupt() if shells else None)
    try:
        with watcher:
            status = _run(opts, shells)
        if status is None:  # interactive: the editor has a watcher of its own
            from .shell.interactive.repl import run_interactive

            status = _finish(shells[0], run_interactive, shells[0])
        elif watcher.count:
            sys.stderr.write("Program interrupted.\n")
            sys.stderr.flush()
        return status
    finally:
        watcher.close()


def _run(opts: Options, shells: list[Shell]) -> int | None:
    """Everything up to reading the input; None when the input is interactive."""
    import apsw

    from .engine import Limits
    from .shell.commands.registry import run_command
    from .shell.runner import LineReader, process_input
    from .shell.state import Shell

    limits = Limits()
    if opts.timeout_ms:
        limits = limits._replace(timeout_ms=opts.timeout_ms)
    if opts.memory_mb:
        limits = limits._replace(memory_mb=opts.memory_mb)
    database = opts.database or ":memory:"
    interactive = opts.interactive if opts.interactive is not None else (not opts.sql and sys.stdin.isatty())
    try:
        shell = Shell(database, readonly=opts.readonly, limits=limits)
    except apsw.Error as exc:
        sys.stderr.write(f'Error: unable to open database "{database}": {exc}\n')
        return 1
    shells.append(shell)
    shell.flags.interactive = interactive

    init = opts.init or default_init_file()
    if init is not None:
        try:
            reader = LineReader.open(init)
        except OSError:
            shell.error(f'cannot open: "{init}"')
        else:
            try:
                process_input(shell, reader, source=init)
            finally:
                reader.close()
    shell.lineno = 0  # messages count the input's lines, not the init file's (as sqlite3)

    settings = shell.settings
    for name, value in opts.actions:
        if name in MODE_SWITCHES:
            apply_switch(shell.settings, name)
            shell.mode_set = True
        elif name == "header":
            settings.headers, settings.headers_set = True, True
        elif name == "noheader":
            settings.headers, settings.headers_set = False, True
        elif name == "bail":
            shell.flags.bail = True
        elif name == "echo":
            shell.flags.echo = True
        elif name == "safe":
            from .shell.safe import enter_safe_mode

            enter_safe_mode(shell)  # for what comes after it: not the init file, as in sqlite3
        elif name == "nullvalue":
            settings.null = value or ""
        elif name == "separator":
            settings.colsep = value or ""
        elif name == "newline":
            settings.rowsep = value or ""
        elif name == "cmd":
            assert value is not None
            if value.startswith("."):
                rc = run_command(shell, value)
            else:
                rc = shell.run_sql_argument(value)
            if rc and shell.flags.bail:
                shell.flush()
                return rc
    if opts.sql:
        return _finish(shell, _run_sql_args, shell, opts)
    if interactive:
        return None
    return _finish(shell, _run_stdin, shell)


def _run_stdin(shell: Shell) -> int:
    """Read and run standard input to its end."""
    from .shell.runner import LineReader, process_input

    errors = process_input(shell, LineReader(sys.stdin.fileno()))
    if shell.exit_code is not None:
        return shell.exit_code
    return 1 if errors else 0


def _finish(shell: Shell, body: Callable[..., int], *args: Any) -> int:
    """Run ``body``, then send pending output, returning 1 if it cannot be written."""
    try:
        return body(*args)
    except KeyboardInterrupt:
        return 130
    finally:
        try:
            shell.reset_output()
            shell.flush()
        except OSError as exc:
            shell.report_output_error(exc)
            return 1


def _run_sql_args(shell: Shell, opts: Options) -> int:
    """Run SQL and dot-command arguments in order, stopping at the first failure."""
    from .shell.commands.registry import run_command
    from .shell.safe import command_line_argument
    from .shell.state import QUIT

    for position, item in zip(opts.sql_positions, opts.sql, strict=True):
        if item.startswith("."):
            with command_line_argument(shell, position):
                rc = run_command(shell, item)
            if shell.exit_code is not None:
                return shell.exit_code
            if rc:
                return 0 if rc == QUIT else rc
        else:
            rc = shell.run_sql_argument(item)
            if rc:
                return rc
    return 0
