"""Dot-commands about the session: opening databases, reading scripts, the host system."""

from __future__ import annotations

import os
import subprocess

import apsw

from ..state import Shell
from .args import option_match
from .registry import command, usage_error


def _open_args(args: list[str]) -> tuple[bool, bool, str | None] | str:
    """``.open``'s arguments: (readonly, new, FILE or None), or what is wrong with them."""
    readonly = False
    new = False
    path = None
    for arg in args[1:]:
        if option_match(arg, "readonly"):
            readonly = True
        elif option_match(arg, "new"):
            new = True
        elif arg.startswith("-"):
            return f"unknown option: {arg}"
        elif path is None:
            path = arg
        else:
            return f'extra argument: "{arg}"'
    return readonly, new, path


def _open_safety(shell: Shell, args: list[str]) -> str | None:
    """Safe mode lets .open make an in-memory database only (sqlite3 does the same)."""
    parsed = _open_args(args)
    if isinstance(parsed, str) or parsed[2] in (None, ":memory:"):
        return None  # no file; or a mistake, which .open reports as usual
    return "cannot open disk-based database files in safe mode"


@command("open", "open ?OPTIONS? ?FILE?", "Close existing database and reopen FILE", safe=_open_safety)
def _open(shell: Shell, args: list[str]) -> int:
    parsed = _open_args(args)
    if isinstance(parsed, str):
        shell.error(parsed)
        return 1
    readonly, new, path = parsed
    path = path or ":memory:"
    if readonly and not os.path.exists(path) and path != ":memory:":
        shell.error(f'Error: unable to open database "{path}": unable to open database file')
        return 1
    if new and path != ":memory:" and os.path.exists(path):
        os.remove(path)
    try:
        session = shell.open(path, readonly=readonly)
        session.execute("select count(*) from sqlite_schema").fetchall()
    except (apsw.Error, OSError) as exc:
        shell.error(f'Error: unable to open database "{path}": {exc}')
        return 1
    old = shell.session
    shell.session, shell.path = session, path
    old.close()
    return 0


@command("read", "read FILE", "Read input from FILE or command output", safe="cannot run .read in safe mode")
def _read(shell: Shell, args: list[str]) -> int:
    from ..runner import LineReader, process_input

    if len(args) != 2:
        return usage_error(shell, "read")
    name = args[1]
    if name.startswith("|"):
        proc = subprocess.Popen(name[1:], shell=True, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        with proc.stdout:
            errors = process_input(shell, LineReader(proc.stdout.fileno()), source="<pipe>")
        proc.wait()
        return 1 if errors else 0
    try:
        reader = LineReader.open(name)
    except OSError:
        shell.error(f'Error: cannot open "{name}"')
        return 1
    try:
        errors = process_input(shell, reader, source=name)
    finally:
        reader.close()
    return 1 if errors else 0


@command(
    "cd", "cd DIRECTORY", "Change the working directory to DIRECTORY", safe="cannot run .cd in safe mode"
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


@command("shell", "shell CMD ARGS...", "Run CMD ARGS... in a system shell", aliases=("system",))
def _shell(shell: Shell, args: list[str]) -> int:
    if len(args) < 2:
        return usage_error(shell, "shell")
    cmd = " ".join(f'"{a}"' if " " in a and not a.startswith('"') else a for a in args[1:])
    shell.flush()
    subprocess.run(cmd, shell=True, check=False)
    return 0


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
    shell.out.write(version_text() + "\n")
    return 0


def version_text() -> str:
    """wasmshell, SQLite and wasmtime versions, one line."""
    from importlib import metadata

    from ... import __version__

    try:
        wasmtime_version = metadata.version("wasmtime")
    except metadata.PackageNotFoundError:  # pragma: no cover
        wasmtime_version = "unknown"
    return (
        f"wasmshell {__version__} (SQLite {apsw.sqlite_lib_version()}, "
        f"APSW {apsw.apsw_version()}, wasmtime {wasmtime_version})"
    )
