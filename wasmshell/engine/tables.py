"""Table-valued functions written in Wasm, registered as eponymous APSW virtual tables.

A module exporting ``NAME_columns``, ``NAME_open`` and ``NAME_next`` (and
optionally ``NAME_close``) has a table-valued function NAME:

- ``NAME_columns() -> i32``: a pointer to a tagged TEXT declaring the columns,
  ``"word TEXT, pos INTEGER"``; columns marked ``HIDDEN`` are the arguments,
  as many as ``NAME_open`` takes (without any, they are ``arg1``, ``arg2``...).
- ``NAME_open(args...) -> state``: the arguments as a scalar's (i64, f64, i32
  TEXT/BLOB/NULL pointers); the state (i32 or i64) is opaque to the host.
- ``NAME_next(state) -> i32``: a pointer to the next batch of rows, or 0 at the end:
  ``[u32 rows][u32 bytes]`` (little-endian) then ``bytes`` bytes of rows, each
  row one tagged value per column (``ROW_TAGS``). A batch of no rows ends too.
  The host copies a batch at once: the guest may reuse its buffer.
- ``NAME_close(state)``: optional, when the host is done with a state.

Rows are streamed one batch at a time (at most ``MAX_BATCH_ROWS`` rows and
``MAX_BATCH_BYTES`` bytes), never gathered whole. While a cursor is open, its
instance is not replaced for growing (a trap still replaces it; the cursor
then fails with a clear error instead of reading a stale state).
"""

from __future__ import annotations

import struct

import apsw

from ..lean import TYPE_CHECKING, Record
from ..sqltext import LazyPattern
from .errors import ArgumentError, ModuleError, ResultError
from .portability import Portability, check

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from .runtime import CompiledModule, Instance

