"""The ``wasmshell`` command: options as sqlite3 takes them, then batch or interactive.

Options may come before or after the database name, with one dash or two;
the first other argument is the database and the rest are SQL or dot-commands
to run in order. sqlite3's error messages and exit statuses are kept, so
scripts written for sqlite3 work unchanged.

The options are one table, OPTIONS: the parser, the -help text and the
completion scripts in completions/ (completion_scripts.py) are made from it;
the output-mode switches and their lines come from the table of modes.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .shell.output import modes
from .shell.output.modes import SWITCHES as MODE_SWITCHES

if TYPE_CHECKING:
    from .shell.state import Shell

PROG = "wasmshell"


class Option:
    """One command-line option, from which the parser, ``-help`` and the completion
    scripts (completion_scripts.py) are made. Each is taken with one dash or two.

    A plain class, not a NamedTuple or a dataclass: making those costs start-up time.
    """

    __slots__ = (
        "alone", "argument", "excludes", "files", "help", "hidden", "long", "name", "negatable", "repeats",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        argument: str = "",  # the value's name in -help ("FILENAME"); "" for an option without one
        help: str = "",
        *,
        long: bool = False,  # -help spells it with two dashes, as --wasm-timeout
        negatable: bool = False,  # -[no]NAME: -noNAME turns it off
        files: bool = False,  # its value is a file name (completed as one)
        repeats: bool = False,  # each use counts, so completion offers it again
        alone: bool = False,  # it does its job and exits: nothing is completed after it
        excludes: tuple[str, ...] = (),  # options it contradicts (completion offers neither after one)
        hidden: bool = False,  # taken but not in -help (as sqlite3's -psql)
    ) -> None:
        self.name, self.argument, self.help, self.long, self.negatable = name, argument, help, long, negatable
        self.files, self.repeats, self.alone, self.excludes = files, repeats, alone, excludes
        self.hidden = hidden

    def __repr__(self) -> str:
        return f"Option({self.name!r})"

    @property
    def names(self) -> tuple[str, ...]:
        """The names the parser takes: NAME, and noNAME for -[no]NAME."""
        return (self.name, f"no{self.name}") if self.negatable else (self.name,)

    @property
    def spelling(self) -> str:
        """The option as -help spells it, without its argument."""
        return ("--" if self.long else "-") + ("[no]" if self.negatable else "") + self.name


def _switch(name: str) -> Option:
    """The option of an output mode's switch, from the table of modes."""
    mode = modes.BY_NAME[name]
    return Option(name, help=mode.help, hidden=mode.switch_help == "")


# In -help's order (sqlite3's, nearly alphabetical).
OPTIONS: tuple[Option, ...] = (
    _switch("ascii"),
    Option("bail", help="stop after hitting an error"),
    Option("batch", help="force batch I/O", excludes=("interactive",)),
    _switch("box"),
    _switch("column"),
    Option("cmd", "COMMAND", 'run "COMMAND" before reading stdin', repeats=True),
    _switch("csv"),
    Option("echo", help="print inputs before execution"),
    Option("init", "FILENAME", "read/process named file", files=True),
    Option("header", help="turn headers on or off", negatable=True),
    Option("help", help="show this message", alone=True),
    _switch("html"),
    Option("interactive", help="force interactive I/O", excludes=("batch",)),
    _switch("json"),
    _switch("line"),
    _switch("list"),
    _switch("markdown"),
    _switch("psql"),
    Option("newline", "SEP", "set output row separator. Default: '\\n'"),
    Option("nullvalue", "TEXT", "set text string for NULL values. Default ''"),
    _switch("quote"),
    Option("readonly", help="open the database read-only"),
    Option("safe", help="enable safe-mode: refuse what touches files or runs programs"),
    Option("separator", "SEP", "set output column separator. Default: '|'"),
    _switch("table"),
    _switch("tabs"),
    Option("version", help="show wasmshell, SQLite and wasmtime versions", alone=True),
    Option("wasm-timeout", "MS", "time limit of one Wasm call (default 5000)", long=True),
    Option("wasm-memory", "MB", "memory limit of one Wasm instance (default 64)", long=True),
)

VALUE_OPTIONS = tuple(name for option in OPTIONS if option.argument for name in option.names)
FLAG_OPTIONS = tuple(name for option in OPTIONS if not option.argument for name in option.names)


def _help_line(option: Option) -> str:
    spelled = f"{option.spelling} {option.argument}" if option.argument else option.spelling
    return f"   {spelled:<20} {option.help}\n"


HELP = (
    f"Usage: {PROG} [OPTIONS] FILENAME [SQL...]\n"
    "FILENAME is the name of an SQLite database. A new database is created\n"
    "if the file does not previously exist. Defaults to :memory:.\n"
    f"Each SQL argument (SQL or a dot-command) runs in order, then {PROG} exits.\n"
    "OPTIONS include:\n"
) + "".join(_help_line(option) for option in OPTIONS if not option.hidden)


class UsageError(Exception):
    """A command-line mistake; the message is printed as sqlite3 prints it."""


