"""The SQL functions sqlite3 3.54's shell defines on every database it opens.

``edit()`` (a value edited in ``$VISUAL``), ``shell_putsnl()`` (a value
written as a line of output), ``shell_add_schema()`` and
``shell_module_schema()`` (what ``.schema`` writes), ``shell_temp_filename()``,
``usleep()``, ``shell_complete_sql()`` (what ends a statement left open),
``shell_format_schema()`` (``.schema --indent``'s layout), ``strdup()`` (a
value as text), and the C library's ``strtod()`` and ``dtostr()`` (for
comparing SQLite's own conversions with them). ``edit()`` runs a program:
safe mode refuses it (safe.PROHIBITED_FUNCTIONS).
"""

from __future__ import annotations

import os
import time

import apsw

from ..lean import TYPE_CHECKING, cache
from ..sqltext import LazyPattern
from .state import CONNECTION_SETUP

if TYPE_CHECKING:
    from typing import Any

    from .state import Shell

_MAX_DIGITS = 350  # dtostr's most digits after the point (sqlite3's)


def register(shell: Shell, conn: apsw.Connection) -> None:
    """Define the functions on ``conn``, a connection ``shell`` opened."""
    conn.create_scalar_function("strtod", _strtod, 1)
    conn.create_scalar_function("dtostr", _dtostr, 1)
    conn.create_scalar_function("dtostr", _dtostr, 2)
    conn.create_scalar_function("shell_add_schema", lambda s, x, n: _add_schema(conn, s, x, n), 3)
    conn.create_scalar_function("shell_module_schema", lambda x: _module_schema(conn, x), 1)
    conn.create_scalar_function("shell_putsnl", lambda x: _putsnl(shell, x), 1)
    conn.create_scalar_function("usleep", _usleep, 1)
    conn.create_scalar_function("edit", _edit, 1)
    conn.create_scalar_function("edit", _edit, 2)
    conn.create_scalar_function("shell_temp_filename", _temp_filename, 1)
    conn.create_scalar_function("shell_complete_sql", _complete_sql, 1)
    conn.create_scalar_function("shell_complete_sql", _complete_sql, 2)
    conn.create_scalar_function("shell_format_schema", _format_schema, 2)
    conn.create_scalar_function("strdup", _strdup, 1)


def _text(value: Any) -> str | None:
    """A value as SQLite's sqlite3_value_text gives it (None for NULL)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        from .output.values import real_text

        return real_text(value)
    return str(value)


@cache
def _c_strtod() -> Any:
    """The C library's strtod (ctypes is loaded when it is first called)."""
    import ctypes

    strtod = ctypes.CDLL(None).strtod
    strtod.restype = ctypes.c_double
    strtod.argtypes = (ctypes.c_char_p, ctypes.c_void_p)
    return strtod


def _strtod(value: Any) -> float | None:
    """The C library's strtod() of the value's text."""
    text = _text(value)
    if text is None:
        return None
    return float(_c_strtod()(text.encode("utf-8", "surrogateescape").split(b"\0")[0], None))


def _dtostr(value: Any, digits: Any = 26) -> str:
    """The value as the C library's printf ``%#+.*e`` writes it (``digits`` after the point)."""
    places = min(max(_as_int(digits), 1), _MAX_DIGITS)
    return f"{_as_double(value):+#.{places}e}"  # correctly rounded, as the C library's %#+.*e


