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
import sys

from .lean import TYPE_CHECKING
from .shell.output import modes
from .shell.output.modes import SWITCHES as MODE_SWITCHES

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from .shell.state import Shell

PROG = "wasmshell"


class Option:
    """One command-line option, from which the parser, ``-help`` and the completion
    scripts (completion_scripts.py) are made. Each is taken with one dash or two.

    A plain class, not a NamedTuple or a dataclass: making those costs start-up time.
    """

    __slots__ = (
        "alone", "argument", "complete", "excludes", "files", "help", "hidden", "long", "name",
        "negatable", "repeats",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        argument: str = "",  # the values' names in -help ("FILENAME", "SIZE N"); "" for none
        help: str = "",
        *,
        long: bool = False,  # -help spells it with two dashes, as --wasm-timeout
        negatable: bool = False,  # -[no]NAME: -noNAME turns it off
        files: bool = False,  # its value is a file name (completed as one)
        repeats: bool = False,  # each use counts, so completion offers it again
        alone: bool = False,  # it does its job and exits: nothing is completed after it
        excludes: tuple[str, ...] = (),  # options it contradicts (completion offers neither after one)
        hidden: bool = False,  # taken but not in -help (as sqlite3's -psql)
        complete: bool = True,  # offered by the completion scripts
    ) -> None:
        self.name, self.argument, self.help, self.long, self.negatable = name, argument, help, long, negatable
        self.files, self.repeats, self.alone, self.excludes = files, repeats, alone, excludes
        self.hidden, self.complete = hidden, complete

    def __repr__(self) -> str:
        return f"Option({self.name!r})"

    @property
    def names(self) -> tuple[str, ...]:
        """The names the parser takes: NAME, and noNAME for -[no]NAME."""
        return (self.name, f"no{self.name}") if self.negatable else (self.name,)

    @property
    def values(self) -> int:
        """How many values follow the option."""
        return len(self.argument.split())

    @property
    def spelling(self) -> str:
        """The option as -help spells it, without its argument."""
        return ("--" if self.long else "-") + ("[no]" if self.negatable else "") + self.name


def _switch(name: str) -> Option:
    """The option of an output mode's switch, from the table of modes."""
    mode = modes.BY_NAME[name]
    return Option(name, help=mode.help, hidden=mode.switch_help == "")


def _accepted(name: str, argument: str = "") -> Option:
    """An option sqlite3 3.54 takes without listing it in -help."""
    return Option(name, argument, hidden=True)


