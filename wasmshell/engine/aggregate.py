"""Wasm aggregates and window functions: ``NAME_step``, ``NAME_final``, ``NAME_inverse``, ``NAME_value``.

The state is step's first parameter and its result: an ``i64`` or ``f64``
starts at 0, an ``i32`` of a module with memory starts as a pointer to a
tagged NULL placed with ``libsql_malloc`` and is opaque here: the value step
returns is handed back on the group's next row, never copied, so a state may
hold a million values. ``NAME_final(state)`` gives the group's result in any
ABI type, also for an empty group; ``NAME_inverse(state, args...)`` removes a
row leaving a window frame; ``NAME_value(state)`` (default: final) gives a
window's current value.

Each group is a ``GroupState``; while one is alive the instance is not
replaced (``Instance.holders``), so a pointer stays valid to the end of the
statement. A trap, the time limit or Ctrl-C drops the instance as for a
scalar; a group whose instance was dropped fails rather than reading the new
instance's memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import abi, native, portability
from .errors import ArgumentError, ModuleError, ResultError, sql_type_name
from .runtime import Attached, Instance, Signature

STATE_TYPES = ("i32", "i64", "f64")
# How a state is written to its slot and read back (no NaN-to-NULL: a state is not a result).
_PUT_STATE = {"i32": "i[0] = c.value", "i64": "q[0] = c.value", "f64": "d[0] = c.value"}
_TAKE_STATE = {"i32": "c.value = i[0]", "i64": "c.value = q[0]", "f64": "c.value = d[0]"}


class GroupState:
    """One group's (or one window partition's) state, and the store it lives in (``Instance.starts``
    when the group began)."""

    __slots__ = ("__weakref__", "generation", "value")

    def __init__(self, value: int | float, generation: int) -> None:
        self.value = value
        self.generation = generation


def _phase_source(state: str, params: list[str], result: str | None, pointer: bool, step: bool) -> str:
    """A factory for one phase: step/inverse ``(c, a1..an)`` updates ``c.value``; final/value ``(c)``
    returns the result. ``params[0]`` is the state."""
    args = "".join(f", a{k}" for k in range(1, len(params)))
    body = abi.argument_lines(params, skip=1)  # the state's kind has no lines of its own
    if pointer:
        body.append("if c.generation != inst.starts: lost(name)")
    body += [
        _PUT_STATE[state],
        "stats[0] += 1",
        "G[0] += 1",
        "e = call(ctx, func, buf, n, trap_ref)",
        "if e or q[T]: fail(raw, e, name, stats)",
    ]
    body += [_TAKE_STATE[state]] if step else [*abi.RESULT_LINES[result], "return r"]
    inner = "\n".join("        " + line for line in body)
    return (
        "def factory(inst, raw, stats, name, bad, out_of_range, lost):\n"
        "    call, (ctx, func, buf, n, trap_ref) = raw.fn, raw.args\n"
        "    s = raw.slots\n"
        "    q, d, i, f, T = s.q, s.d, s.i, s.f, s.trap\n"
        "    put, get, fail, ensure, G = inst.put, inst.get, inst.fail, inst.ensure, inst.gate\n"
        f"    def phase(c{args}):\n"
        f"{inner}\n"
        "    return phase\n"
    )


@functools.lru_cache(maxsize=256)  # bounded: a stream of modules can bring endless signatures
def _phase_factory(
    state: str, params: tuple[str, ...], result: str | None, pointer: bool, step: bool
) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"F32_MAX": abi.F32_MAX}
    exec(
        compile(_phase_source(state, list(params), result, pointer, step), "<wasmshell agg>", "exec"),
        namespace,
    )
    return namespace["factory"]


@dataclass(frozen=True)
class NativeAggregate:
    """What the C aggregate needs (native.create_aggregate): per phase (step, final, value, inverse)
    its C call and its Python phase (the slow way), the state's kind, and for a pointer state the
    start of a group."""

    fast: tuple[Any, ...]
    python: tuple[Any, ...]
    state: str  # "q", "i" or "d"
    first_pointer: Callable[[], tuple[int, int]] | None
    group: type = GroupState  # what the Python phases take a group as


@dataclass(eq=False)
class AggregateFunction:
    """A Wasm aggregate (or window function) ready for APSW: ``start`` begins a group."""

    info: abi.FunctionInfo
    window: bool
    phases: dict[str, Attached]
    start: Callable[[], tuple[Any, ...]]
    native: NativeAggregate | None = None  # None where the C call path is not there

    @property
    def nparams(self) -> int:
        """How many SQL arguments the function takes."""
        return len(self.info.params)

    @property
    def calls(self) -> int:
        """Calls into Wasm made in this session, every phase counted."""
        return sum(a.stats[0] for a in self.phases.values())

    @property
    def errors(self) -> int:
        """Calls that failed in this session."""
        return sum(a.stats[1] for a in self.phases.values())


def check_signatures(exports: dict[str, Signature], parts: dict[str, str], name: str) -> str:
    """The state type of an aggregate's exports; ModuleError unless they fit together."""
    step = exports[parts["step"]]
    state = step.params[0] if step.params else None
    if state not in STATE_TYPES or step.results != (state,):
        raise ModuleError(
            f"wasm aggregate {name}: {parts['step']} must take the state (i32, i64 or f64) as its "
            f"first parameter and return it, not ({', '.join(step.params)}) -> ({', '.join(step.results)})"
        )
    final = exports[parts["final"]]
    if final.params != (state,) or len(final.results) > 1:
        raise ModuleError(f"wasm aggregate {name}: {parts['final']} must take the state ({state}) alone")
    if "inverse" in parts and exports[parts["inverse"]] != step:
        raise ModuleError(
            f"wasm aggregate {name}: {parts['inverse']} must have the signature of {parts['step']}"
        )
    if "value" in parts and exports[parts["value"]] != final:
        raise ModuleError(
            f"wasm aggregate {name}: {parts['value']} must have the signature of {parts['final']}"
        )
    return state


