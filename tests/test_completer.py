"""Completion: the engine (what is offered where) and the prompt_toolkit adapter.

The engine tests read metadata from a real connection holding tables, a
view, an index, a trigger, an attached database and the Wasm function fib
(samples/fib.wat), then ask ``suggest`` what it offers for a piece of text.
The adapter tests drive a PromptSession through a pipe: type a prefix,
press Tab, read back the line.
"""

from __future__ import annotations

import asyncio
import io
import time

import apsw
import pytest
from conftest import open_session, run_python, wat, wat_path
from hypothesis import given
from hypothesis import strategies as st

from wasmshell.shell.interactive import completer
from wasmshell.shell.interactive.completer import (
    FUZZY,
    MODES,
    PREFIX,
    SUBSTRING,
    Metadata,
    Relation,
    dot_commands,
    metadata_version,
    read_metadata,
    session_metadata,
    suggest,
)

SCHEMA = """
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, email TEXT);
CREATE TABLE orders(id INTEGER PRIMARY KEY, user_id INTEGER, total REAL);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
CREATE TABLE "odd name"(x, "select");
CREATE INDEX users_name ON users(name);
CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN SELECT 1; END;
ATTACH ':memory:' AS aux;
CREATE TABLE aux.archive(archived_at, payload);
"""


@pytest.fixture
def db():
    s = open_session()
    s.execute(SCHEMA)
    s.register_module(wat("fib"))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def md(db):
    return session_metadata(db)


def texts(before: str, md: Metadata, after: str = "", **kw) -> list[str]:
    return [s.text for s in suggest(before, md, after, **kw)]


# -- reading metadata ---------------------------------------------------------


def test_metadata_holds_tables_views_columns_indexes_triggers_and_databases(md):
    assert set(md.tables) == {"users", "orders", "odd name", "archive"}
    assert md.views == ("big_orders",)
    assert md.columns_of("users") == ("id", "name", "email")
    assert md.columns_of("BIG_ORDERS") == ("id", "user_id", "total")
    assert md.columns_of("archive", "aux") == ("archived_at", "payload")
    assert md.indexes == ("users_name",)
    assert md.triggers == ("orders_audit",)
    assert md.databases == ("main", "aux")
    assert not md.partial


def test_metadata_functions_come_from_function_list(md):
    assert md.functions["fib"] == "wasm function"
    assert md.functions["abs"] == "function"
    assert md.functions["row_number"] == "window function"
    assert md.wasm_functions == ("fib",)


def test_read_metadata_alone_finds_functions_registered_on_the_connection(db):
    md = read_metadata(db.connection)
    assert "fib" in md.functions
    assert "run_wasm" in md.functions


def test_stored_wasm_functions_are_marked_without_the_session(db):
    db.execute(f"CREATE FUNCTION add1 LANGUAGE wasm AS '{wat('add1')}'")
    md = read_metadata(db.connection)
    assert md.functions["add1"] == "wasm function"


def test_metadata_has_every_dot_command():
    from wasmshell.shell.runner import load_commands

    names = set(Metadata().commands)
    for cmd in load_commands():
        assert cmd.name in names
        assert set(cmd.aliases) <= names


def test_a_locked_database_neither_raises_nor_waits(tmp_path):
    path = tmp_path / "locked.db"
    s = open_session(path)
    s.register_module(wat("fib"))
    s.execute("CREATE TABLE t(a)")
    s.connection.set_busy_timeout(60_000)
    other = apsw.Connection(str(path))
    other.execute("BEGIN EXCLUSIVE")
    try:
        md = read_metadata(s.connection)  # waiting for the lock would take a minute
        assert md.partial
        assert md.tables == ()
        assert "fib" in md.functions
        assert "users" not in md.tables
        assert next(iter(s.connection.execute("PRAGMA busy_timeout")))[0] == 60_000
    finally:
        other.execute("ROLLBACK")
        other.close()
    md = read_metadata(s.connection)
    assert md.tables == ("t",) and not md.partial
    s.close()


def test_a_broken_view_does_not_hide_the_other_columns(db):
    db.execute("CREATE TABLE gone(a); CREATE VIEW on_gone AS SELECT a FROM gone; DROP TABLE gone")
    md = session_metadata(db)
    assert md.columns_of("users") == ("id", "name", "email")
    assert "on_gone" in md.views
    assert md.columns_of("on_gone") == ()