# In -help's order (sqlite3 3.54's, nearly alphabetical), then wasmshell's own.
OPTIONS: tuple[Option, ...] = (
    Option("-", help="treat no subsequent arguments as options", complete=False),
    Option("append", help="append the database to the end of the file"),
    _switch("ascii"),
    Option("bail", help="stop after hitting an error"),
    Option("batch", help="force batch I/O", excludes=("interactive",)),
    _switch("box"),
    Option("cmd", "COMMAND", 'run "COMMAND" before reading stdin', repeats=True),
    Option("cmdline-edit", "BOOL", "enable or disable command-line editing"),
    _switch("column"),
    _switch("csv"),
    Option("deserialize", help="open the database using sqlite3_deserialize()"),
    Option("echo", help="print inputs before execution"),
    Option("eqp", help="show each statement's query plan (as .eqp on)", hidden=True),
    Option("eqpfull", help="show each statement's query plan and bytecode (as .eqp full)", hidden=True),
    Option("escape", "T", "ctrl-char escape; T is one of: symbol, ascii, off"),
    Option("init", "FILENAME", "read/process named file", files=True),
    Option("header", help="turn headers on or off", negatable=True),
    Option("help", help="show this message", alone=True),
    _switch("html"),
    Option("ifexists", help="only open if database already exists"),
    Option("interactive", help="force interactive I/O", excludes=("batch",)),
    _switch("json"),
    _switch("line"),
    _switch("list"),
    Option("lookaside", "SIZE N", "use N entries of SZ bytes for lookaside memory"),
    _switch("markdown"),
    _switch("psql"),
    Option("maxsize", "N", "maximum size for a --deserialize database"),
    Option("memtrace", help="trace all memory allocations and deallocations"),
    Option("mmap", "N", "default mmap size set to N"),
    Option("newline", "SEP", "set output row separator. Default: '\\n'"),
    Option("nofollow", help="refuse to open symbolic links to database files"),
    Option("noinit", help="Do not read the ~/.sqliterc file at startup"),
    Option("nonce", "STRING", "set the safe-mode escape nonce"),
    Option("no-rowid-in-view", help="Disable rowid-in-view using sqlite3_config()"),
    Option("nullvalue", "TEXT", "set text string for NULL values. Default ''"),
    Option("pagecache", "SIZE N", "use N slots of SZ bytes each for page cache memory"),
    Option("pcachetrace", help="trace all page cache operations"),
    _switch("quote"),
    Option("readonly", help="open the database read-only"),
    Option("safe", help="enable safe-mode: refuse what touches files or runs programs"),
    Option("scanstats", help="show each statement's scan counters (as .scanstats on)", hidden=True),
    Option("screenwidth", "N", "use N as the default screenwidth "),
    Option("separator", "SEP", "set output column separator. Default: '|'"),
    Option("stats", help="print memory stats before each finalize"),
    _switch("table"),
    _switch("tabs"),
    Option("unsafe-testing", help="allow unsafe commands and modes for testing"),
    Option("version", help="show wasmshell, SQLite and wasmtime versions", alone=True),
    Option("vfs", "NAME", "use NAME as the default VFS"),
    Option("vfstrace", help="enable tracing of all VFS calls"),
    Option("wasm-timeout", "MS", "time limit of one Wasm call (default 5000)", long=True),
    Option("wasm-memory", "MB", "memory limit of one Wasm instance (default 64)", long=True),
    # Taken as sqlite3 3.54 takes them, not listed by its -help either.
    _accepted("exclusive"),
    _accepted("heap", "SIZE"),
    _accepted("threadsafe", "N"),
    _accepted("utf8"),
    _accepted("no-utf8"),
    _accepted("test-argv"),
)

BY_NAME = {name: option for option in OPTIONS for name in option.names}
VALUE_OPTIONS = tuple(name for option in OPTIONS if option.argument for name in option.names)
FLAG_OPTIONS = tuple(name for option in OPTIONS if not option.argument for name in option.names)

# sqlite3 3.54 reads the command line twice (see parse_args). Its second reading steps over
# these many arguments after these options, which is not always how many values they take:
# the argument after -memtrace, -pcachetrace or -vfstrace, and the one after the value of
# -nonce, -cmdline-edit or -threadsafe, are passed over as if they were values. Kept, as
# scripts may depend on it.
_SECOND_PASS_SKIP = {
    "memtrace": 1,
    "pcachetrace": 1,
    "vfstrace": 1,
    "nonce": 2,
    "cmdline-edit": 2,
    "threadsafe": 2,
}
# Options whose value is taken only when an argument follows: last on the line, each is an unknown option.
_VALUE_IF_ANY = ("escape", "maxsize")
# Options the second reading has nothing to do for (the first did it, or there is nothing to do).
_FIRST_PASS_ONLY = frozenset(
    (
        "append", "deserialize", "readonly", "nofollow", "noinit", "exclusive", "ifexists", "bail",
        "batch", "utf8", "no-utf8", "no-rowid-in-view", "unsafe-testing", "init", "screenwidth",
        "heap", "pagecache", "lookaside", "mmap", "vfs", "wasm-timeout", "wasm-memory",
    )
)  # fmt: skip
ESCAPES = ("auto", "off", "ascii", "symbol")  # -escape's values, in sqlite3's order


def _help_line(option: Option) -> str:
    spelled = f"{option.spelling} {option.argument}" if option.argument else option.spelling
    return f"   {spelled:<20} {option.help}\n"


