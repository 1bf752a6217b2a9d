"""libSQL's CREATE/DROP FUNCTION is recognised only where it really is a statement.

The word FUNCTION may appear anywhere else SQL allows -- a string, a comment,
a quoted or bare name, an alias, a table or column, a trigger body, a CTE --
and the statement must then do exactly what SQLite does without the dialect:
through the Python API (compared with a plain APSW connection) and through the
shell (compared with the reference sqlite3 shell).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import apsw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_shell import WASMSHELL, needs_reference, quiet_env, run_both, run_shell

import wasmshell
from wasmshell.engine import dialect
from wasmshell.engine.dialect import ScriptCursor, holds_function_statement

IDENTITY = '(module (func (export "ident") (param i64) (result i64) local.get 0))'

# -- statements that mention FUNCTION -------------------------------------------

spellings = st.lists(st.booleans(), min_size=8, max_size=8).map(
    lambda upper: "".join(c.upper() if u else c for c, u in zip("function", upper, strict=True))
)
# What a string, comment or quoted name may say: the dialect's own words included.
phrases = st.sampled_from(
    [
        "{w}",
        "create {w} f",
        "DROP {w} f",
        "drop {w} if exists f",
        "create {w} f language wasm as x",
        "a {w} b",
        "{w};",
    ]
)
# Between words of the statement, where white space may go.
gaps = st.sampled_from([" ", "\n", "  \t", " /* create {w} x */ ", "\n-- drop {w} x\n", "\n\n"])


@st.composite
def statement_groups(draw: st.DrawFn, number: int) -> str:
    """A few statements that return rows, mentioning FUNCTION in one place SQL allows."""
    word = draw(spellings)

    def phrase() -> str:
        return draw(phrases).format(w=word)

    def gap() -> str:
        return draw(gaps).format(w=word)

    def name(kind: str) -> str:
        # Every name is made unique with the number, so a script never trips on "already exists".
        style = draw(st.sampled_from(["bare", "suffix", "double", "bracket", "backtick"]))
        if style == "bare":
            return f"{word}{kind}{number}"
        if style == "suffix":
            return f"x_{word}_{kind}{number}"
        text = f"{phrase()} {kind}{number}"
        return {"double": f'"{text}"', "bracket": f"[{text}]", "backtick": f"`{text}`"}[style]

    k = draw(st.integers(-5, 1000))
    string = "'" + phrase().replace("'", "''") + "'"
    kind = draw(
        st.sampled_from(
            ["string", "alias", "comment", "table", "view", "cte", "trigger", "subquery", "multiline"]
        )
    )
    g = gap
    if kind == "string":
        return f"select{g()}{string}{g()}as{g()}{name('c')};"
    if kind == "alias":
        return f"select{g()}{k}{g()}as{g()}{name('a')}, {k} {name('b')};"
    if kind == "comment":
        place = draw(st.sampled_from(["before", "after", "inside", "line"]))
        comment = f"/* {phrase()} */"
        if place == "before":
            return f"{comment} select {k};"
        if place == "after":
            return f"select {k}; -- {phrase()}"
        if place == "inside":
            return f"select{g()}{comment}{g()}{k};"
        return f"-- {phrase()}\nselect {k};"
    if kind == "table":
        table, column, index = name("t"), name("c"), name("i")
        return (
            f"create{g()}table{g()}{table}({column}{g()}integer);\n"
            f"create index {index} on {table}({column});\n"
            f"insert into {table}({column}) values ({k});\n"
            f"select {column}, {string} from {table};"
        )
    if kind == "view":
        view, column = name("v"), name("c")
        return f"create view {view} as select {k} as {column};\nselect {column} from {view};"
    if kind == "cte":
        cte, column = name("w"), name("c")
        return f"with{g()}{cte}({column}) as (select {k}) select {column} from {cte};"
    if kind == "trigger":
        source, target, trigger = name("s"), name("d"), name("r")
        return (
            f"create table {source}(x);\ncreate table {target}(y);\n"
            f"create trigger {trigger} after insert on {source} begin\n"
            f"  insert into {target} values ({string});{g()}-- {phrase()}\n"
            f"  insert into {target} values (new.x);\nend;\n"
            f"insert into {source} values ({k});\nselect y from {target};"
        )
    if kind == "subquery":
        alias = name("a")
        return f"select {alias} from (select {k} as {alias}) as {name('q')};"
    return f"select\n{k}\n,\n{string}\n-- {phrase()}\n;"


scripts = st.integers(1, 6).flatmap(lambda n: st.tuples(*[statement_groups(i) for i in range(n)]))


def plain_rows(sql: str) -> list[tuple]:
    """What SQLite itself gives for ``sql``, without the dialect."""
    return [tuple(row) for row in apsw.Connection(":memory:").execute(sql)]


@settings(max_examples=300, deadline=None)
@given(scripts)
def test_function_anywhere_through_the_python_api(groups):
    script = "\n".join(groups)
    expected = plain_rows(script)
    with wasmshell.connect() as session:
        assert [tuple(row) for row in session.execute(script)] == expected
    for group in groups:  # and statement by statement, each in its own session
        with wasmshell.connect() as session:
            assert [tuple(row) for row in session.execute(group)] == plain_rows(group)
        assert not holds_function_statement(group)


@needs_reference
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts)
def test_function_anywhere_through_the_shell_as_sqlite3(groups):
    script = "\n".join(groups) + "\n"
    with tempfile.TemporaryDirectory() as where:
        reference, ours = run_both(script, Path(where))
    assert reference.stderr == b"" and reference.status == 0, reference
    assert ours == reference


@needs_reference
@pytest.mark.parametrize(
    "sql",
    [
        "select 'function';",
        "select 1 as function;",
        "select 2; -- function",
        "/* drop function f */ select 3;",
        'select "create function f";',
        "create table function(function);\ninsert into function values (4);\nselect function from function;",
        "with function(x) as (select 5) select x from function;",
        "create table t(x); create trigger function after insert on t begin select 'drop function'; end;"
        " insert into t values (6); select x from t;",
    ],
)
def test_the_issue_examples_print_what_sqlite3_prints(sql, tmp_path):
    reference, ours = run_both(sql + "\n", tmp_path)
    assert reference.stdout and reference.stderr == b""
    assert ours == reference


# -- real function statements are still recognised -----------------------------


@pytest.mark.parametrize(
    "create",
    [
        "create function ident language wasm as '{m}';",
        "CREATE\nFUNCTION ident LANGUAGE wasm AS '{m}';",
        "/* a comment */ create /* here too */ function ident language wasm as '{m}';",
        "-- a comment\ncreate function ident language wasm as '{m}';",
        "select 'function'; create function ident language wasm as '{m}'; select 'after';",
    ],
)
def test_real_function_statements_are_carried_out(create):
    sql = create.format(m=IDENTITY)
    assert holds_function_statement(sql)
    with wasmshell.connect() as session:
        session.execute(sql).fetchall()
        assert session.execute("select ident(41)").fetchall() == [(41,)]
        session.execute("/* x */ drop\tfunction ident;").fetchall()
        with pytest.raises(apsw.SQLError, match="no such function: ident"):
            session.execute("select ident(1)").fetchall()


def test_function_statements_inside_a_trigger_body_go_to_sqlite():
    # CREATE FUNCTION is not a statement a trigger may hold: SQLite's own error, not the dialect's.
    sql = "create table t(x); create trigger r after insert on t begin drop function f; end;"
    assert not holds_function_statement(sql)
    with pytest.raises(apsw.SQLError) as plain:
        apsw.Connection(":memory:").execute(sql)
    with wasmshell.connect() as session, pytest.raises(apsw.SQLError) as ours:
        session.execute(sql)
    assert str(ours.value) == str(plain.value) == 'near "drop": syntax error'


# -- the script cursor stands in for an APSW cursor -------------------------------


def test_script_cursor_offers_everything_an_apsw_cursor_does():
    with wasmshell.connect() as session:
        cursor = session.execute(
            f"create function ident language wasm as '{IDENTITY}'; select ident(?) as v, 2 as w", (7,)
        )
        assert isinstance(cursor, ScriptCursor)
        assert {n for n in dir(apsw.Cursor) if not n.startswith("_")} <= set(dir(cursor))
        assert cursor.is_explain == 0
        assert [d[0] for d in cursor.get_description()] == ["v", "w"]
        assert cursor.bindings_count == 1
        assert cursor.fetchall() == [(7, 2)]
        seen = []
        cursor.exec_trace = lambda _c, sql, _b: seen.append(sql) or True
        assert cursor.execute("drop function ident; select 5").get == 5
        assert seen == ["drop function ident;", "select 5"]


@pytest.mark.parametrize("mode", ["list", "box", "json", "line", "insert"])
def test_rows_mentioning_function_render_in_every_mode(mode, tmp_path):
    script = (
        f".mode {mode}\n"
        """select 'create function' as "drop function";\n"""
        "explain select 'function';\n"
    )
    result = run_shell(WASMSHELL, [], script.encode(), tmp_path, quiet_env(tmp_path))
    assert (result.stderr, result.status) == (b"", 0)
    assert b"create function" in result.stdout and b"Halt" in result.stdout


@pytest.mark.skipif(dialect._c_words is None, reason="the C part is not built")
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["FUNCTION", "function", "Rollback", "rollbac", "libsql_wasm_func_table", "LIBSQL", "é", " ", "x"]
        ),
        max_size=6,
    ).map("".join),
    st.integers(0, 3),
)
def test_long_sql_is_searched_in_c_as_short_sql_is_in_python(words, where):
    """Past _LONG characters the words are looked for in C, in one pass: the same answer."""
    pad = "y" * (dialect._LONG + 1)
    text = [words + pad, pad + words, pad + words + pad, words][where]
    lowered = text.lower()
    expected = any(w in lowered for w in ("function", "rollback", "libsql_wasm_func_table"))
    assert dialect._mentions_words(text) == expected
