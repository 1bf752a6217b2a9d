"""Context-aware completion for the interactive shell.

Two halves, as in pgcli and litecli: a pure engine that decides what is
expected at the cursor and which names fit (``suggest``), and a thin
prompt_toolkit adapter that offers them (``SqlCompleter``). The engine needs
only the text around the cursor and a ``Metadata`` snapshot, read from the
connection by ``read_metadata``; it is tested without a terminal and imports
without prompt_toolkit, which is why ``SqlCompleter`` is built on first access.
``complete_on_tab`` is the Tab key's action for a prompt that uses it.

What is offered where:

- at the start of a line with no SQL pending: dot-commands, then their
  arguments (modes, on/off, tables, Wasm functions, file paths);
- after FROM, JOIN, INTO, UPDATE, TABLE ...: tables and views;
- in expressions: columns of the tables the statement names, then the
  statement's tables and aliases, then functions (with ``(``), then keywords;
- after ``alias.`` or ``table.``: that table's columns;
- elsewhere: keywords.

Names match case-insensitively; prefix matches rank before substring matches,
which rank before fuzzy (in-order letters) matches. Keywords match by prefix
only, in upper case unless the user is typing lower case.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import apsw

from ...sqltext import KEYWORDS
from ..output import render
from ..output.values import quote_identifier
from .highlight import split_input

if TYPE_CHECKING:
    from ...engine import Session
    from ..state import Shell


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MODES = (*render.MODES, "pretty", "qbox")
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
_ALL_COLUMNS_LIMIT = 2000  # before a table is named, every column is offered if there are no more


_STARTERS = _words(
    """ALTER ANALYZE ATTACH BEGIN COMMIT CREATE DELETE DETACH DROP END EXPLAIN INSERT PRAGMA
    REINDEX RELEASE REPLACE ROLLBACK SAVEPOINT SELECT UPDATE VACUUM VALUES WITH"""
)
_TYPE_NAMES = ("INTEGER", "TEXT", "REAL", "BLOB", "NUMERIC", "ANY")
_COLLATIONS = ("BINARY", "NOCASE", "RTRIM")
# Keywords after which an expression (column, function, literal) is expected.
_EXPRESSION_KEYWORDS = frozenset(
    _words(
        """SELECT WHERE SET BY HAVING AND OR NOT WHEN THEN ELSE CASE IN LIKE GLOB MATCH REGEXP
        BETWEEN IS DISTINCT ALL RETURNING VALUES USING LIMIT OFFSET CHECK DEFAULT ESCAPE FILTER ON"""
    )
)
# Keywords that can follow a complete operand (a value, a column, a table name) in a
# query or DML statement; offering only these makes Tab after "FROM t wh" complete WHERE.
_AFTER_OPERAND = KEYWORDS & set(
    _words(
        """AND AS ASC BETWEEN COLLATE CROSS DEFAULT DESC DO ELSE END ESCAPE EXCEPT FILTER FIRST
        FROM FULL GLOB GROUP HAVING IN INDEXED INNER INTERSECT IS ISNULL JOIN LAST LEFT LIKE LIMIT
        MATCH NATURAL NOT NOTNULL NULLS OFFSET ON OR ORDER OUTER OVER REGEXP RETURNING RIGHT
        SELECT SET THEN UNION USING VALUES WHEN WHERE WINDOW"""
    )
)
# Keywords that can start an expression (columns and functions are offered besides).
_EXPRESSION_STARTERS = _words(
    "ALL CASE CAST CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DISTINCT EXISTS NOT NULL RAISE SELECT VALUES"
)
_NEGATED = _words("IN LIKE GLOB BETWEEN MATCH REGEXP NULL")  # x NOT ...
_CONFLICT = _words("ROLLBACK ABORT REPLACE FAIL IGNORE")  # INSERT OR ...
_ENDS_OPERAND = frozenset(_words("NULL CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP END ASC DESC"))
_CASE_ONLY = frozenset({"WHEN", "THEN", "ELSE", "END"})
_QUERY_VERBS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH", "VALUES", "EXPLAIN"})
# Keywords that only a few words can follow.
_NEXT: dict[str, tuple[str, ...]] = {
    "GROUP": ("BY",),
    "ORDER": ("BY",),
    "PARTITION": ("BY",),
    "LEFT": ("JOIN", "OUTER"),
    "RIGHT": ("JOIN", "OUTER"),
    "FULL": ("JOIN", "OUTER"),
    "INNER": ("JOIN",),
    "CROSS": ("JOIN",),
    "OUTER": ("JOIN",),
    "NATURAL": ("JOIN", "LEFT", "RIGHT", "FULL", "INNER", "CROSS"),
    "PRIMARY": ("KEY",),
    "FOREIGN": ("KEY",),
    "NULLS": ("FIRST", "LAST"),
    "UNION": ("ALL", "SELECT", "VALUES"),
    "INTERSECT": ("SELECT", "VALUES"),
    "EXCEPT": ("SELECT", "VALUES"),
    "INSERT": ("INTO", "OR"),
    "REPLACE": ("INTO",),
    "DELETE": ("FROM",),
    "ALTER": ("TABLE",),
    "CREATE": _words("TABLE VIEW INDEX UNIQUE TRIGGER TEMP TEMPORARY VIRTUAL FUNCTION"),
    "DROP": ("TABLE", "VIEW", "INDEX", "TRIGGER", "FUNCTION"),
    "TEMP": ("TABLE", "VIEW", "TRIGGER"),
    "TEMPORARY": ("TABLE", "VIEW", "TRIGGER"),
    "VIRTUAL": ("TABLE",),
    "WITHOUT": ("ROWID",),
    "DO": ("UPDATE", "NOTHING"),
    "BEGIN": ("DEFERRED", "IMMEDIATE", "EXCLUSIVE", "TRANSACTION"),
}
_OBJECT_KEYWORDS = frozenset({"TABLE", "VIEW", "INDEX", "TRIGGER"})
# PRAGMA name(arg): which names the argument is.
_PRAGMA_ARGUMENTS = {
    "table_info": "table",
    "table_xinfo": "table",
    "table_list": "table",
    "foreign_key_list": "table",
    "index_list": "table",
    "index_info": "index",
    "index_xinfo": "index",
}

PREFIX, SUBSTRING, FUZZY = 0, 1, 2  # how a suggestion matches the word at the cursor


# -- metadata -----------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """A table or view (virtual tables are tables), with its database and columns."""

    name: str
    kind: str = "table"
    schema: str = "main"
    columns: tuple[str, ...] = ()


@functools.cache
def dot_commands() -> dict[str, str]:
    """Every dot-command name and alias, with its one-line help."""
    from ..commands.registry import all_commands

    names: dict[str, str] = {}
    for cmd in all_commands():
        for name in (cmd.name, *cmd.aliases):
            names[name] = cmd.help
    return names


@dataclass(frozen=True)
class Metadata:
    """A snapshot of what can be completed: schema, functions and dot-commands.

    ``functions`` maps each SQL function name to what it is ("function",
    "aggregate", "window function" or "wasm function"). ``partial`` is True when part
    could not be read (a locked database), so it is worth reading again soon.
    """

    relations: tuple[Relation, ...] = ()
    functions: Mapping[str, str] = field(default_factory=dict)
    databases: tuple[str, ...] = ("main",)
    indexes: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    pragmas: tuple[str, ...] = ()
    commands: Mapping[str, str] = field(default_factory=dot_commands)
    command_words: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(COMMAND_WORDS))
    partial: bool = False

    @property
    def tables(self) -> tuple[str, ...]:
        """Names of the tables, main database first."""
        return tuple(r.name for r in self.relations if r.kind == "table")

    @property
    def views(self) -> tuple[str, ...]:
        """Names of the views."""
        return tuple(r.name for r in self.relations if r.kind == "view")

    @property
    def wasm_functions(self) -> tuple[str, ...]:
        """Names of the Wasm functions."""
        return tuple(name for name, kind in self.functions.items() if kind == "wasm function")

    @functools.cached_property
    def column_count(self) -> int:
        """How many columns all tables and views have together."""
        return sum(len(r.columns) for r in self.relations)

    @functools.cached_property
    def _by_name(self) -> dict[str, list[Relation]]:
        # SQLite looks in temp, then main, then the attached databases in order.
        order = {"temp": 0, "main": 1}
        index: dict[str, list[Relation]] = {}
        for r in sorted(self.relations, key=lambda r: order.get(r.schema, 2)):
            index.setdefault(r.name.lower(), []).append(r)
        return index

    def relation(self, name: str, schema: str | None = None) -> Relation | None:
        """The table or view ``name`` (any case), in ``schema`` or as SQLite would find it."""
        for r in self._by_name.get(name.lower(), ()):
            if schema is None or r.schema.lower() == schema.lower():
                return r
        return None

    def columns_of(self, name: str, schema: str | None = None) -> tuple[str, ...]:
        """The columns of table or view ``name``; empty if it is unknown."""
        r = self.relation(name, schema)
        return r.columns if r else ()


class _Reader:
    """Runs metadata queries, turning any SQLite error into "nothing read"."""

    def __init__(self, connection: apsw.Connection) -> None:
        self.connection = connection
        self.failed = False

    def rows(self, sql: str, bindings: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return [tuple(row) for row in self.connection.execute(sql, bindings)]
        except (apsw.Error, UnicodeDecodeError):  # UnicodeDecodeError: a name that is not UTF-8
            self.failed = True
            return []

    @contextmanager
    def no_waiting(self) -> Iterator[None]:
        """A locked database is skipped at once rather than waited for (the prompt would hang)."""
        timeout = self.rows("PRAGMA busy_timeout")
        waits = bool(timeout and timeout[0][0])
        if waits:
            self.connection.set_busy_timeout(0)
        try:
            yield
        finally:
            if waits:
                self.connection.set_busy_timeout(timeout[0][0])

    def columns(self, db: str, quoted_db: str, names: list[str]) -> dict[str, tuple[str, ...]]:
        """Columns of the tables and views ``names`` of database ``db``, in one query if it can."""
        found: dict[str, list[str]] = {}
        try:
            # One query for the whole database; a single broken view makes it fail.
            for table, column in self.connection.execute(
                f"SELECT m.name, p.name FROM {quoted_db}.sqlite_schema AS m,"
                " pragma_table_xinfo(m.name, ?1) AS p WHERE m.type IN ('table', 'view')",
                (db,),
            ):
                found.setdefault(table, []).append(column)
        except apsw.Error:
            found = {}
            for name in names:
                try:
                    found[name] = [
                        row[0]
                        for row in self.connection.execute(
                            "SELECT name FROM pragma_table_xinfo(?1, ?2)", (name, db)
                        )
                    ]
                except apsw.Error:
                    continue  # a view on a dropped table, a virtual table of a missing module
        return {name: tuple(columns) for name, columns in found.items()}


def read_metadata(connection: apsw.Connection, wasm_functions: Iterable[str] = ()) -> Metadata:
    """What can be completed on ``connection``: never raises, never waits for a lock.

    Reads ``sqlite_schema`` of main, temp and attached databases, the columns
    of each table and view (``pragma_table_xinfo``), the functions
    (``PRAGMA function_list``, so Wasm functions registered on the connection
    are there) and pragma names. ``wasm_functions`` names the Wasm functions
    (listed even if not registered yet, as a stored one is until first used);
    the names of ``libsql_wasm_func_table`` mark functions registered on the
    connection that are not SQLite's own. No SQL function is called (one
    could be redefined).
    """
    from ...engine.catalog import TABLE
    from ...engine.names import fold
    from ..commands.schema import quote_identifier_always

    reader = _Reader(connection)
    relations: list[Relation] = []
    indexes: list[str] = []
    triggers: list[str] = []
    with reader.no_waiting():
        databases = [row[1] for row in reader.rows("PRAGMA database_list")] or ["main"]
        for db in databases:
            quoted = quote_identifier_always(db)
            objects = reader.rows(f"SELECT type, name, sql FROM {quoted}.sqlite_schema")
            names = [name for kind, name, _ in objects if kind in ("table", "view")]
            columns = reader.columns(db, quoted, names) if names else {}
            for kind, name, sql in objects:
                if kind in ("table", "view"):
                    relations.append(Relation(name, kind, db, columns.get(name, ())))
                elif kind == "index" and sql is not None:  # not sqlite_autoindex_*
                    indexes.append(name)
                elif kind == "trigger":
                    triggers.append(name)
        given = {fold(name): name for name in wasm_functions}
        wasm = set(given)
        if any(r.name.lower() == TABLE and r.schema == "main" for r in relations):
            stored = reader.rows(f"SELECT CAST(name AS BLOB) FROM main.{TABLE}")
            wasm.update(fold(raw.decode("utf-8", "replace")) for (raw,) in stored if isinstance(raw, bytes))
        kinds = {"a": "aggregate", "w": "window function"}  # built-in aggregates are "w" too
        functions: dict[str, str] = {}
        # The PRAGMA, not the pragma_function_list table, works while the database is locked.
        for name, builtin, kind, *_ in sorted(reader.rows("PRAGMA function_list")):
            if fold(name) in wasm and not builtin:
                functions[name] = "wasm function"
            elif functions.get(name, "function") == "function":
                functions[name] = kinds.get(kind, "function")
        known = {fold(name) for name in functions}
        functions.update((name, "wasm function") for key, name in given.items() if key not in known)
        pragmas = tuple(row[0] for row in reader.rows("PRAGMA pragma_list"))
    return Metadata(
        relations=tuple(relations),
        functions=functions,
        databases=tuple(databases),
        indexes=tuple(indexes),
        triggers=tuple(triggers),
        pragmas=pragmas,
        partial=reader.failed,
    )


def metadata_version(session: Session) -> Any:
    """What changes when a snapshot of ``session_metadata`` goes out of date: the session,
    its databases' schema versions, and its Wasm functions. Cheap enough for every keystroke."""
    from ..commands.schema import quote_identifier_always

    try:
        conn = session.connection
        databases = [name for _seq, name, _file in conn.execute("PRAGMA database_list")]
        version = "PRAGMA {}.schema_version"
        schemas = [conn.execute(version.format(quote_identifier_always(db))).fetchall() for db in databases]
    except Exception:  # the prompt must survive whatever the database does
        return None
    return session, databases, schemas, session.functions_version


