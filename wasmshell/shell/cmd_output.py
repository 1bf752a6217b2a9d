"""Dot-commands about output: modes, headers, separators, where output goes, switches."""

from __future__ import annotations

import os
import subprocess
from typing import TextIO

from .args import boolean_value
from .commands import command, usage_error
from .state import Redirect, Shell, text_stream

# sqlite3 matches a mode by prefix, trying them in this order.
_MODE_ORDER = (
    "lines",
    "columns",
    "list",
    "html",
    "csv",
    "tabs",
    "insert",
    "quote",
    "ascii",
    "markdown",
    "table",
    "box",
    "json",
)
_MODE_ERROR = (
    "Error: mode should be one of: ascii box column csv html insert json line list markdown "
    "qbox quote table tabs tcl"
)
COLUMNAR = ("column", "table", "box", "markdown")


def mode_description(shell: Shell) -> str:
    """The mode as .mode and .show describe it."""
    s = shell.settings
    if s.mode in COLUMNAR:
        return f"{s.mode} --wrap {s.wrap} --wordwrap off --noquote"
    return "list" if s.mode == "tabs" else s.mode


def set_mode(shell: Shell, name: str, table: str | None = None) -> bool:
    """Switch to the mode ``name`` (a prefix will do), with sqlite3's side effects."""
    s = shell.settings
    chosen = next((m for m in _MODE_ORDER if m.startswith(name)), None) if name else None
    if chosen is None:
        return False
    if chosen == "lines":
        s.mode, s.rowsep = "line", "\n"
    elif chosen == "columns":
        s.mode, s.rowsep = "column", "\n"
        if not s.headers_set:
            s.headers = True
    elif chosen == "list":
        s.mode, s.colsep, s.rowsep = "list", "|", "\n"
    elif chosen == "csv":
        s.mode, s.colsep, s.rowsep = "csv", ",", "\r\n"
    elif chosen == "tabs":
        s.mode, s.colsep = "list", "\t"
    elif chosen == "quote":
        s.mode, s.colsep, s.rowsep = "quote", ",", "\n"
    elif chosen == "ascii":
        s.mode, s.colsep, s.rowsep = "ascii", "\x1f", "\x1e"
    elif chosen == "insert":
        s.mode = "insert"
        s.table = table or "table"
    else:
        s.mode = chosen
    return True


@command("mode", "mode MODE ?TABLE?", "Set output mode")
def _mode(shell: Shell, args: list[str]) -> int:
    name = None
    table = None
    for arg in args[1:]:
        if arg in ("--wrap", "-wrap", "--ww", "--quote", "--noquote"):
            continue
        if name is None:
            name = arg
        elif table is None:
            table = arg
        else:
            shell.error(f'extra argument: "{arg}"')
            return 1
    if name is None:
        shell.out.write(f"current output mode: {mode_description(shell)}\n")
        return 0
    if name == "qbox":
        name = "box"
    if not set_mode(shell, name, table):
        shell.error(_MODE_ERROR)
        return 1
    return 0


def _switch(shell: Shell, args: list[str], name: str) -> bool | None:
    if len(args) != 2:
        usage_error(shell, name)
        return None
    return boolean_value(args[1], shell.error)


@command("headers", "headers on|off", "Turn display of headers on or off")
def _headers(shell: Shell, args: list[str]) -> int:
    value = _switch(shell, args, "headers")
    if value is None:
        return 1
    shell.settings.headers = value
    shell.settings.headers_set = True
    return 0


@command("nullvalue", "nullvalue STRING", "Use STRING in place of NULL values")
def _nullvalue(shell: Shell, args: list[str]) -> int:
    if len(args) != 2:
        return usage_error(shell, "nullvalue")
    shell.settings.null = args[1][:19]
    return 0


@command("separator", "separator COL ?ROW?", "Change the column and row separators")
def _separator(shell: Shell, args: list[str]) -> int:
    rc = 0
    if not 2 <= len(args) <= 3:
        rc = usage_error(shell, "separator")
    if len(args) >= 2:
        shell.settings.colsep = args[1][:19]
    if len(args) >= 3:
        shell.settings.rowsep = args[2][:19]
    return rc