HELP = (
    f"Usage: {PROG} [OPTIONS] [FILENAME [SQL...]]\n"
    "FILENAME is the name of an SQLite database. A new database is created\n"
    "if the file does not previously exist. Defaults to :memory:.\n"
    f"Each SQL argument (SQL or a dot-command) runs in order, then {PROG} exits.\n"
    "OPTIONS include:\n"
) + "".join(_help_line(option) for option in OPTIONS if not option.hidden)


class UsageError(Exception):
    """A command-line mistake; the message is written as it is, with exit status 1."""


class Options:
    """The parsed command line: what sqlite3's first reading of it sets, and ``actions``,
    what its second reading does, in order."""

    def __init__(self) -> None:
        from .shell.opening import OpenSpec

        self.database: str | None = None
        self.sql: list[str] = []
        self.sql_positions: list[int] = []  # where each of ``sql`` is in argv, for messages
        self.actions: list[tuple[str, str | None, int]] = []  # (name, value, the value's position)
        self.init: str | None = None
        self.noinit = False
        self.interactive: bool | None = None
        self.open = OpenSpec()
        self.vfs: str | None = None
        self.mmap: int | None = None
        self.lookaside: tuple[int, int] | None = None
        self.screenwidth = 0
        self.nonce: str | None = None
        self.unsafe_testing = False
        self.cmdline_edit: bool | None = None
        self.bail = False
        self.timeout_ms: int | None = None
        self.memory_mb: int | None = None

    @property
    def readonly(self) -> bool:
        """-readonly was given (last of the open flags)."""
        import apsw

        return bool(self.open.flags & apsw.SQLITE_OPEN_READONLY)


def parse_args(argv: Sequence[str], say: Callable[[str, bool], None] | None = None) -> Options:
    """Parse sqlite3-style options (one or two dashes, anywhere on the line) as sqlite3 3.54
    does: a first reading takes the database, the SQL arguments and what must be known
    before the database is opened; a second one (``Options.actions``) applies the rest in
    order after the init file, where an unknown option is an error. ``say(text, to_stderr)``
    writes what the first reading writes (a warning, -pagecache's note).
    """
    args = [PROG, *argv]  # counted from 1 as sqlite3 counts them (argv[N] in messages)
    opts = Options()
    say = say or _say
    options_end = len(args)
    i = 1
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or i > options_end:
            if opts.database is None and not _is_script(arg):
                opts.database = arg
            else:
                opts.sql.append(arg)
                opts.sql_positions.append(i)
            i += 1
            continue
        z = arg[1:] if arg.startswith("--") else arg
        if z == "-":
            options_end = i
            i += 1
            continue
        i = _first_pass(opts, args, i, z[1:], say)
    opts.actions = _second_pass(args, options_end)
    return opts


def _say(text: str, to_stderr: bool) -> None:
    stream = sys.stderr if to_stderr else sys.stdout
    stream.write(text)
    stream.flush()  # before anything the shell writes on the same descriptor


def _is_script(arg: str) -> bool:
    from .shell.opening import is_script_file

    return is_script_file(arg)


def _value(args: list[str], i: int) -> str:
    """The argument at ``i``, the value of an option; sqlite3's message when there is none."""
    if i >= len(args):
        raise UsageError(f"{PROG}: Error: missing argument to {args[-1]}")
    return args[i]


def _first_pass(opts: Options, args: list[str], i: int, name: str, say: Callable[[str, bool], None]) -> int:
    """sqlite3's first reading of option ``name`` at ``i``; the index after it and its values."""
    from .shell.commands.args import boolean_value, integer_value

    spec = opts.open
    option = BY_NAME.get(name)
    if name in _VALUE_IF_ANY:
        if i + 1 < len(args) and name == "maxsize":
            spec.maxsize = integer_value(args[i + 1])
        return i + 2 if i + 1 < len(args) else i + 1
    values = [_value(args, i + k) for k in range(1, 1 + (option.values if option else 0))]
    _first_pass_effect(opts, name, values, say, boolean_value, integer_value)
    if name == "test-argv":  # an undocumented test option: argv as the program sees it
        say("".join(f'argv[{k}] = "{arg}"\n' for k, arg in enumerate(args)), False)
        raise SystemExit(0)
    return i + 1 + len(values)


