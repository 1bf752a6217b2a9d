"""The SQL functions, tables and collations the sqlite3 shell has built in, on every session.

sqlite3 compiles extensions from SQLite's ``ext/misc`` into itself: regexp,
sha3, sha1, decimal, ieee754, base64, base85, uint, fileio (readfile,
writefile, fsdir, lsmode, realpath), completion, stmtrand, diskused and
generate_series. APSW ships them as loadable files (``apsw.sqlite_extra``),
except generate_series, which is ``series.py``. Loading them all costs a few
milliseconds of every start, so each is loaded, through SQLite's C API
(``native.load_extension``), when a statement first names one of its names, or
when SQLite says it has no such function, table or collation (a view or
trigger of the file used it). Their names are reserved from the start: no Wasm
function takes one, loaded or not.

The fileio extension touches files: its readfile() and writefile() are
registered SQLITE_DIRECTONLY by it (a view or trigger cannot call them), and
under ``-safe`` the shell leaves it out, as sqlite3 does (``without_files``).
"""

from __future__ import annotations

import apsw

from ..lean import TYPE_CHECKING, Record, bounded_cache, cache
from ..sqltext import LazyPattern
from . import native
from .names import fold

if TYPE_CHECKING:
    import re


class Extension(Record):
    """One of the shell's extensions: its name in ``apsw.sqlite_extra``, and what it makes."""

    name: str
    functions: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    collations: tuple[str, ...] = ()
    files: bool = False  # reads or writes files: not under -safe


SERIES = "series"  # generate_series, series.py: not a file of APSW's

EXTENSIONS = (
    Extension("base64", ("base64",)),
    Extension("base85", ("base85", "is_base85")),
    Extension("completion", tables=("completion",)),
    Extension(
        "decimal",
        (
            "decimal",
            "decimal_add",
            "decimal_cmp",
            "decimal_exp",
            "decimal_mul",
            "decimal_pow2",
            "decimal_sub",
            "decimal_sum",
        ),
        collations=("decimal",),
    ),
    Extension("diskused", ("diskused",)),
    Extension("fileio", ("lsmode", "readfile", "realpath", "writefile"), ("fsdir",), files=True),
    Extension(
        "ieee754",
        (
            "ieee754",
            "ieee754_exponent",
            "ieee754_from_blob",
            "ieee754_from_int",
            "ieee754_inc",
            "ieee754_mantissa",
            "ieee754_to_blob",
            "ieee754_to_int",
        ),
    ),
    Extension("regexp", ("regexp", "regexpi")),
    Extension(SERIES, tables=("generate_series",)),
    Extension("sha1", ("sha1", "sha1_query", "sha1b")),
    Extension("shathree", ("sha3", "sha3_agg", "sha3_query")),
    Extension("stmtrand", ("stmtrand",)),
    Extension("uint", collations=("uint",)),
)
# A statement naming one of these reads the lists of functions, tables or collations: all are
# loaded first, so that the lists are sqlite3's.
_LISTS = (b"function_list", b"module_list", b"collation_list")
_MISSING = LazyPattern(r"no such (?:function|table|module|collation sequence): (?:\w+\.)?(\w+)\Z")


@cache
def reserved_functions() -> frozenset[str]:
    """The function names of every extension, loaded or not (folded)."""
    return frozenset(fold(name) for e in EXTENSIONS for name in e.functions)


@cache
def reserved_tables() -> frozenset[str]:
    """The table (module) names of every extension, loaded or not (folded)."""
    return frozenset(fold(name) for e in EXTENSIONS for name in e.tables)


def _words(extension: Extension) -> tuple[str, ...]:
    return extension.functions + extension.tables + extension.collations


# Bytes that continue an identifier, as SQLite's tokenizer reads one (any byte >= 0x80 does).
_IDENTIFIER = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$") | frozenset(
    range(0x80, 0x100)
)


def _has_word(data: bytes, word: bytes) -> bool:
    """Whether ``word`` is a whole word of ``data`` (SQL as UTF-8, ASCII letters in lower case)."""
    at = data.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or data[at - 1] not in _IDENTIFIER) and (
            end == len(data) or data[end] not in _IDENTIFIER
        ):
            return True
        at = data.find(word, at + 1)
    return False


