"""generate_series(START, STOP, STEP): the table-valued function of the sqlite3 shell, as 3.54 has it.

APSW's SQLite is built without it, so it is here, as an eponymous virtual table
(``CREATE TABLE x(value, start HIDDEN, stop HIDDEN, step HIDDEN)``; the rowid is
the value) whose rows are made one at a time, so a series of 2**63 values costs
no memory. What 3.54 does, point by point:

- START is needed, or a lower bound on ``value`` (``value >= 5``, ``value = 7``)
  in its place; else "first argument to "generate_series()" missing or unusable".
- STOP defaults to 4294967295 and STEP to 1; a STEP of 0 is 1; a negative STEP
  counts down from START. Each is taken as sqlite3_value_int64 takes it (``'7'``
  is 7, ``1.5`` is 1, ``'a'`` is 0); any NULL gives no rows.
- Bounds on ``value`` narrow the range (3.54 applies them itself: SQLite does
  not check them again), with a REAL bound rounded inward, and ``ORDER BY
  value`` is given in order without sorting.
- The hidden columns say what was used: START, STOP and STEP as given, with
  the defaults in their place.

SQLite applies LIMIT and OFFSET itself, and stops asking for rows after the
limit: a plan never takes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apsw

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
DEFAULT_STOP = 0xFFFFFFFF
NAME = "generate_series"
MISSING_START = 'first argument to "generate_series()" missing or unusable'

# The plan (idxNum) is a set of bits, as 3.54's: which arguments the cursor gets, in this order.
START, STOP, STEP = 0x1, 0x2, 0x4
DESCENDING, ASCENDING = 0x8, 0x10
VALUE_EQ, VALUE_GE, VALUE_GT, VALUE_LE, VALUE_LT = 0x80, 0x100, 0x200, 0x1000, 0x2000
LOWER = VALUE_EQ | VALUE_GE | VALUE_GT
UPPER = VALUE_EQ | VALUE_LE | VALUE_LT
_HIDDEN = {1: START, 2: STOP, 3: STEP}
_VALUE_OPS = {
    apsw.SQLITE_INDEX_CONSTRAINT_EQ: VALUE_EQ,
    apsw.SQLITE_INDEX_CONSTRAINT_IS: VALUE_EQ,
    apsw.SQLITE_INDEX_CONSTRAINT_GE: VALUE_GE,
    apsw.SQLITE_INDEX_CONSTRAINT_GT: VALUE_GT,
    apsw.SQLITE_INDEX_CONSTRAINT_LE: VALUE_LE,
    apsw.SQLITE_INDEX_CONSTRAINT_LT: VALUE_LT,
}

_converter: apsw.Connection | None = None


def _convert(value: Any, cast: str) -> Any:
    """``value`` (TEXT or a BLOB) as SQLite's CAST makes it: the conversion sqlite3_value_int64
    and sqlite3_value_numeric_type make, which Python has no twin of."""
    global _converter
    if _converter is None:
        _converter = apsw.Connection(":memory:")
    return _converter.execute(f"SELECT CAST(?1 AS {cast})", (value,)).fetchall()[0][0]


def _int64(value: Any) -> int:
    """sqlite3_value_int64: an INTEGER as it is, a REAL cut toward zero within 64 bits, TEXT read."""
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value:
            return 0
        return INT64_MIN if value <= INT64_MIN else INT64_MAX if value >= INT64_MAX else int(value)
    return int(_convert(value, "INTEGER"))


def _numeric(value: Any) -> int | float:
    """A bound on ``value`` as a number: a REAL stays one (it is rounded inward), the rest int64."""
    if isinstance(value, str | bytes):
        value = _convert(value, "NUMERIC")
    return value if isinstance(value, float) else _int64(value)


def _lower_bound(value: Any, strict: bool) -> int | None:
    """The least value ``value >= X`` (or ``>``, ``strict``) lets through; None: none does."""
    bound = _numeric(value)
    if isinstance(bound, int):
        return bound + 1 if strict else bound
    if bound <= INT64_MIN:
        return INT64_MIN
    if bound > 2.0**63:
        return None
    ceiling = -(-bound // 1)
    least = min(int(ceiling), INT64_MAX)
    if strict and bound == ceiling:
        return None if least == INT64_MAX else least + 1
    return least


def _upper_bound(value: Any, strict: bool) -> int | None:
    """The greatest value ``value <= X`` (or ``<``, ``strict``) lets through; None: none does."""
    bound = _numeric(value)
    if isinstance(bound, float):
        if bound < INT64_MIN or (strict and bound == INT64_MIN):
            return None
        most = INT64_MAX if bound >= INT64_MAX else int(bound // 1)  # floor
        return most - 1 if strict and most == bound else most
    return bound - 1 if strict else bound


def _value_range(plan: int, args: Iterator[Any]) -> tuple[int, int] | None:
    """The range the constraints on ``value`` allow, or None when they allow no value."""
    low, high = INT64_MIN, INT64_MAX
    if plan & VALUE_EQ:
        bound = _numeric(next(args))
        if isinstance(bound, float):
            if bound != bound // 1 or not INT64_MIN <= bound <= INT64_MAX:
                return None
            bound = int(bound)
        return bound, bound
    if plan & (VALUE_GE | VALUE_GT):
        found = _lower_bound(next(args), bool(plan & VALUE_GT))
        if found is None:
            return None
        low = found
    if plan & (VALUE_LE | VALUE_LT):
        found = _upper_bound(next(args), bool(plan & VALUE_LT))
        if found is None:
            return None
        high = found
    return (low, high) if low <= high else None


class Series:
    """One scan: the values from ``first`` to ``last`` (both in the series) by ``size``."""

    __slots__ = ("done", "down", "first", "given", "last", "size", "value")

    def __init__(self) -> None:
        self.done = True
        self.value = self.first = self.last = 0
        self.size = 1
        self.down = False
        self.given = (0, DEFAULT_STOP, 1)  # start, stop, step: the hidden columns

    def Filter(self, plan: int, _name: Any, args: tuple[Any, ...]) -> None:
        self.done = True
        if any(a is None for a in args):
            return
        given = iter(args)
        start = _int64(next(given)) if plan & START else 0
        stop = _int64(next(given)) if plan & STOP else DEFAULT_STOP
        step = (_int64(next(given)) or 1) if plan & STEP else 1
        if not plan & (START | STEP) and plan & LOWER:
            start = INT64_MIN  # value's lower bound stands for START
        if not plan & (STOP | STEP) and plan & UPPER:
            stop = INT64_MAX
        self.given = (start, stop, step)
        self.down, self.size = step < 0, abs(step)
        if (start > stop) if step > 0 else (start < stop):
            return
        bounds = _value_range(plan, given) if plan & (LOWER | UPPER) else (INT64_MIN, INT64_MAX)
        if bounds is not None and self._narrow(start, stop, *bounds):
            if plan & (DESCENDING if not self.down else ASCENDING):
                self.first, self.last, self.down = self.last, self.first, not self.down
            self.value, self.done = self.first, False

    def _narrow(self, start: int, stop: int, low: int, high: int) -> bool:
        """Set ``first`` and ``last`` to the series' ends within [low, high]; False if it is empty."""
        size = self.size
        if not self.down:
            if start < low:
                start += -(-(low - start) // size) * size
            stop = min(stop, high)
            if start > stop or start > INT64_MAX:
                return False
            self.first, self.last = start, stop - (stop - start) % size
        else:
            if start > high:
                start -= -(-(start - high) // size) * size
            stop = max(stop, low)
            if start < stop or start < INT64_MIN:
                return False
            self.first, self.last = start, stop + (start - stop) % size
        return True

    def Eof(self) -> bool:
        return self.done

    def Next(self) -> None:
        if self.value == self.last:
            self.done = True
        elif self.down:
            self.value -= self.size
        else:
            self.value += self.size

    def Rowid(self) -> int:
        return self.value

    def Column(self, number: int) -> int:
        return self.value if number <= 0 else self.given[number - 1]

    def Close(self) -> None:
        pass


class SeriesTable:
    """The eponymous table: its plans, as 3.54's xBestIndex makes them."""

    def BestIndexObject(self, info: apsw.IndexInfo) -> bool:
        plan, found, unusable, start_seen = self._constraints(info)
        argument = 0
        for bit in (START, STOP, STEP, LOWER, VALUE_LE | VALUE_LT):
            if bit in found:
                argument += 1
                info.set_aConstraintUsage_argvIndex(found[bit], argument)
                info.set_aConstraintUsage_omit(found[bit], True)
        if not start_seen:
            raise ValueError(MISSING_START)
        if unusable & ~plan:
            return False  # an argument comes from a table read later: a plan that reads it first
        if plan & (START | STOP) == START | STOP:
            info.estimatedCost = 1.0 if plan & STEP else 2.0
            info.estimatedRows = 1000
            if info.nOrderBy >= 1 and info.get_aOrderBy_iColumn(0) == 0:
                plan |= DESCENDING if info.get_aOrderBy_desc(0) else ASCENDING
                info.orderByConsumed = True
        else:
            info.estimatedRows = 2147483647  # a huge span: the planner avoids it where it can
        info.idxNum = plan
        return True

    @staticmethod
    def _constraints(info: apsw.IndexInfo) -> tuple[int, dict[int, int], int, bool]:
        """The plan's bits, the constraint that gives each argument, the arguments given by
        unusable constraints, and whether START (or a lower bound on value) is there."""
        plan, found, unusable, start_seen = 0, {}, 0, False
        for k in range(info.nConstraint):
            column, op, usable = (
                info.get_aConstraint_iColumn(k),
                info.get_aConstraint_op(k),
                info.get_aConstraint_usable(k),
            )
            if column <= 0:
                bit = _VALUE_OPS.get(op, 0)
                if not usable or not bit or (plan & VALUE_EQ and bit != VALUE_EQ):
                    continue
                if bit == VALUE_EQ:
                    plan = (plan & ~(VALUE_GE | VALUE_GT | VALUE_LE | VALUE_LT)) | VALUE_EQ
                    found.pop(VALUE_LE | VALUE_LT, None)
                else:
                    pair = VALUE_GE | VALUE_GT if bit & LOWER else VALUE_LE | VALUE_LT
                    plan = (plan & ~pair) | bit
                found[LOWER if bit & LOWER else VALUE_LE | VALUE_LT] = k
                start_seen = start_seen or bool(bit & LOWER)
                continue
            bit = _HIDDEN[column]
            start_seen = start_seen or (bit == START and op == apsw.SQLITE_INDEX_CONSTRAINT_EQ)
            if not usable:
                unusable |= bit
            elif op == apsw.SQLITE_INDEX_CONSTRAINT_EQ:
                plan |= bit
                found[bit] = k
        return plan, found, unusable, start_seen

    def Open(self) -> Series:
        return Series()

    def Disconnect(self) -> None:
        pass

    Destroy = Disconnect


class SeriesModule:
    """What APSW registers as ``generate_series``."""

    def Connect(self, connection: apsw.Connection, *_args: Any) -> tuple[str, SeriesTable]:
        # Innocuous, as 3.54's: a view or trigger of a file whose schema is not trusted may use it.
        connection.vtab_config(apsw.SQLITE_VTAB_INNOCUOUS)
        return "CREATE TABLE x(value, start HIDDEN, stop HIDDEN, step HIDDEN)", SeriesTable()

    Create = Connect


def register(connection: apsw.Connection) -> None:
    """Make ``generate_series`` on ``connection``."""
    connection.create_module(
        NAME, SeriesModule(), use_bestindex_object=True, eponymous_only=True, read_only=True
    )