def session_metadata(session: Session) -> Metadata:
    """``read_metadata`` for a wasmshell Session, marking its Wasm functions."""
    return read_metadata(session.connection, session.functions.names())


# -- suggestions --------------------------------------------------------------


class Suggestion(NamedTuple):
    """One completion: ``text`` replaces the ``-start_position`` characters before the cursor.

    ``kind`` is what it is (keyword, table, view, column, alias, function,
    command, argument, option, path, ...); ``match`` is PREFIX, SUBSTRING or FUZZY.
    """

    text: str
    start_position: int
    display: str
    meta: str
    kind: str
    match: int


def suggest(
    text_before_cursor: str,
    metadata: Metadata,
    text_after_cursor: str = "",
    *,
    cwd: str | None = None,
) -> list[Suggestion]:
    """What to offer at the cursor, best first.

    ``text_after_cursor`` lets the rest of the statement count (``SELECT |
    FROM t`` offers the columns of t); ``cwd`` is where relative paths start
    (the process's current directory by default).
    """
    segments = split_input(text_before_cursor)
    if not segments or (segments[-1].kind != "sql" and segments[-1].text.endswith("\n")):
        return _sql_suggestions("", text_after_cursor, metadata)
    last = segments[-1]
    if last.kind == "command":
        return _command_suggestions(last.text, metadata, cwd)
    if last.kind == "comment":
        return []
    return _sql_suggestions(last.text, text_after_cursor, metadata)