def test_a_closed_connection_gives_empty_metadata(db):
    conn = db.connection
    db.close()
    md = read_metadata(conn)
    assert md.tables == () and md.partial
    assert "tables" in md.commands


# -- SQL keywords -------------------------------------------------------------


def test_keywords_in_upper_case_unless_typing_lower_case(md):
    assert texts("SEL", md)[0] == "SELECT"
    assert texts("sel", md)[0] == "select"
    assert texts("Sel", md)[0] == "SELECT"
    assert "where" in texts("select * from users wh", md)
    assert "WHERE" in texts("SELECT * FROM users WH", md)


def test_keywords_come_from_apsw(md):
    offered = {s.text for s in suggest("", md) if s.kind == "keyword"}
    assert offered == {k.upper() for k in apsw.keywords}


def test_statement_keywords_first_at_the_start(md):
    assert texts("", md)[:3] == ["ALTER", "ANALYZE", "ATTACH"]
    assert texts("S", md)[:2] == ["SAVEPOINT", "SELECT"]


def test_keywords_after_a_complete_operand(md):
    assert texts("SELECT * FROM users ORD", md) == ["ORDER"]
    assert texts("SELECT * FROM users u JO", md) == ["JOIN"]


# -- tables and views ---------------------------------------------------------


@pytest.mark.parametrize(
    "before",
    [
        "SELECT * FROM us",
        "SELECT * FROM orders JOIN us",
        "SELECT * FROM orders, us",
        "INSERT INTO us",
        "UPDATE us",
        "DELETE FROM us",
        "DROP TABLE us",
        "DROP TABLE IF EXISTS us",
        "ALTER TABLE us",
        "CREATE INDEX i ON us",
        "PRAGMA table_info(us",
    ],
)
def test_tables_after_from_join_into_update_table(md, before):
    assert texts(before, md)[0] == "users"


def test_views_where_they_can_be_read_only(md):
    assert "big_orders" in texts("SELECT * FROM bi", md)
    assert "big_orders" not in texts("INSERT INTO bi", md)
    assert texts("DROP VIEW b", md) == ["big_orders"]


def test_no_functions_where_a_table_is_expected(md):
    # first_value(), ... are not offered; fsdir, sqlite3's table-valued function, is
    assert texts("SELECT * FROM fi", md) == ["fsdir("]


def test_table_functions_after_from_and_join_only(db):
    db.register_module(wat("split_words"))
    md = session_metadata(db)
    assert texts("SELECT * FROM spl", md) == ["split_words("]
    assert texts("SELECT * FROM users u JOIN spl", md) == ["split_words("]
    assert texts("SELECT * FROM users, spl", md) == ["split_words("]
    assert texts("SELECT * FROM json_ea", md) == ["json_each("]
    assert "split_words(" not in texts("SELECT spl", md)  # not a scalar: not in an expression
    assert texts("DELETE FROM spl", md) == []
    assert texts("SELECT * FROM spl", md, "('a b')") == ["split_words"]  # its parenthesis is there
    meta = {s.text: s.meta for s in suggest("SELECT * FROM ", md)}
    assert meta["split_words("] == "wasm table function" and meta["json_each("] == "table function"
    assert "fib(" not in meta  # a known scalar is not offered as a table


def test_a_stored_table_function_is_offered_after_from_before_it_is_used(tmp_path):
    path = tmp_path / "t.db"
    with open_session(path) as s:
        s.load_module(wat("split_words"))
    with open_session(path) as s:
        assert "split_words" not in s.functions.made()  # not read yet: its kind is not known
        assert texts("SELECT * FROM spl", session_metadata(s)) == ["split_words("]
        s.execute("SELECT * FROM split_words('a')").fetchall()
        md = session_metadata(s)  # now known to be a table function: not offered as a scalar
        assert texts("SELECT * FROM spl", md) == ["split_words("] and "split_words(" not in texts(
            "SELECT spl", md
        )


def test_tables_of_an_attached_database(md):
    assert texts("SELECT * FROM aux.", md) == ["archive"]
    assert "aux" in texts("SELECT * FROM au", md)


def test_names_that_need_quotes_are_quoted(md):
    assert texts("SELECT * FROM odd", md) == ['"odd name"']
    assert texts('SELECT * FROM "odd', md) == ['"odd name"']
    assert '"select"' in texts('SELECT * FROM "odd name" WHERE sel', md)