class Options:
    """The parsed command line; ``actions`` keeps the options in the order given."""

    def __init__(self) -> None:
        self.database: str | None = None
        self.sql: list[str] = []
        self.sql_positions: list[int] = []  # where each of ``sql`` is in argv, for messages
        self.cmd_positions: list[int] = []  # where each -cmd's value is in argv
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
            if name == "cmd":
                opts.cmd_positions.append(i + 1)  # argv[0] is the program
            _take_value(opts, name, given, argv[i])
            i += 1
        elif name in FLAG_OPTIONS:
            _take_flag(opts, name)
        else:
            raise UsageError(f"Error: unknown option: {arg}\nUse -help for a list of options.")
    return opts


def _take_value(opts: Options, name: str, given: str, value: str) -> None:
    """Note the option ``name`` (spelled ``given``) with its value."""
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
            message = f"Error: {given} takes a whole number from 1 to {largest}, not {value!r}"
            raise UsageError(message) from None
        if name == "wasm-timeout":
            opts.timeout_ms = number
        else:
            opts.memory_mb = number
    else:
        opts.actions.append((name, value))


def _take_flag(opts: Options, name: str) -> None:
    """Note the option ``name``, which takes no value."""
    if name == "batch":
        opts.interactive = False
    elif name == "interactive":
        opts.interactive = True
    elif name == "readonly":
        opts.readonly = True
    else:
        opts.actions.append((name, None))


def default_init_file() -> str | None:
    """The init file, if one exists: wasmshellrc in the XDG config directory
    ($XDG_CONFIG_HOME/wasmshell, else ~/.config/wasmshell, on every system), else
    ~/.wasmshellrc."""
    home = os.path.expanduser("~")
    config = os.environ.get("XDG_CONFIG_HOME")
    if config and not os.path.isabs(config):
        # platformdirs ignores a relative $XDG_CONFIG_HOME (as the XDG spec says);
        # wasmshell always took it as it was, and still does.
        directory = os.path.join(config, "wasmshell")
    else:
        # platformdirs' Unix rules, also on macOS, where its default would be ~/Library.
        # Importing it costs about 7 ms of every start (it imports tempfile).
        from platformdirs.unix import Unix

        directory = Unix("wasmshell").user_config_dir
    for candidate in (os.path.join(directory, "wasmshellrc"), os.path.join(home, ".wasmshellrc")):
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
        from .version import version_text

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
    shell = _open(opts)
    if shell is None:
        return 1
    shells.append(shell)
    _read_init_file(shell, opts.init or default_init_file())
    status = _apply_options(shell, opts.actions, opts.cmd_positions)
    if status:
        return status
    if opts.sql:
        return _finish(shell, _run_sql_args, shell, opts)
    if shell.flags.interactive:
        return None
    return _finish(shell, _run_stdin, shell)


def _open(opts: Options) -> Shell | None:
    """The shell on the database the options name; None (said on stderr) if it cannot be opened."""
    import apsw

    from .engine import Limits
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
        return None
    shell.flags.interactive = interactive
    return shell


def _read_init_file(shell: Shell, init: str | None) -> None:
    """Run the init file, if there is one; a missing one is reported and the rest goes on."""
    from .shell.runner import LineReader, process_input

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


def _apply_options(shell: Shell, actions: list[tuple[str, str | None]], cmd_positions: list[int]) -> int:
    """Apply the options in the order given; a failing -cmd under -bail stops them, its status returned."""
    positions = iter(cmd_positions)
    for name, value in actions:
        if name in MODE_SWITCHES:
            modes.change(shell.settings, name)  # as .mode NAME does (sqlite3 3.54)
            shell.mode_set = True
        elif name == "cmd":
            assert value is not None
            status = _run_cmd(shell, value, next(positions, 0))
            if status and shell.flags.bail:
                shell.flush()
                return status
        else:
            _apply_setting(shell, name, value)
    return 0


def _run_cmd(shell: Shell, command: str, position: int) -> int:
    """Run the value of -cmd (argument ``position``): a dot-command or SQL."""
    from .shell.runner import run_command

    if command.startswith("."):
        return run_command(shell, command)
    return shell.run_sql_argument(command, position)


def _apply_setting(shell: Shell, name: str, value: str | None) -> None:
    """Apply an option that sets something: headers, bail, echo, safe mode, the NULL text, separators."""
    settings = shell.settings
    if name == "header":
        settings.titles, settings.headers_set = modes.TITLES_ALWAYS, True
    elif name == "noheader":
        settings.titles, settings.headers_set = modes.TITLES_OFF, True
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


def _run_stdin(shell: Shell) -> int:
    """Read and run standard input to its end."""
    from .shell.runner import LineReader, process_input

    errors = process_input(shell, LineReader(sys.stdin.fileno()))
    if shell.exit_code is not None:
        return shell.exit_code
    return 1 if errors else 0


def _finish(shell: Shell, body: Callable[..., int], *args: Any) -> int:
    """Run ``body``, then send pending output, returning 1 if it cannot be written."""
    from .shell.commands.testcase import test_summary

    try:
        return test_summary(shell, body(*args))  # (.check's count, if it ran)
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
    from .shell.runner import run_command
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
            rc = shell.run_sql_argument(item, position)
            if rc:
                return rc
    return 0
