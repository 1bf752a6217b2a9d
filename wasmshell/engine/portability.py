"""Whether libSQL could run a Wasm function as wasmshell does, and if not, why.

wasmshell runs more than libSQL can; this says what a function would meet in
libSQL (its wasmtime bindings, ``libsql_run_wasm`` in
libsql-sqlite3/crates/wasmtime-bindings/src/lib.rs, and
``try_instantiate_wasm_function`` in libsql-sqlite3/src/func.c):

- every call looks up an export called ``memory`` and fails without one,
  numeric functions included;
- an INTEGER argument is ``sqlite3_value_int`` (32 bits) passed as an i64, a
  REAL an f64, TEXT, BLOB and NULL an i32 pointer: an f32 parameter, or an i32
  one meant for an INTEGER, never matches;
- the call asks for exactly one result: i64 (kept to 32 bits by
  ``sqlite3_result_int``), f64 or an i32 pointer; no result, or an f32, fails;
- the export called is the SQL name lowercased (ASCII letters only);
- only scalar functions exist.

These are notes for the user, never errors: nothing here stops wasmshell from
running the function. Pure Python on types already read; no wasmtime.
"""

from __future__ import annotations

from ..lean import TYPE_CHECKING, Record
from .names import fold

if TYPE_CHECKING:
    from collections.abc import Sequence

SCALAR = "scalar"


class Portability(Record):
    """What libSQL would make of one function: reasons it cannot run it, and ways it would differ.

    A NamedTuple, not a dataclass: importing dataclasses costs start-up time.
    """

    blockers: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()

    @property
    def runs(self) -> bool:
        """Whether libSQL can call the function at all."""
        return not self.blockers

    @property
    def short(self) -> str:
        """One word for a narrow table: ``yes``, ``32-bit`` (integers cut) or ``no``."""
        return "no" if self.blockers else "32-bit" if self.caveats else "yes"

    @property
    def summary(self) -> str:
        """``yes``, or the short word and every reason, for a table of all the facts."""
        reasons = self.blockers + self.caveats
        return self.short if not reasons else f"{self.short}: {'; '.join(reasons)}"

    def note(self, names: str) -> str | None:
        """A sentence for the user about ``names`` (one function's, or several of the same verdict)
        when they are created, if libSQL could not run them; None otherwise.

        Integers cut to 32 bits alone make no note: nearly every integer
        function has them, and a note at every one would teach users to
        ignore notes. ``.funcs`` shows them (``32-bit``).
        """
        if not self.blockers:
            return None
        also = f"; there also {', '.join(self.caveats)}" if self.caveats else ""
        return f"libSQL could not run {names}: {'; '.join(self.blockers)}{also}"


PORTABLE = Portability()


def check(
    sql_name: str,
    export: str,
    params: Sequence[str],
    results: Sequence[str],
    has_memory: bool,
    kind: str = SCALAR,
) -> Portability:
    """What libSQL would make of export ``export`` (Wasm ``params`` -> ``results``) called as ``sql_name``.

    ``kind`` is the function's kind as wasmshell registers it ("scalar",
    "aggregate", "window", "table"): libSQL has scalars only.
    """
    blockers: list[str] = []
    if kind != SCALAR:
        article = "an" if kind[:1] in "aeiou" else "a"
        blockers.append(f"it is {article} {kind} function (libSQL has only scalars)")
    if not has_memory:
        blockers.append("the module exports no memory (libSQL needs one in every module)")
    called = fold(sql_name)
    if called != export:
        blockers.append(f"libSQL calls the export '{called}' (the name in lower case), not '{export}'")
    if kind == SCALAR:
        blockers += _type_blockers(params, results, has_memory)
    return Portability(tuple(blockers), _caveats(params, results) if kind == SCALAR else ())


def _type_blockers(params: Sequence[str], results: Sequence[str], has_memory: bool) -> list[str]:
    """Parameters and results no SQL value of libSQL's can match."""
    found = []
    for k, wasm_type in enumerate(params, 1):
        if wasm_type == "f32":
            found.append(f"parameter {k} is f32 (libSQL passes a REAL as f64)")
        elif wasm_type == "i32" and not has_memory:
            found.append(f"parameter {k} is an i32 INTEGER (libSQL passes only TEXT, BLOB or NULL as i32)")
    if not results:
        found.append("it returns no value (libSQL asks every function for one)")
    elif results[0] == "f32":
        found.append("its result is f32 (libSQL takes i64, f64 or an i32 pointer)")
    return found


def _caveats(params: Sequence[str], results: Sequence[str]) -> tuple[str, ...]:
    """What runs in libSQL but gives other answers: integers beyond 32 bits."""
    cut = [what for what, types in (("arguments", params), ("result", results[:1])) if "i64" in types]
    return (f"INTEGER {' and '.join(cut)} cut to 32 bits",) if cut else ()