def test_index_and_trigger_names_where_they_are_dropped(md):
    assert texts("DROP INDEX u", md) == ["users_name"]
    assert texts("DROP TRIGGER ", md)[0] == "orders_audit"


# -- columns ------------------------------------------------------------------


def test_columns_of_the_tables_in_the_statement(md):
    offered = texts("SELECT * FROM users WHERE ", md)
    assert {"id", "name", "email"} <= set(offered)
    assert "total" not in offered and "payload" not in offered


def test_columns_of_a_table_named_after_the_cursor(md):
    assert texts("SELECT na", md, " FROM users")[0] == "name"
    assert "total" not in texts("SELECT ", md, " FROM users")


def test_every_column_before_a_table_is_named_unless_there_are_too_many(md):
    assert {"email", "total", "payload"} <= set(texts("SELECT ", md))
    wide = tuple(Relation(f"t{i}", columns=tuple(f"c{i}_{j}" for j in range(10))) for i in range(300))
    big = Metadata(relations=wide)
    assert [s for s in suggest("SELECT c1_", big) if s.kind == "column"] == []
    assert texts("SELECT c1_", big, " FROM t1")[0] == "c1_0"


def test_columns_after_alias_and_table_name(md):
    sql = "SELECT * FROM users u JOIN orders o ON o."
    assert texts(sql, md) == ["id", "total", "user_id"]
    assert texts("SELECT * FROM users u JOIN orders o ON u.em", md) == ["email"]
    assert texts("SELECT users.", md) == ["email", "id", "name"]
    assert texts("SELECT main.users.", md) == ["email", "id", "name"]


def test_columns_of_both_sides_of_a_join(md):
    offered = set(texts("SELECT * FROM users JOIN orders ON ", md))
    assert {"email", "total", "user_id"} <= offered


def test_columns_in_insert_column_list_and_update_set(md):
    assert texts("INSERT INTO users (id, na", md) == ["name"]
    assert texts("UPDATE users SET em", md)[0] == "email"
    assert texts("CREATE INDEX i ON orders (us", md) == ["user_id"]


def test_only_the_current_statement_counts(md):
    offered = texts("SELECT * FROM orders; SELECT * FROM users WHERE ", md)
    assert "email" in offered and "total" not in offered
    assert texts("SELECT 1; SELECT * FROM us", md)[0] == "users"


# -- more of the grammar ------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ("SELECT * FROM users GROUP ", ["BY"]),
        ("SELECT * FROM users ORDER ", ["BY"]),
        ("SELECT * FROM users LEFT ", ["JOIN", "OUTER"]),
        ("INSERT ", ["INTO", "OR"]),
        ("DELETE ", ["FROM"]),
        ("DROP ", ["FUNCTION", "INDEX", "TABLE", "TRIGGER", "VIEW"]),
        ("BEGIN ", ["DEFERRED", "EXCLUSIVE", "IMMEDIATE", "TRANSACTION"]),
        ("SELECT * FROM users ORDER BY name NULLS ", ["FIRST", "LAST"]),
    ],
)
def test_keywords_that_only_a_few_words_follow(md, before, expected):
    assert texts(before, md) == expected


def test_only_keywords_that_fit_in_an_expression(md):
    assert texts("SELECT * FROM users WHERE e", md)[:3] == ["email", "exp(", "exists"]
    assert "EXCEPT" not in texts("SELECT * FROM users WHERE E", md)
    assert texts("SELECT * FROM users WHERE name NOT ", md) == [
        "BETWEEN", "GLOB", "IN", "LIKE", "MATCH", "NULL", "REGEXP"
    ]  # fmt: skip
    assert texts("INSERT OR R", md) == ["REPLACE", "ROLLBACK"]


def test_case_words_only_inside_case(md):
    assert texts("SELECT * FROM users WH", md) == ["WHERE"]
    assert texts("SELECT CASE WHEN id = 1 TH", md) == ["THEN"]
    assert "WHEN" in texts("SELECT CASE id WH", md)
    assert "THEN" not in texts("SELECT CASE WHEN 1 THEN 2 END ", md)


