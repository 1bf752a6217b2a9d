"""Dot-commands that check or describe database content, as sqlite3 3.54 has them: .sha3sum
(a hash of tables' content), .diskused (space per table), .dbtotxt (a hex dump of the
pages), .lint fkey-indexes (foreign keys no index serves) and .imposter (a table over an
index's b-tree, made with SQLite's test control, which only the C part reaches).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import apsw

from ...engine import native
from ..output import modes
from .registry import command, help_lines
from .tools import show_query, sql_text, sqlite_message

if TYPE_CHECKING:
    from ..state import Shell


# -- .sha3sum, .diskused, .dbtotxt ----------------------------------------------------


_SHA3_TABLES = "SELECT lower(name) as tname FROM sqlite_schema WHERE type='table' AND coalesce(rootpage,0)>1"


def _sha3_queries(conn: apsw.Connection, pattern: str | None, schema: bool) -> list[tuple[str, str]]:
    """(query, table) for each table .sha3sum hashes, in sqlite3's order."""
    if schema:
        sql = _SHA3_TABLES + " UNION ALL SELECT 'sqlite_schema' ORDER BY 1 collate nocase"
    else:
        sql = _SHA3_TABLES + " AND name NOT LIKE 'sqlite__%' ESCAPE '_' ORDER BY 1 collate nocase"
    queries = []
    for (table,) in conn.execute(sql).fetchall():
        if table is None:
            continue
        if pattern is not None and apsw.strlike(pattern, table) != 0:
            continue
        if not table.startswith("sqlite_"):
            query = 'SELECT * FROM "' + table.replace('"', '""') + '" NOT INDEXED;'
        else:
            query = {
                "sqlite_schema": "SELECT type,name,tbl_name,sql FROM sqlite_schema ORDER BY name;",
                "sqlite_sequence": "SELECT name,seq FROM sqlite_sequence ORDER BY name;",
                "sqlite_stat1": "SELECT tbl,idx,stat FROM sqlite_stat1 ORDER BY tbl,idx;",
                "sqlite_stat4": f"SELECT * FROM {table} ORDER BY tbl, idx, rowid;\n",
            }.get(table, "")
        queries.append((query, table))
    return queries


_TEXT_CHECK = """with tabcols as materialized(
select tname, cname
from ( select printf('"%w"',ss.tname) as tname, printf('"%w"',ti.name) as cname
 from ({tables}) ss
 inner join pragma_table_info(tname) ti))
select 'SELECT total(bad_text_count) AS bad_text_count
FROM ('||group_concat(query, ' UNION ALL ')||')' as btc_query
 from (select 'SELECT COUNT(*) AS bad_text_count
FROM '||tname||' WHERE '
||group_concat('CAST(CAST('||cname||' AS BLOB) AS TEXT)<>'||cname
|| ' AND typeof('||cname||')=''text'' ',
' OR ') as query, tname from tabcols group by tname)"""


def _sha3_text_check(shell: Shell, pattern: str | None, debug: bool) -> bool:
    """sqlite3's check for TEXT that does not read back the same as bytes (it warns on stderr);
    False where sqlite3 says ".sha3sum failed." (no table to check, or SQL that cannot run)."""
    conn = shell.session.connection
    tables = (
        "SELECT lower(name) as tname FROM sqlite_schema\nWHERE type='table' AND coalesce(rootpage,0)>1\n"
        "AND name NOT LIKE 'sqlite__%' ESCAPE '_'"
        + (" AND name LIKE $tspec" if pattern is not None else "")
        + "\nORDER BY 1 collate nocase"
    )
    query = _TEXT_CHECK.format(tables=tables)
    if debug:
        shell.out.write(query + "\n")
    try:
        row = conn.execute(query, {"tspec": pattern} if pattern is not None else None).fetchone()
    except apsw.Error:
        return False
    generated = row[0] if row else None
    if debug:
        shell.out.write(f"{generated if generated is not None else '(null)'}\n")
    if generated is None:
        return False
    try:
        found = conn.execute(generated).fetchone()
    except apsw.Error:
        return False
    bad = int((found[0] or 0) + 0.5) if found else 0
    if bad > 0:
        shell.error(f"Digest includes {bad} invalidly encoded text field{'s' if bad > 1 else ''}.")
    return True


