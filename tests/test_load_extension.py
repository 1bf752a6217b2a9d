""".load FILE ?ENTRY? and SQL's load_extension() load a SQLite extension as the sqlite3 shell does
(issue 13): its usage, its messages, its exit statuses; refused under -safe; never reachable from
a file's views.

Compared with the reference sqlite3 3.54 that APSW ships, on an extension built here with the C
compiler (skipped without one) and on one of the extensions APSW ships.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import apsw
import pytest
import test_cli
from reference_shell import needs_reference, run_both

home = test_cli.home

EXTENSION_C = r"""
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

static void answer(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc; (void)argv;
    sqlite3_result_int(ctx, 42);
}

int sqlite3_answer_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
    SQLITE_EXTENSION_INIT2(api);
    (void)err;
    return sqlite3_create_function(db, "answer", 0, SQLITE_UTF8, 0, answer, 0, 0);
}

int other_entry(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
    SQLITE_EXTENSION_INIT2(api);
    (void)err;
    return sqlite3_create_function(db, "other_answer", 0, SQLITE_UTF8, 0, answer, 0, 0);
}
"""


@pytest.fixture(scope="module")
def answer_so(tmp_path_factory) -> Path:
    """An extension built now with ``cc -shared -fPIC``: answer(), and other_answer() by another entry."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler")
    where = tmp_path_factory.mktemp("ext")
    source = where / "answer.c"
    source.write_text(EXTENSION_C)
    built = subprocess.run(
        [cc, "-shared", "-fPIC", "-o", str(where / "answer.so"), str(source)],
        capture_output=True,
        check=False,
    )
    if built.returncode != 0:
        pytest.skip(f"cannot build against sqlite3ext.h: {built.stderr.decode()[-200:]}")
    return where / "answer.so"


def _apsw_extension(name: str) -> str:
    try:
        from apsw import sqlite_extra

        return str(sqlite_extra.path(name))
    except Exception:
        pytest.skip("APSW ships no extensions here")


def both(tmp_path: Path, script: str, *args: str):
    reference, ours = run_both(script, tmp_path, args or (":memory:",))
    return ours, reference


@needs_reference
@pytest.mark.parametrize(
    "script",
    [
        ".load\nselect 1;\n",
        ".load /nonexistent/ext\nselect 1;\n",
        ".load nosuch\nselect 1;\n",
        ".load ./notalib\nselect 1;\n",
        ".load ./notalib.so\nselect 1;\n",
        ".load ./notalib.so sqlite3_x_init\nselect 1;\n",
        ".load a b c\nselect 1;\n",
        ".loa ./notalib\nselect 1;\n",
        "select load_extension('./notalib.so');\nselect 2;\n",
        "select load_extension('/nonexistent/ext');\nselect 2;\n",
        "select load_extension();\n",
    ],
)
def test_load_fails_as_sqlite3_does(tmp_path, script):
    (tmp_path / "notalib.so").write_bytes(b"hello, not an ELF file")
    (tmp_path / "notalib").write_bytes(b"(module)")
    ours, reference = both(tmp_path, script)
    assert ours == reference


@needs_reference
def test_a_failed_load_ends_a_bail_script(tmp_path):
    ours, reference = both(tmp_path, ".load /nonexistent/ext\nselect 1;\n", "-bail", ":memory:")
    assert ours == reference and ours.status == 1 and ours.stdout == b""


@needs_reference
def test_load_an_extension_built_here(tmp_path, answer_so):
    script = (
        f".load {answer_so}\nselect answer();\n"
        f".load {answer_so} other_entry\nselect other_answer();\n"
        f".load {answer_so.with_suffix('')}\nselect answer();\n"
        f".load {answer_so} no_such_entry\nselect 3;\n"
    )
    ours, reference = both(tmp_path, script)
    assert ours == reference
    assert ours.stdout == b"42\n42\n42\n3\n"


@needs_reference
def test_load_extension_in_sql(tmp_path, answer_so):
    script = (
        f"select load_extension('{answer_so}');\nselect answer();\n"
        f"select load_extension('{answer_so}', 'other_entry');\nselect other_answer();\n"
    )
    ours, reference = both(tmp_path, script)
    assert ours == reference
    assert ours.stdout == b"\n42\n\n42\n"


@needs_reference
def test_load_one_of_apsws_extensions(tmp_path):
    uuid = _apsw_extension("uuid")
    script = f".load {uuid}\nselect length(uuid());\n.load {uuid} sqlite3_nosuch_init\nselect 1;\n"
    ours, reference = both(tmp_path, script)
    assert ours == reference and ours.stdout == b"36\n1\n"


@needs_reference
@pytest.mark.parametrize(
    "script",
    [".load ./x\nselect 1;\n", "select load_extension('./x');\nselect 1;\n", "select 1;\n.load\n"],
)
def test_load_is_refused_under_safe(tmp_path, script):
    ours, reference = both(tmp_path, script, "-safe", ":memory:")
    assert ours == reference and ours.status == 1


def test_a_files_view_cannot_call_load_extension(tmp_path, home, answer_so):
    db = tmp_path / "hostile.db"
    conn = apsw.Connection(str(db))
    conn.execute(f"CREATE VIEW v AS SELECT load_extension('{answer_so}') AS x")
    conn.close()
    out, err, status = test_cli.run(str(db), stdin="SELECT * FROM v;\nSELECT answer();\n", env=home)
    assert "unsafe use of load_extension()" in err and status == 1 and out == ""
    assert "no such function: answer" in err


def test_loadwasm_is_still_loadwasm(tmp_path, home):
    from conftest import wat_path

    out, _err, status = test_cli.run(":memory:", f".loadwasm {wat_path('add1')}", "select add1(1)", env=home)
    assert status == 0 and out.splitlines()[-1] == "2"
