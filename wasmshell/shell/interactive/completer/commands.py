"""Completion of dot-commands and their arguments: names, words, options, tables, files."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ...output import modes

if TYPE_CHECKING:
    from .metadata import Metadata

    pass


from .ranking import SUBSTRING, Candidate, Suggestion, match_quality, ranked

MODES = modes.NAMES
SWITCHES = ("on", "off")

# The words a dot-command takes, by command (canonical name).
COMMAND_WORDS: dict[str, tuple[str, ...]] = {
    "mode": MODES,
    "headers": SWITCHES,
    "echo": SWITCHES,
    "bail": SWITCHES,
    "timer": SWITCHES,
    "changes": SWITCHES,
    "parameter": ("clear", "init", "list", "set", "unset"),
}

# Options offered when an argument starts with "-"; those in _OPTION_VALUES take a value.
COMMAND_OPTIONS: dict[str, tuple[str, ...]] = {
    "open": ("--readonly", "--new"),
    "loadwasm": ("--temp", "--replace"),
    "mode": ("--wrap", "--wordwrap", "--quote", "--noquote", "--ww"),
    "import": ("--csv", "--ascii", "--skip", "--schema"),
    "schema": ("--indent", "--nosys"),
}
_OPTION_VALUES = frozenset({"skip", "schema", "wrap", "wordwrap"})

# What each argument of a dot-command is, by position; "+" joins sources.
#   words: COMMAND_WORDS of the command     relation: tables and views
#   table: tables      wasm: Wasm functions  path / directory: files
#   database: attached database names        command: dot-command names
_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "mode": ("words", "table"),
    "headers": ("words",),
    "echo": ("words",),
    "bail": ("words",),
    "timer": ("words",),
    "changes": ("words",),
    "parameter": ("words",),
    "schema": ("relation",),
    "tables": ("relation",),
    "indexes": ("table",),
    "dump": ("relation",),
    "import": ("path", "table"),
    "wat": ("wasm+path",),
    "funcs": ("wasm",),
    "open": ("path",),
    "read": ("path",),
    "loadwasm": ("path",),
    "output": ("path",),
    "once": ("path",),
    "backup": ("database+path", "path"),
    "save": ("path",),
    "cd": ("directory",),
    "help": ("command",),
}
_REPEATED = frozenset({"dump"})  # every argument is of the same kind

# Files a command most likely wants are listed first.
_PREFERRED_FILES: dict[str, tuple[str, ...]] = {
    "loadwasm": (".wat", ".wasm"),
    "wat": (".wat", ".wasm"),
    "read": (".sql",),
    "open": (".db", ".sqlite", ".sqlite3", ".db3"),
    "backup": (".db", ".sqlite", ".sqlite3", ".db3"),
    "save": (".db", ".sqlite", ".sqlite3", ".db3"),
    "import": (".csv", ".tsv", ".txt"),
}
_MAX_DIRECTORY_ENTRIES = 5000  # a huge directory is cut rather than stalling the prompt


@functools.cache
def dot_commands() -> dict[str, str]:
    """Every dot-command name and alias, with its one-line help."""
    from ...commands.registry import all_commands

    names: dict[str, str] = {}
    for cmd in all_commands():
        for name in (cmd.name, *cmd.aliases):
            names[name] = cmd.help
    return names


def _command_line_words(line: str) -> tuple[list[str], str, str, int]:
    """Split a dot-command line as ``split_args`` does, up to the cursor.

    Returns the complete words (the command name first), the word at the
    cursor (unquoted), the quote it was opened with ("" if none) and its
    length as typed.
    """
    from ...commands.args import resolve_backslashes

    words: list[str] = []
    i, n = 1, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return words, "", "", 0
        start = i
        if line[i] in "'\"":
            delim = line[i]
            i += 1
            while i < n and line[i] != delim:
                if line[i] == "\\" and delim == '"' and i + 1 < n:
                    i += 1
                i += 1
            if i >= n:  # the cursor is inside the quotes
                inner = line[start + 1 :]
                return words, resolve_backslashes(inner) if delim == '"' else inner, delim, n - start
            i += 1
            word = line[start + 1 : i - 1]
            word = resolve_backslashes(word) if delim == '"' else word
        else:
            while i < n and not line[i].isspace():
                i += 1
            word = line[start:i]
        if i >= n:
            return words, word, "", n - start
        words.append(word)


def _argument_position(args: Sequence[str]) -> int:
    """The position of the next argument: options, and the values they take, not counted."""
    position, i = 1, 0
    while i < len(args):
        if args[i].startswith("-") and len(args[i]) > 1:
            if args[i].lstrip("-") in _OPTION_VALUES:
                i += 1
        else:
            position += 1
        i += 1
    return position


def _quote_argument(text: str, quote: str, finished: bool) -> str:
    """An argument as ``split_args`` reads it back: in the user's quote, or quoted if it must be."""
    if not quote and not any(c.isspace() or c in "'\"" for c in text):
        return text
    if not quote:
        quote = '"' if "'" in text else "'"
    if quote == '"':
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return quote + text + (quote if finished else "")


