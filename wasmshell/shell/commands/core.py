"""Dot-commands about the session: help, quitting, the host system.

(``.read`` is the input runner's own, in runner.py; ``.open`` is opening.py's.)
"""

from __future__ import annotations

import os

import apsw

from ..state import QUIT, Quit, Shell
from .registry import command, help_lines, usage_error


@command(
    "help",
    "help ?-all? ?PATTERN?",
    "Show help text for PATTERN",
    safe=True,
    arguments=("command",),
)
def _help(shell: Shell, args: list[str]) -> int:
    pattern = args[1] if len(args) > 1 else None
    if pattern and pattern.startswith("."):
        pattern = pattern[1:]
    lines = help_lines(pattern)
    if pattern and not lines:  # not an error, and on stdout, as sqlite3 says it
        shell.out.write(f"Nothing matches '{args[1]}'\n")
        return 0
    shell.out.write("".join(line + "\n" for line in lines))
    return 0


@command("quit", "quit", "Stop interpreting input stream, exit if primary.", safe=True)
def _quit(shell: Shell, args: list[str]) -> int:
    if shell.input_depth <= 1 and shell.quit is None:  # not in a .read file; an exit code stays
        shell.quit = Quit()
    return QUIT


@command("exit", "exit ?CODE?", "Exit this program with return-code CODE", safe=True)
def _exit(shell: Shell, args: list[str]) -> int:
    code = 0
    if len(args) > 1:
        try:
            code = int(args[1], 0)
        except ValueError:
            code = 0
    if code:
        shell.quit = Quit(code)
    return QUIT


@command(
    "load",
    "load FILE ?ENTRY?",
    "Load an extension library",  # a shared library; Wasm modules are .loadwasm's
    arguments=("path",),
    files=(".so", ".dylib", ".dll"),
)
def _load(shell: Shell, args: list[str]) -> int:
    if len(args) < 2 or not args[1]:
        shell.error("Usage: .load FILE ?ENTRYPOINT?")  # (sqlite3's words here, not its .help's)
        return 1
    try:
        shell.session.load_extension(args[1], args[2] if len(args) > 2 else None)
    except apsw.Error as exc:
        shell.error(f"Error: {exc}")
        return 1
    return 0


@command(
    "cd",
    "cd DIRECTORY",
    "Change the working directory to DIRECTORY",
    safe="cannot run .cd in safe mode",
    arguments=("directory",),
)
def _cd(shell: Shell, args: list[str]) -> int:
    if len(args) != 2:
        return usage_error(shell, "cd")
    try:
        os.chdir(args[1])
    except OSError:
        shell.error(f'Cannot change to directory "{args[1]}"')
        return 1
    return 0


def _system(shell: Shell, args: list[str]) -> int:
    """Run the words as one command line of /bin/sh, as C's system() does; a word with a space
    in it is put in double quotes (only that: sqlite3 escapes nothing)."""
    if len(args) < 2:
        shell.error("Usage: .system COMMAND")
        return 1
    line = " ".join(f'"{word}"' if " " in word else word for word in args[1:])
    shell.share_terminal()
    status = os.system(line)  # the wait status, which sqlite3 reports as it is
    if status:
        shell.error(f"System command returns {status}")
    return 0


command("shell", "shell CMD ARGS...", "Run CMD ARGS... in a system shell")(_system)
command("system", "system CMD ARGS...", "Run CMD ARGS... in a system shell")(_system)


@command("timeout", "timeout MS", "Try opening locked tables for MS milliseconds", safe=True)
def _timeout(shell: Shell, args: list[str]) -> int:
    try:
        ms = int(args[1], 0) if len(args) > 1 else 0
    except ValueError:
        ms = 0
    shell.session.connection.set_busy_timeout(ms)
    return 0


@command("version", "version", "Show source, library and compiler versions", safe=True)
def _version(shell: Shell, args: list[str]) -> int:
    from ...version import version_text

    shell.out.write(version_text() + "\n")
    return 0