def _match(word: str, name: str, loosest: int = FUZZY) -> int | None:
    """How ``name`` matches what was typed (in any case), or None; no looser than ``loosest``."""
    w, n = word.lower(), name.lower()
    if n.startswith(w):
        return PREFIX
    if loosest < SUBSTRING:
        return None
    if w in n:
        return SUBSTRING
    if loosest < FUZZY:
        return None
    pos = 0
    for ch in w:
        pos = n.find(ch, pos) + 1
        if not pos:
            return None
    return FUZZY


class _Candidate(NamedTuple):
    """Something that could be offered: ``name`` is matched and shown, ``text`` inserted."""

    name: str
    kind: str
    meta: str
    text: str
    loosest: int = FUZZY  # keywords match by prefix only
    order: int = 0  # a tie-break within a group, before the name
    match: int | None = None  # already known (file names are matched on their last part)


def _ranked(word: str, start: int, groups: Iterable[Iterable[_Candidate]]) -> list[Suggestion]:
    """Suggestions from candidate groups: by match quality, then group, then name; no duplicates."""
    keyed = []
    for rank, group in enumerate(groups):
        for c in group:
            how = c.match if c.match is not None else _match(word, c.name, c.loosest)
            if how is not None:
                s = Suggestion(c.text, start, c.name, c.meta, c.kind, how)
                keyed.append(((how, rank, c.order, c.name.lower(), c.name), s))
    keyed.sort(key=lambda pair: pair[0])
    seen: set[str] = set()
    out = []
    for _, s in keyed:
        if s.text not in seen:
            seen.add(s.text)
            out.append(s)
    return out


