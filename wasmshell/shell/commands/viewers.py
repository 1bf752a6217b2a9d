"""Output shown by another program: ``.excel``, ``.www`` and ``.output``/``.once`` ``-e -x -w``,
as sqlite3 3.54 has them.

The output goes to a temporary file in the home directory (where a browser
may read it, which /tmp may not be), ``temp-`` and 31 random characters,
``.txt`` for -e (a text editor), ``.csv`` for -x and ``.excel`` (a
spreadsheet: the mode writes values with commas and CRLF) or ``.html``
for -w and ``.www`` (a browser: a web page). When the output ends, the
file is given to the system's opener, as sqlite3 does it: ``xdg-open``
(``open`` on macOS, ``start`` on Windows). Ten seconds later the file is
deleted, at the latest when the shell ends, which waits for the rest of
those seconds and says so. The mode and settings in use before come back
when the output ends. None of this runs under ``-safe``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import string
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from ..state import Redirect, Shell, text_stream

if TYPE_CHECKING:
    from ..output.base import OutputSettings

SUFFIXES = {"e": "txt", "x": "csv", "w": "html"}
KEEP_SECONDS = 10.0  # how long a file stays after its opener started, as in sqlite3
_ALPHABET = string.digits + string.ascii_lowercase
_PAGE_START = "<!DOCTYPE html>\n<HTML><BODY><PRE>\n"
_PAGE_END = "</PRE></BODY></HTML>\n"
_PLAIN_PAGE = "<!DOCTYPE html>\n<BODY>\n<PLAINTEXT>\n"


def _opener() -> str:
    if sys.platform == "darwin":
        return "open"
    return "start" if sys.platform == "win32" else "xdg-open"


class TempFiles:
    """A shell's temporary files: those whose opener started, each with when it may go."""

    __slots__ = ("waiting",)

    def __init__(self) -> None:
        self.waiting: list[tuple[float, str]] = []

    def clear(self, budget: float, force: bool, say: object = None) -> None:
        """Delete the files whose time has come; with ``force``, all of them, after waiting
        ``budget`` seconds at most (said on ``say``, a stream, when it is a second or more)."""
        for deadline, path in list(self.waiting):
            to_go = deadline - time.monotonic()
            if to_go > 0 and not force:
                continue
            if to_go > 0:
                pause = min(budget, to_go)
                if pause >= 1 and say is not None:
                    tenths = int(pause * 10)
                    say.write(f"Waiting about {tenths // 10}.{tenths % 10} seconds to delete temp file(s)\n")
                    say.flush()
                time.sleep(max(pause, 0))
                budget -= pause
            _remove(path)
            self.waiting.remove((deadline, path))


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def temp_files(shell: Shell) -> TempFiles:
    """The shell's temporary files (made when first needed)."""
    if shell.temp_files is None:
        shell.temp_files = TempFiles()
    return shell.temp_files


def _home() -> str:
    """The home directory as sqlite3 finds it: the user's entry in the password database
    first, then $HOME."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError):
        return os.path.expanduser("~")


def temp_name(suffix: str) -> str:
    """A new temporary file's name in the home directory, as sqlite3 names it."""
    home = _home()
    name = "".join(secrets.choice(_ALPHABET) for _ in range(31))
    return os.path.join(home, f"temp-{name}.{suffix}")


def start(shell: Shell, view: str, plain: bool, bom: bool) -> None:
    """Send output to a new temporary file to be shown as ``view`` ("e", "x" or "w") says;
    raises OSError if the file cannot be made."""
    files = temp_files(shell)
    files.clear(0, False)
    path = temp_name(SUFFIXES[view])
    saved: OutputSettings = shell.settings.copy()
    echo = shell.flags.echo
    settings = shell.settings
    page = False
    if view == "x":  # a spreadsheet: the values, comma-separated, CRLF (sqlite3 sets only these)
        settings.mode, settings.colsep, settings.rowsep = "csv", ",", "\r\n"
        shell.flags.echo = False
    elif view == "w" and not plain:
        settings.mode = "html"
        page = True
    stream = text_stream(open(path, "wb"))  # noqa: SIM115 - closed when the output ends
    if bom:
        stream.write("\ufeff")
    if plain and view == "w":
        stream.write(_PLAIN_PAGE)
    if page:
        stream.write(_PAGE_START)

    def close() -> None:
        if page:
            stream.write(_PAGE_END)
        stream.close()
        shell.settings, shell.flags.echo = saved, echo
        _show(shell, path)

    shell.redirect = Redirect(stream, close)
    shell.redirect_name = path


def _show(shell: Shell, path: str) -> None:
    """Give the finished file to the system's opener, as sqlite3 does (its errors not shown)."""
    quiet = " 2>/dev/null" if sys.platform.startswith("linux") else ""
    line = f"{_opener()} {path}{quiet}"
    shell.stdout.flush()
    if subprocess.call(line, shell=True) != 0:
        shell.error(f"Failed: [{line}]")
        _remove(path)
        return
    temp_files(shell).waiting.append((time.monotonic() + KEEP_SECONDS, path))


def finish(shell: Shell) -> None:
    """As the shell ends: delete the files still kept for their openers, waiting for the
    rest of their time first (as sqlite3, which says how long on stdout)."""
    if shell.temp_files is not None:
        shell.temp_files.clear(KEEP_SECONDS, True, shell.stdout)
