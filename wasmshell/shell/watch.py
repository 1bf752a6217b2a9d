"""What the shell shows of a statement besides its rows, as sqlite3 3.54 does: the query
plan before it (.eqp), statistics after it (.stats, .scanstats), and whether EXPLAIN
has its own layout (.explain).

``Watch`` holds those settings; the statement runner (state.py) calls ``before``
once SQLite has prepared a statement and ``after`` once its rows are written,
and only while ``active`` is true, so a shell with everything off pays nothing.
The commands that change the settings are in commands/plans.py; the pretty
(interactive) view of plans and statistics is output/insight.py.
"""

from __future__ import annotations

import os

import apsw

from ..engine import native
from ..lean import TYPE_CHECKING
from .output.base import OutputSettings

if TYPE_CHECKING:
    from typing import Any, TextIO

    from .state import Shell

# .eqp's settings (sqlite3's AUTOEQP_*), by the names .show gives them
EQP_NAMES = ("off", "on", "trigger", "full")
EQP_OFF, EQP_ON, EQP_TRIGGER, EQP_FULL = range(4)

# What .stats shows, sqlite3 3.54's CLISTAT_* bits
VMSTEP, STMT, MEM, XSTMT, XMEM, IO, ZIPVFS, RESET = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80
STATS_ON = VMSTEP | STMT | MEM | XMEM
STATS_ALL = 0x7F

# .scanstats's settings: off, on, est, vm. SQLite's statement scan counters
# (SQLITE_ENABLE_STMT_SCANSTATUS) and its bytecode table are not in the SQLite
# that APSW ships, nor in its sqlite3: each statement then fails as there.
SCANSTATS_VM = 3
SCANSTATS_MISSING = "not available in this build"


def stats_setting(bits: int) -> str:
    """The .stats setting as .show names it (sqlite3 3.54): "off", or words such as "on reset"."""
    if not bits:
        return "off"
    words = []
    if bits & STATS_ALL == STATS_ALL:
        words.append("all")
        bits &= ~STATS_ALL
    if bits & STATS_ON == STATS_ON:
        words.append("on")
        bits &= ~STATS_ON
    if bits & XSTMT:
        words.append("xstmt")
    elif bits & STMT:
        words.append("stmt")
    elif bits & VMSTEP:
        words.append("vmstep")
    if bits & XMEM:
        words.append("xmem")
    elif bits & MEM:
        words.append("mem")
    words += [name for bit, name in ((IO, "io"), (ZIPVFS, "zipvfs"), (RESET, "reset")) if bits & bit]
    return " ".join(words)


class StatsFailed(Exception):
    """.scanstats could not show a statement's counters: the statement counts as failed,
    reported as sqlite3 reports it ("Runtime error near line N: ...")."""

    kind = "Runtime error"


class Watch:
    """The settings of .eqp, .explain, .stats and .scanstats, and the statement being run."""

    __slots__ = ("columns", "eqp", "explain", "scanstats", "sql", "stats")

    def __init__(self) -> None:
        self.eqp = EQP_OFF
        self.explain = True  # .explain auto: EXPLAIN has its own layout whatever the mode
        self.stats = 0  # STATS bits
        self.scanstats = 0
        self.sql: str | None = None  # the statement prepared last (None: none since the last after())
        self.columns: Any = ()  # its names and declared types, for .stats xstmt

    @property
    def active(self) -> bool:
        """Whether anything is shown around statements (the runner's hooks run only then)."""
        return bool(self.eqp or self.stats or self.scanstats)

    def before(self, shell: Shell, cursor: apsw.Cursor, sql: str) -> None:
        """A statement was prepared and is about to run: show its plan (.eqp), start its counters."""
        try:
            explain = cursor.is_explain
        except apsw.Error:  # a statement of the Wasm dialect, which the engine runs itself
            self.sql = None
            return
        self.sql = sql
        if self.eqp and not shell.dot_running and not explain:
            show_plan(shell, sql, self.eqp)
        if self.stats & (VMSTEP | STMT):
            native.statement_status(shell.session.connection, sql, reset=True)
        if self.stats & XSTMT:
            try:
                self.columns = cursor.get_description()
            except apsw.Error:
                self.columns = ()

    def after(self, shell: Shell, failed: bool) -> None:
        """The statement prepared last has ended (``failed``: with an error): show its statistics.

        Raises StatsFailed when .scanstats makes a statement that ran well fail.
        """
        sql, self.sql = self.sql, None
        if sql is None:
            return
        if self.stats:
            show_stats(shell, self.stats, sql, self.columns)
        if self.scanstats:
            missing = "no such table: bytecode" if self.scanstats == SCANSTATS_VM else SCANSTATS_MISSING
            shell.error(f"Stats query failed: {missing}")
            if not failed:
                raise StatsFailed("not an error" if self.scanstats != SCANSTATS_VM else missing)