@command("width", "width NUM1 NUM2 ...", "Set minimum column widths for columnar output")
def _width(shell: Shell, args: list[str]) -> int:
    widths = []
    for arg in args[1:]:
        try:
            widths.append(int(arg, 0))
        except ValueError:
            widths.append(0)
    shell.settings.widths = widths
    return 0


@command("print", "print STRING...", "Print literal STRING")
def _print(shell: Shell, args: list[str]) -> int:
    shell.out.write(" ".join(args[1:]) + "\n")
    return 0


def _flag(name: str, usage: str, help: str) -> None:
    @command(name, usage, help)
    def handler(shell: Shell, args: list[str]) -> int:
        value = _switch(shell, args, name)
        if value is None:
            return 1
        setattr(shell.flags, name, value)
        return 0


_flag("echo", "echo on|off", "Turn command echo on or off")
_flag("bail", "bail on|off", "Stop after hitting an error.  Default OFF")
_flag("timer", "timer on|off", "Turn SQL timer on or off")
_flag("changes", "changes on|off", "Show number of rows changed by SQL")


def c_string(text: str) -> str:
    """A string as sqlite3's output_c_string writes it: quoted, with C escapes."""
    out = ['"']
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


@command("show", "show", "Show the current values for various settings")
def _show(shell: Shell, args: list[str]) -> int:
    if len(args) != 1:
        return usage_error(shell, "show")
    s = shell.settings
    on = {True: "on", False: "off"}
    lines = [
        ("echo", on[shell.flags.echo]),
        ("eqp", "off"),
        ("explain", "auto"),
        ("headers", on[s.headers]),
        ("mode", mode_description(shell)),
        ("nullvalue", c_string(s.null)),
        ("output", shell.redirect_name or "stdout"),
        ("colseparator", c_string(s.colsep)),
        ("rowseparator", c_string(s.rowsep)),
        ("stats", "off"),
        ("width", "".join(f"{w} " for w in s.widths)),
        ("filename", shell.path),
    ]
    shell.out.write("".join(f"{name:>12.12}: {value}\n" for name, value in lines))
    return 0


def open_output(shell: Shell, target: str) -> TextIO:
    """Open a file (or ``|command``) for .output and .once."""
    if target.startswith("|"):
        proc = subprocess.Popen(target[1:], shell=True, stdin=subprocess.PIPE)
        stream = text_stream(proc.stdin)

        def close() -> None:
            stream.close()
            proc.wait()

        shell.redirect = Redirect(stream, close)
        return stream
    binary = open(target, "wb")  # noqa: SIM115 - closed by reset_output
    stream = text_stream(binary)
    shell.redirect = Redirect(stream, stream.close)
    return stream


def _redirect(shell: Shell, args: list[str], once: bool) -> int:
    name = "once" if once else "output"
    files = [a for a in args[1:] if not a.startswith("-")]
    if len(files) > 1:
        shell.error(f'ERROR: extra parameter: "{files[1]}".  Usage:\n.{name} FILE')
        return 1
    if once and not files:
        return usage_error(shell, "once")
    shell.reset_output()
    shell.redirect_name = None
    if not files or files[0] == "stdout":
        return 0
    target = files[0]
    if target == "off":
        target = os.devnull
    try:
        open_output(shell, target)
    except OSError:
        shell.error(f'Error: cannot open "{target}"')
        return 1
    assert shell.redirect is not None
    shell.redirect.once = once
    shell.redirect_name = target
    return 0


@command("output", "output ?FILE?", "Send output to FILE or stdout if FILE is omitted")
def _output(shell: Shell, args: list[str]) -> int:
    return _redirect(shell, args, once=False)


@command("once", "once FILE", "Output for the next SQL command only to FILE")
def _once(shell: Shell, args: list[str]) -> int:
    return _redirect(shell, args, once=True)
