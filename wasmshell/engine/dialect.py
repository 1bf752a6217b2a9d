"""libSQL's function dialect: CREATE FUNCTION and DROP FUNCTION, recognised before SQLite sees them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from ..sqltext import Token, split_statements, tokens

# -- libSQL's function dialect --------------------------------------------------
#
#   CREATE FUNCTION [IF NOT EXISTS] name LANGUAGE wasm AS '<wat>' | X'<hex>'
#   DROP FUNCTION [IF EXISTS] name
#
# SQLite has no such statements, so they are recognised and handled before
# SQLite sees the text.

_MAYBE_DIALECT = re.compile(r"(?i)\bfunction\b")
# ROLLBACK TO does not call SQLite's rollback hook, and rows written straight into
# the function table (a .dump read back) should become functions.
_TOUCHES_FUNCTIONS = re.compile(r"(?i)\brollback\b|libsql_wasm_func_table")


class CreateFunction(NamedTuple):
    """A parsed CREATE FUNCTION statement."""

    name: str
    language: str
    body: str | bytes
    if_not_exists: bool


class DropFunction(NamedTuple):
    """A parsed DROP FUNCTION statement."""

    name: str
    if_exists: bool


def may_change_functions(sql: str) -> bool:
    """A cheap test: False means running ``sql`` leaves the stored functions as they were
    (no ROLLBACK, no write to their table)."""
    return _TOUCHES_FUNCTIONS.search(sql) is not None


def engine_must_see(sql: str) -> bool:
    """Whether Session.execute must see ``sql`` as a statement of its own (not run in a batch)."""
    lowered = sql.lower()  # plain substring tests first: this runs on every line of a script
    if "function" not in lowered and "rollback" not in lowered and "libsql_wasm_func_table" not in lowered:
        return False
    return holds_function_statement(sql) or may_change_functions(sql)


def holds_function_statement(sql: str) -> bool:
    """Whether a statement of ``sql`` is CREATE FUNCTION or DROP FUNCTION.

    Only the first two words of each statement decide: the word FUNCTION in a
    string, a comment, a name, an alias or a trigger body never counts.
    """
    if _MAYBE_DIALECT.search(sql) is None:
        return False  # most SQL never mentions the word: no need to split it
    return any(is_function_statement(statement) for _offset, statement in split_statements(sql))


def is_function_statement(statement: str) -> bool:
    """Whether one statement begins CREATE FUNCTION or DROP FUNCTION (comments aside)."""
    try:
        return _function_verb(tokens(statement)) is not None
    except SyntaxError:  # an unterminated string or name before the second word
        return False


def _function_verb(toks: Iterator[Token]) -> str | None:
    """CREATE or DROP if the first two tokens are that word and FUNCTION, else None."""
    first = next(toks)
    if first.kind != "word" or first.text.upper() not in ("CREATE", "DROP"):
        return None
    second = next(toks)
    if second.kind != "word" or second.text.upper() != "FUNCTION":
        return None
    return first.text.upper()


def parse_function_statement(statement: str) -> CreateFunction | DropFunction | None:
    """Parse a CREATE FUNCTION or DROP FUNCTION statement; None for any other statement.

    Raises SyntaxError, with a message for the user, for a malformed one.
    """
    try:
        toks = tokens(statement)
        verb = _function_verb(toks)
        if verb is None:
            return None
        stream = _Stream(toks, verb + " FUNCTION")
        if verb == "CREATE":
            if_not_exists = stream.keywords("IF", "NOT", "EXISTS")
            name = stream.name()
            stream.expect("LANGUAGE")
            language = stream.name()
            stream.expect("AS")
            body = stream.body()
            stream.finish()
            return CreateFunction(name, language, body, if_not_exists)
        if_exists = stream.keywords("IF", "EXISTS")
        name = stream.name()
        stream.finish()
        return DropFunction(name, if_exists)
    except StopIteration:  # pragma: no cover - tokens() always ends with an end token
        raise SyntaxError("unexpected end of statement") from None


class _Stream:
    def __init__(self, toks: Iterator[Token], what: str) -> None:
        self.toks = toks
        self.what = what
        self.peeked: Token | None = None

    def peek(self) -> Token:
        if self.peeked is None:
            self.peeked = next(self.toks)
        return self.peeked

    def take(self) -> Token:
        tok = self.peek()
        self.peeked = None
        return tok

    def fail(self, expected: str) -> SyntaxError:
        tok = self.peek()
        found = f'"{tok.text}"' if tok.kind != "end" else "the end of the statement"
        return SyntaxError(f"{self.what}: expected {expected}, found {found}")

    def keywords(self, *words: str) -> bool:
        tok = self.peek()
        if tok.kind != "word" or tok.text.upper() != words[0]:
            return False
        for word in words:
            if self.peek().kind != "word" or self.peek().text.upper() != word:
                raise self.fail(" ".join(words))
            self.take()
        return True

    def expect(self, word: str) -> None:
        tok = self.peek()
        if tok.kind != "word" or tok.text.upper() != word:
            raise self.fail(word)
        self.take()

    def name(self) -> str:
        tok = self.peek()
        if tok.kind in ("word", "quoted", "string"):
            self.take()
            return tok.value
        raise self.fail("a name")

    def body(self) -> str | bytes:
        tok = self.peek()
        if tok.kind in ("string", "blob"):
            self.take()
            return tok.value
        raise self.fail("the module as a string '...' or a blob X'...'")

    def finish(self) -> None:
        if self.peek().kind == "punct" and self.peek().text == ";":
            self.take()
        if self.peek().kind != "end":
            raise self.fail("the end of the statement")