@command(
    "sha3sum",
    "sha3sum ...",
    "Compute a SHA3 hash of database content",
    safe=True,
    prefix=4,
    details=(
        "    Options:",
        "      --schema              Also hash the sqlite_schema table",
        "      --sha3-224            Use the sha3-224 algorithm",
        "      --sha3-256            Use the sha3-256 algorithm (default)",
        "      --sha3-384            Use the sha3-384 algorithm",
        "      --sha3-512            Use the sha3-512 algorithm",
        "    Any other argument is a LIKE pattern for tables to hash",
    ),
    options=("--schema", "--sha3-224", "--sha3-256", "--sha3-384", "--sha3-512"),
    arguments=("table",),
)
def _sha3sum(shell: Shell, args: list[str]) -> int:
    pattern: str | None = None
    schema = debug = False
    size = 224  # (the help says 256 is the default; sqlite3 uses 224)
    for word in args[1:]:
        if word[:1] == "-":
            name = word[2:] if word[:2] == "--" else word[1:]
            if name == "schema":
                schema = True
            elif name in ("sha3-224", "sha3-256", "sha3-384", "sha3-512"):
                size = int(name[5:])
            elif name == "debug":
                debug = True
            else:
                shell.error(f'Unknown option "{word}" on "{args[0]}"')
                shell.out.write("".join(line + "\n" for line in help_lines(args[0])))
                return 1
        elif pattern is not None:
            shell.error("Usage: .sha3sum ?OPTIONS? ?LIKE-PATTERN?")
            return 1
        else:
            pattern = word
            schema = schema or apsw.strlike("sqlite\\_%", word, ord("\\")) == 0
    session = shell.session
    session.builtins.load_mentioned("sha3_query")
    try:
        queries = _sha3_queries(session.connection, pattern, schema)
    except apsw.Error:
        queries = []
    values = "),(".join(f"{sql_text(query)},{sql_text(table)}" for query, table in queries)
    if pattern is not None:
        select = f"SELECT lower(hex(sha3_query(a,{size}))) AS hash, b AS label   FROM [sha3sum$query]"
    else:
        select = f"SELECT lower(hex(sha3_query(group_concat(a,''),{size}))) AS hash   FROM [sha3sum$query]"
    sql = f"WITH [sha3sum$query](a,b) AS({'VALUES(' + values if queries else ''})) {select}"
    if debug:
        shell.out.write(sql + "\n")
    else:
        show_query(shell, sql)
    if not _sha3_text_check(shell, pattern, debug):
        shell.error(".sha3sum failed.")
        return 1
    return 0


@command(
    "diskused",
    "diskused ?SCHEMA?",
    "Report database space and size stats",
    safe=True,
    prefix=8,
    arguments=("database",),
)
def _diskused(shell: Shell, args: list[str]) -> int:
    schema: str | None = None
    for index, word in enumerate(args[1:], 1):
        if word[:1] == "-":
            return shell.dot_error(index, "unknown option")
        if schema is not None:
            return shell.dot_error(index, "unknown argument")
        schema = word
    shell.session.builtins.load_mentioned("diskused")
    settings = shell.settings.copy()
    modes.change(settings, "batch")
    show_query(shell, f"SELECT diskused({'NULL' if schema is None else sql_text(schema)})", settings)
    return 0


_SHOWN = bytes(c if 32 <= c <= 126 and chr(c) not in '{}"\\' else ord(".") for c in range(256))


@command("dbtotxt", "dbtotxt", "Hex dump of the database file", safe=True, prefix=3)
def _dbtotxt(shell: Shell, args: list[str]) -> int:
    conn = shell.session.connection
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        files = conn.execute("PRAGMA database_list").fetchall()
        image = conn.serialize("main")
    except apsw.Error as exc:
        shell.error(f"ERROR: {sqlite_message(exc)}")
        return 1
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1) or pages < 1 or image is None:
        return 1
    path = (files[0][2] if files else "") or "unk.db"
    slash = path.rfind("/")
    name = path[slash + 1 :] if slash >= 0 and path[slash + 1 :] else path
    out = shell.out
    out.write(f"| size {pages * page_size} pagesize {page_size} filename {name}\n")
    for number in range(1, pages + 1):
        page = image[(number - 1) * page_size : number * page_size]
        labelled = False
        for at in range(0, len(page), 16):
            line = page[at : at + 16]
            if not any(line):
                continue
            if not labelled:
                out.write(f"| page {number} offset {(number - 1) * page_size}\n")
                labelled = True
            hexed = " ".join(f"{b:02x}" for b in line)
            out.write(f"|  {at:5d}: {hexed}   {line.translate(_SHOWN).decode('ascii')}\n")
    out.write(f"| end {name}\n")
    return 0


