"""Splitting SQL text into statements, by SQLite's own rules.

``apsw.complete`` is SQLite's ``sqlite3_complete``: it knows strings, quoted
identifiers, comments and trigger bodies. A statement ends at a semicolon
where the text so far is complete.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import apsw


def split_statements(sql: str) -> Iterator[tuple[int, str]]:
    """Yield ``(offset, statement)`` for each statement in ``sql``.

    Leading white space is dropped from each statement; text after the last
    semicolon (an unterminated statement, or only comments) comes last.
    """
    start = 0
    n = len(sql)
    while start < n:
        while start < n and sql[start].isspace():
            start += 1
        if start >= n:
            return
        end = sql.find(";", start)
        while end != -1 and not apsw.complete(sql[start : end + 1]):
            end = sql.find(";", end + 1)
        if end == -1:
            yield start, sql[start:]
            return
        yield start, sql[start : end + 1]
        start = end + 1


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


class Token(NamedTuple):
    """A lexical token: kind is word, quoted, string, blob, number, punct or end."""

    kind: str
    text: str
    value: Any = None


def tokens(sql: str) -> Iterator[Token]:
    """SQL tokens, skipping white space and comments."""
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch.isspace():
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in "'\"`[" or (ch in "xX" and sql.startswith("'", i + 1)):
            start = i
            blob = ch in "xX"
            if blob:
                i += 1
            close = {"[": "]"}.get(sql[i], sql[i])
            j = i + 1
            parts = []
            while True:
                end = sql.find(close, j)
                if end < 0:
                    raise SyntaxError(f"unterminated {'string' if close == chr(39) else 'name'}")
                parts.append(sql[j:end])
                if close != "]" and sql.startswith(close * 2, end):
                    parts.append(close)
                    j = end + 2
                    continue
                i = end + 1
                break
            text = "".join(parts)
            if blob:
                try:
                    yield Token("blob", sql[start:i], bytes.fromhex(text))
                except ValueError:
                    raise SyntaxError("malformed blob literal X'...'") from None
            elif close == "'":
                yield Token("string", sql[start:i], text)
            else:
                yield Token("quoted", sql[start:i], text)
        elif ch.isalnum() or ch == "_" or ord(ch) > 127:
            start = i
            while i < n and (sql[i].isalnum() or sql[i] in "_$" or ord(sql[i]) > 127):
                i += 1
            word = sql[start:i]
            yield Token("number" if word[0].isdigit() else "word", word, word)
        else:
            yield Token("punct", ch, ch)
            i += 1
    yield Token("end", "", None)


def is_blank(sql: str) -> bool:
    """True if ``sql`` holds only white space and comments."""
    try:
        return next(tokens(sql)).kind == "end"
    except SyntaxError:  # an unterminated string is not blank
        return False


def may_change_functions(sql: str) -> bool:
    """A cheap test: False means running ``sql`` leaves the stored functions as they were
    (no ROLLBACK, no write to their table)."""
    return _TOUCHES_FUNCTIONS.search(sql) is not None


def engine_must_see(sql: str) -> bool:
    """Whether Session.execute must see ``sql`` as a statement of its own (not run in a batch)."""
    lowered = sql.lower()  # plain substring tests first: this runs on every line of a script
    if "function" not in lowered and "rollback" not in lowered and "libsql_wasm_func_table" not in lowered:
        return False
    return may_hold_function_statement(sql) or may_change_functions(sql)


def may_hold_function_statement(sql: str) -> bool:
    """A cheap test: False means ``sql`` certainly holds no CREATE/DROP FUNCTION."""
    return _MAYBE_DIALECT.search(sql) is not None


def parse_function_statement(statement: str) -> CreateFunction | DropFunction | None:
    """Parse a CREATE FUNCTION or DROP FUNCTION statement; None for any other statement.

    Raises SyntaxError, with a message for the user, for a malformed one.
    """
    try:
        toks = tokens(statement)
        first = next(toks)
        if first.kind != "word" or first.text.upper() not in ("CREATE", "DROP"):
            return None
        second = next(toks)
        if second.kind != "word" or second.text.upper() != "FUNCTION":
            return None
        stream = _Stream(toks, first.text.upper() + " FUNCTION")
        if first.text.upper() == "CREATE":
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


# -- parameters -------------------------------------------------------------------

_PARAMETER_TOKENS = re.compile(
    r"""
      (?P<skip> --[^\n]*                      # comments, strings and quoted names hide parameters
              | /\*(?:[^*]|\*(?!/))*(?:\*/)?
              | '(?:[^']|'')*'?
              | "(?:[^"]|"")*"?
              | `(?:[^`]|``)*`?
              | \[[^\]]*\]?
              | [A-Za-z0-9_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]* )
    | (?P<number> \?[0-9]+ )
    | (?P<anon> \? )
    | (?P<named> [:@$\#](?:[A-Za-z0-9_$\x80-\U0010ffff]|::)*(?:\([^)\s]*\))? )
    """,
    re.VERBOSE,
)


def parameter_names(statement: str) -> list[str | None]:
    """Each parameter of an SQL statement, in SQLite's numbering: its name, or None for ``?``."""
    names: list[str | None] = []
    index: dict[str, int] = {}
    for match in _PARAMETER_TOKENS.finditer(statement):
        kind = match.lastgroup
        text = match.group()
        if kind == "skip" or (kind == "named" and len(text) < 2):
            continue
        if kind == "anon":
            names.append(None)
        elif kind == "number":
            n = int(text[1:])
            if not 1 <= n <= 250_000:
                return []  # SQLite will refuse the statement; no bindings
            names.extend([None] * (n - len(names)))
            if names[n - 1] is None and text not in index:
                names[n - 1] = text
                index[text] = n
        elif text not in index:
            names.append(text)
            index[text] = len(names)
    return names
