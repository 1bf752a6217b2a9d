"""Opening the database as sqlite3 3.54 opens it (its open_db), for the command line and ``.open``.

A database is opened in one of sqlite3's ways: a file as it is; a file
with a database appended to it (``--append``: the apndvfs VFS, which
APSW ships as the appendvfs extension); the file's image read into
memory (``--deserialize``: changes stay in memory, never written back);
a ``.dbtotxt`` hex dump read from the input (``--hexdb``); or, for a ZIP
archive, an empty in-memory database (sqlite3 3.54 as APSW ships it has
no zipfile table). Without a choice, the file's content decides, as in
sqlite3. SQLite's open flags (``--readonly``, ``--ifexists``,
``--nofollow``, ``--exclusive``) follow sqlite3's rules, one of which is
that any flag but read-only also means "do not create the file".
"""

from __future__ import annotations

import os

import apsw

from ..lean import TYPE_CHECKING
from ..sqltext import LazyPattern

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ..engine import Session
    from .state import Shell

NORMAL, APPEND, DESERIALIZE, HEXDB, ZIP = "normal", "append", "deserialize", "hexdb", "zip"
APPEND_VFS = "apndvfs"


class OpenSpec:
    """How to open a database: sqlite3's openMode (None: decided by the file), openFlags
    (0: read, write and create) and --maxsize (0: none)."""

    __slots__ = ("flags", "maxsize", "mode")

    def __init__(self, mode: str | None = None, flags: int = 0, maxsize: int = 0) -> None:
        self.mode, self.flags, self.maxsize = mode, flags, maxsize

    def readonly(self) -> None:
        """--readonly."""
        self.flags = (self.flags & ~(apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE)) | (
            apsw.SQLITE_OPEN_READONLY
        )

    def ifexists(self, command_line: bool) -> None:
        """--ifexists (on the command line, sqlite3 also asks for read and write)."""
        self.flags &= ~apsw.SQLITE_OPEN_CREATE
        if command_line and self.flags == 0:
            self.flags = apsw.SQLITE_OPEN_READWRITE

    def open_flags(self) -> int:
        """The flags SQLite is given: read and write unless read-only, and create only when no
        flag was given at all (as sqlite3's open_db)."""
        flags = self.flags
        if flags & (apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_READWRITE) == 0:
            flags = (flags or apsw.SQLITE_OPEN_CREATE) | apsw.SQLITE_OPEN_READWRITE
        return flags


class OpenError(Exception):
    """The database could not be opened; the message is sqlite3's."""


def is_database_file(path: str, flags: int = apsw.SQLITE_OPEN_READONLY) -> bool:
    """sqlite3's isDatabaseFile: a whole number of 512-byte blocks that SQLite reads a schema from."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return False
    if size < 512 or size % 512:
        return False
    try:
        connection = apsw.Connection(path, flags=flags | apsw.SQLITE_OPEN_URI)
        try:
            connection.execute("SELECT count(*) FROM sqlite_schema").fetchall()
        finally:
            connection.close()
    except apsw.Error:
        return False
    return True


def is_script_file(path: str) -> bool:
    """sqlite3 3.54's isScriptFile: a command-line argument naming a non-empty file of SQL
    (``*.sql`` or ``*.txt``, any case) that is not a database is read as input."""
    if not path.lower().endswith((".sql", ".txt")):
        return False
    try:
        size = os.path.getsize(path)
    except OSError:
        return False
    return size > 0 and not (size % 512 == 0 and is_database_file(path))


def deduce_mode(path: str, flags: int) -> str:
    """sqlite3's deduceDatabaseType: a database, a file with one appended, or a ZIP archive."""
    if not path or not os.path.exists(path) or is_database_file(path, flags or apsw.SQLITE_OPEN_READONLY):
        return NORMAL
    try:
        with open(path, "rb") as file:
            if file.read(16) == b"SQLite format 3\0":
                return NORMAL
            size = file.seek(0, os.SEEK_END)
            if size >= 25:
                file.seek(-25, os.SEEK_END)
                if file.read(17) == b"Start-Of-SQLite3-":
                    return APPEND
            if size >= 22:
                file.seek(-22, os.SEEK_END)
                if file.read(4) == b"PK\x05\x06":
                    return ZIP
    except OSError:
        pass
    return NORMAL


def open_session(shell: Shell, path: str, spec: OpenSpec, lines: Callable[[], str | None]) -> Session:
    """Open ``path`` as ``spec`` says; ``lines`` gives the input's next line (--hexdb's dump).
    Raises OpenError with sqlite3's message."""
    mode = spec.mode or deduce_mode(path, spec.flags)
    flags = spec.open_flags()
    try:
        if mode == APPEND:
            _register_append_vfs()
            return shell.open(path, flags=flags, vfs=APPEND_VFS)
        if mode == ZIP:
            return shell.open(":memory:")
        if mode not in (DESERIALIZE, HEXDB):
            return shell.open(path, flags=flags)
    except apsw.Error as exc:
        raise OpenError(f'Error: unable to open database "{path}": {exc}') from None
    contents = None
    if mode == DESERIALIZE:
        contents = _file_contents(path)
    elif path:  # the dump is in the file
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as file:
                contents = _hexdb_or_none(shell, lines_of(line.rstrip("\r\n") for line in file), 0, False)
        except OSError:
            shell.error(f'cannot open "{path}" for reading')  # and an empty database, as sqlite3
    else:  # in the lines that follow
        contents = _hexdb_or_none(shell, lines, shell.lineno, True)
    try:
        session = shell.open("", contents=contents)
    except apsw.NoMemError:
        raise OutOfMemory from None
    if spec.maxsize > 0:
        set_size_limit(session, spec.maxsize)
    return session


