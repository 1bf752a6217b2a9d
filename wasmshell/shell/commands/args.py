"""Dot-command argument parsing, as sqlite3's shell tokenises a meta-command line."""

from __future__ import annotations

from ...lean import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from collections.abc import Callable

    pass

_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r"}


def resolve_backslashes(text: str) -> str:
    r"""Interpret C escapes (\t, \n, \\, \", \', octal \NNN, hex \xHH) as sqlite3 does."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            i += 1
            ch = text[i]
            if ch in _ESCAPES:
                out.append(_ESCAPES[ch])
            elif ch == "x":  # up to two hex digits (sqlite3 3.54)
                digits = ""
                while len(digits) < 2 and i + 1 < n and text[i + 1] in "0123456789abcdefABCDEF":
                    i += 1
                    digits += text[i]
                out.append(_byte(int(digits or "0", 16)))
            elif ch in "01234567":
                value = int(ch)
                for _ in range(2):
                    if i + 1 < n and text[i + 1] in "01234567":
                        i += 1
                        value = value * 8 + int(text[i])
                out.append(_byte(value))
            else:
                out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _byte(value: int) -> str:
    """The byte ``value`` as text: a byte above 0x7F is not a character of its own, and is kept as
    the byte it is (surrogateescape), as sqlite3 writes it."""
    return chr(value) if value < 0x80 else chr(0xDC00 + (value & 0xFF))


class Word(Record):
    """A word of a dot-command line and where it stands in the line."""

    text: str  # as a command reads it: quotes removed, escapes resolved (not in single quotes)
    start: int  # where it begins: its opening quote, if it has one
    end: int  # just past it: past its closing quote, or the end of the line if it has none
    quote: str  # the quote it was opened with, "" if none
    closed: bool  # False when the line ends inside its quotes


def line_words(line: str, start: int = 0) -> list[Word]:
    """Split a dot-command line from ``start`` into words, as sqlite3's shell does.

    White space (C's, as sqlite3's: not 0x1C-0x1F, 0x85 or 0xA0) separates words;
    quotes group, and double quotes take backslash escapes (words without quotes do
    not, since sqlite3 3.54). A quote left open runs to the end of the line.
    """
    words: list[Word] = []
    i = start
    n = len(line)
    while i < n:
        while i < n and line[i] in _C_SPACE:
            i += 1
        if i >= n:
            break
        begin = i
        if line[i] in "'\"":
            delim = line[i]
            i += 1
            while i < n and line[i] != delim:
                if line[i] == "\\" and delim == '"' and i + 1 < n:
                    i += 1
                i += 1
            text = line[begin + 1 : i]
            closed = i < n
            i = min(i + 1, n)
            words.append(Word(resolve_backslashes(text) if delim == '"' else text, begin, i, delim, closed))
        else:
            while i < n and line[i] not in _C_SPACE:
                i += 1
            words.append(Word(line[begin:i], begin, i, "", True))
    return words


def byte_len(text: str) -> int:
    """Length in bytes, which is what sqlite3 counts (C's printf pads to it, offsets are in it)."""
    return len(text.encode("utf-8", "surrogateescape"))


def split_args(line: str) -> list[str]:
    """Split a dot-command line into words: quotes group, double quotes take escapes. A ``;`` that
    ends the line is not part of it (sqlite3 3.54: ``.mode csv;`` is ``.mode csv``)."""
    return [word.text for word in dot_words(line)]


def dot_words(line: str) -> list[Word]:
    """``split_args``'s words, with where each stands in ``line``."""
    line = line.rstrip(_C_SPACE)
    if line.endswith(";"):
        line = line[:-1].rstrip(_C_SPACE)
    return line_words(line)


_C_SPACE = " \t\n\v\f\r"


def boolean_value(text: str, warn: Callable[[str], None]) -> bool:
    """sqlite3's booleanValue: on/off, yes/no or a number; anything else warns and is off."""
    digits = text[2:] if text[:2] == "0x" else text
    if digits and all(c in "0123456789abcdefABCDEF" if text[:2] == "0x" else c.isdigit() for c in digits):
        return (int(text, 16 if text[:2] == "0x" else 10) & 0xFFFFFFFF) != 0
    lowered = text.lower()
    if lowered in ("on", "yes"):
        return True
    if lowered in ("off", "no"):
        return False
    warn(f'ERROR: Not a boolean value: "{text}". Assuming "no".')
    return False


def option_match(arg: str, name: str) -> bool:
    """sqlite3's optionMatch: ``-name`` or ``--name``."""
    return arg in (f"-{name}", f"--{name}")


def integer_value(text: str) -> int:
    """sqlite3's integerValue: a sign, digits or 0x hex, then an optional KiB/MB/K... suffix."""
    negative = text.startswith("-")
    body = text[1:] if text[:1] in "+-" else text
    value = 0
    i = 0
    if body.startswith("0x"):
        i = 2
        while i < len(body) and body[i] in "0123456789abcdefABCDEF":
            value = value * 16 + int(body[i], 16)
            i += 1
    else:
        while i < len(body) and body[i].isdigit() and body[i].isascii():
            value = value * 10 + int(body[i])
            i += 1
    suffix = body[i:].lower()
    multipliers = {"kib": 1024, "mib": 1024**2, "gib": 1024**3, "kb": 1000, "mb": 10**6, "gb": 10**9}
    multipliers.update({"k": 1000, "m": 10**6, "g": 10**9})
    value *= multipliers.get(suffix, 1)
    return -value if negative else value
