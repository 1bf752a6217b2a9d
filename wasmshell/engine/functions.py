"""A Wasm function of the session: where its module comes from, when it is compiled and bound.

A stored function is only its name until a statement names it; its body is
read from libSQL's table (catalog.py) when it is registered, and compiled on
its first call. A function of this session keeps the source it was given.
The session registers these with SQLite (session.py); the calls themselves
are abi.py's.
"""

from __future__ import annotations

from collections.abc import MutableMapping  # apsw imports collections.abc: no cost

import apsw

from ..lean import TYPE_CHECKING, Protocol, Record
from .catalog import Catalog, body_problem, unusable
from .errors import ArgumentError, ModuleError
from .module import KEEPS_STATE, aggregate_exports, function_kind, no_export_message, not_deterministic
from .names import fold, shown

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from .abi import FunctionInfo, SqlFunction
    from .aggregate import AggregateFunction
    from .runtime import CompiledModule

# A body this small is kept from its first reading to its compilation (usually the
# next moment); a larger one is read again rather than held.
KEEP_BODY_BYTES = 1 << 20


class FunctionHost(Protocol):
    """What a function needs of its session: the stored table, compiling, binding."""

    catalog: Catalog

    def compile(self, source: str | bytes) -> CompiledModule:
        """Compile under the session's limits."""
        ...

    def bind(
        self, compiled: CompiledModule, export: str, sql_name: str, *, fresh: str | bytes | None = None
    ) -> SqlFunction:
        """A callable for one export; with ``fresh`` (the module's source), each call starts from the
        state of a fresh instance of its own."""
        ...

    def bind_aggregate(self, compiled: CompiledModule, sql_name: str) -> AggregateFunction:
        """An aggregate (or window function) made of the module's NAME_step, NAME_final... exports."""
        ...

    def upgrade_later(self, entry: WasmFunction) -> None:
        """Register the bound function's direct call path before the next statement."""
        ...


def _read_signature(function: WasmFunction, body: str | bytes) -> FunctionInfo | None:
    """A function's SQL signature read from its module's bytes, or None if they do not tell."""
    from . import wasmbin
    from .abi import describe
    from .runtime import Signature

    try:
        binary = _binary(body)
        signatures = wasmbin.export_signatures(binary)
        memory = wasmbin.exports_memory(binary)
        if function.kind in ("aggregate", "window"):
            from . import aggregate

            parts = aggregate_exports(signatures, function.name)
            if parts is None:
                return None
            typed = {export: Signature(*types) for export, types in signatures.items()}
            return aggregate.describe(function.name, typed, parts, memory, bool(function.deterministic))
        found = function.export or next((e for e in signatures if fold(e) == function.key), None)
        if found is None or found not in signatures:
            return None
        params, results = signatures[found]
        return describe(
            function.name, Signature(params, results), memory, bool(function.deterministic), export=found
        )
    except Exception:  # a module that does not parse has no signature to show
        return None


def _binary(body: str | bytes) -> bytes:
    """A module as a binary (WebAssembly text is assembled by wasmtime)."""
    if isinstance(body, str):
        import wasmtime

        return bytes(wasmtime.wat2wasm(body))
    return body


def _read_kind(name: str, raw: bytes, body: str | bytes) -> str:
    """What kind of function the module makes ``name`` (module.function_kind), read without compiling.

    A module that does not even mention NAME_step is a scalar's, as every
    libSQL module is; one that cannot be read counts as a scalar too (its
    call then says what is wrong).
    """
    if (fold(name) + "_step").encode("utf-8") not in raw.lower():
        return "scalar"
    from . import wasmbin

    try:
        return function_kind(wasmbin.export_signatures(_binary(body)), name) or "scalar"
    except Exception:  # a module that does not parse: its call says why
        return "scalar"


class Skipped(Record):
    """A stored row that is not registered, and why."""

    raw: object
    reason: str

    @property
    def shown(self) -> str:
        """The name as it can be printed."""
        return shown(self.raw)


