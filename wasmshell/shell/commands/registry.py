"""Dot-commands: a registry of small functions, each with its usage and help.

A command is a function ``(shell, args) -> int`` registered with ``@command``;
``args[0]`` is the name as typed. It returns 0 on success, 1 after writing an
error, or ``QUIT``. ``.help`` is generated from the registry, and a unique
prefix of a name runs the command (``.hea on``). Under ``-safe`` a command runs
only if its registration says it touches no file and runs no program.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import NamedTuple

from ..safe import refuse
from ..state import QUIT, Shell
from .args import split_args

Handler = Callable[[Shell, list[str]], int]
# Whether a command may run under -safe: True; False; the message that refuses it,
# where sqlite3's names the command in full (".read", not ".rea" as typed); or a
# function that says why these arguments may not run (None when they may).
Safety = bool | str | Callable[[Shell, list[str]], str | None]


class Command(NamedTuple):
    """A dot-command: name, usage line, one-line help, the function that runs it, and
    whether it may run under -safe."""

    name: str
    usage: str
    help: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    safe: Safety = False

    def refusal(self, shell: Shell, args: list[str]) -> str | None:
        """Why safe mode refuses ``args`` (sqlite3's message), or None."""
        if self.safe is True:
            return None
        if self.safe is False:
            return f"cannot run .{args[0]} in safe mode"
        if isinstance(self.safe, str):
            return self.safe
        return self.safe(shell, args)


REGISTRY: dict[str, Command] = {}


def command(
    name: str, usage: str, help: str, aliases: tuple[str, ...] = (), *, safe: Safety = False
) -> Callable[[Handler], Handler]:
    """Register the decorated function as ``.name``.

    ``safe`` says whether it may run under -safe: True when it touches no file and
    runs no program, the message that refuses it, or a function of the shell and
    the arguments that returns why they may not run. The default refuses, so that
    a new command that reads or writes files cannot be forgotten: it is refused
    until its registration says otherwise.
    """

    def register(handler: Handler) -> Handler:
        cmd = Command(name, usage, help, handler, aliases, safe)
        for n in (name, *aliases):
            REGISTRY[n] = cmd
        return handler

    return register


# Prefixes that sqlite3 resolves although several commands start with them.
PREFERRED = {
    "d": "dump",
    "e": "echo",
    "h": "headers",
    "i": "import",
    "m": "mode",
    "n": "nullvalue",
    "o": "output",
    "p": "print",
    "t": "tables",
    "w": "width",
}


def find(name: str) -> Command | None:
    """The command called ``name``, or the only one it is a prefix of."""
    _load_all()
    if name in REGISTRY:
        return REGISTRY[name]
    if name in PREFERRED:
        return REGISTRY.get(PREFERRED[name])
    matches = {cmd.name: cmd for n, cmd in REGISTRY.items() if n.startswith(name)}
    if len(matches) == 1:
        return next(iter(matches.values()))
    return None


def run_command(shell: Shell, line: str) -> int:
    """Run one dot-command line; return 0, 1 (an error was written) or QUIT."""
    _load_all()
    args = split_args(line[1:])
    if not args:
        return 0
    cmd = find(args[0])
    if cmd is None:
        shell.error(f'Error: unknown command or invalid arguments:  "{args[0]}". Enter ".help" for help')
        return 1
    if shell.safe is not None:
        reason = cmd.refusal(shell, args)
        if reason is not None:
            refuse(shell, reason)
    try:
        return cmd.handler(shell, args)
    except OSError as exc:
        shell.error(f"Error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return 1
    finally:
        shell.after_command()


def usage_error(shell: Shell, cmd_name: str) -> int:
    """The standard complaint about a command's arguments."""
    cmd = REGISTRY[cmd_name]
    shell.error(f"Usage: .{cmd.usage}")
    return 1


def all_commands() -> list[Command]:
    """Every registered command once, sorted by name."""
    _load_all()
    return sorted({cmd.name: cmd for cmd in REGISTRY.values()}.values(), key=lambda c: c.name)


def help_lines(pattern: str | None = None) -> list[str]:
    """Help text for every command, or those matching ``pattern``, sorted by name."""
    _load_all()
    seen: dict[str, Command] = {}
    for cmd in REGISTRY.values():
        seen[cmd.name] = cmd
    lines = []
    for name in sorted(seen):
        cmd = seen[name]
        if pattern and not (
            name.startswith(pattern) or fnmatch.fnmatch(name, pattern) or pattern in cmd.help
        ):
            continue
        lines.append(
            f".{cmd.usage:<22} {cmd.help}" if len(cmd.usage) < 22 else f".{cmd.usage}\n{'':23} {cmd.help}"
        )
    return lines


_loaded = False


def _load_all() -> None:
    """Import the modules that register commands (once)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from . import core, data, output, schema, wasm  # noqa: F401


@command("help", "help ?PATTERN?", "Show help text for commands matching PATTERN", safe=True)
def _help(shell: Shell, args: list[str]) -> int:
    pattern = args[1] if len(args) > 1 else None
    if pattern and pattern.startswith("."):
        pattern = pattern[1:]
    lines = help_lines(pattern)
    if pattern and not lines:
        shell.error(f"Nothing matches '{pattern}'")
        return 1
    shell.out.write("".join(line + "\n" for line in lines))
    return 0


@command("quit", "quit", "Stop interpreting input (in a .read file, just that file)", safe=True)
def _quit(shell: Shell, args: list[str]) -> int:
    if shell.input_depth <= 1:  # not in a .read file
        shell.quit_requested = True
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
        shell.exit_code = code
    return QUIT
