"""SQL function names: how SQLite compares them, and which a Wasm function may take.

SQLite looks function names up ignoring the case of ASCII letters only: ``K``
and ``k`` are one name, but the Kelvin sign and ``k`` are two (Python's
``str.lower`` would make them one). A Wasm function never takes a name SQLite
already knows on the connection (a built-in, an extension's, an application's
Python function) nor ``run_wasm``: replacing ``lower`` or ``like`` would let a
module change what every query, and the shell's own SQL, computes.
"""

from __future__ import annotations

import apsw

from ..lean import bounded_cache
from ..sqltext import LazyPattern

RUN_WASM = "run_wasm"
MAX_NAME_BYTES = 255  # sqlite3_create_function refuses longer names

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# An identifier as SQLite's tokenizer reads one: any byte >= 0x80 is a letter. The classes
# name the ASCII characters left out: a range up to U+10FFFF takes Python about 13 ms to
# compile, at every start.
_IDENTIFIER = LazyPattern(
    r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*\Z"
)
# Lines of ASCII identifiers of at most 255 characters (one a line: none has a line end).
_ASCII_IDENTIFIERS = LazyPattern(r"[A-Za-z_][A-Za-z0-9_$]{0,254}(?:\n[A-Za-z_][A-Za-z0-9_$]{0,254})*")
_UNPRINTABLE = LazyPattern(r"[\x00-\x1f\x7f\ud800-\udfff]")
SHOWN_LENGTH = 60


class NotUtf8(bytes):
    """A stored TEXT value whose bytes are not UTF-8, kept as bytes."""


def fold(name: str) -> str:
    """``name`` as SQLite compares function names: ASCII letters in lower case, the rest as is."""
    return name.lower() if name.isascii() else name.translate(_ASCII_LOWER)


def all_usable_names(names: list[object]) -> dict[str, str] | None:
    """Folded name -> name if every one is a plain ASCII identifier and no two differ only in
    case (any file wasmshell or libSQL writes); else None, and each must be checked on its own.

    One pass in C for the whole list: 100,000 names in a few milliseconds.
    """
    if not names:
        return {}
    try:
        joined = "\n".join(names)  # type: ignore[arg-type]  # TypeError: one is not TEXT
    except TypeError:
        return None
    if joined.count("\n") != len(names) - 1:  # a name with a line end
        return None
    if not joined.isascii() or not _ASCII_IDENTIFIERS.fullmatch(joined):
        return None
    usable = dict(zip(joined.lower().split("\n"), names, strict=True))
    return usable if len(usable) == len(names) else None  # type: ignore[return-value]


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be the SQL name of a Wasm function, or None if it can.

    The name must be TEXT that SQLite can register (valid UTF-8, no NUL, at
    most 255 bytes) and an identifier, so that SQL can call it and a stored
    row says plainly which function it is.
    """
    if name is None:
        return "the name is NULL"
    if isinstance(name, bytes):
        if isinstance(name, NotUtf8):
            return "the name is not valid UTF-8"
        return "the name is a BLOB, not TEXT"
    if not isinstance(name, str):
        return f"the name is {'an INTEGER' if isinstance(name, int) else 'a REAL'}, not TEXT"
    if not name:
        return "the name is empty"
    if "\0" in name:
        return "the name contains a NUL character"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "the name is not valid UTF-8"
    if size > MAX_NAME_BYTES:
        return f"the name is {size} bytes long; SQLite's limit is {MAX_NAME_BYTES}"
    if not _IDENTIFIER.match(name):
        return "the name is not an SQL identifier (letters, digits, _ and $, not starting with a digit or $)"
    return None


def sqlite_function_names(connection: apsw.Connection) -> set[str]:
    """The folded names of every function ``connection`` knows now (``PRAGMA function_list``).

    Built-ins, aggregates and window functions, those of loaded extensions and
    of the application, and the Wasm functions registered on it. The PRAGMA
    reads no database, so it works while the file is locked.
    """
    # (not kept in the statement cache: its program holds a row per function, in lookaside memory
    # that every later statement would then go without)
    return {fold(str(row[0])) for row in connection.execute("PRAGMA function_list", can_cache=False)}


def sqlite_module_names(connection: apsw.Connection) -> set[str]:
    """The folded names of the virtual table modules ``connection`` has now (``PRAGMA module_list``):
    SQLite's (rtree, fts5, ...), extensions', the application's and this session's table functions."""
    return {fold(str(row[0])) for row in connection.execute("PRAGMA module_list", can_cache=False)}


@bounded_cache(256)
def sqlite_has_table(key: str) -> bool:
    """Whether SQLite itself makes a table called ``key`` on demand: json_each, json_tree,
    pragma_table_info and the other pragma tables, dbstat, ... (not listed by PRAGMA module_list
    before first use). Asked of a new in-memory connection, where only SQLite's own can be;
    the statement is compiled (EXPLAIN), never run."""
    from ..sqltext import quote_identifier_always

    conn = apsw.Connection(":memory:")
    try:
        conn.execute(f"EXPLAIN SELECT * FROM {quote_identifier_always(key)}").fetchall()
        return True
    except apsw.Error:
        return False
    finally:
        conn.close()


def table_taken_reason(name: str) -> str:
    """The reason a table-valued function cannot be called ``name``."""
    return f"SQLite already has a table or module named {shown(name)}"


def taken_reason(name: str) -> str:
    """The reason a name SQLite already has cannot be a Wasm function's."""
    if fold(name) == RUN_WASM:
        return "run_wasm is wasmshell's own function"
    return f"SQLite already has a function named {shown(name)}"


def shown(name: object) -> str:
    """A stored name as it can be printed: control characters escaped, a long name cut."""
    if name is None:
        return "NULL"
    if isinstance(name, NotUtf8):
        name = name.decode("utf-8", "backslashreplace")
    elif isinstance(name, bytes):
        return "X'" + name[:SHOWN_LENGTH].hex() + ("...'" if len(name) > SHOWN_LENGTH else "'")
    text = str(name)
    cut = len(text) > SHOWN_LENGTH
    text = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text[:SHOWN_LENGTH])
    return text + (f"... ({len(str(name))} characters)" if cut else "")
