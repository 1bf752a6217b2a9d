"""The shell opens every file as sqlite3 3.54 does: in defensive mode, with the
schema not trusted. A file's views and triggers may call only innocuous
functions (Wasm functions and run_wasm are: they are sandboxed), and SQL
cannot edit the schema behind SQLite's back."""

from __future__ import annotations

import io
from pathlib import Path

import apsw
import pytest
from conftest import wat
from reference_shell import needs_reference, run_both

from wasmshell.shell.runner import process_input
from wasmshell.shell.state import Shell


def shell_on(path: Path) -> tuple[Shell, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Shell(str(path), stdout=out, stderr=err), out, err


def test_a_files_view_cannot_call_a_function_with_side_effects(tmp_path: Path) -> None:
    """As an extension's writefile() would be: a function not marked innocuous,
    called from a view of the file, is refused; called directly it runs."""
    db = tmp_path / "hostile.db"
    conn = apsw.Connection(str(db))
    conn.execute("CREATE VIEW v AS SELECT side_effect('written') AS x")
    conn.close()
    shell, out, err = shell_on(db)
    calls: list[str] = []
    shell.session.connection.create_scalar_function("side_effect", lambda x: calls.append(x) or 1, 1)
    try:
        assert process_input(shell, ["select * from v;", "select side_effect('asked');"]) == 1
    finally:
        shell.session.close()
    assert "unsafe use of side_effect()" in err.getvalue()
    assert calls == ["asked"] and out.getvalue() == "1\n"


def test_wasm_functions_work_in_a_files_views_triggers_and_constraints(tmp_path: Path) -> None:
    db = tmp_path / "wasm.db"
    shell, out, err = shell_on(db)
    script = [
        "CREATE FUNCTION gcd LANGUAGE wasm AS '" + wat("gcd").replace("'", "''") + "';",
        "CREATE TABLE t(a, b, g AS (gcd(a, b)), CHECK (gcd(a, b) > 0));",
        "CREATE INDEX i ON t(gcd(a, b));",
        "CREATE TABLE log(x);",
        "CREATE TRIGGER r AFTER INSERT ON t BEGIN INSERT INTO log VALUES (gcd(new.a, 6)); END;",
    ]
    try:
        assert process_input(shell, script) == 0, err.getvalue()
    finally:
        shell.session.close()
    # A view made elsewhere, calling a stored function and run_wasm with a module from a table.
    conn = apsw.Connection(str(db))
    conn.execute("CREATE TABLE m(src)")
    conn.execute("INSERT INTO m VALUES (?)", (wat("gcd"),))
    conn.execute(
        "CREATE VIEW v AS SELECT a, gcd(a, b) AS d, run_wasm((SELECT src FROM m), 'gcd', a, 4) AS r FROM t"
    )
    conn.close()
    shell, out, err = shell_on(db)
    try:
        failed = process_input(
            shell,
            [
                "INSERT INTO t(a, b) VALUES (12, 18), (9, 6);",
                "SELECT * FROM v ORDER BY a;",
                "SELECT x FROM log;",
            ],
        )
    finally:
        shell.session.close()
    assert failed == 0, err.getvalue()
    assert out.getvalue() == "9|3|1\n12|6|4\n6\n3\n"


@needs_reference
@pytest.mark.parametrize(
    "script",
    [
        "create table t(a);\npragma writable_schema=on;\n"
        "update sqlite_schema set sql='CREATE TABLE t(b)' where name='t';\nselect sql from sqlite_schema;\n",
        "pragma trusted_schema;\n",
    ],
    ids=["schema-edit", "trusted-schema"],
)
def test_defensive_and_untrusted_as_sqlite3(script: str, tmp_path: Path) -> None:
    reference, ours = run_both(script, tmp_path, ())
    assert ours == reference


DUMP_WITH_SCHEMA_ROWS = (
    "PRAGMA foreign_keys=OFF;\n"
    "BEGIN TRANSACTION;\n"
    "CREATE TABLE t(a);\n"
    "INSERT INTO t VALUES(1);\n"
    "PRAGMA writable_schema=ON;\n"
    "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)"
    "VALUES('view','w','w',0,'CREATE VIEW w AS SELECT 2');\n"
    "PRAGMA writable_schema=OFF;\n"
    "COMMIT;\n"
    "SELECT * FROM t, w;\n"
    "PRAGMA writable_schema=ON;\n"
    "UPDATE sqlite_schema SET sql='CREATE VIEW w AS SELECT 3' WHERE name='w';\n"
)


@needs_reference
@pytest.mark.parametrize(
    "script",
    [
        DUMP_WITH_SCHEMA_ROWS,
        "CREATE TABLE first(x);\n" + DUMP_WITH_SCHEMA_ROWS,  # not a dump's first line
        DUMP_WITH_SCHEMA_ROWS.replace("BEGIN TRANSACTION;\n", "CREATE TABLE b(x);\nBEGIN TRANSACTION;\n"),
        " " + DUMP_WITH_SCHEMA_ROWS,
    ],
    ids=["a-dump-into-an-empty-database", "not-first", "not-second", "not-exactly"],
)
def test_reading_a_dump_lifts_defensive_mode_for_its_transaction(script: str, tmp_path: Path) -> None:
    """A dump that writes schema rows (sqlite3's way with virtual tables) reads back into an
    empty database; defensive mode is back once its transaction ends; anything else is refused."""
    reference, ours = run_both(script, tmp_path, ("restored.db",))
    assert ours == reference
