"""Dot-commands: one registry entry per command, the one place its facts are written.

A command is a function ``(shell, args) -> int`` registered with ``@command``,
which also records its usage, help, options, the kind of each argument and
the files it prefers; ``.help``, completion and the README check are made from
these entries. ``args[0]`` is the name as typed. A command returns 0 on
success, 1 after writing an error, or ``QUIT``. A unique prefix of a name runs
the command (``.hea on``). Under ``-safe`` a command runs only if its
registration says it touches no file and runs no program.

The registry imports no command module: each module registers its own
commands when imported, and the input runner (runner.py), which dispatches
them, imports them all (``load_commands``).
"""

from __future__ import annotations

import apsw

from ...lean import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..state import Shell

    Handler = Callable[[Shell, list[str]], int]
    # Whether a command may run under -safe: True; False; the message that refuses it,
    # where sqlite3's names the command in full (".read", not ".rea" as typed); or a
    # function that says why these arguments may not run (None when they may).
    Safety = bool | str | Callable[[Shell, list[str]], str | None]


# What an argument of a dot-command can be, for completion; "+" joins kinds.
ARGUMENT_KINDS = frozenset(
    {
        "words",  # the command's own words (Command.words)
        "relation",  # a table or view
        "table",  # a table
        "wasm",  # a Wasm function
        "path",  # a file (those with one of Command.files first)
        "directory",  # a directory
        "database",  # an attached database's name
        "command",  # a dot-command's name
    }
)

# The suffixes of database files, which .open, .backup and .save offer first.
DATABASE_FILES = (".db", ".sqlite", ".sqlite3", ".db3")


class Command(Record):
    """A dot-command: everything said about it, in one place.

    ``.help``, the dispatcher, completion and the README check are all made
    from these entries.
    """

    name: str
    usage: str
    help: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    safe: Safety = False
    # Options as spelled, "--name", or "--name VALUE" when the option takes a value.
    options: tuple[str, ...] = ()
    # The kind of each argument by position (options and their values not counted).
    arguments: tuple[str, ...] = ()
    repeated: bool = False  # every argument is of the kind of the first
    words: tuple[str, ...] = ()  # the words an argument of kind "words" takes
    files: tuple[str, ...] = ()  # suffixes of the files it most likely wants
    # Lines .help shows under the command's own when it is the one asked for, as written.
    details: tuple[str, ...] = ()
    # A longer text that .help shows instead, when the command is the one asked for.
    manual: str | None = None
    hidden: bool = False  # runs, but .help lists it only for "0" (sqlite3's undocumented commands)
    deprecated: bool = False  # hidden even from .help 0
    prefix: int = 1  # the shortest abbreviation that runs it (sqlite3 wants 3 letters of some)

    def refusal(self, shell: Shell, args: list[str]) -> str | None:
        """Why safe mode refuses ``args`` (sqlite3's message), or None."""
        if self.safe is True:
            return None
        if self.safe is False:
            return f"cannot run .{args[0]} in safe mode"
        if isinstance(self.safe, str):
            return self.safe
        return self.safe(shell, args)

    @property
    def option_names(self) -> tuple[str, ...]:
        """The options as typed: ``--name``."""
        return tuple(option.split()[0] for option in self.options)

    def takes_value(self, option: str) -> bool:
        """Whether ``option`` (``-name`` or ``--name``) is followed by a value."""
        name = option.lstrip("-")
        return any(o.split()[0].lstrip("-") == name and " " in o for o in self.options)


REGISTRY: dict[str, Command] = {}


def command(
    name: str,
    usage: str,
    help: str,
    aliases: tuple[str, ...] = (),
    *,
    safe: Safety = False,
    options: tuple[str, ...] = (),
    arguments: tuple[str, ...] = (),
    repeated: bool = False,
    words: tuple[str, ...] = (),
    files: tuple[str, ...] = (),
    details: tuple[str, ...] = (),
    manual: str | None = None,
    hidden: bool = False,
    deprecated: bool = False,
    prefix: int = 1,
) -> Callable[[Handler], Handler]:
    """Register the decorated function as ``.name``, with what completion needs to know.

    ``safe`` says whether it may run under -safe: True when it touches no file and
    runs no program, the message that refuses it, or a function of the shell and
    the arguments that returns why they may not run. The default refuses, so that
    a new command that reads or writes files cannot be forgotten: it is refused
    until its registration says otherwise.
    """
    for kinds in arguments:
        unknown = set(kinds.split("+")) - ARGUMENT_KINDS
        assert not unknown, f".{name}: unknown argument kind {unknown}"

    def register(handler: Handler) -> Handler:
        cmd = Command(
            name,
            usage,
            help,
            handler,
            aliases,
            safe,
            options,
            arguments,
            repeated,
            words,
            files,
            details,
            manual,
            hidden,
            deprecated,
            prefix,
        )
        for n in (name, *aliases):
            REGISTRY[n] = cmd
        return handler

    return register


