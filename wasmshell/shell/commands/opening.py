""".open: close the database and open another, with sqlite3 3.54's options and messages."""

from __future__ import annotations

import contextlib
import os
from urllib.parse import unquote

import apsw

from .. import opening
from ..opening import OpenError, OpenSpec
from ..state import QUIT, Quit, Shell
from .args import integer_value, option_match
from .registry import DATABASE_FILES, command

OPEN_OPTIONS = (
    "--append", "--deserialize", "--exclusive", "--hexdb", "--ifexists", "--maxsize N",
    "--new", "--nofollow", "--normal", "--readonly",
)  # fmt: skip
_MODES = {
    "append": opening.APPEND,
    "deserialize": opening.DESERIALIZE,
    "hexdb": opening.HEXDB,
    "normal": opening.NORMAL,
}


Parsed = tuple[OpenSpec, bool, str | None]  # the spec, --new, FILE


def _arguments(shell: Shell, args: list[str], report: bool = True) -> Parsed | None:
    """The options and FILE of ``.open``, or None after saying what is wrong (sqlite3's words;
    nothing is said without ``report``)."""
    rw = apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
    spec = OpenSpec(flags=apsw.SQLITE_OPEN_READONLY if shell.safe else rw)
    new = False
    path = None
    i = 1
    while i < len(args):
        arg = args[i]
        name = arg[2:] if arg.startswith("--") else arg[1:]
        if option_match(arg, "new"):
            new = True
        elif arg[:1] == "-" and name in _MODES and not (name == "append" and shell.safe):
            spec.mode = _MODES[name]  # (--append is not an option of .open under -safe)
        elif option_match(arg, "readonly"):
            spec.readonly()
        elif option_match(arg, "exclusive"):
            spec.flags |= apsw.SQLITE_OPEN_EXCLUSIVE
        elif option_match(arg, "ifexists"):
            spec.ifexists(command_line=False)
        elif option_match(arg, "nofollow"):
            spec.flags |= apsw.SQLITE_OPEN_NOFOLLOW
        elif option_match(arg, "maxsize") and i + 1 < len(args):
            # sqlite3 3.54 reads the value, then sets the limit back to none as it
            # closes the database: --maxsize of .open changes nothing.
            integer_value(args[i + 1])
            i += 1
        elif arg[:1] == "-" or path is not None:
            if report:
                shell.error(f"unknown option: {arg}" if arg[:1] == "-" else f'extra argument: "{arg}"')
            return None
        else:
            path = arg
        i += 1
    return spec, new, path


def _delete(path: str) -> None:
    """--new: the file goes first (for a file: URI, the file it names)."""
    if path.startswith("file:"):
        path = unquote(path[5:].split("?", 1)[0])
    with contextlib.suppress(OSError):
        os.remove(path)


def _safety(shell: Shell, args: list[str]) -> str | None:
    """Under -safe .open makes an in-memory database or reads a hex dump, nothing else (as
    sqlite3; a mistake in the arguments is reported by .open as usual)."""
    parsed = _arguments(shell, args, report=False)
    if parsed is None:
        return None
    spec, _new, path = parsed
    if spec.mode == opening.HEXDB or path is None or path == ":memory:":
        return None
    return "cannot open disk-based database files in safe mode"


@command(
    "open",
    "open ?OPTIONS? ?FILE?",
    "Close existing database and reopen FILE",
    safe=_safety,
    options=OPEN_OPTIONS,
    arguments=("path",),
    files=DATABASE_FILES,
    details=(
        "     Options:",
        "        --append        Use appendvfs to append database to the end of FILE",
        "        --deserialize   Load into memory using sqlite3_deserialize()",
        '        --hexdb         Load the output of "dbtotxt" as an in-memory db',
        "        --ifexist       Only open if FILE already exists",
        "        --maxsize N     Maximum size for --hexdb or --deserialized database",
        "        --new           Initialize FILE to an empty database",
        "        --normal        FILE is an ordinary SQLite database",
        "        --nofollow      Do not follow symbolic links",
        "        --readonly      Open FILE readonly",
        "        --zip           FILE is a ZIP archive",
    ),
)
def _open(shell: Shell, args: list[str]) -> int:
    parsed = _arguments(shell, args)
    if parsed is None:
        return 1
    spec, new, path = parsed
    old = shell.session
    if new and path is not None and not shell.safe:
        _delete(path)
    old.close()
    name = path or ""
    try:
        shell.session = opening.open_session(shell, name, spec, shell.next_input_line)
    except OpenError as exc:
        shell.error(str(exc))
        shell.session = shell.open(":memory:")
        shell.error(f'Notice: using substitute in-memory database instead of "{name}"')
    except opening.OutOfMemory:  # sqlite3 ends there, with status 1
        shell.error("Error: out of memory")
        shell.session = shell.open(":memory:")
        shell.quit = Quit(1)
        return QUIT
    return 0
