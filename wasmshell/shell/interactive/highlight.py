"""Highlighting of the input as it is typed: SQL through pygments, dot-commands apart.

The input is split as the shell reads it (``split_input``): a line starting
with ``.`` while no SQL is pending is a dot-command, a line starting with
``#`` is a comment, and everything else is SQL until SQLite says a statement
is complete. SQL goes through ``SqliteLexer``, a pygments lexer over the one
SQL tokenizer (``sqltext.lex``) that types its pieces: SQLite's keywords (from
APSW), quoted names (``"x"``, ``[x]``, `` `x` ``), blob literals and
parameters; dot-commands get their own token types.

pygments' lexer machinery and prompt_toolkit are imported only when
highlighting is first needed (``SqliteLexer`` is built on first access).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import apsw
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Token,
    _TokenType,
)

from ...sqltext import KEYWORDS, Lexeme, is_blank, lex

if TYPE_CHECKING:
    from prompt_toolkit.lexers import Lexer
    from prompt_toolkit.styles import BaseStyle

# Token types of a dot-command line (custom types, so a style can tell them from SQL).
COMMAND = Token.DotCommand
ARGUMENT = Token.DotCommand.Argument
OPTION = Token.DotCommand.Option

TokenList = list[tuple[_TokenType, str]]


_LINES = re.compile(r"[^\n]*\n|[^\n]+")  # lines as the shell reads them: split at \n only


class Segment(NamedTuple):
    """A stretch of input read one way: ``kind`` is "sql", "command" or "comment"."""

    kind: str
    start: int
    text: str


def split_input(text: str) -> list[Segment]:
    """Split input as the shell reads it: dot-command and ``#`` lines apart from SQL.

    A line is a dot-command only when no SQL is pending before it (text that is
    blank or only comments is not pending), as in sqlite3. SQL runs on until
    SQLite's completeness test passes at the end of a line. The segments'
    texts joined give back ``text``.
    """
    segments: list[Segment] = []
    sql_start: int | None = None
    pos = 0
    for line in _LINES.findall(text):
        if line[:1] in (".", "#") and (sql_start is None or is_blank(text[sql_start:pos])):
            if sql_start is not None:
                segments.append(Segment("sql", sql_start, text[sql_start:pos]))
                sql_start = None
            segments.append(Segment("command" if line[0] == "." else "comment", pos, line))
            pos += len(line)
            continue
        if sql_start is None:
            sql_start = pos
        pos += len(line)
        if apsw.complete(text[sql_start:pos].replace("\0", " ")):  # SQLite's C API stops at a NUL
            segments.append(Segment("sql", sql_start, text[sql_start:pos]))
            sql_start = None
    if sql_start is not None:
        segments.append(Segment("sql", sql_start, text[sql_start:]))
    return segments


# -- SQL ------------------------------------------------------------------------

# Words SQLite reads as values rather than as keywords.
_CONSTANTS = frozenset(("NULL", "TRUE", "FALSE", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP"))
_OPERATORS = frozenset(("||", "->>", "->", "<<", ">>", "<=", ">=", "==", "!=", "<>", *"-+*/%<>=~&|"))
_PUNCTUATION = frozenset("(),;.")
_FLOAT = re.compile(r"[.]|[eE][+-]?[0-9]")
_SIMPLE_KINDS = {
    "space": Text.Whitespace,
    "blob": String.Other,
    "string": String.Single,
    "name": Name.Quoted,
    "param": Name.Variable,
}


def sql_token_types(sql: str) -> Iterator[tuple[int, _TokenType, str]]:
    """``(offset, token type, text)`` for each piece of ``sql``, as sqltext.lex splits it."""
    pieces = lex(sql)
    for i, (kind, text, start, _closed) in enumerate(pieces):
        if kind == "word":
            yield start, _word_type(text, pieces, i), text
        elif kind == "number":
            yield start, _number_type(text), text
        elif kind == "comment":
            yield start, Comment.Single if text[1] == "-" else Comment.Multiline, text
        elif kind == "op":
            op = Operator if text in _OPERATORS else Punctuation if text in _PUNCTUATION else Text
            yield start, op, text
        else:
            yield start, _SIMPLE_KINDS[kind], text


def _word_type(word: str, pieces: list[Lexeme], i: int) -> _TokenType:
    """A constant, a keyword, a function (a name before "("), or a name."""
    upper = word.upper()
    if upper in _CONSTANTS:
        return Keyword.Constant
    if upper in KEYWORDS:
        return Keyword
    i += 1
    if i < len(pieces) and pieces[i].kind == "space":
        i += 1  # white space never comes twice in a row
    return Name.Function if i < len(pieces) and pieces[i].text == "(" else Name


def _number_type(number: str) -> _TokenType:
    if number[:2] in ("0x", "0X"):
        return Number.Hex
    return Number.Float if _FLOAT.search(number) else Number.Integer


@functools.cache
def _sqlite_lexer_class() -> type:
    from pygments.lexer import Lexer

    class SqliteLexer(Lexer):
        """SQL as SQLite reads it: its keywords, quoting, blobs, numbers and parameters."""

        name = "SQLite SQL"
        aliases = ["sqlite"]  # noqa: RUF012 (pygments' own layout)
        filenames: list[str] = []  # noqa: RUF012

        def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, _TokenType, str]]:
            return sql_token_types(text)

    return SqliteLexer


@functools.cache
def _sql_lexer() -> Any:
    return _sqlite_lexer_class()()


def __getattr__(name: str) -> Any:
    # ``SqliteLexer`` is made on first access, so importing this module does not import pygments.lexer.
    if name == "SqliteLexer":
        return _sqlite_lexer_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- dot-commands ---------------------------------------------------------------

_OPTION = re.compile(r"--?[A-Za-z][\w-]*")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?\Z")


def _command_tokens(line: str) -> TokenList:
    """A dot-command line's tokens, its words split as the shell splits them (args.line_words)."""
    from ..commands.args import line_words

    name = re.match(r"\.\S*", line)
    assert name is not None  # a command line starts with "."
    out: TokenList = [(COMMAND, name.group())]
    at = name.end()
    for word in line_words(line, at):
        if word.start > at:
            out.append((Text.Whitespace, line[at : word.start]))
        out.extend(_word_tokens(line[word.start : word.end], bool(word.quote)))
        at = word.end
    if at < len(line):
        out.append((Text.Whitespace, line[at:]))
    return out