def describe(
    name: str, exports: dict[str, Signature], parts: dict[str, str], has_memory: bool, deterministic: bool
) -> abi.FunctionInfo:
    """What an aggregate looks like from SQL: the arguments of step after the state, final's result."""
    check_signatures(exports, parts, name)
    step, final = exports[parts["step"]], exports[parts["final"]]
    params, _ = abi.kinds(Signature(step.params[1:], ()), has_memory, name)
    _, result = abi.kinds(Signature((), final.results), has_memory, name)
    kind = "window" if "inverse" in parts else "aggregate"
    return abi.FunctionInfo(
        name,
        tuple(abi.SQL_NAMES[k] for k in params),
        abi.SQL_NAMES[result] if result else None,
        deterministic,
        portability.check(name, name, step.params, final.results, has_memory, kind),
        kind,
    )


def bind(instance: Instance, parts: dict[str, str], sql_name: str) -> AggregateFunction:
    """Make the exports ``parts`` (phase -> export) of ``instance`` one SQL aggregate ``sql_name``."""
    compiled = instance.compiled
    exports = compiled.exports
    state = check_signatures(exports, parts, sql_name)
    pointer = state == "i32" and compiled.has_memory
    if pointer and not compiled.has_malloc:
        raise ModuleError(
            f"wasm aggregate {sql_name}: an i32 state is a pointer to a value in memory, which needs "
            "the module to export libsql_malloc(i32) -> i32 for its first value"
        )
    info = describe(sql_name, exports, parts, compiled.has_memory, compiled.deterministic)
    params, _ = abi.kinds(Signature(exports[parts["step"]].params[1:], ()), compiled.has_memory, sql_name)
    _, result = abi.kinds(Signature((), exports[parts["final"]].results), compiled.has_memory, sql_name)
    phases: dict[str, Attached] = {}
    calls: dict[str, Callable[..., Any]] = {}
    fast_calls: dict[str, Any] = {}
    for phase, export in parts.items():
        attached = phases[phase] = instance.attach(export)
        step = phase in ("step", "inverse")
        phase_params = ("state", *params) if step else ("state",)
        factory = _phase_factory(state, phase_params, None if step else result, pointer, step)
        label = f"{sql_name} ({phase})"  # errors name the function and the phase
        complaints = _complaints(label, params, attached.stats)
        # final and value take the state alone and give a result (``params`` and ``result`` say which).
        native_phase = _native_phase(
            instance,
            attached,
            state,
            params if step else [],
            pointer,
            label,
            complaints,
            None if step else (result,),
        )
        if native_phase is not None:
            calls[phase], fast_calls[phase] = native_phase
        else:
            calls[phase] = factory(instance, attached.call, attached.stats, label, *complaints)
    first_pointer = _first_pointer(instance, sql_name) if pointer else None
    start = _starter(instance, calls, state, first_pointer)
    in_c = None
    if len(fast_calls) == len(calls):
        order = ("step", "final", "value", "inverse")
        fallback = {"value": "final"}  # final gives a window's value when the module has no NAME_value
        in_c = NativeAggregate(
            tuple(fast_calls.get(p, fast_calls.get(fallback.get(p, ""))) for p in order),
            tuple(calls.get(p, calls.get(fallback.get(p, ""))) for p in order),
            native.WASM_CODES[state],
            first_pointer,
        )
    return AggregateFunction(info, "inverse" in parts, phases, start, in_c)