PARTS = ("columns", "open", "next", "close")
TABLE_ARITY = -2  # what a registered table-valued function's entry counts as registered with
MAX_COLUMNS = 100
MAX_ARGUMENTS = 31  # a plan says which arguments it gives in idxNum, a C int
MAX_BATCH_ROWS = 65536
MAX_BATCH_BYTES = 16 << 20
# Row value tags: SQLite's own type codes (libSQL's 3, 4 and 5, plus numbers in the row layout).
TAG_INTEGER, TAG_REAL, TAG_TEXT, TAG_BLOB, TAG_NULL = 1, 2, 3, 4, 5
ROW_TAGS = {
    TAG_INTEGER: "INTEGER: 8 bytes, little-endian two's complement",
    TAG_REAL: "REAL: 8 bytes, little-endian IEEE double (NaN is NULL)",
    TAG_TEXT: "TEXT: UTF-8 bytes, then a 0 byte",
    TAG_BLOB: "BLOB: length as a big-endian u32 (as libSQL's), then the bytes",
    TAG_NULL: "NULL: nothing more",
}
_TYPES = {"", "INTEGER", "INT", "REAL", "TEXT", "BLOB", "ANY", "NUMERIC"}
_IDENT = LazyPattern(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_Q = struct.Struct("<q")
_D = struct.Struct("<d")
_HEAD = struct.Struct("<II")


def table_names(exports: Iterable[str]) -> list[str]:
    """The table-valued functions a module's exports make (``NAME_open`` with ``_next`` and ``_columns``)."""
    names = set(exports)
    return sorted(
        e[:-5]
        for e in names
        if e.endswith("_open") and len(e) > 5 and {f"{e[:-5]}_next", f"{e[:-5]}_columns"} <= names
    )


def table_parts(name: str, exports: Iterable[str]) -> set[str]:
    """The exports that belong to table-valued function ``name`` (never registered as scalars)."""
    return {f"{name}_{part}" for part in PARTS} & set(exports)


def find_table(compiled: CompiledModule, name: str) -> str | None:
    """The export prefix of the table-valued function ``name`` (case-insensitive, as scalars), or None."""
    matches = [t for t in table_names(compiled.exports) if t == name] or [
        t for t in table_names(compiled.exports) if t.lower() == name.lower()
    ]
    return matches[0] if len(matches) == 1 else None


def may_be_table(name: str, body: str | bytes) -> bool:
    """Whether a module can hold a table-valued function ``name`` (cheap, before compiling)."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return f"{name}_open".lower().encode("utf-8") in raw.lower()


NO_DEFAULT: Any = object()  # an argument that must be given
# What may follow DEFAULT: a number, NULL, or a quoted text without a comma (commas part columns).
_LITERAL = LazyPattern(r"(?i)[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?\Z|NULL\Z|'(?:[^']|'')*'\Z")
# The first DEFAULT word of a column: no nested repetition, so a hostile declaration of
# thousands of spaces is searched in linear time.
_DEFAULT = LazyPattern(r"(?i)\sDEFAULT\s")
MAX_DECLARATION = 1 << 16  # characters of a NAME_columns declaration


class Column(Record):
    """A declared column: its name, type, whether it is an argument (hidden), and an argument's
    value when the call leaves it out (``DEFAULT``)."""

    name: str
    type: str
    hidden: bool
    default: Any = NO_DEFAULT


def _literal(text: str) -> Any:
    """The value of a DEFAULT: an int, a float, None, or a str."""
    if text.upper() == "NULL":
        return None
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    try:
        return int(text)
    except ValueError:
        return float(text)


def _column(name: str, part: str) -> Column:
    """One column of a declaration: ``name [TYPE] [HIDDEN [DEFAULT literal]]``."""
    default = NO_DEFAULT
    found = _DEFAULT.search(part)
    if found is not None and _LITERAL.match(part[found.end() :].strip()):
        part, default = part[: found.start()], _literal(part[found.end() :].strip())
    words = part.split()
    hidden = bool(words) and words[-1].upper() == "HIDDEN"
    if hidden:
        words.pop()
    if (
        not words
        or not _IDENT.match(words[0])
        or " ".join(words[1:]).upper() not in _TYPES
        or (found is not None and not hidden)
    ):
        raise ModuleError(
            f"wasm table function {name}: bad column declaration {part.strip()[:60]!r} "
            "(expected: name [INTEGER|REAL|TEXT|BLOB|ANY|NUMERIC] [HIDDEN [DEFAULT value]])"
        )
    return Column(words[0], " ".join(words[1:]).upper(), hidden, default)


def parse_columns(name: str, text: Any, nargs: int) -> list[Column]:
    """The columns a ``NAME_columns`` declaration gives, arguments (hidden) last; ModuleError if malformed."""
    if not isinstance(text, str) or not text.strip():
        raise ModuleError(
            f"wasm table function {name}: {name}_columns must return a TEXT declaring its columns"
        )
    if len(text) > MAX_DECLARATION or text.count(",") >= MAX_COLUMNS:
        raise ModuleError(
            f"wasm table function {name}: more than {MAX_COLUMNS} columns or {MAX_DECLARATION:,} characters"
        )
    columns = [_column(name, part) for part in text.split(",")]
    hidden_count = sum(c.hidden for c in columns)
    if hidden_count == 0:
        taken = {c.name.lower() for c in columns}
        columns += [Column(f"arg{k}", "", True) for k in range(1, nargs + 1) if f"arg{k}" not in taken]
    if sum(c.hidden for c in columns) != nargs:
        raise ModuleError(
            f"wasm table function {name}: {hidden_count} HIDDEN column(s) declared, "
            f"but {name}_open takes {nargs} argument(s)"
        )
    if len({c.name.lower() for c in columns}) != len(columns):
        raise ModuleError(f"wasm table function {name}: two columns have the same name")
    if all(c.hidden for c in columns):
        raise ModuleError(f"wasm table function {name}: it declares no columns besides its arguments")
    return [c for c in columns if not c.hidden] + [c for c in columns if c.hidden]


def schema(columns: list[Column]) -> str:
    """The CREATE TABLE statement SQLite is given for the virtual table."""
    parts = [
        f'"{c.name}"' + (f" {c.type}" if c.type else "") + (" HIDDEN" if c.hidden else "") for c in columns
    ]
    return f"CREATE TABLE x({', '.join(parts)})"


def parse_batch(data: bytes, count: int, ncols: int, label: str) -> list[tuple[Any, ...]]:
    """The rows of one batch; ResultError naming the row and column for anything malformed."""
    rows: list[tuple[Any, ...]] = []
    add = rows.append
    q, d, find = _Q.unpack_from, _D.unpack_from, data.index
    at, end = 0, len(data)
    columns = range(ncols)
    row: list[Any] = []
    try:
        for _ in range(count):
            row = []
            put = row.append
            for _ in columns:
                tag = data[at]
                if tag == TAG_TEXT:
                    stop = find(0, at + 1)
                    put(data[at + 1 : stop].decode("utf-8"))
                    at = stop + 1
                elif tag == TAG_INTEGER:
                    put(q(data, at + 1)[0])
                    at += 9
                elif tag == TAG_REAL:
                    value = d(data, at + 1)[0]
                    put(None if value != value else value)
                    at += 9
                elif tag == TAG_NULL:
                    put(None)
                    at += 1
                elif tag == TAG_BLOB:
                    length = int.from_bytes(data[at + 1 : at + 5], "big")
                    if at + 5 + length > end:
                        raise IndexError
                    put(data[at + 5 : at + 5 + length])
                    at += 5 + length
                else:
                    raise ResultError(
                        f"wasm function {label}: malformed value type byte {tag} in row "
                        f"{len(rows) + 1}, column {len(row) + 1}"
                    )
            add(tuple(row))
    except (IndexError, ValueError, struct.error) as exc:
        what = (
            "is not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else "runs past the end of its batch"
        )
        raise ResultError(
            f"wasm function {label}: row {len(rows) + 1}, column {len(row) + 1} {what}"
        ) from None
    if at != end:
        raise ResultError(f"wasm function {label}: the batch says {end} bytes, its rows take {at}")
    return rows


class TableFunction:
    """A Wasm table-valued function bound to an instance: open, read batches, close."""

    def __init__(self, name: str, prefix: str, instance: Instance) -> None:
        from .abi import bind_raw

        self.name = name
        self.instance = instance
        compiled = instance.compiled
        if not compiled.has_memory:
            raise ModuleError(
                f"wasm table function {name}: the module must export its memory (rows are read from it)"
            )
        exports = compiled.exports
        opened, nexts = exports[f"{prefix}_open"], exports[f"{prefix}_next"]
        state = opened.results
        if len(state) != 1 or state[0] not in ("i32", "i64"):
            raise ModuleError(
                f"wasm table function {name}: {prefix}_open must return one i32 or i64 (the state)"
            )
        if nexts.params != state or nexts.results != ("i32",):
            raise ModuleError(
                f"wasm table function {name}: {prefix}_next must take the state ({state[0]}) and return i32"
            )
        closes = exports.get(f"{prefix}_close")
        if closes is not None and closes.params != state:
            raise ModuleError(f"wasm table function {name}: {prefix}_close must take the state ({state[0]})")
        columns_sig = exports[f"{prefix}_columns"]
        if columns_sig.params or columns_sig.results != ("i32",):
            raise ModuleError(
                f"wasm table function {name}: {prefix}_columns must take nothing and return i32"
            )
        self.nargs = len(opened.params)
        if self.nargs > MAX_ARGUMENTS:
            raise ModuleError(
                f"wasm table function {name}: {prefix}_open takes {self.nargs} arguments, more than the "
                f"{MAX_ARGUMENTS} a table-valued function may have (SQLite plans them in a 32-bit mask)"
            )
        self._open = bind_raw(instance, f"{prefix}_open", f"{name} (open)")
        self._next = bind_raw(instance, f"{prefix}_next", f"{name} (next)", raw_params=True)
        self._close = (
            bind_raw(instance, f"{prefix}_close", f"{name} (close)", raw_params=True) if closes else None
        )
        pointer = bind_raw(instance, f"{prefix}_columns", f"{name} (columns)")()
        self.columns = parse_columns(
            name, instance.get(pointer & 0xFFFFFFFF, f"{name} (columns)"), self.nargs
        )
        self.visible = sum(not c.hidden for c in self.columns)
        self.defaults = [c.default for c in self.columns if c.hidden]
        self.least = sum(d is NO_DEFAULT for d in self.defaults)  # arguments that must be given
        self.calls = 0
        self.errors = 0

    @property
    def signature(self) -> str:
        """``name(ARG, ...) -> TABLE(col TYPE, ...)`` as ``.funcs`` shows it."""
        args = ", ".join(
            c.name
            + (f" {c.type}" if c.type else "")
            + ("" if c.default is NO_DEFAULT else f" DEFAULT {c.default!r}")
            for c in self.columns
            if c.hidden
        )
        cols = ", ".join(c.name + (f" {c.type}" if c.type else "") for c in self.columns if not c.hidden)
        return f"{self.name}({args}) -> TABLE({cols})"

    def open(self, args: tuple[Any, ...]) -> tuple[Any, int] | None:
        """A new state for ``args`` and the instance's store it lives in; None for no rows (a NULL number)."""
        instance = self.instance
        if not instance.pins:
            instance.maintain()  # no state lives in the instance: it may be replaced if it grew
        self.calls += 1
        state = self._counted(self._open, *args)
        return None if state is None else (state, instance.starts)

    def batch(self, handle: tuple[Any, int]) -> list[tuple[Any, ...]]:
        """The next rows of an open state (empty at the end)."""
        got = self.batch_bytes(handle)
        return [] if got is None else self.parse(*got)

    def parse(self, count: int, data: bytes) -> list[tuple[Any, ...]]:
        """The rows of a batch of ``batch_bytes`` (ResultError for a malformed one)."""
        return parse_batch(data, count, self.visible, f"{self.name} (next)")

    def batch_bytes(self, handle: tuple[Any, int]) -> tuple[int, bytes] | None:
        """The next batch of an open state as its row count and bytes, copied out of linear memory;
        None at the end (a batch of no rows is the end too)."""
        state, starts = handle
        instance = self.instance
        if instance.starts != starts or not instance.live:
            self.errors += 1
            raise ResultError(
                f"wasm function {self.name} (next): the instance was restarted during the scan "
                "(a call of the same module failed), its cursor is gone"
            )
        label = f"{self.name} (next)"
        pointer = self._counted(self._next, state) & 0xFFFFFFFF
        if pointer == 0:
            return None
        if not instance._in_bounds(pointer, 8):
            raise ResultError(f"wasm function {label}: batch pointer {pointer} is outside linear memory")
        count, size = _HEAD.unpack_from(instance.mem, pointer)
        if count > MAX_BATCH_ROWS or size > MAX_BATCH_BYTES:
            raise ResultError(
                f"wasm function {label}: a batch of {count} rows and {size} bytes is over the limit of "
                f"{MAX_BATCH_ROWS} rows and {MAX_BATCH_BYTES >> 20} MiB"
            )
        if not instance._in_bounds(pointer + 8, size):
            raise ResultError(
                f"wasm function {label}: a batch of {size} bytes runs past the end of linear memory"
            )
        return count, bytes(instance.mem[pointer + 8 : pointer + 8 + size])

    def arguments(self, indexnum: int, given: Iterable[Any]) -> tuple[Any, ...]:
        """Every argument of a scan: those a plan gives (``indexnum``'s bits) and the defaults of the
        rest; ArgumentError if one without a default is missing."""
        values = iter(given)
        full = [next(values) if indexnum >> k & 1 else d for k, d in enumerate(self.defaults)]
        if any(value is NO_DEFAULT for value in full):
            count, most = bin(indexnum).count("1"), self.nargs
            takes = f"{self.least} to {most}" if self.least < most else str(most)
            raise ArgumentError(
                f"wasm table function {self.name} takes {takes} argument{'' if most == 1 else 's'}, "
                f"but {count} {'was' if count == 1 else 'were'} given"
            )
        return tuple(full)

    def pin(self, by: int) -> None:
        """A cursor holds (1) or lets go of (-1) a state in the instance, which is not replaced while
        any does."""
        instance = self.instance
        instance.pins += by
        if not instance.pins and instance.stale:
            instance.stale = True  # (STALE_NOW again, from STALE_HELD:) the next call may replace it

    def close(self, handle: tuple[Any, int]) -> None:
        """Give a state back to the guest, if it asks for that and its store is still the same."""
        state, starts = handle
        if self._close is not None and self.instance.starts == starts and self.instance.live:
            self._counted(self._close, state)

    def _counted(self, call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except Exception:
            self.errors += 1
            raise


class _Cursor:
    """One scan: the open state, the batch in hand and the position in it."""

    def __init__(self, table: _Table) -> None:
        self.table = table
        self.fn = table.fn
        self.handle: tuple[Any, int] | None = None
        self.args: tuple[Any, ...] = ()
        self.rows: list[tuple[Any, ...]] = []
        self.row: tuple[Any, ...] | None = None
        self.at = 0
        self.rowid = 0
        self.pinned = False

    def Filter(self, indexnum: int, _indexname: str, args: tuple[Any, ...]) -> None:
        self._release()
        fn = self.fn
        self.args, self.rows, self.row, self.at, self.rowid = fn.arguments(indexnum, args), [], None, 0, 0
        self.handle = fn.open(self.args)
        if self.handle is not None:
            fn.pin(1)
            self.pinned = True
            self._fill()

    def _fill(self) -> None:
        self.at = 0
        self.rows = self.fn.batch(self.handle) if self.handle is not None else []
        self.row = self.rows[0] if self.rows else None
        if not self.rows:
            self._release()

    def Eof(self) -> bool:
        return self.row is None

    def Next(self) -> None:
        self.at += 1
        self.rowid += 1
        try:
            self.row = self.rows[self.at]
        except IndexError:
            self._fill()

    def Rowid(self) -> int:
        return self.rowid

    def Column(self, number: int) -> Any:
        if number < 0:
            return self.rowid
        row = self.row
        assert row is not None  # SQLite reads columns only before Eof
        return row[number] if number < len(row) else self.args[number - len(row)]

    def Close(self) -> None:
        self._release()

    def _release(self) -> None:
        handle, self.handle = self.handle, None
        if self.pinned:
            self.pinned = False
            self.fn.pin(-1)
        if handle is not None:
            self.fn.close(handle)


class _Table:
    """The eponymous virtual table: plans that give every argument, cursors."""

    def __init__(self, fn: TableFunction) -> None:
        self.fn = fn

    def BestIndexObject(self, info: apsw.IndexInfo) -> bool:
        visible, given, waiting = self.fn.visible, {}, set()
        for k in range(info.nConstraint):
            column = info.get_aConstraint_iColumn(k)
            if column < visible or info.get_aConstraint_op(k) != apsw.SQLITE_INDEX_CONSTRAINT_EQ:
                continue
            if info.get_aConstraint_usable(k):
                given.setdefault(column - visible, k)
            else:
                waiting.add(column - visible)  # from a table not read yet in this join order
        mask = 0
        for index, position in enumerate(sorted(given), start=1):
            mask |= 1 << position
            info.set_aConstraintUsage_argvIndex(given[position], index)
            info.set_aConstraintUsage_omit(given[position], True)
        info.idxNum = mask
        # A plan runs when every argument is given or left out with a DEFAULT; one that would take
        # the default of an argument another table gives later would be wrong. A cost no other
        # plan reaches makes SQLite choose one that gives them all.
        missing = [k for k in range(self.fn.nargs) if not mask >> k & 1]
        runs = all(k not in waiting and self.fn.defaults[k] is not NO_DEFAULT for k in missing)
        info.estimatedCost = 1000.0 if runs else 1e300
        info.estimatedRows = 1000
        return True

    def Open(self) -> _Cursor:
        return _Cursor(self)

    def Disconnect(self) -> None:
        pass

    Destroy = Disconnect


class TableModule:
    """What APSW registers: the function is bound (and its columns asked) when SQLite first needs it."""

    def __init__(self, name: str, bind: Callable[[], TableFunction]) -> None:
        self.name = name
        self.bind = bind
        self.fn: TableFunction | None = None

    @property
    def libsql(self) -> Portability:
        """What libSQL would make of it: nothing, it has scalar functions only."""
        return check(self.name, self.name, (), (), True, kind="table")

    @property
    def columns_text(self) -> str:
        """The signature ``.loadwasm`` prints: ``name(arg TYPE) -> TABLE(col TYPE, ...)``."""
        if self.fn is None:
            self.fn = self.bind()
        return self.fn.signature

    def Connect(
        self, connection: Any, _module: str, _db: str, _table: str, *_args: Any
    ) -> tuple[str, _Table]:
        if self.fn is None:
            self.fn = self.bind()
        # Sandboxed, as every Wasm function is registered: views and triggers of a file may use
        # it with the schema untrusted (as the C table, _wasmtable.c, says too).
        connection.vtab_config(apsw.SQLITE_VTAB_INNOCUOUS)
        return schema(self.fn.columns), _Table(self.fn)

    def native(self) -> tuple[str, TableFunction, int, int, int]:
        """What the C module (native.create_table) needs when SQLite connects: the table's schema,
        the function, how many columns are not arguments, how many arguments, and which of them
        have a default (bit k: argument k)."""
        if self.fn is None:
            self.fn = self.bind()
        fn = self.fn
        defaults = sum(1 << k for k, d in enumerate(fn.defaults) if d is not NO_DEFAULT)
        return schema(fn.columns), fn, fn.visible, fn.nargs, defaults

    Create = Connect