class WasmFunction:
    """One Wasm function: registered with SQLite when first needed, compiled on its first call.

    A stored function's body stays in the database until needed; a session
    function keeps the source it was given.
    """

    __slots__ = (
        "_body",
        "_compiled",
        "_digest",
        "_earlier",
        "_peeked",
        "_size",
        "arities",
        "deterministic",
        "error",
        "export",
        "failed_calls",
        "fn",
        "fresh",
        "key",
        "kind",
        "name",
        "origin",
        "session",
        "why_not_deterministic",
    )

    def __init__(
        self,
        session: FunctionHost,
        name: str,
        origin: str,
        *,
        body: str | bytes | None = None,
        export: str | None = None,
        deterministic: bool | None = None,
        kind: str | None = None,
    ) -> None:
        """``deterministic`` and ``kind`` are given when known (a compiled module tells); else reading
        the body tells."""
        self.session = session
        self.name = name
        self.key = fold(name)
        self.origin = origin  # "stored" or "session"
        self.export = export
        self._body = body  # None for a stored function: read from the table when needed
        self.deterministic: bool | None = deterministic
        self.why_not_deterministic: str | None = None  # known with ``deterministic`` False
        self.fresh = False  # each call in a fresh instance (run_fresh)
        self._earlier = (0, 0)  # calls and errors of an earlier binding (run_fresh)
        self.kind = kind  # "scalar", "aggregate" or "window" (module.function_kind); None until read
        self.fn: SqlFunction | AggregateFunction | None = None
        self.error: str | None = None
        self.failed_calls = 0
        self._peeked: tuple[FunctionInfo | None] | None = None  # what peek() read, once
        self._size: int | None = None
        self._digest: str | None = None
        self._compiled: CompiledModule | None = None  # to bind from on the first call
        self.arities: set[int] = set()

    @property
    def installed(self) -> bool:
        """Whether SQLite knows this function now."""
        return bool(self.arities)

    def source(self) -> str | bytes:
        """The module: the session's copy, or the stored body read now (ModuleError if unusable)."""
        if self._body is not None:
            return self._body
        body = self.session.catalog.body(self.name)
        problem = body_problem(body)
        if problem:
            raise unusable(self.name, problem)
        assert isinstance(body, str | bytes)
        return body

    def inspect(self, *, keep: bool = False, signature: bool = False) -> None:
        """Read the module once for what registering and ``.funcs`` need: determinism, size, hash
        (and with ``signature`` the parameter and result types).

        Raises ModuleError (with a ``reason``) for a body that cannot be a
        module. With ``keep`` a small stored body is kept until the function
        is compiled, which usually follows at once.
        """
        import hashlib

        if self._digest is not None and (self._peeked is not None or not signature):
            return
        body = self.source()
        raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        self.why_not_deterministic = not_deterministic(body)
        self.deterministic = self.why_not_deterministic is None
        self._size = len(raw)
        self._digest = hashlib.sha256(raw).hexdigest()[:12]
        if self.kind is None:
            self.kind = _read_kind(self.name, raw, body)
        if (signature or self.aggregate) and self._peeked is None:
            self._peeked = (self.fn.info if self.fn else _read_signature(self, body),)
        if keep and self.origin == "stored" and self._size <= KEEP_BODY_BYTES:
            self._body = body

    def adopt(self, compiled: CompiledModule, info: FunctionInfo) -> None:
        """Take the module compiled just now (no need to read the body again): bound on the first call.

        Binding each of a module's thousands of functions at once would cost
        a millisecond each; a function never called costs nothing.
        """
        self._compiled = compiled
        self._peeked = (info,)
        self._size = compiled.size
        self._digest = compiled.digest[:12]
        if self.deterministic is None or self.deterministic == compiled.deterministic:
            self.deterministic = compiled.deterministic
            self.why_not_deterministic = compiled.not_deterministic

    @property
    def compiled(self) -> bool:
        """Whether the module is compiled (the function is bound on its first call, if not yet)."""
        return self.fn is not None or self._compiled is not None

    def _forget_stored_body(self) -> None:
        if self.origin == "stored":
            self._body = None

    @property
    def size(self) -> int | None:
        """Module size in bytes, once the module has been read (see ``inspect``)."""
        return self._size

    @property
    def digest(self) -> str | None:
        """A short hash of the module, to tell modules apart, once it has been read."""
        return self._digest

    @property
    def calls(self) -> int:
        """Calls made in this session."""
        return (self.fn.calls if self.fn else 0) + self.failed_calls + self._earlier[0]

    @property
    def errors(self) -> int:
        """Calls that failed in this session."""
        return (self.fn.errors if self.fn else 0) + self.failed_calls + self._earlier[1]

    @property
    def info(self) -> FunctionInfo | None:
        """Parameter and result types, once compiled."""
        return self.fn.info if self.fn else None

    def peek(self) -> FunctionInfo | None:
        """Parameter and result types read from the module without compiling it (None if unreadable)."""
        if self.fn is not None:
            return self.fn.info
        if self._peeked is None:
            try:
                self.inspect(signature=True)
            except (ModuleError, apsw.Error):
                return None
        assert self._peeked is not None
        return self._peeked[0]

    @property
    def aggregate(self) -> bool:
        """Whether SQLite knows this function as an aggregate (or window) function."""
        return self.kind in ("aggregate", "window")

    def bind(self) -> SqlFunction | AggregateFunction:
        """Compile (once) and bind; a body that does not compile raises every time."""
        if self.fn is not None:
            return self.fn
        try:
            compiled = self._compiled or self.session.compile(self.source())
            if self.aggregate:
                self.fn = self.session.bind_aggregate(compiled, self.name)
            else:
                export = self.export or compiled.find_export(self.name)
                if export is None:
                    raise ModuleError(no_export_message(compiled, self.name))
                fresh = self.source() if self.fresh else None
                self.fn = self.session.bind(compiled, export, self.name, fresh=fresh)
            self._compiled = None  # the bound function holds it
        except ModuleError as exc:
            self.error = str(exc)
            # Called from SQL, the error must say which function's stored body is at fault.
            raise ModuleError(f"wasm function {self.name}: {exc}") from exc
        finally:
            self._forget_stored_body()  # the compiled module holds what is needed
        self.error = None
        self.session.upgrade_later(self)
        return self.fn

    @property
    def keeps_state(self) -> bool:
        """Whether the module can keep state between calls (and imports nothing): its calls are
        deterministic in fresh instances (``run_fresh``)."""
        reason = self.why_not_deterministic
        return self.deterministic is False and reason is not None and reason.startswith(KEEPS_STATE)

    def run_fresh(self) -> None:
        """From now on run each call in a fresh instance, so that the function is deterministic (the
        schema uses it); the calls so far still count. The caller registers it again."""
        if self.fresh:
            return
        self.fresh = True
        old, self.fn = self.fn, None
        if old is not None:
            self._earlier = (self._earlier[0] + old.calls, self._earlier[1] + old.errors)

    def start(self) -> tuple[Any, ...]:
        """APSW's factory for an aggregate: a new group (the function is bound on the first one)."""
        try:
            fn = self.bind()
        except ModuleError:
            self.failed_calls += 1
            raise
        return fn.start()  # type: ignore[union-attr]  # bound as an aggregate

    def start_any_arity(self) -> tuple[Any, ...]:
        """``start`` for an aggregate registered for any number of arguments (its signature could not
        be read before it was compiled): a call with the wrong number is an error, not a crash."""
        group = self.start()
        fn = self.fn
        assert fn is not None
        wanted = len(fn.info.params)
        name, kind = self.name, self.kind

        def counted(phase: Callable[..., Any]) -> Callable[..., Any]:
            def checked(state: Any, *args: Any) -> Any:
                if len(args) != wanted:
                    self.failed_calls += 1
                    raise ArgumentError(
                        f"wasm {kind} function {name} takes {wanted} argument{'s' * (wanted != 1)}, "
                        f"but {len(args)} were given"
                    )
                return phase(state, *args)

            return checked

        state, step, *rest = group
        if len(rest) == 3:  # a window function: final, value, inverse
            final, value, inverse = rest
            return state, counted(step), final, value, counted(inverse)
        return (state, counted(step), *rest)

    def call(self, *args: Any) -> Any:
        """The SQL entry point until the direct binding is registered."""
        try:
            fn = self.bind()
        except ModuleError:
            self.failed_calls += 1
            raise
        if len(args) != fn.nparams:
            raise ArgumentError(
                f"wasm function {self.name} takes {fn.nparams} argument{'' if fn.nparams == 1 else 's'}, "
                f"but {len(args)} {'was' if len(args) == 1 else 'were'} given"
            )
        return fn.call(*args)  # type: ignore[union-attr]  # bound as a scalar


