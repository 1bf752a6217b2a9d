"""Safe mode (``-safe``): nothing that touches files or runs programs, as sqlite3's.

Under ``-safe`` the shell refuses every dot-command that reads or writes files
or runs programs (each command says at its registration whether it may run;
see ``commands.command``) and the SQL that does: ATTACH, VACUUM INTO (which
SQLite authorizes as an ATTACH) and the functions in ``PROHIBITED_FUNCTIONS``,
through an authorizer on every connection the shell opens. Wasm functions
stay available: they run sandboxed, with no access to files or programs.

A refusal writes sqlite3's message (``line 3: cannot run .shell in safe
mode``) and ends the process with status 1, as sqlite3 does: a script that
tries something it may not do is not trusted with the rest of its input.
"""

from __future__ import annotations

import apsw

from ..lean import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn

    from ..engine import Session
    from .state import Shell

    Authorizer = Callable[[int, "str | None", "str | None", "str | None", "str | None"], int]

# The SQL functions sqlite3 refuses in safe mode: they read or write files, load
# native code, or (fts3_tokenizer) take a pointer to code to call. Only some exist
# in wasmshell's SQLite; refusing the others costs nothing and keeps a future
# extension from bringing them back.
PROHIBITED_FUNCTIONS = frozenset(
    ("edit", "fts3_tokenizer", "load_extension", "readfile", "writefile", "zipfile", "zipfile_cds")
)


class SafeModeRefusal(SystemExit):
    """Safe mode refused something: the shell ends with status 1 (the message is written)."""


class SafeMode:
    """A shell's safe mode: where the input being run comes from, for messages."""

    __slots__ = ("where",)

    def __init__(self) -> None:
        # "argv[N]:" while a dot-command given on the command line runs, as sqlite3
        # names it, and "<cmdline>:0:" after one; before, messages say "line N:".
        self.where: str | None = None

    def guard(self, shell: Shell, session: Session) -> None:
        """Refuse, on ``session`` too, what touches files (the shell opened another database)."""
        guard(shell, session)


def enter_safe_mode(shell: Shell) -> None:
    """Turn on safe mode: from now on, and on every connection ``shell`` opens."""
    if shell.safe is None:
        shell.safe = SafeMode()
        session = shell.open_session()
        if session is not None:  # else Shell.open guards it when it is opened
            guard(shell, session)


def guard(shell: Shell, session: Session) -> None:
    """Put the safe-mode authorizer on ``session``'s connection, in front of any it has."""
    connection = session.connection
    connection.authorizer = _authorizer(shell, connection.authorizer)
    # Also below the authorizer, should something replace it later: load_extension()
    # loads no native code, and ATTACH and VACUUM INTO (which attaches its target)
    # find no room for another database.
    connection.enable_load_extension(False)
    connection.limit(apsw.SQLITE_LIMIT_ATTACHED, 0)
    # As sqlite3 -safe has no readfile(), writefile(), fsdir, lsmode() nor realpath(): never loaded.
    session.builtins.without_files()


def _authorizer(shell: Shell, previous: Authorizer | None) -> Authorizer:
    """An authorizer that refuses what touches files and asks ``previous`` about the rest."""

    def authorize(op: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None) -> int:
        if shell.safe_lifted:  # .nonce, for this SQL
            return previous(op, arg1, arg2, db, trigger) if previous is not None else apsw.SQLITE_OK
        if op == apsw.SQLITE_ATTACH:
            refuse(shell, "cannot run ATTACH in safe mode")
        if op == apsw.SQLITE_FUNCTION and arg2 is not None and arg2.lower() in PROHIBITED_FUNCTIONS:
            refuse(shell, f"cannot use the {arg2.lower()}() function in safe mode")
        if previous is not None:
            return previous(op, arg1, arg2, db, trigger)
        return apsw.SQLITE_OK

    return authorize


def refuse(shell: Shell, message: str) -> NoReturn:
    """Write sqlite3's safe-mode message for ``message`` and end the shell with status 1.

    Raised from inside an authorizer, the exception leaves SQLite through APSW
    (which denies the statement) and ends the process like any SystemExit.
    """
    where = shell.safe.where if shell.safe is not None else None
    shell.error(f"{where or f'line {shell.lineno}:'} {message}")
    raise SafeModeRefusal(1)


class command_line_argument:  # used as a function: with command_line_argument(...)
    """Messages name ``argv[position]`` while a dot-command from the command line runs.
    (A class, not a contextlib.contextmanager: contextlib costs start-up time.)"""

    def __init__(self, shell: Shell, position: int) -> None:
        self.shell, self.position, self.safe = shell, position, False

    def __enter__(self) -> None:
        self.shell.error_prefix = f"argv[{self.position}]:"
        self.safe = self.shell.safe is not None
        if self.shell.safe is not None:
            self.shell.safe.where = f"argv[{self.position}]:"

    def __exit__(self, *_exc: object) -> None:
        self.shell.error_prefix = None
        if self.safe and self.shell.safe is not None:
            # sqlite3 names the command line as an input file from then on: the SQL
            # arguments after a dot-command argument are "<cmdline>:0:".
            self.shell.safe.where = f"<cmdline>:{self.shell.lineno}:"
