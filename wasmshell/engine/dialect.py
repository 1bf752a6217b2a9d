"""libSQL's function dialect: CREATE FUNCTION and DROP FUNCTION, recognised before SQLite sees them,
and ScriptCursor, which runs SQL that holds them statement by statement."""

from __future__ import annotations

import apsw

from ..lean import TYPE_CHECKING, Protocol, Record
from ..sqltext import LazyPattern, Token, parameter_names, split_statements, tokens
from . import native
from .errors import StatementError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

# -- libSQL's function dialect --------------------------------------------------
#
#   CREATE FUNCTION [IF NOT EXISTS] name LANGUAGE wasm AS '<wat>' | X'<hex>'
#   DROP FUNCTION [IF EXISTS] name
#
# SQLite has no such statements, so they are recognised and handled before
# SQLite sees the text.

_MAYBE_DIALECT = LazyPattern(r"(?i)\bfunction\b")
# ROLLBACK TO does not call SQLite's rollback hook, and rows written straight into
# the function table (a .dump read back) should become functions.
_TOUCHES_FUNCTIONS = LazyPattern(r"(?i)\brollback\b|libsql_wasm_func_table")
_ROLLBACK = LazyPattern(r"(?i)\brollback\b")


class CreateFunction(Record):
    """A parsed CREATE FUNCTION statement."""

    name: str
    language: str
    body: str | bytes
    if_not_exists: bool


class DropFunction(Record):
    """A parsed DROP FUNCTION statement."""

    name: str
    if_exists: bool


def may_change_functions(sql: str) -> bool:
    """A cheap test: False means running ``sql`` leaves the stored functions as they were
    (no ROLLBACK, no write to their table)."""
    return _TOUCHES_FUNCTIONS.search(sql) is not None


def engine_must_see(sql: str) -> bool:
    """Whether Session.execute must see ``sql`` as a statement of its own (not run in a batch)."""
    if not _mentions_words(sql):
        return False
    return holds_function_statement(sql) or may_change_functions(sql)


def _mentions_words(sql: str) -> bool:
    """Whether ``sql`` holds a word the engine looks for, in any case: by plain substring tests
    (this runs on every line of a script), or for long SQL in one pass in C (not a lowered copy
    searched three times)."""
    if len(sql) > _LONG and _c_words is not None:
        return bool(_c_words(sql.encode("utf-8", "surrogatepass"), (), _WORDS))
    lowered = sql.lower()
    return "function" in lowered or "rollback" in lowered or "libsql_wasm_func_table" in lowered


_WORDS = (b"function", b"rollback", b"libsql_wasm_func_table")
_LONG = 100_000  # characters of SQL from which the C search is the quicker


_c_words = native.word_starts


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


# -- running a script that holds them ----------------------------------------------


class ScriptHost(Protocol):
    """What a script needs of its session (session.Session is one)."""

    def create_function(self, stmt: CreateFunction) -> None:
        """Carry out CREATE FUNCTION."""

    def drop_function(self, stmt: DropFunction) -> None:
        """Carry out DROP FUNCTION."""

    def after_rollback(self) -> None:
        """Make registrations follow a rollback, before the next statement runs."""

    def before_schema_change(self, sql: str) -> None:
        """Before SQL that may name functions in the schema: make those that keep state deterministic."""

    def execute(self, sql: str, bindings: Any = None, *, cursor: apsw.Cursor, can_cache: bool) -> Any:
        """Run more SQL on ``cursor``, the dialect included."""


class ScriptCursor:
    """Runs SQL that holds CREATE/DROP FUNCTION statements, in order.

    Plain statements go to SQLite through the given cursor; function
    statements are carried out by the catalog. Like an APSW cursor it runs
    up to the first row at once, so executing without iterating still runs a
    statement that returns nothing. It stands in for an APSW cursor anywhere:
    what it does not define itself (``is_explain``, ``description``,
    ``bindings_count``, ``exec_trace`` ...) is the APSW cursor's, which runs
    the plain statements.
    """

    _DONE = object()
    _OWN = frozenset(("_session", "_cursor", "_rows", "_first"))

    def __init__(
        self, session: ScriptHost, sql: str, bindings: Any, cursor: apsw.Cursor, can_cache: bool
    ) -> None:
        self._session = session
        self._cursor = cursor
        self._rows = self._run(sql, bindings, can_cache)
        self._first: Any = next(self._rows, self._DONE)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(dir(self._cursor)))

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self._cursor, name, value)  # exec_trace, row_trace, ...

    def _run(self, sql: str, bindings: Any, can_cache: bool) -> Iterator[Any]:
        cursor = self._cursor
        plain: list[str] = []
        # Positional values are used up in order across statements, as APSW does.
        from collections.abc import Mapping  # only for scripts that hold the dialect

        positional = bindings is not None and not isinstance(bindings, Mapping)
        used = 0

        def run_plain() -> Iterator[Any]:
            nonlocal plain, used
            values = bindings
            if positional:
                count = sum(len(parameter_names(statement)) for statement in plain)
                values, used = bindings[used : used + count], used + count
            text, plain = "\n".join(plain), []
            self._session.before_schema_change(text)  # a function created above may be named now
            yield from cursor.execute(text, values, can_cache=can_cache)

        script = []
        for _offset, statement in split_statements(sql):
            try:
                script.append((statement, parse_function_statement(statement)))
            except SyntaxError as exc:
                raise StatementError(str(exc)) from None
        if positional:
            needed = sum(len(parameter_names(statement)) for statement, parsed in script if parsed is None)
            if needed != len(bindings):
                raise apsw.BindingsError(
                    f"Incorrect number of bindings supplied.  The statements use {needed} and there are "
                    f"{len(bindings)} supplied"
                )
        for statement, parsed in script:
            if parsed is None:
                plain.append(statement)
                if _ROLLBACK.search(statement):
                    # Registrations must follow the rollback before the next statement runs.
                    yield from run_plain()
                    self._session.after_rollback()
                continue
            if plain:
                yield from run_plain()
            trace = cursor.exec_trace
            if trace is not None:
                trace(cursor, statement, None)
            if isinstance(parsed, CreateFunction):
                self._session.create_function(parsed)
            else:
                self._session.drop_function(parsed)
        if plain:
            yield from run_plain()

    def __iter__(self) -> ScriptCursor:
        return self

    def __next__(self) -> Any:
        if self._first is not self._DONE:
            row, self._first = self._first, self._DONE
            return row
        return next(self._rows)

    def fetchall(self) -> list[Any]:
        """Every remaining row."""
        return list(self)

    def fetchone(self) -> Any:
        """The next row, or None."""
        return next(self, None)

    @property
    def get(self) -> Any:
        """The remaining rows with as little structure as APSW's ``Cursor.get`` gives."""
        rows = self.fetchall()
        if not rows:
            return None
        values = [row[0] if len(row) == 1 else row for row in rows]
        return values[0] if len(values) == 1 else values

    def execute(self, sql: str, bindings: Any = None, *, can_cache: bool = True) -> Any:
        """Run more SQL on the same cursor, the dialect included (see Session.execute)."""
        return self._session.execute(sql, bindings, cursor=self._cursor, can_cache=can_cache)

    def close(self, force: bool = False) -> None:
        """Stop the script where it is and close the cursor."""
        self._rows.close()
        self._cursor.close(force)