# Prefixes that sqlite3 resolves although several commands start with them.
PREFERRED = {
    "c": "clone",
    "d": "dump",
    "e": "echo",
    "f": "filectrl",
    "h": "headers",
    "i": "import",
    "im": "import",
    "imp": "import",
    "impo": "import",
    "in": "indexes",
    "l": "load",
    "lo": "load",
    "loa": "load",
    "m": "mode",
    "n": "nullvalue",
    "o": "output",
    "p": "print",
    "pr": "prompt",
    "pro": "progress",
    "sh": "shell",
    "t": "tables",
    "v": "version",
    "vf": "vfsinfo",
    "vfs": "vfsinfo",
    "w": "width",
}


def find(name: str) -> Command | None:
    """The command called ``name``, or the only one it is a prefix of."""
    if name in REGISTRY:
        return REGISTRY[name]
    if name in PREFERRED:
        return REGISTRY.get(PREFERRED[name])
    matches = {cmd.name: cmd for n, cmd in REGISTRY.items() if n.startswith(name) and len(name) >= cmd.prefix}
    if len(matches) == 1:
        return next(iter(matches.values()))
    return None


def usage_error(shell: Shell, cmd_name: str) -> int:
    """The standard complaint about a command's arguments."""
    cmd = REGISTRY[cmd_name]
    shell.error(f"Usage: .{cmd.usage}")
    return 1


def all_commands() -> list[Command]:
    """Every registered command once, sorted by name."""
    return sorted({cmd.name: cmd for cmd in REGISTRY.values()}.values(), key=lambda c: c.name)


def _manual(name: str) -> str | None:
    """The manual page .help shows for a command of sqlite3 that has one (manuals.py)."""
    from .manuals import MANUALS

    return MANUALS.get(name)


def help_line(cmd: Command) -> str:
    """The command's line in .help: usage, then help from the 26th column, as sqlite3 3.54 has
    them (a usage too long for that gets a line of its own)."""
    if len(cmd.usage) <= 23:
        return f".{cmd.usage:<23} {cmd.help}"
    return f".{cmd.usage}\n{'':24} {cmd.help}"


def help_lines(pattern: str | None = None) -> list[str]:
    """What .help shows for ``pattern``, line by line, as sqlite3 3.54's .help chooses it.

    Without a pattern (or with ``-all``), every listed command's line; with ``0``, the
    hidden commands sqlite3 documents, with their details. Else the listed commands whose
    names start with the pattern (a GLOB): one alone is shown with its details (or its
    manual page); if none, the listed commands with the pattern anywhere in their text
    (LIKE), in full.
    """
    listed = [cmd for cmd in all_commands() if not cmd.hidden]
    if pattern is None or pattern in ("-a", "-all", "--all"):
        return [help_line(cmd) for cmd in listed]
    if pattern == "0":
        hidden = [cmd for cmd in all_commands() if cmd.hidden and not cmd.deprecated]
        return [line for cmd in hidden for line in (help_line(cmd), *cmd.details)]
    glob = pattern.removeprefix(".") + "*"
    import fnmatch

    hits = [cmd for cmd in listed if fnmatch.fnmatchcase(help_line(cmd)[1:], glob)]
    if len(hits) == 1:
        cmd = hits[0]
        manual = cmd.manual if cmd.manual is not None else _manual(cmd.name)
        if manual is not None:
            return [manual.rstrip("\n")]
        if cmd is listed[-1] and cmd.details:  # sqlite3's loop stops a line short of its table's end
            return [help_line(cmd), *cmd.details[:-1]]
        return [help_line(cmd), *cmd.details]
    if hits:
        return [help_line(cmd) for cmd in hits]
    like = f"%{pattern}%"
    return [
        line
        for cmd in listed
        if any(apsw.strlike(like, text) == 0 for text in (help_line(cmd), *cmd.details))
        for line in (help_line(cmd), *cmd.details)
    ]
