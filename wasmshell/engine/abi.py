"""SQL values <-> wasm values: libSQL's calling convention.

For each function signature this module writes, once, a small Python function
specialised to it (the way ``dataclasses`` and ``namedtuple`` do): argument
checks and conversions are unrolled, the raw value slots and the bound call
are captured as locals, and nothing about the signature is looked up per row.

| wasm param             | SQL value taken                 |
|------------------------|---------------------------------|
| i64                    | INTEGER (all 64 bits)           |
| f64, f32               | REAL, or INTEGER converted      |
| i32, module has memory | TEXT, BLOB or NULL by pointer   |
| i32, no memory         | INTEGER within i32's range      |

A NULL for a numeric parameter makes the call return NULL without running it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import native
from .errors import ArgumentError, ModuleError, sql_type_name
from .portability import PORTABLE, SCALAR, Portability, check
from .runtime import Attached, Instance, Signature

F32_MAX = 3.4028234663852886e38


@dataclass(frozen=True)
class FunctionInfo:
    """What a registered Wasm function looks like from SQL."""

    name: str
    params: tuple[str, ...]
    result: str | None
    deterministic: bool
    libsql: Portability = PORTABLE  # whether libSQL could run it, and why not
    kind: str = "scalar"  # or "aggregate", "window" (aggregate.py)


def kinds(signature: Signature, has_memory: bool, name: str) -> tuple[list[str], str | None]:
    """Map wasm types to ABI kinds; ``ptr`` is an i32 pointer to a tagged value."""
    bad = [t for t in signature.params + signature.results if t not in ("i32", "i64", "f32", "f64")]
    if bad:
        raise ModuleError(
            f"wasm function {name} has a parameter or result of type {bad[0]}, which SQL cannot "
            "pass (only i32, i64, f32 and f64)"
        )
    if len(signature.results) > 1:
        raise ModuleError(f"wasm function {name} returns several values; SQL takes at most one")
    pointer = "ptr" if has_memory else "i32"
    params = [pointer if t == "i32" else t for t in signature.params]
    result = None
    if signature.results:
        t = signature.results[0]
        result = pointer if t == "i32" else t
    return params, result


SQL_NAMES = {"i64": "INTEGER", "f64": "REAL", "f32": "REAL", "i32": "INTEGER", "ptr": "TEXT/BLOB/NULL"}
EXPECTED = {
    "i64": "INTEGER",
    "f64": "REAL or INTEGER",
    "f32": "REAL or INTEGER",
    "i32": "INTEGER",
    "ptr": "TEXT, BLOB or NULL",
}


def describe(
    name: str,
    signature: Signature,
    has_memory: bool,
    deterministic: bool,
    *,
    export: str | None = None,
    kind: str = SCALAR,
) -> FunctionInfo:
    """The SQL-level description of a function: parameter and result types, and what libSQL would
    make of it (``export`` is the export called, when not ``name`` itself; ``kind`` the function's kind)."""
    params, result = kinds(signature, has_memory, name)
    return FunctionInfo(
        name,
        tuple(SQL_NAMES[k] for k in params),
        SQL_NAMES[result] if result else None,
        deterministic,
        check(name, export or name, signature.params, signature.results, has_memory, kind),
    )


def _source(params: list[str], result: str | None, maintain: bool) -> str:
    """The Python source of a factory for one signature's SQL function (see the module docstring)."""
    args = ", ".join(f"a{k}" for k in range(len(params)))
    body = argument_lines(params)
    body += [
        "stats[0] += 1",
        "G[0] += 1",  # a new entry into Wasm: the time limit starts again
        "e = call(ctx, func, buf, n, trap_ref)",
        "if e or q[T]: fail(raw, e, name, stats)",
        *RESULT_LINES[result],
    ]
    if maintain:
        body.append("if inst.stale or not stats[0] & 255: inst.maintain()")
    body.append("return r")
    inner = "\n".join("        " + line for line in body)
    return (
        "def factory(inst, raw, stats, name, bad, out_of_range):\n"
        "    call, (ctx, func, buf, n, trap_ref) = raw.fn, raw.args\n"
        "    s = raw.slots\n"
        "    q, d, i, f, T = s.q, s.d, s.i, s.f, s.trap\n"
        "    put, get, fail, ensure, G = inst.put, inst.get, inst.fail, inst.ensure, inst.gate\n"
        f"    def sql_function({args}):\n"
        f"{inner}\n"
        "    return sql_function\n"
    )


def argument_lines(params: list[str], skip: int = 0) -> list[str]:
    """Lines that check each argument and put it in its slot (TEXT/BLOB/NULL ones into memory);
    the first ``skip`` are not SQL arguments (an aggregate's state), so errors count from the next."""
    body: list[str] = []
    # Numeric arguments first: a NULL among them returns NULL before any
    # memory is allocated for the TEXT/BLOB ones.
    for k, kind in enumerate(params):
        a = f"a{k}"
        if kind == "i64":
            body += [
                f"if type({a}) is not int:",
                f"    if {a} is None: return None",
                f"    bad({k}, {a})",
                f"q[{2 * k}] = {a}",
            ]
        elif kind == "i32":
            body += [
                f"if type({a}) is not int:",
                f"    if {a} is None: return None",
                f"    bad({k}, {a})",
                f"if not -2147483648 <= {a} <= 2147483647: out_of_range({k}, {a})",
                f"i[{4 * k}] = {a}",
            ]
        elif kind in ("f64", "f32"):
            body += _float_lines(k, kind)
    # A TEXT/BLOB/NULL parameter given another type fails the call (counted, as a number's).
    for k, kind in enumerate(params):
        if kind == "ptr":
            a = f"a{k}"
            body.append(
                f"if {a} is not None and type({a}) is not str and type({a}) is not bytes: bad({k}, {a})"
            )
    # No store after a trap or a reset: start one (its own time limit) first.
    body.append("if not G[1]: ensure(name)")
    for k, kind in enumerate(params):
        if kind == "ptr":
            body.append(f"i[{4 * k}] = put(a{k}, name, {k + 1 - skip})")
    return body


def _float_lines(k: int, kind: str) -> list[str]:
    """Lines for a REAL argument (an INTEGER converted); an f32 out of range becomes an infinity."""
    a = f"a{k}"
    body = [
        f"if type({a}) is not float:",
        f"    if type({a}) is int: {a} = float({a})",
        f"    elif {a} is None: return None",
        f"    else: bad({k}, {a})",
    ]
    if kind == "f32":
        return [
            *body,
            f"if -F32_MAX <= {a} <= F32_MAX or {a} != {a}: f[{4 * k}] = {a}",
            f"else: f[{4 * k}] = {a} * 1e300",
        ]
    return [*body, f"d[{2 * k}] = {a}"]


# How the result is read from its slot, by ABI kind; a NaN is SQL's NULL.
RESULT_LINES: dict[str | None, list[str]] = {
    None: ["r = None"],
    "i64": ["r = q[0]"],
    "i32": ["r = i[0]"],
    "f64": ["r = d[0]", "if r != r: r = None"],
    "f32": ["r = f[0]", "if r != r: r = None"],
    "ptr": ["r = get(i[0] & 0xFFFFFFFF, name)"],
}


@functools.lru_cache(maxsize=256)  # bounded: a stream of modules can bring endless signatures
def _factory(params: tuple[str, ...], result: str | None, maintain: bool) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"F32_MAX": F32_MAX}
    exec(compile(_source(list(params), result, maintain), "<wasmshell abi>", "exec"), namespace)
    return namespace["factory"]