def _first_pass_effect(
    opts: Options, name: str, values: list[str], say: Any, boolean: Any, integer: Any
) -> None:
    """What sqlite3's first reading does for ``name`` with ``values``."""
    import apsw

    spec = opts.open
    value = values[0] if values else ""
    if name == "init":
        opts.init = value
    elif name == "batch":
        opts.interactive = False if opts.interactive is None else opts.interactive
    elif name == "screenwidth":
        width = _atoi(value)
        if width < 2:
            raise UsageError("minimum --screenwidth is 2")
        opts.screenwidth = width
    elif name == "pagecache":
        size = max(0, min(65536, integer(values[0])))
        if size > 0 and size & (size - 1) == 0:
            header = apsw.config(apsw.SQLITE_CONFIG_PCACHE_HDRSZ)
            say(
                f"Page cache size increased to {size + header} to accommodate the {header}-byte headers\n",
                False,
            )
    elif name == "lookaside":
        opts.lookaside = (max(0, _int32(integer(values[0]))), max(0, _int32(integer(values[1]))))
    elif name == "mmap":
        opts.mmap = integer(value)
    elif name == "vfs":
        opts.vfs = value
    elif name in ("append", "deserialize"):
        spec.mode = name
    elif name == "readonly":
        spec.readonly()
    elif name == "nofollow":
        spec.flags |= apsw.SQLITE_OPEN_NOFOLLOW
    elif name == "exclusive":
        spec.flags |= apsw.SQLITE_OPEN_EXCLUSIVE
    elif name == "ifexists":
        spec.ifexists(command_line=True)
    elif name == "noinit":
        opts.noinit = True
    elif name == "bail":
        opts.bail = True
    elif name == "nonce":
        opts.nonce = value
    elif name == "unsafe-testing":
        opts.unsafe_testing = True
    elif name == "cmdline-edit":
        opts.cmdline_edit = boolean(value, lambda text: say(text + "\n", True))
    elif name in ("wasm-timeout", "wasm-memory"):
        _take_limit(opts, name, value)


def _atoi(text: str) -> int:
    """C's atoi: leading white space, a sign, digits; 0 when there are none."""
    import re

    found = re.match(r"\s*([-+]?\d+)", text)
    return _int32(int(found.group(1))) if found else 0


def _int32(value: int) -> int:
    """``value`` as C's int holds it."""
    return (value + 2**31) % 2**32 - 2**31


def _take_limit(opts: Options, name: str, value: str) -> None:
    """--wasm-timeout and --wasm-memory: a whole number within the engine's bounds."""
    from .engine.limits import LARGEST

    largest = LARGEST["timeout_ms" if name == "wasm-timeout" else "memory_mb"]
    try:
        number = int(value)
        if not 0 < number <= largest:
            raise ValueError
    except ValueError:
        message = f"{PROG}: Error: --{name} takes a whole number from 1 to {largest}, not {value!r}"
        raise UsageError(message) from None
    if name == "wasm-timeout":
        opts.timeout_ms = number
    else:
        opts.memory_mb = number


def _second_pass(args: list[str], options_end: int) -> list[tuple[str, str | None, int]]:
    """sqlite3's second reading: the options that act after the init file, in order, with
    their values and the values' positions; ("unknown", spelling, 0) stops the run there."""
    actions: list[tuple[str, str | None, int]] = []
    i = 1
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or i >= options_end:
            i += 1
            continue
        z = arg[1:] if arg.startswith("--") else arg
        name = z[1:]
        option = BY_NAME.get(name)
        if option is None or name == "-" or (name in _VALUE_IF_ANY and i + 1 >= len(args)):
            actions.append(("unknown", z, 0))
            break
        if name == "cmd" and i == len(args) - 1:
            break
        skip = _SECOND_PASS_SKIP.get(name, option.values)
        if name not in _FIRST_PASS_ONLY and name not in _SECOND_PASS_SKIP:
            value = args[i + 1] if option.values else None
            actions.append((name, value, i + 1))
        i += 1 + skip
    return actions