class FunctionTable(MutableMapping[str, WasmFunction]):
    """A session's Wasm functions by folded name.

    A stored function not looked at yet is only its name here: its
    WasmFunction is made when first asked for, so a file with 100,000
    functions costs a dict of names at open.
    """

    def __init__(self, make: Callable[[str], WasmFunction]) -> None:
        self._made: dict[str, WasmFunction] = {}
        self._names: dict[str, str] = {}  # stored functions not made yet: folded name -> name
        self._make = make

    def __getitem__(self, key: str) -> WasmFunction:
        entry = self._made.get(key)
        if entry is None:
            entry = self._made[key] = self._make(self._names.pop(key))
        return entry

    def __setitem__(self, key: str, entry: WasmFunction) -> None:
        self._names.pop(key, None)
        self._made[key] = entry

    def __delitem__(self, key: str) -> None:
        if self._made.pop(key, None) is None:
            del self._names[key]

    def __contains__(self, key: object) -> bool:
        return key in self._made or key in self._names

    def __iter__(self) -> Iterator[str]:
        yield from list(self._made)
        yield from list(self._names)

    def __len__(self) -> int:
        return len(self._made) + len(self._names)

    def made(self) -> dict[str, WasmFunction]:
        """The entries made so far (every registered function is one)."""
        return self._made

    def names(self) -> Iterator[str]:
        """Every function's name, without making any entry."""
        for entry in list(self._made.values()):
            yield entry.name
        yield from list(self._names.values())

    def stored_names(self) -> dict[str, str]:
        """The stored functions not made yet (folded name -> name)."""
        return dict(self._names)

    def set_stored(self, names: dict[str, str]) -> None:
        """The stored functions not made yet are now ``names`` (those already made stay)."""
        if self._made:
            names = {key: name for key, name in names.items() if key not in self._made}
        self._names = names