def _word_tokens(text: str, quoted: bool) -> TokenList:
    """One word of a dot-command line: a string, an option (what follows its name is an
    argument: ``--wrap=5``), a number or an argument."""
    if quoted:
        return [(String, text)]
    option = _OPTION.match(text)
    if option:
        rest = text[option.end() :]
        return [(OPTION, option.group())] + ([(ARGUMENT, rest)] if rest else [])
    return [(Number if _NUMBER.match(text) else ARGUMENT, text)]


# -- the whole input ------------------------------------------------------------


def tokenize(text: str) -> TokenList:
    """``(token type, text)`` pairs for the input; their texts joined give back ``text``."""
    out: TokenList = []
    for segment in split_input(text):
        if segment.kind == "sql":
            out.extend((kind, value) for _, kind, value in _sql_lexer().get_tokens_unprocessed(segment.text))
        elif segment.kind == "command":
            out.extend(_command_tokens(segment.text))
        else:
            body = segment.text.rstrip("\r\n")
            out.append((Comment.Single, body))
            if len(body) < len(segment.text):
                out.append((Text.Whitespace, segment.text[len(body) :]))
    return out


def lexer_for_prompt() -> Lexer:
    """A prompt_toolkit Lexer that highlights the input with ``tokenize``."""
    from prompt_toolkit.formatted_text.utils import split_lines
    from prompt_toolkit.lexers import Lexer
    from prompt_toolkit.styles.pygments import pygments_token_to_classname

    class InputLexer(Lexer):
        """Highlights SQL and dot-commands; the last document's lines are kept for redraws."""

        def __init__(self) -> None:
            self._text: str | None = None
            self._lines: list[Any] = []

        def lex_document(self, document: Any) -> Callable[[int], Any]:
            if document.text != self._text:
                fragments = [
                    (f"class:{pygments_token_to_classname(kind)}", value)
                    for kind, value in tokenize(document.text)
                ]
                self._lines = list(split_lines(fragments))  # type: ignore[arg-type]
                self._text = document.text
            lines = self._lines

            def get_line(lineno: int) -> Any:
                return lines[lineno] if 0 <= lineno < len(lines) else []

            return get_line

    return InputLexer()


# ANSI colour names follow the terminal's own palette, so they stay readable on
# dark and light backgrounds; black, white, yellow and "bright black" do not
# (bright black is the background in Solarized). Comments use a fixed mid grey,
# which reads on both.
STYLE_RULES: dict[str, str] = {
    "pygments.keyword": "bold ansiblue",
    "pygments.keyword.constant": "bold ansimagenta",
    "pygments.literal.string": "ansigreen",
    "pygments.literal.number": "ansimagenta",
    "pygments.comment": "italic #8a8a8a",
    "pygments.name.variable": "bold ansicyan",
    "pygments.name.function": "ansicyan",
    "pygments.dotcommand": "bold ansimagenta",
    "pygments.dotcommand.argument": "ansicyan",
    "pygments.dotcommand.option": "italic ansicyan",
}


def style(theme: str = "default") -> BaseStyle:
    """The prompt_toolkit Style for the classes ``lexer_for_prompt`` produces: wasmshell's own
    colours ("default", in the terminal's palette), none ("plain", for any background), or a
    pygments style by name with wasmshell's colours for what pygments has no class for."""
    from prompt_toolkit.styles import Style, merge_styles

    if theme == "plain":
        return Style([])
    own = Style.from_dict({**STYLE_RULES, "vi-mode": "reverse"})
    if theme == "default":
        return own
    from prompt_toolkit.styles.pygments import style_from_pygments_cls
    from pygments.styles import get_style_by_name

    return merge_styles([own, style_from_pygments_cls(get_style_by_name(theme))])