def default_init_file() -> str | None:
    """The init file, if one exists: wasmshellrc in the XDG config directory
    ($XDG_CONFIG_HOME/wasmshell, else ~/.config/wasmshell, on every system), else
    ~/.wasmshellrc."""
    home = os.path.expanduser("~")
    for candidate in (os.path.join(config_directory(), "wasmshellrc"), os.path.join(home, ".wasmshellrc")):
        if os.path.isfile(candidate):
            return candidate
    return None


def config_directory() -> str:
    """$XDG_CONFIG_HOME/wasmshell, else ~/.config/wasmshell, on every system: where the init
    file and the config file are."""
    # The XDG rule (platformdirs' Unix one, here also on macOS, where its default would be
    # ~/Library), written out: importing platformdirs costs about 7 ms of every start, as much
    # as a piped script of 5,000 INSERTs. A relative $XDG_CONFIG_HOME, which the spec says to
    # ignore, wasmshell always took as it was, and still does.
    config = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "wasmshell")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``wasmshell``; return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None:
        # Like sqlite3 and other filters: a closed pipe (| head) ends the program quietly.
        # (_signal is what signal wraps in enums: importing signal brings enum, milliseconds.)
        import _signal

        if hasattr(_signal, "SIGPIPE"):
            _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    try:
        opts = parse_args(args)
    except UsageError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    except SystemExit as exc:  # -test-argv
        sys.stdout.flush()
        return int(exc.code or 0)
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
    except SystemExit as exc:  # the database could not be opened when first needed
        if shells:
            _flush_quietly(shells[0])
        return int(exc.code or 0)
    finally:
        watcher.close()
        if shells and shells[0].temp_files is not None:  # files an .excel or .www left
            from .shell.commands.viewers import finish

            finish(shells[0])


def _flush_quietly(shell: Shell) -> None:
    try:
        shell.reset_output()
        shell.flush()
    except OSError:
        pass


def _run(opts: Options, shells: list[Shell]) -> int | None:
    """Everything up to reading the input; None when the input is for the editor."""
    status = _configure_sqlite(opts)
    if status:
        return status
    shell = _open(opts)
    shells.append(shell)
    if not opts.noinit:
        _read_init_file(shell, opts.init or default_init_file())
    if shell.config_sources is not None:
        shell.config_sources.record(shell, "init file")
    status = _apply_options(shell, opts)
    if shell.config_sources is not None:
        shell.config_sources.record(shell, "command line")
    if status is not None:
        shell.flush()
        return status
    if opts.sql:
        return _finish(shell, _run_sql_args, shell, opts)
    interactive = opts.interactive if opts.interactive is not None else sys.stdin.isatty()
    shell.flags.interactive = interactive
    if not interactive:
        return _finish(shell, _run_stdin, shell)
    shell.session  # noqa: B018 - sqlite3 opens the database before the first prompt
    from .shell.interactive.plain import run_plain, stdin_is_terminal

    edit = opts.cmdline_edit if opts.cmdline_edit is not None else stdin_is_terminal()
    return None if edit else _finish(shell, run_plain, shell)