def test_common_table_expressions_are_tables_of_the_statement(md):
    sql = "WITH recent(uid, n) AS (SELECT user_id, count(*) FROM orders GROUP BY 1) "
    assert texts(sql + "SELECT * FROM re", md)[0] == "recent"
    assert {"n", "uid"} <= set(texts(sql + "SELECT * FROM recent WHERE ", md))
    assert texts(sql + "SELECT r.", md, " FROM recent r") == ["n", "uid"]


def test_column_types_in_create_table(md):
    assert texts("CREATE TABLE t (a INT", md)[0] == "INTEGER"
    assert texts("CREATE TABLE t (a TEXT NOT ", md) == ["DEFERRABLE", "EXISTS", "NULL"]
    assert texts("SELECT CAST(id AS RE", md) == ["REAL"]


def test_collations_indexes_and_pragmas(md):
    assert texts("SELECT * FROM users ORDER BY name COLLATE no", md) == ["nocase"]
    assert texts("SELECT * FROM users INDEXED BY ", md) == ["users_name"]
    assert "foreign_keys" in texts("PRAGMA foreign_k", md)
    assert texts("PRAGMA index_info(", md) == ["users_name"]


def test_create_function_follows_libsql_grammar(md):
    assert texts("CREATE FUNCTION f ", md) == ["LANGUAGE"]
    assert texts("CREATE FUNCTION f LANGUAGE ", md) == ["wasm"]
    assert texts("CREATE FUNCTION f LANGUAGE wasm ", md) == ["AS"]
    assert texts("DROP FUNCTION IF EXISTS f", md) == ["fib"]


def test_a_statement_over_several_lines(md):
    assert texts("SELECT id,\n       na", md, "\nFROM users")[0] == "name"
    assert texts("SELECT *\nFROM users\nWHERE em", md)[0] == "email"


# -- functions ----------------------------------------------------------------


def test_functions_with_a_paren_in_expressions(md):
    assert texts("SELECT fi", md)[0] == "fib("
    assert "abs(" in texts("SELECT * FROM users WHERE ab", md)
    assert texts("SELECT fi", md, "(10)")[0] == "fib"  # the paren is there already


def test_function_meta_says_what_it_is(md):
    by_text = {s.text: s for s in suggest("SELECT ", md)}
    assert by_text["fib("].meta == "wasm function"
    assert by_text["abs("].meta == "function"


def test_drop_function_offers_wasm_functions(md):
    assert texts("DROP FUNCTION ", md)[0] == "fib"
    assert "abs" not in texts("DROP FUNCTION a", md)


def test_nothing_inside_strings_comments_and_numbers(md):
    assert texts("SELECT 'us", md) == []
    assert texts("SELECT 1 -- us", md) == []
    assert texts("SELECT /* us", md) == []
    assert texts("SELECT 12", md) == []


# -- ranking ------------------------------------------------------------------


def test_prefix_matches_before_substring_before_fuzzy(md):
    found = suggest("SELECT * FROM ord", md)
    assert [s.text for s in found] == ["orders", "big_orders"]
    assert [s.match for s in found] == [PREFIX, SUBSTRING]
    fuzzy = suggest("SELECT * FROM bgo", md)
    assert [(s.text, s.match) for s in fuzzy] == [("big_orders", FUZZY)]


def test_case_insensitive_matching(md):
    assert texts("SELECT * FROM USE", md)[0] == "users"
    assert texts("SELECT * FROM users WHERE EM", md)[0] == "email"


def test_suggestions_replace_the_word(md):
    (s,) = suggest("SELECT * FROM use", md)
    assert (s.text, s.start_position) == ("users", -3)


# -- dot-commands -------------------------------------------------------------


def test_dot_commands_at_the_start_of_a_line(md):
    assert texts(".ta", md)[0] == ".tables"
    assert set(texts(".", md)) == {"." + name for name in dot_commands()}
    s = suggest(".loadw", md)[0]
    assert (s.text, s.start_position, s.kind) == (".loadwasm", -6, "command")
    assert s.meta == dot_commands()["loadwasm"]  # the help text


def test_nothing_for_a_dot_without_a_command_name(md):
    assert texts(". ", md) == []
    assert texts(". x", md) == []


def test_dot_commands_only_when_no_sql_is_pending(md):
    assert ".tables" not in texts("SELECT 1\n.ta", md)
    assert texts("SELECT 1;\n.ta", md)[0] == ".tables"
    assert texts(".mode box\n.ta", md)[0] == ".tables"