_LEADING_NUMBER = LazyPattern(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _as_double(value: Any) -> float:
    """sqlite3_value_double: numbers as they are, text by its leading number, else 0.0."""
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(value)
    found = _LEADING_NUMBER.match(text) if text is not None else None
    try:
        return float(found.group()) if found else 0.0
    except OverflowError:
        return 0.0


def _as_int(value: Any) -> int:
    """sqlite3_value_int, near enough: a number's integer part, else 0."""
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def _add_schema(conn: apsw.Connection, sql: Any, schema: Any, name: Any) -> Any:
    """shell_add_schema(S, X, N): CREATE statement S as .schema writes it for schema X (the
    schema name put in, its ``;``, and after a view a comment with its columns)."""
    text = _text(sql)
    if text is None:
        return sql
    from .commands.schema import with_schema_name  # (not needed at every start)

    return with_schema_name(conn, text, _text(schema), _text(name))


def _module_schema(conn: apsw.Connection, name: Any) -> str | None:
    """shell_module_schema(X): ``/* X(columns) */`` for a table-valued function or eponymous
    virtual table, or NULL."""
    text = _text(name)
    from .commands.schema import fake_schema

    fake = fake_schema(conn, None, text) if text is not None else None
    return None if fake is None else f"/* {fake} */"


def _complete_sql(sql: Any, flags: Any = 0) -> str | None:
    """shell_complete_sql(SQL, ?FLAGS?): SQL with what ends it appended (a string, name or
    comment closed, parentheses, a trigger's END); FLAGS 1 adds the ``;`` too, 2 returns only
    what is appended."""
    text = _text(sql)
    if text is None:
        return None
    from .commands.schema import sql_completion

    bits = _as_int(flags)
    closing = sql_completion(text, semicolon=bool(bits & 1))
    return closing if bits & 2 else text + closing


def _format_schema(sql: Any, flags: Any) -> str | None:
    """shell_format_schema(SQL, FLAGS): SQL laid out as ``.schema --indent`` writes it when
    FLAGS has its bit 1, else as it is."""
    text = _text(sql)
    if text is None or not _as_int(flags) & 1:
        return text
    from .commands.schema import indented

    return indented(text)


def _strdup(value: Any) -> Any:
    """strdup(X): X as TEXT (a BLOB and NULL as they are), a copy made by SQLite's test code."""
    return value if value is None or isinstance(value, bytes) else _text(value)


def _putsnl(shell: Shell, value: Any) -> Any:
    """shell_putsnl(X): X written as a line of the shell's output, and given back."""
    text = _text(value)
    shell.out.write(("(null)" if text is None else text) + "\n")  # C's printf of NULL "%s"
    return value


def _usleep(value: Any) -> int:
    """usleep(N): wait N microseconds (to the millisecond, as sqlite3_sleep does); N back."""
    micros = _as_int(value)
    if micros >= 1000:
        time.sleep(micros // 1000 / 1000)
    return micros


def _edit(value: Any, editor: Any = None) -> Any:
    """edit(VALUE, EDITOR): VALUE written to a file, EDITOR ($VISUAL) run on it, the file read
    back (as a BLOB when VALUE was one)."""
    program = _text(editor) if editor is not None else os.environ.get("VISUAL")
    if program is None:
        raise apsw.SQLError("no editor for edit()")
    if value is None:
        raise apsw.SQLError("NULL input to edit()")
    import subprocess
    import tempfile

    binary = isinstance(value, bytes)
    data = value if binary else (_text(value) or "").encode("utf-8", "surrogateescape")
    handle, path = tempfile.mkstemp(prefix="temp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if subprocess.run(f'{program} "{path}"', shell=True, check=False).returncode:
            raise apsw.SQLError("EDITOR returned non-zero")
        with open(path, "rb") as back:
            edited = back.read()
    finally:
        os.unlink(path)
    if binary:
        return edited
    text = edited.decode("utf-8", "surrogateescape")
    if "\r\n" not in data.decode("utf-8", "surrogateescape"):
        text = text.replace("\r\n", "\n")  # as sqlite3: CR LF only where the value had it
    return text


def _temp_filename(suffix: Any) -> str:
    """shell_temp_filename(SUFFIX): the name of a new temporary file (not created)."""
    import tempfile

    ending = _text(suffix) or ""
    return os.path.join(tempfile.gettempdir(), f"temp{os.urandom(8).hex()}.{ending}".rstrip("."))


CONNECTION_SETUP.append(register)