def _configure_sqlite(opts: Options) -> int:
    """What must be set before SQLite starts (-mmap, -lookaside) and the default VFS (-vfs);
    1 after sqlite3's message when the VFS is neither known nor a file to load."""
    import apsw

    if opts.mmap is not None or opts.lookaside is not None:
        apsw.shutdown()  # APSW started SQLite when imported; no connection is open yet
        if opts.mmap is not None:
            apsw.config(apsw.SQLITE_CONFIG_MMAP_SIZE, opts.mmap, opts.mmap)
        if opts.lookaside is not None:
            apsw.config(apsw.SQLITE_CONFIG_LOOKASIDE, *opts.lookaside)
        apsw.initialize()
    if opts.vfs is None:
        return 0
    if opts.vfs in apsw.vfs_names():
        apsw.set_default_vfs(opts.vfs)
        return 0
    if not os.path.exists(opts.vfs):
        sys.stderr.write(f'no such VFS: "{opts.vfs}"\n')
        return 1
    from .engine import native

    connection = apsw.Connection(":memory:")  # a file of that name: an extension that makes the VFS
    try:
        native.load_extension(connection, opts.vfs)
    except apsw.Error as exc:
        sys.stderr.write(f'could not load extension VFS "{opts.vfs}": {exc}\n')
        return 1
    finally:
        connection.close()
    return 0


def _open(opts: Options) -> Shell:
    """The shell on the database the options name. As sqlite3 does, a file that exists is
    opened now, and any other database when first needed; if it cannot be opened then,
    sqlite3's message is written and the shell ends with status 1."""
    from .engine import Limits
    from .shell import sqlfuncs  # noqa: F401 - sqlite3's SQL functions, on every connection
    from .shell.opening import OpenError, open_session
    from .shell.state import Shell

    config = _read_config()
    limits = config.limits(Limits()) if config is not None else Limits()
    database = opts.database or ":memory:"

    def opener(shell: Shell) -> Any:
        try:
            return open_session(shell, database, opts.open, shell.next_input_line)
        except OpenError as exc:
            shell.error(str(exc))
            raise SystemExit(1) from None

    shell = Shell(database, limits=limits, opener=opener)
    interactive = opts.interactive if opts.interactive is not None else not opts.sql and sys.stdin.isatty()
    shell.flags.interactive = interactive  # for the init file; -interactive may follow
    if interactive:
        _configure_interactive(shell, config)
    given = {"timeout_ms": opts.timeout_ms, "memory_mb": opts.memory_mb}
    given = {name: value for name, value in given.items() if value}
    if given:  # before the session opens, and before the init file (which may change them)
        shell.set_limits(shell.limits._replace(**given))
    if shell.config_sources is not None:
        shell.config_sources.record(shell, "command line")
    shell.unsafe_testing = opts.unsafe_testing
    shell.nonce = opts.nonce
    shell.flags.bail = opts.bail
    if opts.screenwidth:
        from .shell.output import columnar

        columnar.TTY_WIDTH = opts.screenwidth
    if os.path.exists(database):
        shell.session  # noqa: B018 - opened now
    return shell


def _read_config() -> Any:
    """The config file's settings (config.py), or None when there is none; a file that
    cannot be used is reported (once) and gives the defaults."""
    path = os.path.join(config_directory(), "config.toml")
    if not os.path.exists(path):
        return None  # (config.py and tomllib are not even imported)
    from .shell.config import read_config

    config = read_config(path)
    if config.warning:
        sys.stderr.write(config.warning + "\n")
    return config


def _configure_interactive(shell: Shell, config: Any) -> None:
    """The config file's interactive settings; the start's stages recorded from here on, for .show."""
    from .shell.config import Config, Sources

    config = config or Config()
    config.apply_interactive(shell)
    shell.config_sources = Sources(config)
    shell.config_sources.record(shell, "config file")


def _read_init_file(shell: Shell, init: str | None) -> None:
    """Run the init file, if there is one; a missing one is reported and the rest goes on."""
    if init is not None:
        from .shell.runner import LineReader, process_input

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