def test_modes_after_mode(md):
    assert set(texts(".mode ", md)) == set(MODES)
    # every mode .mode accepts, and only those
    modes = "list csv json line column table box markdown tabs html quote insert ascii tcl qbox psql split"
    modes += " c jatom jobject batch tty"
    assert set(MODES) == set(modes.split(" ")) | {"count", "off", "pretty"}
    assert texts(".mode bo", md) == ["box", "qbox"]
    assert texts(".mode insert us", md) == ["users"]


@pytest.mark.parametrize("command", ["headers", "echo", "bail", "timer", "changes"])
def test_on_off_after_switches(md, command):
    # sqlite3 3.54's .headers always and .timer once
    extra = {"headers": ["always"], "timer": ["once"]}.get(command, [])
    assert sorted(texts(f".{command} ", md)) == sorted(["off", "on", *extra])
    assert texts(f".{command} of", md) == ["off"]


def test_a_command_prefix_is_resolved_like_the_shell_does(md):
    assert texts(".hea o", md) == ["off", "on"]
    assert texts(".indices u", md) == ["users"]


@pytest.mark.parametrize("command", ["schema", "tables", "dump"])
def test_tables_and_views_after_schema_commands(md, command):
    assert texts(f".{command} u", md)[0] == "users"
    assert "big_orders" in texts(f".{command} bi", md)


def test_indexes_takes_tables_only(md):
    assert texts(".indexes u", md) == ["users"]
    assert "big_orders" not in texts(".indexes bi", md)


def test_import_takes_a_file_then_a_table(md, tmp_path):
    (tmp_path / "data.csv").write_text("1,2\n")
    assert texts(".import da", md, cwd=str(tmp_path)) == ["data.csv"]
    assert texts(".import data.csv us", md, cwd=str(tmp_path)) == ["users"]
    assert texts(".import --csv --skip 1 data.csv us", md, cwd=str(tmp_path)) == ["users"]


def test_wasm_functions_after_wat_and_funcs(md):
    assert texts(".wat f", md)[0] == "fib"
    assert texts(".funcs ", md) == ["fib"]
    assert "abs" not in texts(".wat a", md)


def test_command_names_after_help(md):
    assert texts(".help tab", md)[0] == "tables"


def test_options_after_a_dash(md):
    assert texts(".loadwasm fib.wat --t", md) == ["--temp"]
    assert texts(".open --r", md)[0] == "--readonly"  # the best match first (--deserialize has an r)


# -- file paths ---------------------------------------------------------------


@pytest.fixture
def files(tmp_path):
    (tmp_path / "fib.wat").write_text("(module)")
    (tmp_path / "notes.sql").write_text("SELECT 1;")
    (tmp_path / "data.csv").write_text("1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub dir").mkdir()
    (tmp_path / ".hidden").write_text("")
    return tmp_path


@pytest.mark.parametrize(
    "command", ["open", "read", "loadwasm", "import", "output", "once", "wat", "backup", "save"]
)
def test_file_paths_after_file_commands(md, files, command):
    offered = texts(f".{command} {files}/", md)
    assert f"{files}/fib.wat" in offered
    assert f"{files}/sub/" in offered
    assert f"{files}/.hidden" not in offered


def test_hidden_files_when_asked_for(md, files):
    assert texts(f".open {files}/.h", md) == [f"{files}/.hidden"]


def test_relative_paths_start_in_the_working_directory(md, files):
    assert texts(".loadwasm f", md, cwd=str(files)) == ["fib.wat"]
    assert texts(".read no", md, cwd=str(files)) == ["notes.sql"]


def test_files_the_command_wants_come_first(md, files):
    offered = texts(".read ", md, cwd=str(files))
    assert offered.index("notes.sql") < offered.index("data.csv")
    offered = texts(".loadwasm ", md, cwd=str(files))
    assert offered.index("fib.wat") < offered.index("notes.sql")


def test_cd_offers_directories_only(md, files):
    assert texts(".cd ", md, cwd=str(files)) == ["'sub dir/", "sub/"]


def test_paths_with_spaces_are_quoted(md, files):
    assert texts(".open sub", md, cwd=str(files)) == ["'sub dir/", "sub/"]
    assert texts(".open 'sub d", md, cwd=str(files)) == ["'sub dir/"]
    assert texts('.open "sub d', md, cwd=str(files)) == ['"sub dir/']