# -- .lint --------------------------------------------------------------------------

# One row per foreign key of the main database: the query the key's checks run (to be
# explained), the plan an index would give it, the child and parent as text, the CREATE INDEX
# that would serve it, and the parent's name (sqlite3's own query).
_FKEY_QUERY = (
    "SELECT "
    "     'EXPLAIN QUERY PLAN SELECT 1 FROM ' || quote(s.name) || ' WHERE '"
    "  || group_concat(quote(s.name) || '.' || quote(f.[from]) || '=?' "
    "  || fkey_collate_clause("
    "       f.[table], COALESCE(f.[to], p.[name]), s.name, f.[from]),' AND ')"
    ", "
    "     'SEARCH ' || s.name || ' USING COVERING INDEX*('"
    "  || group_concat('*=?', ' AND ') || ')'"
    ", "
    "     s.name  || '(' || group_concat(f.[from],  ', ') || ')'"
    ", "
    "     f.[table] || '(' || group_concat(COALESCE(f.[to], p.[name])) || ')'"
    ", "
    "     'CREATE INDEX ' || quote(s.name ||'_'|| group_concat(f.[from], '_'))"
    "  || ' ON ' || quote(s.name) || '('"
    "  || group_concat(quote(f.[from]) ||"
    "        fkey_collate_clause("
    "          f.[table], COALESCE(f.[to], p.[name]), s.name, f.[from]), ', ')"
    "  || ');'"
    ", "
    "     f.[table] "
    "FROM sqlite_schema AS s, pragma_foreign_key_list(s.name) AS f "
    "LEFT JOIN pragma_table_info AS p ON (pk-1=seq AND p.arg=f.[table]) "
    "GROUP BY s.name, f.id "
    "ORDER BY (CASE WHEN ? THEN f.[table] ELSE s.name END)"
)
_INTEGER_KEY_PLAN = "SEARCH * USING INTEGER PRIMARY KEY (rowid=?)"


def _collate_clause(conn: apsw.Connection) -> Callable[..., str]:
    """fkey_collate_clause(parent, parent column, child, child column): " COLLATE X" when the
    parent's column compares by another collation than the child's, else ""."""

    def clause(parent: Any, parent_column: Any, child: Any, child_column: Any) -> str:
        try:
            wanted = conn.column_metadata("main", str(parent), str(parent_column))[1]
            have = conn.column_metadata("main", str(child), str(child_column))[1]
        except (apsw.Error, TypeError):
            return ""
        return f" COLLATE {wanted}" if wanted.lower() != have.lower() else ""

    return clause


def _lint_fkey_indexes(shell: Shell, args: list[str]) -> None:
    """Foreign keys whose child columns no index serves, with the index that would."""
    verbose = by_parent = False
    for word in args[2:]:
        typed = word.lower()
        if len(word) > 1 and "-verbose".startswith(typed):
            verbose = True
        elif len(word) > 1 and "-groupbyparent".startswith(typed):
            by_parent = True
        else:
            shell.error(f"Usage: {args[0]} {args[1]} ?-verbose? ?-groupbyparent?")
            return
    indent = "    " if by_parent else ""
    conn = shell.session.connection
    conn.create_scalar_function("fkey_collate_clause", _collate_clause(conn), 4)
    out = shell.out
    previous: str | None = None
    try:
        rows = conn.execute(_FKEY_QUERY, (int(by_parent),)).fetchall()
        for explain, pattern, child, target, create, parent in rows:
            if explain is None or pattern is None:
                continue
            plan = conn.execute(explain, (None,) * explain.count("=?")).fetchone()
            detail = plan[3] if plan else None
            if detail is None:
                shell.error("Error: internal error")  # (sqlite3 ends this one without a newline)
                return
            served = apsw.strglob(pattern, detail) == 0 or apsw.strglob(_INTEGER_KEY_PLAN, detail) == 0
            if (
                by_parent
                and (verbose or not served)
                and (previous is None or parent.lower() != previous.lower())
            ):
                out.write(f"-- Parent table {parent}\n")
                previous = parent
            shown = "(null)" if target is None else target  # as C's printf writes NULL
            if not served:
                out.write(f"{indent}{create} --> {shown}\n")
            elif verbose:
                out.write(f"{indent}/* no extra indexes required for {child} -> {shown} */\n")
    except apsw.Error as exc:
        shell.error(sqlite_message(exc))


