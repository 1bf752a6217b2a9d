"""Completion of dot-commands and their arguments: names, words, options, tables, files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from ...commands.registry import all_commands, find
from ...output import modes
from .metadata import Metadata, dot_commands
from .ranking import SUBSTRING, Candidate, Suggestion, match_quality, ranked

MODES = modes.NAMES
_MAX_DIRECTORY_ENTRIES = 5000  # a huge directory is cut rather than stalling the prompt


def _command_line_words(line: str) -> tuple[list[str], str, str, int]:
    """Split a dot-command line as ``split_args`` does, up to the cursor.

    Returns the complete words (the command name first), the word at the
    cursor, the quote it was opened with ("" if none or closed) and its
    length as typed. Words without quotes are kept as typed (their escapes
    unresolved), so that what is typed matches what is offered.
    """
    from ...commands.args import line_words

    found = line_words(line, 1)
    words = [w.text if w.quote else line[w.start : w.end] for w in found]
    if not found or found[-1].end < len(line):  # the cursor is after white space
        return words, "", "", 0
    last = found[-1]
    return words[:-1], words[-1], "" if last.closed else last.quote, len(line) - last.start


def _argument_position(args: Sequence[str]) -> int:
    """The position of the next argument: options, and the values they take, not counted.

    An option is taken to be followed by a value when it is in any command
    (``--skip N`` of .import, ``--wrap N`` of .mode): so completion has always
    counted, and an option a command does not know is an error it reports.
    """
    position, i = 1, 0
    while i < len(args):
        if args[i].startswith("-") and len(args[i]) > 1:
            if any(cmd.takes_value(args[i]) for cmd in all_commands()):
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
    dot_commands()  # every command registered
    cmd = find(words[0])
    command = cmd.name if cmd is not None else words[0]
    if current.startswith("-") and not quote:
        options = [Candidate(o, "option", "option", o) for o in (cmd.option_names if cmd else ())]
        return ranked(current, -typed, [options])
    rules = cmd.arguments if cmd is not None else ()
    position = 1 if cmd is not None and cmd.repeated else _argument_position(words[1:])
    if position > len(rules):
        return []
    groups: list[list[Candidate]] = []
    for source in rules[position - 1].split("+"):
        if source in ("path", "directory"):
            preferred = cmd.files if cmd is not None else ()
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