def test_a_missing_directory_offers_nothing(md, tmp_path):
    assert texts(f".open {tmp_path}/nowhere/", md) == []


# -- any input --------------------------------------------------------------

SMALL = Metadata(
    relations=(Relation("users", columns=("id", "name")), Relation("v", "view", columns=("a",))),
    functions={"fib": "wasm function", "abs": "function"},
)


@given(
    st.text(alphabet=st.sampled_from("SELECT from where users u.id ,()'\"[`-/*;\n.#x1 ?:$"), max_size=50),
    st.text(alphabet=st.sampled_from("FROM users ;)('"), max_size=10),
)
def test_any_input_gives_suggestions_that_fit_the_text(before, after):
    for s in suggest(before, SMALL, after, cwd="/nonexistent"):
        assert -len(before) <= s.start_position <= 0
        assert s.match in (PREFIX, SUBSTRING, FUZZY)


# -- the adapter --------------------------------------------------------------


def completions(c, text, *, requested=True):
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    event = CompleteEvent(completion_requested=requested, text_inserted=not requested)
    return [x.text for x in c.get_completions(Document(text), event)]


def test_importing_the_engine_does_not_import_prompt_toolkit():
    proc = run_python(
        "import sys, wasmshell.shell.interactive.completer, wasmshell.shell.interactive.highlight\n"
        "print(sorted(m for m in sys.modules if m.startswith(('prompt_toolkit', 'pygments.lexer'))))"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().strip() == "[]"


def test_completer_is_a_prompt_toolkit_completer(db):
    from prompt_toolkit.completion import Completer

    c = completer.SqlCompleter(lambda: session_metadata(db))
    assert isinstance(c, Completer)
    assert completions(c, "SELECT * FROM us") == ["users"]


def test_a_shell_can_be_given_and_open_switches_databases(tmp_path):
    from wasmshell.shell.runner import run_command
    from wasmshell.shell.state import Shell

    other = apsw.Connection(str(tmp_path / "other.db"))
    other.execute("CREATE TABLE second_db(a)")
    other.close()
    shell = Shell(":memory:", stdout=io.StringIO(), stderr=io.StringIO())
    shell.session.execute("CREATE TABLE first_db(a)")
    c = completer.SqlCompleter(shell)
    assert completions(c, "SELECT * FROM firs") == ["first_db"]
    assert run_command(shell, f".open {tmp_path / 'other.db'}") == 0
    assert completions(c, "SELECT * FROM firs") == []
    assert completions(c, "SELECT * FROM sec") == ["second_db"]
    shell.session.close()


def test_a_shells_snapshot_is_read_again_only_when_something_changed(monkeypatch):
    """Completion for a Shell notices new tables and Wasm functions by itself, and
    does not read the schema again while nothing changed."""
    import io

    from wasmshell.shell.runner import run_command
    from wasmshell.shell.state import Shell

    reads = []
    real = completer.session_metadata
    monkeypatch.setattr(completer, "session_metadata", lambda session: reads.append(1) or real(session))
    shell = Shell(":memory:", stdout=io.StringIO(), stderr=io.StringIO())
    try:
        c = completer.SqlCompleter(shell)
        assert completions(c, "SELECT * FROM inv") == []
        assert completions(c, "SELECT * FROM inv") == [] and len(reads) == 1
        shell.session.execute("CREATE TABLE invoices(n)")
        assert completions(c, "SELECT * FROM inv") == ["invoices"] and len(reads) == 2
        assert run_command(shell, f".loadwasm {wat_path('add1')} --temp") == 0
        assert completions(c, "SELECT add")[0] == "add1(" and len(reads) == 3
        assert completions(c, "SELECT add")[0] == "add1(" and len(reads) == 3
    finally:
        shell.session.close()


def test_a_function_created_mid_session_is_read_when_next_needed(db):
    reads = []

    def source():
        reads.append(1)
        return session_metadata(db)

    c = completer.SqlCompleter(source, version=lambda: metadata_version(db))
    assert "add1(" not in completions(c, "SELECT add")
    assert "add1(" not in completions(c, "SELECT add")
    assert len(reads) == 1  # the snapshot is kept while nothing changes ...
    db.register_module(wat("add1"))
    assert len(reads) == 1  # ... and a change reads nothing until completion is needed
    assert completions(c, "SELECT add")[0] == "add1("
    assert len(reads) == 2


def test_create_and_drop_function_show_at_the_next_completion(db):
    c = completer.SqlCompleter(lambda: session_metadata(db), version=lambda: metadata_version(db))
    assert "hypot(" not in completions(c, "SELECT hyp")
    db.execute(f"CREATE FUNCTION hypot LANGUAGE wasm AS '{wat('hypot')}'")
    assert completions(c, "SELECT hyp")[0] == "hypot("
    db.execute("DROP FUNCTION hypot")
    assert "hypot(" not in completions(c, "SELECT hyp")


def test_new_tables_appear_at_the_next_completion(db):
    c = completer.SqlCompleter(lambda: session_metadata(db), version=lambda: metadata_version(db))
    assert completions(c, "SELECT * FROM inv") == []
    db.execute("CREATE TABLE invoices(n)")
    assert completions(c, "SELECT * FROM inv") == ["invoices"]


def test_a_partial_snapshot_is_read_again(tmp_path, monkeypatch):
    path = tmp_path / "locked.db"
    s = open_session(path)
    s.execute("CREATE TABLE t(a)")
    other = apsw.Connection(str(path))
    other.execute("BEGIN EXCLUSIVE")
    c = completer.SqlCompleter(lambda: session_metadata(s))
    assert "t" not in completions(c, "SELECT * FROM ")
    other.execute("ROLLBACK")
    now = time.monotonic()
    monkeypatch.setattr(completer.time, "monotonic", lambda: now + 5)
    assert completions(c, "SELECT * FROM ")[0] == "t"
    other.close()
    s.close()


def test_a_failing_source_does_not_break_the_prompt():
    def source():
        raise RuntimeError("the database went away")

    c = completer.SqlCompleter(source)
    assert completions(c, "SEL") == ["SELECT"]


def test_while_typing_nothing_pops_up_after_a_space(db):
    c = completer.SqlCompleter(lambda: session_metadata(db))
    assert completions(c, "SELECT * FROM ", requested=False) == []
    assert completions(c, "SELECT * FROM ", requested=True) != []
    assert completions(c, "SELECT * FROM users u WHERE u.", requested=False) == ["email", "id", "name"]


def test_tab_offers_only_prefix_matches_when_there_are_some(db):
    c = completer.SqlCompleter(lambda: session_metadata(db))
    assert completions(c, "SELECT * FROM ord", requested=False) == ["orders", "big_orders"]
    assert completions(c, "SELECT * FROM ord", requested=True) == ["orders"]
    assert completions(c, "SELECT * FROM bgo", requested=True) == ["big_orders"]


# -- a PromptSession through a pipe -------------------------------------------


async def _until(condition, limit: float = 5.0) -> None:
    """Wait for prompt_toolkit's background work (an upper bound, not a timing test)."""
    end = time.monotonic() + limit
    while not condition() and time.monotonic() < end:
        await asyncio.sleep(0.01)


def tab_complete(c, prefix: str, *, burst: bool = False, **session_options) -> str:
    """Type ``prefix`` into a PromptSession using ``c``, press Tab, then Enter; the line read.

    ``burst`` sends the Tab with the text, as a fast typist or a pty does.
    """
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    async def session() -> str:
        with create_pipe_input() as pipe:
            prompt = PromptSession(completer=c, input=pipe, output=DummyOutput(), **session_options)
            buffer = prompt.default_buffer
            line = asyncio.ensure_future(prompt.prompt_async())
            if not burst:
                pipe.send_text(prefix)
                await _until(lambda: buffer.text == prefix)
            pipe.send_text(prefix + "\t" if burst else "\t")
            await _until(lambda: buffer.text != prefix)
            pipe.send_text("\r")
            return await line

    return asyncio.run(session())


@pytest.fixture
def sql_completer(db):
    return completer.SqlCompleter(lambda: session_metadata(db), version=lambda: metadata_version(db))


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("SELECT * FROM us", "SELECT * FROM users"),
        ("SELECT * FROM users WHERE em", "SELECT * FROM users WHERE email"),
        ("select * from users wh", "select * from users where"),
        ("SELECT * FROM users u JOIN orders o ON o.user", "SELECT * FROM users u JOIN orders o ON o.user_id"),
        ("SELECT fi", "SELECT fib("),
        (".mo", ".mode"),
        (".mode mark", ".mode markdown"),
        (".headers of", ".headers off"),
        (".schema big", ".schema big_orders"),
    ],
)
def test_tab_in_a_prompt_session(sql_completer, typed, line):
    assert tab_complete(sql_completer, typed) == line