@command(
    "lint",
    "lint OPTIONS",
    "Report potential schema issues.",
    safe=True,
    prefix=3,
    details=(
        "     Options:",
        "        fkey-indexes     Find missing foreign key indexes",
    ),
    arguments=("words",),
    words=("fkey-indexes",),
)
def _lint(shell: Shell, args: list[str]) -> int:
    typed = args[1].lower() if len(args) >= 2 else ""
    if not typed or not "fkey-indexes".startswith(typed):
        shell.error(f"Usage {args[0]} sub-command ?switches...?\nWhere sub-commands are:\n    fkey-indexes")
        return 0  # (sqlite3's exit status does not change)
    _lint_fkey_indexes(shell, args)
    return 0


# -- .imposter ----------------------------------------------------------------------


def _imposter_columns(conn: apsw.Connection, index: str, without_rowid: bool) -> tuple[str, int] | None:
    """The imposter's column list, as sqlite3 names them (a rowid ``_ROWID_``, an expression
    ``exprN``), and how much of it is the key; None if ``index`` has no columns."""
    columns: list[str] = []
    key = 0
    try:
        rows = conn.execute(f"PRAGMA index_xinfo={sql_text(index)}").fetchall()
    except apsw.Error:
        return None
    for number, (_, cid, name, _, _, in_key) in enumerate(rows, 1):
        if name is None:
            name = "_ROWID_" if cid == -1 else f"expr{number}"
        if without_rowid and not key and in_key == 0 and columns:
            key = len(",".join(columns))
        columns.append('"' + name.replace('"', '""') + '"')
    if not columns:
        return None
    listed = ",".join(columns)
    return listed, key or len(listed)


@command(
    "imposter",
    "imposter INDEX TABLE",
    "Create imposter table TABLE on index INDEX",
    safe=True,
    arguments=("words",),
)
def _imposter(shell: Shell, args: list[str]) -> int:
    if not (len(args) == 3 or (len(args) == 2 and args[1].lower() == "off")):
        shell.error("Usage: .imposter INDEX IMPOSTER\n       .imposter off")
        return 1
    conn = shell.session.connection
    if len(args) == 2:
        native.imposter(conn, "main", 0, 1)
        return 0
    index, name = args[1], args[2]
    try:
        found = conn.execute(
            "SELECT rootpage, 0 FROM sqlite_schema WHERE type='index' AND lower(name)=lower(?1) "
            "UNION ALL SELECT rootpage, 1 FROM sqlite_schema WHERE type='table' AND lower(name)=lower(?1)"
            "   AND sql LIKE '%without%rowid%'",
            (index,),
        ).fetchone()
    except apsw.Error:  # (a file that is not a database: no index in it)
        found = None
    root, without_rowid = (found[0] or 0, bool(found[1])) if found else (0, False)
    columns = _imposter_columns(conn, index, without_rowid)
    if columns is None or not root:
        shell.error(f'no such index: "{index}"')
        return 1
    listed, key = columns
    quoted = '"' + name.replace('"', '""') + '"'
    sql = f"CREATE TABLE {quoted}({listed},PRIMARY KEY({listed[:key]}))WITHOUT ROWID"
    rc = native.imposter(conn, "main", 2, int(root))
    if rc is None:
        shell.error("Error: .imposter needs wasmshell's C part, which is not built here")
        return 1
    if rc != 0:
        shell.error(f"SQLITE_TESTCTRL_IMPOSTER returns {rc}")
        return 1
    try:
        conn.execute(sql)
    except apsw.Error as exc:
        shell.error(f"Error in [{sql}]: {sqlite_message(exc)}")
    else:
        shell.stdout.write(f"{sql};\n")
    finally:
        native.imposter(conn, "main", 0, 0)
    return 0