@dataclass(eq=False)
class SqlFunction:
    """A Wasm export ready to be called from SQL with SQL values."""

    info: FunctionInfo
    attached: Attached
    call: Callable[..., Any]

    @property
    def nparams(self) -> int:
        """How many SQL arguments the function takes."""
        return len(self.info.params)

    @property
    def calls(self) -> int:
        """Calls made in this session."""
        return self.attached.stats[0]

    @property
    def errors(self) -> int:
        """Calls that failed in this session."""
        return self.attached.stats[1]


def argument_errors(label: str, params: list[str], stats: list[int]) -> tuple[Callable[..., Any], ...]:
    """The two complaints of a function's argument conversion (counted as errors in ``stats``):
    an argument of the wrong type, and an integer outside an i32 parameter's range."""

    def bad(k: int, value: Any) -> None:
        stats[1] += 1
        raise ArgumentError(
            f"wasm function {label}: argument {k + 1} expects {EXPECTED[params[k]]}, "
            f"got {sql_type_name(value)}"
        )

    def out_of_range(k: int, value: int) -> None:
        stats[1] += 1
        raise ArgumentError(
            f"wasm function {label}: argument {k + 1} is {value}, outside the range of a 32-bit integer (i32)"
        )

    return bad, out_of_range


def bind(instance: Instance, export: str, sql_name: str, *, fresh: bool = False) -> SqlFunction:
    """Make ``export`` of ``instance`` callable from SQL as ``sql_name``.

    With ``fresh`` the instance's state is put back after each call, so the
    next one starts as a fresh instance would: a module that keeps state is
    then deterministic (the instance must be this function's alone).
    """
    compiled = instance.compiled
    signature = compiled.exports[export]
    params, result = kinds(signature, compiled.has_memory, sql_name)
    attached = instance.attach(export)
    stats = attached.stats

    bad, out_of_range = argument_errors(sql_name, params, stats)

    raw = attached.call

    def fail(err: int) -> None:
        instance.fail(raw, err, sql_name, stats)

    call = native.wasm_call(raw, params, result, stats, bad, out_of_range, fail, instance, sql_name)
    if call is None:
        factory = _factory(tuple(params), result, compiled.has_memory)
        call = factory(instance, attached.call, stats, sql_name, bad, out_of_range)
    if fresh:
        call = _resetting_after(call, instance)
    info = describe(sql_name, signature, compiled.has_memory, compiled.deterministic or fresh, export=export)
    return SqlFunction(info, attached, call)


def _resetting_after(call: Callable[..., Any], instance: Instance) -> Callable[..., Any]:
    """``call``, then the instance's state put back as it started (``Instance.reset``)."""
    reset = instance.reset

    def fresh_call(*args: Any) -> Any:
        try:
            return call(*args)
        finally:
            reset()

    return fresh_call


def bind_raw(instance: Instance, export: str, label: str, *, raw_params: bool = False) -> Callable[..., Any]:
    """``export`` called with SQL arguments converted as for a scalar, its i32 or i64 result returned
    as the plain number (a state or a pointer), never read as a tagged value.

    ``label`` names the function in errors (a table-valued function and its phase). The instance is
    not looked after between calls: a caller holding guest state decides when it may be replaced.
    With ``raw_params`` an i32 parameter takes the number too (a state handed back).
    """
    compiled = instance.compiled
    signature = compiled.exports[export]
    params, result = kinds(signature, compiled.has_memory, label)
    raw_result = "i32" if result == "ptr" else result
    if raw_params:
        params = ["i32" if kind == "ptr" else kind for kind in params]
    attached = instance.attach(export)
    stats = attached.stats

    bad, out_of_range = argument_errors(label, params, stats)

    factory = _factory(tuple(params), raw_result, False)
    return factory(instance, attached.call, stats, label, bad, out_of_range)