def test_tab_completes_a_just_created_wasm_function(db, sql_completer):
    db.execute(f"CREATE FUNCTION add1 LANGUAGE wasm AS '{wat('add1')}'")
    assert tab_complete(sql_completer, "SELECT add") == "SELECT add1("


def test_tab_completes_a_path(sql_completer, files, monkeypatch):
    monkeypatch.chdir(files)
    assert tab_complete(sql_completer, ".loadwasm fi") == ".loadwasm fib.wat"


def test_tab_with_complete_while_typing_picks_the_best_match(sql_completer):
    line = tab_complete(sql_completer, "SELECT * FROM ord", complete_while_typing=True)
    assert line == "SELECT * FROM orders"


def tab_bindings():
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()
    bindings.add("tab")(lambda event: completer.complete_on_tab(event.current_buffer))
    return bindings


@pytest.mark.parametrize("while_typing", [True, False])
def test_complete_on_tab_completes_a_burst(sql_completer, while_typing):
    # prompt_toolkit's own Tab is lost when it comes with the text: it finds the
    # (still empty) menu that typing opened.
    options = {"complete_while_typing": while_typing, "key_bindings": tab_bindings()}
    assert tab_complete(sql_completer, "SELECT * FROM us", burst=True, **options) == "SELECT * FROM users"
    assert tab_complete(sql_completer, ".headers of", burst=True, **options) == ".headers off"