def show_plan(shell: Shell, sql: str, eqp: int) -> None:
    """Write the statement's query plan (and its bytecode with .eqp full), before its rows."""
    conn = shell.session.connection
    trigger = eqp >= EQP_TRIGGER
    was = conn.config(apsw.SQLITE_DBCONFIG_TRIGGER_EQP, -1) if trigger else 1
    if not was:
        conn.config(apsw.SQLITE_DBCONFIG_TRIGGER_EQP, 1)
    try:
        listings = native.explain_rows(conn, sql, eqp >= EQP_FULL)
        if listings is None:  # without the C part: the same, from EXPLAIN statements
            listings = _explain_by_sql(conn, sql, eqp >= EQP_FULL)
    finally:
        if not was:
            conn.config(apsw.SQLITE_DBCONFIG_TRIGGER_EQP, 0)
    if listings is None:
        return  # as sqlite3, which shows nothing of a plan it cannot make
    plan, program = listings
    if shell.settings.mode == "pretty":
        from .output.insight import write_plan_tree

        write_plan_tree(shell.out, plan)
    else:
        _write_listing(shell, 2, ["id", "parent", "notused", "detail"], plan)
    if program is not None:
        _write_listing(shell, 1, _EXPLAIN_COLUMNS, program)


def _explain_by_sql(conn: apsw.Connection, sql: str, full: bool) -> tuple[list[Any], list[Any] | None] | None:
    """The plan (and bytecode) of ``sql`` from EXPLAIN QUERY PLAN and EXPLAIN statements."""
    try:
        plan = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
        return plan, conn.execute("EXPLAIN " + sql).fetchall() if full else None
    except apsw.Error:
        return None


def _write_listing(shell: Shell, kind: int, columns: list[str], rows: list[Any]) -> None:
    """Rows of EXPLAIN QUERY PLAN (``kind`` 2) or EXPLAIN (1) in sqlite3's layout for them."""
    from .output.render import renderer_for

    renderer = renderer_for(shell.out, shell.settings if kind == 1 else _PLAIN, kind)
    renderer.start(columns)
    for row in rows:
        renderer.row(row)
    renderer.finish()


_EXPLAIN_COLUMNS = ["addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"]
_PLAIN = OutputSettings()  # the plan's tree is drawn the same in every mode


def stats_lines(shell: Shell, bits: int, sql: str | None, columns: Any = ()) -> list[tuple[str, str]]:
    """What .stats shows, as (label, value) pairs in sqlite3 3.54's order (write_stats writes
    them in its layout)."""
    lines: list[tuple[str, str]] = []
    reset = bool(bits & RESET)
    counters = None
    if sql is not None and bits & (VMSTEP | STMT):
        counters = native.statement_status(shell.session.connection, sql)
    if sql is not None and bits & XSTMT:
        lines.append(("Number of output columns:", str(len(columns))))
        for i, (name, decltype) in enumerate(columns):
            lines.append((f"Column {i} name:", name))
            lines.append((f"Column {i} declared type:", "(null)" if decltype is None else decltype))
    if counters is not None and bits & VMSTEP:
        lines.append((_STEPS, str(counters[0])))
    if bits & MEM:
        lines += _memory_lines(reset)
    if bits & XMEM:
        lines += _extra_memory_lines(shell.session.connection, reset)
    if counters is not None and bits & STMT:
        lines += _statement_lines(counters)
    if bits & IO:
        lines += _io_lines()
    return lines


def _memory_lines(reset: bool) -> list[tuple[str, str]]:
    used = apsw.status(apsw.SQLITE_STATUS_MEMORY_USED, reset)
    count = apsw.status(apsw.SQLITE_STATUS_MALLOC_COUNT, reset)
    return [
        ("Memory Used:", f"{used[0]} (max {used[1]}) bytes"),
        ("Number of Outstanding Allocations:", f"{count[0]} (max {count[1]})"),
    ]