def _native_phase(
    instance: Instance,
    attached: Attached,
    state: str,
    params: list[str],
    pointer: bool,
    label: str,
    complaints: tuple[Callable[..., Any], ...],
    gives: tuple[str | None] | None = None,
) -> tuple[Callable[..., Any], Any] | None:
    """A phase through the C call path (native.py) and its C call, or None where it is not built.

    The C call takes the state as its first argument (an i32 state as a plain
    integer). Step and inverse get the new state back, or None for a NULL
    argument (the row is skipped) or, from an f64 state, a NaN (the state
    becomes NaN). Final and value (``gives``: their result's ABI kind) return
    what the C call gives, as a scalar's result.
    """
    bad, out_of_range, lost = complaints
    stats = attached.stats

    def fail(err: int) -> None:
        instance.fail(attached.call, err, label, stats)

    returns = state if gives is None else gives[0]
    fast = native.wasm_call(
        attached.call, [state, *params], returns, stats, bad, out_of_range, fail, instance, label, skip=1
    )
    if fast is None:
        return None
    args = "".join(f", a{k}" for k in range(1, len(params) + 1))
    lines = [f"def phase(c{args}):"]
    if pointer:  # a state of a store dropped since (a trap, a reset) must not be read in the new one
        lines.append("    if c.generation != inst.starts or not G[1]: lost(name)")
    if gives is not None:
        lines.append("    return fast(c.value)")
    else:
        lines += [f"    r = fast(c.value{args})", "    if r is not None: c.value = r"]
    if state == "f64" and gives is None:  # None with every argument given: the new state is a NaN
        given = " and ".join(f"a{k} is not None" for k in range(1, len(params) + 1)) or "True"
        lines.append(f"    elif {given}: c.value = NAN")
    namespace: dict[str, Any] = {
        "fast": fast,
        "inst": instance,
        "G": instance.gate,
        "lost": lost,
        "name": label,
        "NAN": float("nan"),
    }
    exec(compile("\n".join(lines) + "\n", "<wasmshell agg>", "exec"), namespace)
    return namespace["phase"], fast


def _complaints(label: str, params: list[str], stats: list[int]) -> tuple[Callable[..., Any], ...]:
    """``bad``, ``out_of_range`` and ``lost`` for one phase; SQL argument k is at slot k (the state is 0)."""

    def bad(k: int, value: Any) -> None:
        stats[1] += 1
        raise ArgumentError(
            f"wasm function {label}: argument {k} expects {abi.EXPECTED[params[k - 1]]}, "
            f"got {sql_type_name(value)}"
        )

    def out_of_range(k: int, value: int) -> None:
        stats[1] += 1
        raise ArgumentError(
            f"wasm function {label}: argument {k} is {value}, outside the range of a 32-bit integer (i32)"
        )

    def lost(_name: str) -> None:
        stats[1] += 1
        raise ResultError(
            f"wasm function {label}: the module's instance was restarted during the statement, "
            "so the aggregate's state is lost"
        )

    return bad, out_of_range, lost


def _first_pointer(instance: Instance, sql_name: str) -> Callable[[], tuple[int, int]]:
    """A pointer state's start: a NULL placed in a store (started if there is none), and the store's
    ``starts``."""
    label = f"{sql_name} (step)"

    def first_pointer() -> tuple[int, int]:
        instance.ensure(label)
        return instance.put(None, label, 0), instance.starts

    return first_pointer


def _starter(
    instance: Instance,
    calls: dict[str, Callable[..., Any]],
    state: str,
    first_pointer: Callable[[], tuple[int, int]] | None,
) -> Callable[[], tuple[Any, ...]]:
    """APSW's factory: a new group's state, with step, final (and value, inverse) to call on it."""
    step, final = calls["step"], calls["final"]
    value = calls.get("value", final)
    inverse = calls.get("inverse")
    holders = instance.holders

    def finish(c: GroupState) -> Any:
        try:
            return final(c)
        finally:
            holders.discard(c)
            if not holders:
                instance.maintain()  # the instance may be replaced now that no state lives in it

    def start() -> tuple[Any, ...]:
        if first_pointer is not None:
            c = GroupState(*first_pointer())
        else:
            c = GroupState(0.0 if state == "f64" else 0, instance.starts)
        holders.add(c)
        if inverse is None:
            return c, step, finish
        return c, step, finish, value, inverse

    return start