def _hexdb_or_none(shell: Shell, lines: Callable[[], str | None], lineno: int, to_end: bool) -> bytes | None:
    """read_hexdb's image, or None (an empty database, as in sqlite3) after its message."""
    try:
        return read_hexdb(lines, lineno, to_end)
    except HexdbError as exc:
        shell.error(str(exc))
        return None


def _file_contents(path: str) -> bytes | None:
    """The file's bytes for --deserialize; None (an empty database) if it cannot be read."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def set_size_limit(session: Session, size: int) -> None:
    """--maxsize: the in-memory database may grow to ``size`` bytes (SQLITE_FCNTL_SIZE_LIMIT)."""
    import ctypes

    limit = ctypes.c_int64(size)
    session.connection.file_control("main", apsw.SQLITE_FCNTL_SIZE_LIMIT, ctypes.addressof(limit))


def _register_append_vfs() -> None:
    """Make the apndvfs VFS exist (loading APSW's appendvfs extension once)."""
    if APPEND_VFS in apsw.vfs_names():
        return
    from apsw import sqlite_extra

    from ..engine import native

    connection = apsw.Connection(":memory:")
    try:
        native.load_extension(connection, sqlite_extra.path("appendvfs"))
    finally:
        connection.close()


# --- .dbtotxt's hex dump ------------------------------------------------------------------------

# As sqlite3's sscanf formats read them: white space anywhere a space is, numbers with a sign.
_SIZE_LINE = LazyPattern(r"\|\s*size\s*([-+]?\d+)\s*pagesize\s*([-+]?\d+)")
_PAGE_LINE = LazyPattern(r"\|\s*page\s*([-+]?\d+)\s*offset\s*([-+]?\d+)")
_DATA_LINE = LazyPattern(r"\|\s*([-+]?\d+):" + r"\s*([0-9a-fA-F]+)" * 16)
_END = "| end "


class HexdbError(Exception):
    """A hex dump that cannot be read; its message is sqlite3's."""


class OutOfMemory(Exception):
    """A database image larger than SQLite can allocate (sqlite3 then ends: "out of memory")."""


# SQLite's largest allocation (SQLITE_MAX_ALLOCATION_SIZE): a hex dump's image is one.
MAX_IMAGE = 2147483391


def read_hexdb(lines: Callable[[], str | None], lineno: int, to_end: bool = True) -> bytearray:
    """The database image of a hex dump (``| size N pagesize P``, ``| page N offset O``, lines
    ``| OFFSET: 16 hex bytes``, ``| end NAME``) read from ``lines`` as sqlite3's readHexDb reads
    it; ``lineno`` is the input's line before the dump, for the message.

    Raises HexdbError, the rest of the dump (to its ``| end`` line) read if ``to_end`` (the
    dump is in the input, not a file of its own), when the first line
    is not a size line or the page size is not a power of two from 512 to 65536. Lines that
    are none of these are passed over, as are bytes that would fall outside the image.
    """
    lineno += 1
    first = lines()
    match = _SIZE_LINE.match(first) if first is not None else None
    size, page = (int(match.group(1)), int(match.group(2))) if match else (-1, 0)
    bad_page = match is not None and size >= 0 and (page < 512 or page > 65536 or page & (page - 1) != 0)
    if match is None or size < 0 or bad_page:
        if first is not None and to_end:
            while (line := lines()) is not None:
                lineno += 1
                if line.startswith(_END):
                    break
        raise HexdbError(
            ("invalid pagesize\n" if bad_page else "") + f"Error on line {lineno} of --hexdb input"
        )
    total = (size + page - 1) & ~(page - 1)
    if total > MAX_IMAGE:  # (never allocated: three lines of input must not take gigabytes)
        raise OutOfMemory
    image = bytearray(total)
    offset = 0
    while (line := lines()) is not None:
        if (found := _PAGE_LINE.match(line)) is not None:
            offset = int(found.group(2))
        elif line.startswith(_END):
            break
        elif (found := _DATA_LINE.match(line)) is not None:
            at = offset + int(found.group(1))
            if at >= 0 and at + 16 <= total:
                image[at : at + 16] = bytes(int(x, 16) & 0xFF for x in found.groups()[1:])
    return image  # (a bytearray: deserialize copies it once more, no need for a third copy)


def lines_of(iterator: Iterator[str]) -> Callable[[], str | None]:
    """``next`` of an iterator of lines, None at its end."""
    return lambda: next(iterator, None)