def _extra_memory_lines(conn: apsw.Connection, reset: bool) -> list[tuple[str, str]]:
    overflow = apsw.status(apsw.SQLITE_STATUS_PAGECACHE_OVERFLOW, reset)
    lines = [
        ("Number of Pcache Overflow Bytes:", f"{overflow[0]} (max {overflow[1]}) bytes"),
        ("Largest Allocation:", f"{apsw.status(apsw.SQLITE_STATUS_MALLOC_SIZE, reset)[1]} bytes"),
        ("Largest Pcache Allocation:", f"{apsw.status(apsw.SQLITE_STATUS_PAGECACHE_SIZE, reset)[1]} bytes"),
    ]

    def db(op: int, reset: bool = reset) -> tuple[int, int]:
        return conn.status(op, reset)

    slots = db(apsw.SQLITE_DBSTATUS_LOOKASIDE_USED)
    spill = db(apsw.SQLITE_DBSTATUS_TEMPBUF_SPILL, False)[0]
    lines += [
        ("Lookaside Slots Used:", f"{slots[0]} (max {slots[1]})"),
        ("Successful lookaside attempts:", str(db(apsw.SQLITE_DBSTATUS_LOOKASIDE_HIT)[1])),
        ("Lookaside failures due to size:", str(db(apsw.SQLITE_DBSTATUS_LOOKASIDE_MISS_SIZE)[1])),
        ("Lookaside failures due to OOM:", str(db(apsw.SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL)[1])),
        ("Pager Heap Usage:", f"{db(apsw.SQLITE_DBSTATUS_CACHE_USED)[0]} bytes"),
        # sqlite3 always resets these page counters as it shows them
        ("Page cache hits:", str(db(apsw.SQLITE_DBSTATUS_CACHE_HIT, True)[0])),
        ("Page cache misses:", str(db(apsw.SQLITE_DBSTATUS_CACHE_MISS, True)[0])),
        ("Page cache writes:", str(db(apsw.SQLITE_DBSTATUS_CACHE_WRITE, True)[0])),
        ("Page cache spills:", str(db(apsw.SQLITE_DBSTATUS_CACHE_SPILL, True)[0])),
        ("Temporary data spilled to disk:", str(spill)),
    ]
    db(apsw.SQLITE_DBSTATUS_TEMPBUF_SPILL, True)
    lines += [
        ("Schema Heap Usage:", f"{db(apsw.SQLITE_DBSTATUS_SCHEMA_USED)[0]} bytes"),
        ("Statement Heap/Lookaside Usage:", f"{db(apsw.SQLITE_DBSTATUS_STMT_USED)[0]} bytes"),
    ]
    return lines


def _statement_lines(counters: tuple[int, ...]) -> list[tuple[str, str]]:
    _steps, fullscan, sorts, autoindex, hit, miss, reprepares, runs, memory = counters
    lines = [
        ("Fullscan Steps:", str(fullscan)),
        ("Sort Operations:", str(sorts)),
        ("Autoindex Inserts:", str(autoindex)),
    ]
    if hit or miss:
        lines.append(("Bloom filter bypass taken:", f"{hit}/{hit + miss}"))
    lines += [
        ("Reprepare operations:", str(reprepares)),
        ("Number of times run:", str(runs)),
        ("Memory used by prepared stmt:", str(memory)),
    ]
    return lines


_IO_LABELS = {
    "rchar": "Bytes received by read():",
    "wchar": "Bytes sent to write():",
    "syscr": "Read() system calls:",
    "syscw": "Write() system calls:",
    "read_bytes": "Bytes read from storage:",
    "write_bytes": "Bytes written to storage:",
    "cancelled_write_bytes": "Cancelled write bytes:",
}


def _io_lines() -> list[tuple[str, str]]:
    """The process's I/O counters as Linux tells them (nothing elsewhere)."""
    try:
        with open(f"/proc/{os.getpid()}/io", encoding="ascii") as f:
            text = f.read()
    except OSError:
        return []
    lines = []
    for line in text.splitlines():
        name, _, value = line.partition(": ")
        if name in _IO_LABELS:
            lines.append((_IO_LABELS[name], value))
    return lines


def show_stats(shell: Shell, bits: int, sql: str | None, columns: Any = ()) -> None:
    """Write what .stats shows: sqlite3's lines in batch modes, a small table in the table view."""
    lines = stats_lines(shell, bits, sql, columns)
    if shell.settings.mode == "pretty":
        from .output.insight import write_stats_table

        write_stats_table(shell.out, lines)
    else:
        write_stats(shell.out, lines)


_STEPS = "VM-steps:"  # the one line sqlite3 does not pad


def write_stats(out: TextIO, lines: list[tuple[str, str]]) -> None:
    """sqlite3's layout of statistics: the label padded to 36 columns, then the value."""
    out.write(
        "".join(
            f"{label} {value}\n" if label == "VM-steps:" else f"{label:<36} {value}\n"
            for label, value in lines
        )
    )