# -- SQL ----------------------------------------------------------------------


class _Tok(NamedTuple):
    kind: str  # word, name (quoted), string, number, param, op, open (unterminated)
    text: str
    value: str  # words upper-cased, quoted names unquoted
    end: int


_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>[xX]?'(?:[^']|'')*(?:'|\Z))
    | (?P<name>"(?:[^"]|"")*(?:"|\Z)|`(?:[^`]|``)*(?:`|\Z)|\[[^\]]*(?:\]|\Z))
    | (?P<number>\d[\w.]*|\.\d\w*)
    | (?P<param>\?\d*|[:@$][\w$]+)
    | (?P<word>[^\W\d][\w$]*)
    | (?P<op>\|\||->>|->|<<|>>|<=|>=|==|!=|<>|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_CLOSERS = {'"': '"', "`": "`", "[": "]", "'": "'"}
_IDENTIFIER = re.compile(r"[^\W\d][\w$]*\Z")


def _closed(text: str) -> bool:
    """A quoted string or name ends with its closing quote (not a doubled one)."""
    opener = text[1] if text[:1] in "xX" and text[1:2] == "'" else text[0]
    body = text[text.index(opener) + 1 :]
    closer = _CLOSERS[opener]
    if closer == "]":
        return body.endswith("]")
    return bool(body) and body.endswith(closer) and (len(body) - len(body.rstrip(closer))) % 2 == 1


def _tokens(sql: str) -> list[_Tok]:
    """Tokens of SQL, comments and space left out; an unterminated string, name or comment is "open"."""
    out = []
    for m in _TOKEN.finditer(sql):
        kind, text = m.lastgroup or "op", m.group()
        if kind == "space":
            continue
        at_end = m.end() == len(sql)
        if kind == "comment":
            if at_end and (text.startswith("--") or not (len(text) >= 4 and text.endswith("*/"))):
                out.append(_Tok("open", text, "comment", m.end()))
            continue
        if kind in ("string", "name") and at_end and not _closed(text):
            out.append(_Tok("open", text, kind, m.end()))
            continue
        if kind == "word":
            value = text.upper()
        elif kind == "name":
            closer = _CLOSERS[text[0]]
            value = text[1:-1] if closer == "]" else text[1:-1].replace(closer * 2, closer)
        else:
            value = text
        out.append(_Tok(kind, text, value, m.end()))
    return out


def _is_kw(tok: _Tok, *words: str) -> bool:
    return tok.kind == "word" and tok.value in KEYWORDS and (not words or tok.value in words)


def _is_name(tok: _Tok) -> bool:
    return tok.kind == "name" or (tok.kind == "word" and tok.value not in KEYWORDS)


def _is_op(tok: _Tok, *ops: str) -> bool:
    return tok.kind == "op" and tok.text in ops


def _name_of(tok: _Tok) -> str:
    """The name a word or quoted name stands for."""
    return tok.value if tok.kind == "name" else tok.text


class _Ref(NamedTuple):
    """A table named in a statement, with its alias."""

    schema: str | None
    name: str
    alias: str | None


def _skip_parens(toks: Sequence[_Tok], i: int) -> int:
    """The index after the parenthesis group starting at ``toks[i]``."""
    depth = 0
    while i < len(toks):
        if _is_op(toks[i], "("):
            depth += 1
        elif _is_op(toks[i], ")"):
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _table_refs(toks: Sequence[_Tok]) -> list[_Ref]:
    """Tables a statement reads or writes: after FROM, JOIN, INTO, UPDATE, and commas in FROM."""
    refs = []
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i]
        i += 1
        if not _is_kw(tok, "FROM", "JOIN", "INTO", "UPDATE"):
            continue
        if tok.value == "UPDATE" and i + 1 < n and _is_kw(toks[i], "OR"):
            i += 2  # UPDATE OR REPLACE t
        while i < n:
            schema = None
            if _is_op(toks[i], "("):  # a subquery: its columns are not known
                i = _skip_parens(toks, i)
                name = None
            elif toks[i].kind in ("word", "name"):
                name = _name_of(toks[i])
                i += 1
                if i + 1 < n and _is_op(toks[i], ".") and toks[i + 1].kind in ("word", "name"):
                    schema, name = name, _name_of(toks[i + 1])
                    i += 2
                if i < n and _is_op(toks[i], "("):  # a table-valued function
                    i = _skip_parens(toks, i)
                    name = None
            else:
                break
            alias = None
            if i < n and _is_kw(toks[i], "AS"):
                i += 1
            if i < n and _is_name(toks[i]):
                alias = _name_of(toks[i])
                i += 1
            if name is not None:
                refs.append(_Ref(schema, name, alias))
            if tok.value == "FROM" and i < n and _is_op(toks[i], ","):
                i += 1
                continue
            break
    return refs


def _ctes(toks: Sequence[_Tok]) -> dict[str, tuple[str, ...]]:
    """Common table expressions of a WITH statement, with the columns they declare."""
    if not toks or not _is_kw(toks[0], "WITH"):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    i, n = (2 if len(toks) > 1 and _is_kw(toks[1], "RECURSIVE") else 1), len(toks)
    while i < n and toks[i].kind in ("word", "name"):
        name, i = _name_of(toks[i]), i + 1
        columns: tuple[str, ...] = ()
        if i < n and _is_op(toks[i], "("):
            end = _skip_parens(toks, i)
            columns = tuple(_name_of(t) for t in toks[i + 1 : end - 1] if t.kind in ("word", "name"))
            i = end
        while i < n and _is_kw(toks[i], "AS", "NOT", "MATERIALIZED"):
            i += 1
        if i < n and _is_op(toks[i], "("):
            i = _skip_parens(toks, i)
        out[name] = columns
        if not (i < n and _is_op(toks[i], ",")):
            break
        i += 1
    return out


def _keyword_case(word: str, toks: Sequence[_Tok]) -> Callable[[str], str]:
    """Upper case, unless the user is typing lower case (the word, else the last keyword)."""
    sample = word if any(c.isalpha() for c in word) else ""
    if not sample:
        sample = next((t.text for t in reversed(toks) if _is_kw(t)), "")
    return str.lower if sample and sample == sample.lower() else str.upper


def _governor(prev: Sequence[_Tok], keywords: bool = True) -> int | None:
    """Index of the keyword that rules the cursor's position: the last one at the cursor's
    parenthesis depth, or the unmatched "(" (whichever comes later). Without ``keywords``,
    only the unmatched "(" the cursor is inside."""
    depth = 0
    for i in range(len(prev) - 1, -1, -1):
        tok = prev[i]
        if _is_op(tok, ")"):
            depth += 1
        elif _is_op(tok, "("):
            if not depth:
                return i
            depth -= 1
        elif keywords and not depth and _is_kw(tok):
            return i
    return None


def _wants_operand(prev: Sequence[_Tok]) -> bool:
    """True if a name or value is expected next, False if an operator or keyword is."""
    last = prev[-1]
    if last.kind in ("word", "name", "string", "number", "param"):
        return _is_kw(last) and last.value not in _ENDS_OPERAND
    if _is_op(last, ")"):
        return False
    if _is_op(last, "*"):  # SELECT *, t.*: a complete operand; a * b: an operator
        return not (
            len(prev) == 1 or _is_kw(prev[-2], "SELECT", "DISTINCT", "ALL") or _is_op(prev[-2], ",", ".", "(")
        )
    return True


def _quote_name(name: str, quote: str) -> str:
    """``name`` as SQL: in the quote the user opened, else quoted only if it must be."""
    if not quote:
        return quote_identifier(name)
    closer = _CLOSERS[quote]
    return quote + (name if closer == "]" else name.replace(closer, closer * 2)) + closer


class _SqlContext:
    """What a statement expects at the cursor, as groups of candidates, best group first."""

    def __init__(self, md: Metadata, prev: list[_Tok], rest: list[_Tok], word: str, quote: str, after: str):
        self.md = md
        self.prev = prev
        self.refs = _table_refs(prev + rest)
        self.ctes = _ctes(prev + rest)
        self.quote = quote  # the quote the user opened a name with, if any
        self.paren = "" if after.lstrip()[:1] == "(" else "("
        self.case = _keyword_case(word, prev)
        first = next((t for t in prev if t.kind == "word"), None)
        self.verb = first.value if first is not None else ""

    # -- candidate groups

    def names(
        self, names: Iterable[str], kind: str, meta: Callable[[str], str] | None = None
    ) -> list[_Candidate]:
        return [_Candidate(n, kind, meta(n) if meta else kind, _quote_name(n, self.quote)) for n in names]

    def keywords(self, words: Iterable[str] = KEYWORDS, meta: str = "keyword") -> list[_Candidate]:
        if self.quote:
            return []
        return [_Candidate(self.case(w), "keyword", meta, self.case(w), loosest=PREFIX) for w in words]

    def relations(
        self, kinds: tuple[str, ...] = ("table", "view"), schema: str | None = None
    ) -> list[_Candidate]:
        ctes = self.names(self.ctes, "cte") if "view" in kinds and schema is None else []
        out = [c._replace(order=-1) for c in ctes]  # the statement's own come first
        for kind in kinds:
            names = dict.fromkeys(
                r.name
                for r in self.md.relations
                if r.kind == kind and (schema is None or r.schema.lower() == schema.lower())
            )
            out += self.names(names, kind)
        return out

    def databases(self) -> list[_Candidate]:
        return self.names([d for d in self.md.databases if d not in ("main", "temp")], "database")

    def columns(self, refs: Sequence[_Ref] | None = None) -> list[_Candidate]:
        """Columns of the given tables, else of the statement's (else of every table)."""
        chosen = self.refs if refs is None else refs
        known = [r for ref in chosen if (r := self.relation(ref)) is not None]
        if refs is None and not known and self.md.column_count <= _ALL_COLUMNS_LIMIT:
            known = list(self.md.relations)  # no table named yet, and not too many to offer
        owner: dict[str, str] = {}
        for r in known:
            for c in r.columns:
                owner.setdefault(c, r.name)
        return self.names(owner, "column", lambda c: f"column of {owner[c]}")

    def relation(self, ref: _Ref) -> Relation | None:
        """A table named in the statement: a CTE of this statement, else one in the schema."""
        if ref.schema is None:
            for name, columns in self.ctes.items():
                if name.lower() == ref.name.lower():
                    return Relation(name, "cte", "", columns)
        return self.md.relation(ref.name, ref.schema)

    def statement_tables(self) -> list[_Candidate]:
        names = {ref.alias or ref.name: "alias" if ref.alias else "table" for ref in reversed(self.refs)}
        return self.names(names, "alias", names.__getitem__)

    def functions(self) -> list[_Candidate]:
        if self.quote:
            return []
        out = []
        for name, kind in self.md.functions.items():
            if _IDENTIFIER.match(name):
                if name.upper().startswith("CURRENT_"):
                    continue  # CURRENT_DATE() is a syntax error; the keywords are offered
                text = name  # replace(, like(, glob( and if( are calls although keywords
            elif kind == "wasm function":
                text = quote_identifier(name)
            else:
                continue  # the -> and ->> operators
            out.append(_Candidate(name, "function", kind, text + self.paren))
        return out

    def expression(self) -> list[list[_Candidate]]:
        starters = self.keywords(_EXPRESSION_STARTERS)
        return [self.columns(), self.statement_tables(), self.functions(), starters]

    # -- deciding

    def groups(self) -> list[list[_Candidate]]:
        prev = self.prev
        n = len(prev)
        if n >= 2 and _is_op(prev[-1], ".") and prev[-2].kind in ("word", "name"):
            schema = _name_of(prev[-4]) if n >= 4 and _is_op(prev[-3], ".") else None
            return self.qualified(_name_of(prev[-2]), schema)
        if all(_is_kw(t, "EXPLAIN", "QUERY", "PLAN") for t in prev) or (n > 1 and _is_kw(prev[-1], "BEGIN")):
            return [self.keywords(_STARTERS), self.keywords()]
        if len(prev) >= 2 and prev[1].text.upper() == "FUNCTION" and self.verb in ("CREATE", "DROP"):
            return self.function_statement()
        g = _governor(prev)
        operand = _wants_operand(prev)
        if g is not None and _is_op(prev[g], "("):
            return self.in_parens(g, operand)
        if not operand:
            return self.after_operand()
        return self.after_keyword(g)

    def after_operand(self) -> list[list[_Candidate]]:
        """After a value, a name or ")": the keywords that can come next."""
        if self.verb in ("CREATE", "ALTER"):
            return [self.keywords(), self.keywords(_TYPE_NAMES, "type")]
        if self.verb not in _QUERY_VERBS:
            return [self.keywords()]
        cases = sum(1 for t in self.prev if _is_kw(t, "CASE")) - sum(1 for t in self.prev if _is_kw(t, "END"))
        return [self.keywords(_AFTER_OPERAND if cases > 0 else _AFTER_OPERAND - _CASE_ONLY)]

    def qualified(self, qualifier: str, schema: str | None) -> list[list[_Candidate]]:
        """After ``x.``: columns of alias or table x, or tables of database x."""
        q = qualifier.lower()
        for ref in self.refs:
            if (ref.alias or "").lower() == q or (ref.name.lower() == q and self.relation(ref)):
                return [self.columns([ref])]
        if schema is None and q in (d.lower() for d in self.md.databases):
            return [self.relations(schema=qualifier)]
        return [self.columns([_Ref(schema, qualifier, None)])]

    def in_parens(self, g: int, operand: bool) -> list[list[_Candidate]]:
        """Inside "(" with no keyword since: a column list, a call, a subquery ..."""
        prev = self.prev
        before = prev[g - 1] if g else None
        if before is not None and _is_name(before):
            j = g - 2
            if j >= 1 and _is_op(prev[j], "."):
                j -= 2  # schema.table (
            ruler = prev[j] if j >= 0 else None
            if ruler is not None and _is_kw(ruler, "PRAGMA"):  # PRAGMA table_info(t)
                kind = _PRAGMA_ARGUMENTS.get(before.text.lower())
                if kind == "index":
                    return [self.names(self.md.indexes, "index")]
                return [self.relations(("table",))] if kind == "table" else []
            if ruler is not None and (
                _is_kw(ruler, "INTO", "REFERENCES") or (_is_kw(ruler, "ON") and self.verb == "CREATE")
            ):  # INSERT INTO t (a, b), REFERENCES t (x), CREATE INDEX i ON t (x)
                return [self.columns([_Ref(None, _name_of(before), None)])] if operand else [self.keywords()]
            if ruler is not None and _is_kw(ruler, "TABLE") and self.verb == "CREATE":
                # column definitions: a new name, then its type and constraints
                return [self.keywords()] if operand else [self.keywords(_TYPE_NAMES, "type"), self.keywords()]
        if not operand:
            return self.after_operand()
        if before is not None and _is_kw(before, "FROM", "JOIN"):
            return [self.keywords(("SELECT", "VALUES", "WITH")), self.relations()]
        if before is not None and _is_kw(before, "USING"):
            return [self.columns()]
        return self.expression()

    def after_keyword(self, g: int | None) -> list[list[_Candidate]]:
        """Right after a keyword, or after a comma or operator that the keyword ``prev[g]`` rules."""
        prev = self.prev
        kw = prev[g].value if g is not None else ""
        if kw in ("FROM", "JOIN"):
            if self.verb == "DELETE":
                return [self.relations(("table",)), self.databases()]
            return [self.relations(), self.databases(), self.keywords(("SELECT", "VALUES", "WITH"))]
        if kw in ("INTO", "UPDATE", "REFERENCES") or (kw == "ON" and self.verb == "CREATE"):
            return [self.relations(("table",)), self.databases()]
        if g is not None and kw == "EXISTS" and g >= 2 and _is_kw(prev[g - 1], "IF"):
            if _is_kw(prev[g - 2], "NOT"):
                return []  # CREATE ... IF NOT EXISTS: a new name
            kw = prev[g - 2].value  # DROP TABLE IF EXISTS
        if kw in _OBJECT_KEYWORDS:
            return self.object_names(kw)
        if kw == "PRAGMA":
            return [self.names(self.md.pragmas, "pragma"), self.databases()]
        if g is not None and kw == "BY" and g >= 1 and _is_kw(prev[g - 1], "INDEXED"):
            return [self.names(self.md.indexes, "index")]
        if kw == "COLLATE":
            return [self.keywords(_COLLATIONS, "collation")]
        if kw == "AS":
            paren = _governor(prev, keywords=False)
            if paren and prev[paren - 1].text.upper() == "CAST":
                return [self.keywords(_TYPE_NAMES, "type")]
            if self.verb in ("CREATE", "WITH"):
                return [self.keywords(("SELECT", "VALUES", "WITH"))]
            return []  # an alias: a new name
        if kw in _NEXT and g == len(prev) - 1:
            return [self.keywords(_NEXT[kw])]
        if kw == "NOT" and self.verb in ("CREATE", "ALTER"):
            return [self.keywords(("NULL", "EXISTS", "DEFERRABLE"))]
        if kw == "NOT" and g is not None and g >= 1 and not _wants_operand(prev[:g]):
            return [self.keywords(_NEGATED)]
        if kw == "OR" and g == 1 and self.verb in ("INSERT", "UPDATE"):
            return [self.keywords(_CONFLICT)]
        if not kw or kw in _EXPRESSION_KEYWORDS:
            return self.expression()
        return [self.keywords()]

    def function_statement(self) -> list[list[_Candidate]]:
        """libSQL's CREATE FUNCTION f LANGUAGE wasm AS '...' and DROP FUNCTION [IF EXISTS] f."""
        words = [t.text.upper() for t in self.prev[2:]]
        if self.verb == "DROP":
            if words in ([], ["IF", "EXISTS"]):
                return [
                    self.names(self.md.wasm_functions, "wasm function"),
                    [] if words else self.keywords(("IF",)),
                ]
            if words == ["IF"]:
                return [self.keywords(("EXISTS",))]
            return []
        if words[-1:] == ["LANGUAGE"]:
            return [[_Candidate("wasm", "keyword", "language", "wasm", loosest=PREFIX)]]
        if len(words) >= 2 and words[-2] == "LANGUAGE":
            return [self.keywords(("AS",))]
        if words in ([], ["IF"], ["IF", "NOT"]):
            return [self.keywords(("IF", "NOT", "EXISTS"))]
        return [self.keywords(("LANGUAGE",))] if len(words) <= 4 and "AS" not in words else []

    def object_names(self, kw: str) -> list[list[_Candidate]]:
        """After TABLE, VIEW, INDEX or TRIGGER: existing ones, unless one is being created."""
        if self.verb == "CREATE":
            return [self.keywords(("IF", "NOT", "EXISTS"))]
        if self.verb not in ("DROP", "ALTER", "REINDEX"):
            return [self.keywords()]
        existing = {
            "TABLE": lambda: self.relations(("table",)),
            "VIEW": lambda: self.relations(("view",)),
            "INDEX": lambda: self.names(self.md.indexes, "index"),
            "TRIGGER": lambda: self.names(self.md.triggers, "trigger"),
        }[kw]()
        return [existing, self.keywords(("IF",))]


def _sql_suggestions(before: str, after: str, md: Metadata) -> list[Suggestion]:
    toks = _tokens(before)
    word, quote, start = "", "", 0
    if toks and toks[-1].end == len(before) and toks[-1].kind != "op":
        last = toks.pop()
        if last.kind == "word":
            word, start = last.text, -len(last.text)
        elif last.kind == "open" and last.value == "name":
            quote, start = last.text[0], -len(last.text)
            closer = _CLOSERS[quote]
            word = last.text[1:] if closer == "]" else last.text[1:].replace(closer * 2, closer)
        else:
            return []  # inside a string or comment, or typing a number or parameter
    cut = max((i for i, t in enumerate(toks) if _is_op(t, ";")), default=-1)
    prev = toks[cut + 1 :]
    rest = []
    for tok in _tokens(after):
        if _is_op(tok, ";") or tok.kind == "open":
            break
        rest.append(tok)
    context = _SqlContext(md, prev, rest, word, quote, after)
    return _ranked(word, start, context.groups())


# -- dot-commands -------------------------------------------------------------


def _command_line_words(line: str) -> tuple[list[str], str, str, int]:
    """Split a dot-command line as ``split_args`` does, up to the cursor.

    Returns the complete words (the command name first), the word at the
    cursor (unquoted), the quote it was opened with ("" if none) and its
    length as typed.
    """
    from ..commands.args import resolve_backslashes

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
) -> list[_Candidate]:
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
                how = _match(tail, entry.name, SUBSTRING)
                if how is None or (directories and not is_dir):
                    continue
                shown = entry.name + ("/" if is_dir else "")
                text = _quote_argument(head + shown, quote, finished=not is_dir)
                order = 0 if is_dir or entry.name.lower().endswith(preferred) else 1
                out.append(
                    _Candidate(shown, "path", "directory" if is_dir else "file", text, order=order, match=how)
                )
    except OSError:
        return []
    return out