def _apply_options(shell: Shell, opts: Options) -> int | None:
    """Apply the options in the order given (sqlite3's second reading of the command line);
    a status when the run ends there: -help, -version, an unknown option, a bad -escape, a
    failing -cmd under -bail, .quit in a -cmd."""
    from .shell.state import QUIT

    for name, value, position in opts.actions:
        if name in MODE_SWITCHES:
            modes.change(shell.settings, name)  # as .mode NAME does (sqlite3 3.54)
            shell.mode_set = True
        elif name == "cmd":
            assert value is not None
            status = _run_cmd(shell, value, position)
            if value.startswith(".") and status and (shell.flags.bail or status == QUIT):
                return 0 if status == QUIT else status
            if not value.startswith(".") and shell.flags.bail:
                return status  # sqlite3 3.54 ends after an SQL -cmd under -bail, failing or not
        elif name == "unknown":
            shell.error(f"{PROG}: Error: unknown option: {value}\nUse -help for a list of options.")
            return 1
        elif name == "help":
            shell.stderr.write(HELP)  # sqlite3 3.54 writes it on stderr
            shell.stderr.flush()
            return 0
        elif name == "version":
            from .version import version_text

            shell.stdout.write(version_text() + "\n")
            return 0
        elif name == "escape":
            status = _set_escape(shell, value or "")
            if status:
                return status
        elif name == "interactive":
            opts.interactive = True
        else:
            _apply_setting(shell, name, value)
    return None


def _set_escape(shell: Shell, value: str) -> int:
    """-escape T: how control characters are written; 1 after sqlite3's message for another T."""
    for name in ESCAPES:
        if value.lower() == name:
            shell.settings.escape = name
            return 0
    shell.error(f'unknown control character escape mode "{value}" - choices: {" ".join(ESCAPES)}')
    return 1


def _run_cmd(shell: Shell, command: str, position: int) -> int:
    """Run the value of -cmd (argument ``position``): a dot-command or SQL."""
    from .shell.runner import run_command

    if command.startswith("."):
        return run_command(shell, command)
    return shell.run_sql_argument(command, position)


def _apply_setting(shell: Shell, name: str, value: str | None) -> None:
    """Apply an option that sets something: headers, echo, safe mode, the NULL text, separators."""
    settings = shell.settings
    if name == "header":
        settings.titles, settings.headers_set = modes.TITLES_ALWAYS, True
    elif name == "noheader":
        settings.titles, settings.headers_set = modes.TITLES_OFF, True
    elif name == "echo":
        shell.flags.echo = True
    elif name in ("eqp", "eqpfull", "stats", "scanstats"):
        _watch_switch(shell, name)
    elif name == "safe":
        from .shell.safe import enter_safe_mode

        enter_safe_mode(shell)  # for what comes after it: not the init file, as in sqlite3
    elif name == "nullvalue":
        settings.null = value or ""
    elif name == "separator":
        settings.colsep = value or ""
    elif name == "newline":
        settings.rowsep = value or ""


def _watch_switch(shell: Shell, name: str) -> None:
    """-eqp, -eqpfull, -stats and -scanstats: as .eqp on, .eqp full, .stats on, .scanstats on
    (without .scanstats's warning, as sqlite3)."""
    from .shell import watch

    if name == "stats":
        shell.watch.stats = watch.STATS_ON
    elif name == "scanstats":
        shell.watch.scanstats = 1
    else:
        shell.watch.eqp = watch.EQP_FULL if name == "eqpfull" else watch.EQP_ON
    shell.watch_changed()


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
        status = body(*args)
        if shell.tools is None:  # no .testcase or .check ran
            return status
        from .shell.commands.testcase import test_summary

        return test_summary(shell, status)  # (.check's count, if it ran)
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
    """Run SQL and dot-command arguments in order, stopping at the first failure. An argument
    naming a file of SQL (see opening.is_script_file) is read as input; after one with an
    error nothing more runs, and the status stays 0, as in sqlite3 3.54."""
    from .shell.opening import is_script_file
    from .shell.state import QUIT

    for position, item in zip(opts.sql_positions, opts.sql, strict=True):
        if is_script_file(item):
            from .shell.runner import LineReader, process_input  # (SQL alone runs without them)

            try:
                reader = LineReader.open(item)
            except OSError:
                return 0
            try:
                errors = process_input(shell, reader, source=item)
            finally:
                reader.close()
            if errors or shell.quit is not None:
                return shell.exit_code or 0
        elif item.startswith("."):
            from .shell.runner import run_command
            from .shell.safe import command_line_argument

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