def _paths(
    word: str, quote: str, cwd: str | None, directories: bool, preferred: tuple[str, ...]
) -> list[Candidate]:
    """Files and directories for a partial path; those with a ``preferred`` suffix, and directories, first."""
    cut = word.rfind("/") + 1
    head, tail = word[:cut], word[cut:]
    base = os.path.expanduser(head) if head else "."
    if not os.path.isabs(base):
        base = os.path.join(cwd or os.getcwd(), base)
    out = []
    try:
        with os.scandir(base) as entries:
            for count, entry in enumerate(entries):
                if count >= _MAX_DIRECTORY_ENTRIES:
                    break
                if entry.name.startswith(".") and not tail.startswith("."):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                how = match_quality(tail, entry.name, SUBSTRING)
                if how is None or (directories and not is_dir):
                    continue
                shown = entry.name + ("/" if is_dir else "")
                text = _quote_argument(head + shown, quote, finished=not is_dir)
                order = 0 if is_dir or entry.name.lower().endswith(preferred) else 1
                out.append(
                    Candidate(shown, "path", "directory" if is_dir else "file", text, order=order, match=how)
                )
    except OSError:
        return []
    return out


def command_suggestions(line: str, md: Metadata, cwd: str | None) -> list[Suggestion]:
    line = line.rstrip("\r\n")
    if not any(c.isspace() for c in line):  # the command name itself
        names = [Candidate("." + name, "command", help, "." + name) for name, help in md.commands.items()]
        return ranked(line, -len(line), [names])
    words, current, quote, typed = _command_line_words(line)
    if not words:
        return []  # ". x": no command name
    from ...commands.registry import find

    found = find(words[0])
    command = found.name if found is not None else words[0]
    if current.startswith("-") and not quote:
        options = [Candidate(o, "option", "option", o) for o in COMMAND_OPTIONS.get(command, ())]
        return ranked(current, -typed, [options])
    rules = _ARGUMENTS.get(command, ())
    position = 1 if command in _REPEATED else _argument_position(words[1:])
    if position > len(rules):
        return []
    groups: list[list[Candidate]] = []
    for source in rules[position - 1].split("+"):
        if source in ("path", "directory"):
            preferred = _PREFERRED_FILES.get(command, ())
            groups.append(_paths(current, quote, cwd, source == "directory", preferred))
            continue
        names: Iterable[str]
        if source == "words":
            names, kind = md.command_words.get(command, ()), "argument"
        elif source == "relation":
            names, kind = dict.fromkeys(r.name for r in md.relations), "table"
        elif source == "table":
            names, kind = dict.fromkeys(md.tables), "table"
        elif source == "wasm":
            names, kind = md.wasm_functions, "wasm function"
        elif source == "database":
            names, kind = md.databases, "database"
        else:  # "command"
            names, kind = md.commands, "command"
        groups.append([Candidate(n, kind, kind, _quote_argument(n, quote, finished=True)) for n in names])
    return ranked(current, -typed, groups)
