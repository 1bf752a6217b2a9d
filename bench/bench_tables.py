#!/usr/bin/env python3
"""Per-row cost of a Wasm table-valued function against the same one as a Python virtual table.

A benchmark, not a test: the figures and the ratio come from this one run. Both
sides split one TEXT of N words into (n, word, pos) rows and SQLite sums
``length(word) + pos`` over them, so every column of every row is read and only
one value comes back. The Python side is an eponymous APSW virtual table with
the same columns and the same hidden argument, written the plain way (a
generator of rows). Each measurement is repeated (``--repeat``) and the best
time kept, the two variants taking turns.

    python bench/bench_tables.py               # N = 1,000,000 words
    python bench/bench_tables.py --rows 100000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import apsw  # noqa: E402

from wasmshell import connect  # noqa: E402

SQL = "SELECT count(*), sum(length(word) + pos) FROM {}(?)"


class _PyCursor:
    def __init__(self) -> None:
        self.rows: Any = iter(())
        self.row: Any = None
        self.rowid = 0

    def Filter(self, _num: int, _name: str, args: tuple[Any, ...]) -> None:
        self.text = args[0]
        self.rows = self._split(args[0])
        self.rowid = 0
        self.row = next(self.rows, None)

    @staticmethod
    def _split(text: str) -> Any:
        at = 0
        for n, word in enumerate(text.split(), start=1):
            at = text.index(word, at)
            yield (n, word, at + 1)
            at += len(word)

    def Eof(self) -> bool:
        return self.row is None

    def Next(self) -> None:
        self.row = next(self.rows, None)
        self.rowid += 1

    def Rowid(self) -> int:
        return self.rowid

    def Column(self, k: int) -> Any:
        return self.text if k == 3 else self.rowid if k < 0 else self.row[k]

    def Close(self) -> None:
        pass


class _PyTable:
    def BestIndexObject(self, info: apsw.IndexInfo) -> bool:
        for k in range(info.nConstraint):
            if info.get_aConstraint_iColumn(k) == 3 and info.get_aConstraint_usable(k):
                info.set_aConstraintUsage_argvIndex(k, 1)
                info.set_aConstraintUsage_omit(k, True)
        return True

    def Open(self) -> _PyCursor:
        return _PyCursor()

    def Disconnect(self) -> None:
        pass


class _PyModule:
    def Connect(self, *_args: Any) -> tuple[str, _PyTable]:
        return "CREATE TABLE x(n INTEGER, word TEXT, pos INTEGER, text TEXT HIDDEN)", _PyTable()


def best(run: Any, repeat: int) -> float:
    return min(run() for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    session = connect()
    session.register_module((ROOT / "samples" / "split_words.wat").read_text())
    session.connection.create_module(
        "py_split_words", _PyModule(), use_bestindex_object=True, eponymous_only=True
    )
    text = " ".join(f"w{k % 1000}" for k in range(options.rows))
    results: dict[str, Any] = {}

    def timed(name: str) -> float:
        start = time.perf_counter()
        results[name] = session.execute(SQL.format(name), (text,)).fetchone()
        return time.perf_counter() - start

    timed("split_words"), timed("py_split_words")  # warm-up: compile, first calls
    times = {"split_words": [], "py_split_words": []}
    for _ in range(options.repeat):
        for name in times:
            times[name].append(timed(name))
    assert results["split_words"] == results["py_split_words"], results
    assert results["split_words"][0] == options.rows
    wasm, python = min(times["split_words"]), min(times["py_split_words"])
    print(f"split {options.rows:,} words into rows (n, word, pos), best of {options.repeat}:")
    print(f"  Wasm split_words (batches)     {wasm * 1e9 / options.rows:8.0f} ns/row")
    print(f"  Python virtual table (APSW)    {python * 1e9 / options.rows:8.0f} ns/row")
    print(f"  Wasm / Python                  {wasm / python:8.2f}x")


if __name__ == "__main__":
    main()
