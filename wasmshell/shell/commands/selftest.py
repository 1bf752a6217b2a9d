""".selftest: the checks a database's SELFTEST table holds, run and compared, as sqlite3
3.54's hidden command has them (``--init`` writes that table: a hash of the schema and of
each table's rows, and the integrity check).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import apsw

from ..output.values import real_text
from .registry import command

if TYPE_CHECKING:
    from ..state import Shell

# Without a SELFTEST table: sqlite3's default checks
_DEFAULT_CHECKS = (
    (0, "memo", "Missing SELFTEST table - default checks only", ""),
    (1, "run", "PRAGMA integrity_check", "ok"),
)
_SCHEMA_HASH = "SELECT hex(sha3_query('SELECT type,name,tbl_name,sql FROM sqlite_schema ORDER BY 2',224))"


_TABLE = (
    "CREATE TABLE IF NOT EXISTS selftest(\n  tno INTEGER PRIMARY KEY,\n"
    "  op TEXT,\n  cmd TEXT,\n  ans TEXT\n);"
)


@command(
    "selftest",
    "selftest ?OPTIONS?",
    "Run tests defined in the SELFTEST table",
    safe=True,
    prefix=4,
    hidden=True,
    details=(
        "    Options:",
        "       --init               Create a new SELFTEST table",
        "       -v                   Verbose output",
    ),
)
def _selftest(shell: Shell, args: list[str]) -> int:
    init = False
    verbose = 0
    for arg in args[1:]:
        word = arg[1:] if arg.startswith("--") else arg
        if word == "-init":
            init = True
        elif word == "-v":
            verbose += 1
        else:
            shell.error(f'Unknown option "{arg}" on "{args[0]}"\nShould be one of: --init -v')
            return 1
    session = shell.session
    session.builtins.load_mentioned("sha3_query")  # what the checks --init writes call
    conn = session.connection
    if init:
        _create_table(shell, conn)
    tables: list[Any] = []
    if _has_table(conn):
        try:
            tables.append(list(conn.execute("SELECT tno,op,cmd,ans FROM selftest ORDER BY tno")))
        except apsw.Error:
            shell.error("Error querying the selftest table")
            return 1
    tables.append(_DEFAULT_CHECKS)
    rc, tests, errors = 0, 0, 0
    for checks in tables:
        ran = False
        for tno, op, sql, answer in checks:
            if op is None or sql is None or answer is None:
                continue
            ran = True  # (sqlite3: a table with a check in it is the only one run)
            op, sql, answer = _text(op), _text(sql), _text(answer)
            if verbose:
                shell.stdout.write(f"{tno}: {op} {sql}\n")
            if op == "memo":
                shell.out.write(f"{sql}\n")
            elif op == "run":
                tests += 1
                got, problem = _run(shell, sql)
                if verbose:
                    shell.out.write(f"Result: {got}\n")
                if problem is not None:
                    errors, rc = errors + 1, 1
                    shell.out.write(f"{tno}: error-code-{rc}: {problem}\n")
                elif got != answer:
                    errors, rc = errors + 1, 1
                    shell.out.write(f"{tno}: Expected: [{answer}]\n{tno}:      Got: [{got}]\n")
            else:
                shell.error(f'Unknown operation "{op}" on selftest line {tno}')
                rc = 1
                break
        if ran:
            break
    shell.out.write(f"{errors} errors out of {tests} tests\n")
    return rc


def _has_table(conn: apsw.Connection) -> bool:
    """Whether the main database has a SELFTEST table (of any case)."""
    found = conn.execute("SELECT 1 FROM main.sqlite_schema WHERE type='table' AND name=?", ("selftest",))
    return found.fetchone() is not None or bool(
        conn.execute("SELECT 1 FROM pragma_table_info('selftest', 'main')").fetchone()
    )


def _text(value: Any) -> str:
    """A value as sqlite3_column_text gives it."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        return real_text(value)
    return str(value)


def _run(shell: Shell, sql: str) -> tuple[str, str | None]:
    """What sqlite3_exec gives of ``sql``: each row's values joined by commas (NULL as
    nothing), the rows by bars; and the error, if one stopped it (a Wasm function's too)."""
    rows: list[str] = []
    try:
        for row in shell.session.execute(sql):
            rows.append(",".join("" if v is None else _text(v) for v in row))
    except Exception as exc:  # a check may call any function, and fail any way
        return "|".join(rows), str(exc)
    return "|".join(rows), None


def _create_table(shell: Shell, conn: apsw.Connection) -> None:
    """--init: a SELFTEST table with a check of the schema's hash, of each table's rows' hash
    and of the integrity check, after what it held (numbered on, by tens)."""
    try:
        conn.execute("SAVEPOINT selftest_init")
        conn.execute(_TABLE)
        first = conn.execute("SELECT coalesce((SELECT (max(tno)+100)/10 FROM selftest),10)").fetchone()[0]
        checks: list[tuple[str, str, Any]] = [("memo", "Tests generated by --init", None)]
        checks.append(("run", _SCHEMA_HASH, conn.execute(_SCHEMA_HASH).fetchone()[0]))
        names = conn.execute(
            "SELECT name FROM sqlite_schema WHERE type='table' AND name<>'selftest'"
            " AND coalesce(rootpage,0)>0 ORDER BY name"
        ).fetchall()
        for (name,) in names:
            quoted = str(name).replace('"', '""')
            query = f'SELECT * FROM "{quoted}" NOT INDEXED'
            sql = "SELECT hex(sha3_query('" + query.replace("'", "''") + "',224))"
            answer = conn.execute("SELECT hex(sha3_query(?,224))", (query,)).fetchone()[0]
            checks.append(("run", sql, answer))
        checks.append(("run", "PRAGMA integrity_check", "ok"))
        for k, (op, sql, answer) in enumerate(checks):
            row = ((first + k) * 10, op, sql, answer)
            conn.execute("INSERT INTO selftest(tno,op,cmd,ans) VALUES(?,?,?,?)", row)
    except apsw.Error as exc:
        shell.error(f"SELFTEST initialization failure: {exc}")
    finally:
        with contextlib.suppress(apsw.Error):
            conn.execute("RELEASE selftest_init")