@bounded_cache(8)
def _beginnings(stems: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """A pattern that finds any of ``stems`` or a list's name (compiled once per process)."""
    import re

    return re.compile(b"|".join(re.escape(stem) for stem in (*stems, b"_list")))


def _mentions_stem(data: bytes, stems: tuple[bytes, ...]) -> bool:
    """Whether a word of ``data`` (ASCII letters in any case) may begin with one of ``stems``
    (lower case), or it names a list: in C (only where words begin), else by a regular
    expression (anywhere)."""
    if _word_starts is None:
        return _beginnings(stems).search(data.lower()) is not None
    return _word_starts(data, stems, (b"_list",))


_word_starts = native.word_starts


class Builtins:
    """A connection's share of ``EXTENSIONS``: those not loaded yet, loaded when named."""

    def __init__(self, connection: apsw.Connection) -> None:
        self.connection = connection
        self.waiting: dict[str, Extension] = {e.name: e for e in EXTENSIONS}
        self.failed: dict[str, str] = {}  # extensions that could not be loaded, and why
        self._by_word: dict[str, str] = {}
        self._stems: dict[bytes, list[tuple[bytes, str]]] = {}
        self._index()

    def _index(self) -> None:
        """The words that load each waiting extension, and the words by their first four bytes:
        a statement is searched for each beginning (most have none), not for each word."""
        self._by_word = {fold(w): e.name for e in self.waiting.values() for w in _words(e)}
        self._stems = {}
        for word, name in self._by_word.items():
            data = word.encode()
            self._stems.setdefault(data[:4], []).append((data, name))

    def without_files(self) -> None:
        """Never load the extensions that touch files (``-safe``): their names stay reserved."""
        for name in [n for n, e in self.waiting.items() if e.files]:
            del self.waiting[name]
        self._index()

    def function_names(self) -> list[str]:
        """The functions there are or will be when named, for completion."""
        return [n for e in EXTENSIONS if e.name not in self.failed for n in e.functions]

    def table_names(self) -> list[str]:
        """The table-valued functions there are or will be when named, for completion."""
        return [n for e in EXTENSIONS if e.name not in self.failed for n in e.tables]

    def load_mentioned(self, sql: str) -> bool:
        """Load the extensions whose names ``sql`` has as words; True if one was loaded."""
        data = sql.encode("utf-8", "surrogatepass")
        if not _mentions_stem(data, tuple(self._stems)):
            return False  # the usual case: one pass finds no beginning of any word
        data = data.lower()
        if b"_list" in data and any(word in data for word in _LISTS):
            return self._load(sorted(self.waiting))
        wanted = {
            name
            for stem, words in self._stems.items()
            if stem in data
            for word, name in words
            if _has_word(data, word)
        }
        return self._load(sorted(wanted))

    def load_missing(self, message: str) -> bool:
        """After SQLite's "no such function: X" (or table, module, collation sequence): load the
        extension that has X; True if one was loaded (the statement may run again)."""
        found = _MISSING.match(message)
        name = self._by_word.get(fold(found.group(1))) if found else None
        return name is not None and self._load([name])

    def _load(self, names: list[str]) -> bool:
        loaded = False
        for name in names:
            extension = self.waiting.pop(name)
            problem = self._load_one(extension)
            if problem is None:
                loaded = True
            else:
                self.failed[name] = problem
        if names:
            self._index()
        return loaded

    def _load_one(self, extension: Extension) -> str | None:
        """Load one extension; why it could not be, or None."""
        if extension.name == SERIES:
            from . import series

            series.register(self.connection)
            return None
        try:
            from apsw import sqlite_extra

            path = sqlite_extra.path(extension.name)
        except Exception as exc:  # an APSW without its extras: the names stay missing
            return f"APSW has no {extension.name} extension here ({exc})"
        try:
            native.load_extension(self.connection, path)
        except apsw.Error as exc:
            return str(exc)
        return None