def test_complete_on_tab_inserts_the_common_part(sql_completer):
    options = {"complete_while_typing": True, "key_bindings": tab_bindings()}
    assert tab_complete(sql_completer, ".mode ta", burst=True, **options) == ".mode tab"


# -- completion made from the registry ----------------------------------------


def test_a_command_s_registration_is_all_completion_needs(tmp_path):
    """A new command says its options, argument kinds, words and files once, at its
    registration, and completion offers them with nothing else to edit."""
    from wasmshell.shell.commands import registry
    from wasmshell.shell.interactive.completer import metadata

    for name in ("model.zz", "notes.txt", "other.zz2"):
        (tmp_path / name).write_text("")
    registry.command(
        "zzcomplete",
        "zzcomplete WORD FILE",
        "a command for this test",
        safe=True,
        options=("--fast", "--level N"),
        arguments=("words", "path"),
        words=("alpha", "beta"),
        files=(".zz",),
    )(lambda shell, args: 0)
    metadata.dot_commands.cache_clear()
    metadata.command_words.cache_clear()
    try:
        md = Metadata()
        assert md.commands["zzcomplete"] == "a command for this test"
        assert texts(".zzcomplete -", md) == ["--fast", "--level"]
        assert texts(".zzcomplete ", md) == ["alpha", "beta"]
        assert texts(".zzcomplete --level 3 ", md) == ["alpha", "beta"]  # the value is not an argument
        files = texts(".zzcomplete alpha ", md, cwd=str(tmp_path))
        assert files[0] == "model.zz"  # the file it most likely wants first
        assert set(files) == {"model.zz", "notes.txt", "other.zz2"}
    finally:
        del registry.REGISTRY["zzcomplete"]
        metadata.dot_commands.cache_clear()
        metadata.command_words.cache_clear()


def test_a_registration_with_an_unknown_argument_kind_fails():
    from wasmshell.shell.commands import registry

    with pytest.raises(AssertionError, match="unknown argument kind"):
        registry.command("zzbad", "zzbad", "never registered", arguments=("table+tabel",))
    assert "zzbad" not in registry.REGISTRY


def test_dot_command_words_carry_their_positions():
    from wasmshell.shell.commands.args import line_words, split_args

    line = """.import 'my file.csv' "t\\tx" --skip 2 'open"""
    words = line_words(line, 1)
    assert [w.text for w in words] == ["import", "my file.csv", "t\tx", "--skip", "2", "open"]
    assert [line[w.start : w.end] for w in words[:3]] == ["import", "'my file.csv'", '"t\\tx"']
    assert [(w.quote, w.closed) for w in words[-2:]] == [("", True), ("'", False)]
    assert words[-1].end == len(line)
    assert split_args(line[1:]) == [w.text for w in words]