def _command_suggestions(line: str, md: Metadata, cwd: str | None) -> list[Suggestion]:
    line = line.rstrip("\r\n")
    if not any(c.isspace() for c in line):  # the command name itself
        names = [_Candidate("." + name, "command", help, "." + name) for name, help in md.commands.items()]
        return _ranked(line, -len(line), [names])
    words, current, quote, typed = _command_line_words(line)
    if not words:
        return []  # ". x": no command name
    from ..commands.registry import find

    found = find(words[0])
    command = found.name if found is not None else words[0]
    if current.startswith("-") and not quote:
        options = [_Candidate(o, "option", "option", o) for o in COMMAND_OPTIONS.get(command, ())]
        return _ranked(current, -typed, [options])
    rules = _ARGUMENTS.get(command, ())
    position = 1 if command in _REPEATED else _argument_position(words[1:])
    if position > len(rules):
        return []
    groups: list[list[_Candidate]] = []
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
        groups.append([_Candidate(n, kind, kind, _quote_argument(n, quote, finished=True)) for n in names])
    return _ranked(current, -typed, groups)


# -- the prompt_toolkit adapter -----------------------------------------------


def _make_sql_completer() -> type:
    from prompt_toolkit.completion import CompleteEvent, Completer, Completion
    from prompt_toolkit.document import Document

    from ..state import Shell

    class SqlCompleter(Completer):
        """Offers ``suggest``'s suggestions to prompt_toolkit.

        ``metadata`` is called for a fresh snapshot when one is needed: at the
        first completion, after ``refresh()``, and (at most once a second)
        while the last one was partial. A Shell may be given instead: its
        current session is read (``session_metadata``), again whenever
        ``metadata_version`` says it changed. It works with
        ``complete_while_typing``: while typing, nothing pops up on a space;
        on Tab, when some names start with the word, only those are offered,
        so a unique prefix completes at once.
        """

        def __init__(
            self, metadata: Callable[[], Metadata] | Shell, *, cwd: Callable[[], str] | None = None
        ) -> None:
            if isinstance(metadata, Shell):
                shell = metadata
                self._source: Callable[[], Metadata] = lambda: session_metadata(shell.session)
                self._version: Callable[[], Any] = lambda: metadata_version(shell.session)
            else:
                self._source = metadata
                self._version = lambda: None
            self._cwd = cwd
            self._metadata: Metadata | None = None
            self._read_at = 0.0
            self._read_version: Any = None

        def refresh(self) -> None:
            """Forget the snapshot (after schema changes, .open, .loadwasm, CREATE/DROP FUNCTION).

            Nothing is read until completion is next needed, so this is cheap
            to call after every statement.
            """
            self._metadata = None

        @property
        def metadata(self) -> Metadata:
            """The current snapshot, read if needed."""
            md = self._metadata
            version = self._version()
            stale = version != self._read_version
            if md is None or stale or (md.partial and time.monotonic() - self._read_at > 1.0):
                self._read_at, self._read_version = time.monotonic(), version
                try:
                    md = self._source()
                except Exception:  # the prompt must survive whatever the database does
                    md = Metadata(partial=True)
                self._metadata = md
            return md

        def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
            before = document.text_before_cursor
            cwd = self._cwd() if self._cwd else None
            suggestions = suggest(before, self.metadata, document.text_after_cursor, cwd=cwd)
            if not suggestions:
                return
            if complete_event.completion_requested:
                if suggestions[0].match == PREFIX:
                    suggestions = [s for s in suggestions if s.match == PREFIX]
            elif suggestions[0].start_position == 0 and before[-1:] not in (".", "/"):
                return  # nothing typed yet: do not pop up on every space or comma
            for s in suggestions:
                yield Completion(s.text, s.start_position, display=s.display, display_meta=s.meta)

    return SqlCompleter


def complete_on_tab(buffer: Any) -> None:
    """What Tab should do in a prompt_toolkit Buffer: next entry of an open menu, else complete now.

    prompt_toolkit's own Tab handler loses a Tab that arrives while completions
    started by typing are still being gathered (the menu exists, empty), which
    happens whenever keys come in one burst: a fast typist, a paste, a pty
    test. This asks the buffer's completer directly instead: one completion is
    inserted, several insert their common part and open the menu.
    """
    from prompt_toolkit.completion import CompleteEvent, get_common_complete_suffix

    state = buffer.complete_state
    if state is not None and state.completions:
        buffer.complete_next()
        return
    if buffer.completer is None:
        return
    document = buffer.document
    found = list(buffer.completer.get_completions(document, CompleteEvent(completion_requested=True)))
    if len(found) == 1:
        buffer.apply_completion(found[0])
    elif found:
        common = get_common_complete_suffix(document, found)
        if common:
            buffer.insert_text(common)
        buffer.start_completion()


def __getattr__(name: str) -> Any:
    # ``SqlCompleter`` subclasses prompt_toolkit's Completer; it is made on first access
    # so that importing the engine half does not import prompt_toolkit.
    if name == "SqlCompleter":
        cls = _make_sql_completer()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
