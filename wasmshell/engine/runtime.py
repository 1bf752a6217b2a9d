"""wasmtime set-up: the engine, the epoch ticker, compiled modules and live instances.

One ``Runtime`` serves the whole process: it owns the wasmtime ``Engine``, a
thread that advances the engine's epoch every few milliseconds (the clock the
per-call time limit is measured with), and a bounded cache of compiled modules
keyed by their content. An ``Instance`` is one module instantiated in its own
``Store`` for one session; it enforces the memory, table and time limits,
marshals values in and out of linear memory, and drops its store after a trap
or when its memory has grown too far, so that the next call starts a fresh one.
"""

from __future__ import annotations

import ctypes
import hashlib
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import wasmtime

from . import rawcall, wasi, wasmbin
from .compiler import IN_PROCESS_BYTES, CompileStopped, compile_in_child, engine_config
from .errors import (
    ArgumentError,
    Interrupted,
    MemoryLimitExceeded,
    ModuleError,
    ResultError,
    TimeLimitExceeded,
    WasmError,
    WasmTrap,
    sql_type_name,
    wasmtime_message,
)
from .limits import MIB, Limits

TICK_SECONDS = 0.01
MAX_TABLES = 4  # tables one instance may have
WASI_MODULE = wasi.MODULE
TAG_TEXT, TAG_BLOB, TAG_NULL = 3, 4, 5
# The slots of an instance's control block (Instance.control), as _wasmcall.c's C_ENTRIES... name
# them; native.py will not use the C part if its layout differs.
(
    ENTRIES, BOUND, SEEN, SINCE, SIGNALS, THRESHOLD, HAS_MEMORY, HOLDERS, STARTS, KNOWN, BASE, STALE, MEMORY
) = range(13)  # fmt: skip
MEMORY_SLOTS = 4  # a wasmtime_memory_t of up to 32 bytes
STALE_NOW, STALE_HELD = 1, 2  # STALE: to be replaced; so, but waiting for the state living in it
CONTROL_SLOTS = MEMORY + MEMORY_SLOTS
NO_THRESHOLD = 2**64 - 1


@dataclass(frozen=True)
class Signature:
    """A function's wasm types: parameters and (at most one) result."""

    params: tuple[str, ...]
    results: tuple[str, ...]


@dataclass(eq=False)
class CompiledModule:
    """A compiled module and what wasmshell needs to know about it."""

    module: wasmtime.Module
    size: int  # bytes of source: the runtime's cache is bounded by it, storing a module counts it
    digest: str  # sha256 of the source, as .funcs shows it
    exports: dict[str, Signature]
    has_memory: bool
    has_malloc: bool
    uses_wasi: bool
    initial_memory: int = 0  # bytes of linear memory the module starts with
    imports: list[str] = field(default_factory=list)
    # Why its functions are not registered deterministic (module.not_deterministic), or None.
    not_deterministic: str | None = None
    _by_lower: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in self.exports:
            self._by_lower.setdefault(name.lower(), []).append(name)

    @property
    def deterministic(self) -> bool:
        """No imports (no clock, no randomness) and no state kept between calls: the same
        arguments give the same result whatever ran before."""
        return self.not_deterministic is None

    def find_export(self, name: str) -> str | None:
        """The export called ``name``: exactly, else the only case-insensitive match."""
        if name in self.exports:
            return name
        matches = self._by_lower.get(name.lower(), [])
        return matches[0] if len(matches) == 1 else None


_TRAP_REASONS = {
    "STACK_OVERFLOW": "stack overflow (call stack exhausted)",
    "MEMORY_OUT_OF_BOUNDS": "out-of-bounds memory access",
    "HEAP_MISALIGNED": "misaligned memory access",
    "TABLE_OUT_OF_BOUNDS": "out-of-bounds table access",
    "INDIRECT_CALL_TO_NULL": "indirect call to a null table entry",
    "BAD_SIGNATURE": "indirect call signature mismatch",
    "INTEGER_OVERFLOW": "integer overflow",
    "INTEGER_DIVISION_BY_ZERO": "integer divide by zero",
    "BAD_CONVERSION_TO_INTEGER": "invalid conversion to integer",
    "UNREACHABLE": "unreachable instruction executed",
}
_TRAP_CODES = {getattr(wasmtime.TrapCode, k): v for k, v in _TRAP_REASONS.items()}


class Runtime:
    """The process-wide wasmtime engine, epoch ticker and compiled-module cache.

    The cache keeps the most recently used modules, up to ``MAX_MODULES`` and
    ``MAX_SOURCE_BYTES`` of their sources: each compiled module holds
    mappings of executable code, and a process has a bounded number of those
    (``run_wasm`` with a new module on every row would otherwise exhaust
    them). A module dropped from the cache lives on while a function uses it.
    """

    MAX_MODULES = 256
    MAX_SOURCE_BYTES = 64 * MIB

    def __init__(self) -> None:
        config, self.code_cache = engine_config()
        self.engine = wasmtime.Engine(config)
        self._modules: OrderedDict[str | bytes, CompiledModule] = OrderedDict()
        self._source_bytes = 0
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._wasi_linker: wasmtime.Linker | None = None

    def compile(
        self, source: str | bytes, limits: Limits, interrupted: Callable[[], bool] = lambda: False
    ) -> CompiledModule:
        """Compile ``source`` (WAT text or a binary), or take it from the cache; raise ModuleError.

        A large module is compiled in a child process, stopped at the compile
        time limit or when ``interrupted()`` (compiler.py).
        """
        if isinstance(source, memoryview | bytearray):
            source = bytes(source)
        if not isinstance(source, str | bytes):
            raise ModuleError(
                f"a wasm module must be TEXT (WebAssembly text) or a BLOB, not {type(source).__name__}"
            )
        size = len(source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source)
        if size > limits.module_mb * MIB:
            raise ModuleError(
                f"wasm module is {size / MIB:.1f} MiB, over the module size limit of {limits.module_mb} MiB"
            )
        with self._lock:
            cached = self._modules.get(source)
            if cached is not None:
                self._modules.move_to_end(source)
                return cached
        compiled = self._compile(source, size, limits, interrupted)
        with self._lock:
            if source not in self._modules:
                self._modules[source] = compiled
                self._source_bytes += size
                while len(self._modules) > self.MAX_MODULES or self._source_bytes > self.MAX_SOURCE_BYTES:
                    _source, old = self._modules.popitem(last=False)
                    self._source_bytes -= old.size
        return compiled

    @property
    def cached_modules(self) -> int:
        """How many compiled modules the cache holds now."""
        return len(self._modules)

    @property
    def wasi_linker(self) -> wasmtime.Linker:
        """The linker that gives modules WASI, with wasmshell's bounded functions (wasi.py)."""
        if self._wasi_linker is None:
            self._wasi_linker = wasi.make_linker(self.engine)
        return self._wasi_linker

    def _compile(
        self, source: str | bytes, size: int, limits: Limits, interrupted: Callable[[], bool]
    ) -> CompiledModule:
        raw = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
        if not raw.startswith(b"\0asm"):
            try:
                source = raw.decode()
            except UnicodeDecodeError:
                raise ModuleError(
                    "not a wasm module: expected WebAssembly text or a binary starting with \\0asm"
                ) from None
            if not source.strip():
                raise ModuleError("not a wasm module: the module source is empty")
        try:
            binary = raw if raw.startswith(b"\0asm") else bytes(wasmtime.wat2wasm(source))
            module = self._module(binary, limits, interrupted)
        except wasmtime.WasmtimeError as exc:
            raise ModuleError(f"cannot compile wasm module: {wasmtime_message(str(exc))}") from None
        # Signatures come from the bytes: wasmtime's C API aborts the process
        # when asked about a v128 type.
        exports = {
            name: Signature(params, results)
            for name, (params, results) in wasmbin.export_signatures(binary).items()
        }
        has_memory = False
        initial_memory = 0
        for export in module.exports:
            ty = export.type
            if isinstance(ty, wasmtime.MemoryType) and export.name == "memory":
                has_memory = True
                initial_memory = ty.limits.min * 65536
        imports = []
        uses_wasi = False
        for imp in module.imports:
            where = f"{imp.module}.{imp.name}"
            if imp.module == WASI_MODULE and isinstance(imp.type, wasmtime.FuncType):
                uses_wasi = True
            else:
                raise ModuleError(
                    f"wasm module imports {where}, which is not available: modules may import "
                    f"only WASI ({WASI_MODULE}) functions, which run without any capability"
                )
            imports.append(where)
        malloc = exports.get("libsql_malloc")
        from .module import not_deterministic

        return CompiledModule(
            module=module,
            size=size,
            digest=hashlib.sha256(raw).hexdigest(),
            exports=exports,
            has_memory=has_memory,
            has_malloc=malloc == Signature(("i32",), ("i32",)),
            uses_wasi=uses_wasi,
            initial_memory=initial_memory,
            imports=imports,
            not_deterministic=not_deterministic(binary),
        )

    def _module(self, binary: bytes, limits: Limits, interrupted: Callable[[], bool]) -> wasmtime.Module:
        if len(binary) <= IN_PROCESS_BYTES:
            return wasmtime.Module(self.engine, binary)
        try:
            wasmtime.Module.validate(self.engine, binary)  # malformed: said at once, as in process
            serialized = compile_in_child(binary, limits.compile_ms, interrupted)
        except CompileStopped as stop:
            if stop.reason == "time":
                raise ModuleError(
                    f"cannot compile wasm module: compiling took longer than the limit of "
                    f"{limits.compile_ms} ms"
                ) from None
            raise ModuleError(f"cannot compile wasm module: {stop.reason}") from None
        # Made by the child from the same bytes with the same engine settings.
        return wasmtime.Module.deserialize(self.engine, serialized)

    def ensure_ticker(self) -> None:
        """Start the thread that advances the epoch, the clock of the time limit."""
        if self._ticker is not None:
            return
        with self._lock:
            if self._ticker is None:
                engine = self.engine

                def tick() -> None:
                    while True:
                        time.sleep(TICK_SECONDS)
                        engine.increment_epoch()

                self._ticker = threading.Thread(target=tick, name="wasm-epoch", daemon=True)
                self._ticker.start()


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """The process-wide runtime, created on first use."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


def make_signals(limits: Limits) -> Any:
    """A session's block shared with the C time-limit check: int64 [interrupted, time limit in ms]."""
    signals = (ctypes.c_int64 * 2)()
    signals[1] = limits.timeout_ms
    return signals


class Host:
    """What an instance needs from its session: limits, interrupts and an output sink.

    ``signals`` (from ``make_signals``) mirrors ``interrupted`` and the time
    limit for the C deadline check.
    """

    limits: Limits = Limits()
    interrupted: bool = False
    signals: Any = None

    def write_output(self, data: memoryview) -> None:
        """Receive bytes the guest wrote to stdout or stderr (copy what is kept: the view is borrowed)."""


def counters() -> memoryview:
    """A function's call statistics, [calls, errors]: two int64 the C call path counts in too."""
    return memoryview((ctypes.c_int64 * 2)()).cast("B").cast("q")


@dataclass(eq=False)
class Attached:
    """A function bound to an instance, with its call statistics."""

    export: str
    call: rawcall.BoundCall
    stats: memoryview  # [calls, errors], see ``counters``


class _Live:
    """One instantiation: a store, the instance in it and the epoch callback the store calls.

    They must die together (the store calls the callback), so a bound call
    keeps this whole record alive, never the store alone.
    """

    __slots__ = ("__weakref__", "callback", "context", "guest", "instance", "memory", "store")

    def __init__(self, store: wasmtime.Store, callback: Any, guest: Instance) -> None:
        self.store = store
        self.callback = callback  # with the control block it reads
        self.context = rawcall.context_address(store)
        self.guest = weakref.ref(guest)
        self.instance: Any = None
        self.memory: wasmtime.Memory | None = None


class _Image:
    """The state of an instance as it started: its memory's bytes and its mutable globals' values.

    ``usable`` is False if it cannot be put back this way: a reference global, or too much state.
    """

    __slots__ = ("base", "live", "restorers", "saved", "size", "size_now", "usable")

    # Beyond these, putting the state back costs as much as a new instance (whose memory wasmtime
    # maps copy-on-write), and a hostile module could make each call do unbounded work outside
    # the time limit: a new instance per call then.
    MAX_BYTES = MIB
    MAX_GLOBALS = 256

    def __init__(self, live: _Live, globals_: list[str], memory: str | None) -> None:
        self.live = live
        store = live.store
        self.size = 0
        self.size_now: Callable[[], int] | None = None
        self.restorers: list[Callable[[], Any]] = []
        self.usable = False
        if len(globals_) > self.MAX_GLOBALS:
            return
        restorers = [
            rawcall.global_restorer(store, rawcall.instance_export(store, live.instance, name))
            for name in globals_
        ]
        self.restorers = [r for r in restorers if r is not None]
        if memory is not None:
            exported = rawcall.instance_export(store, live.instance, memory)
            self.size_now = rawcall.memory_size(store, exported)
            self.size = self.size_now()
            if self.size > self.MAX_BYTES:
                return
            self.base = exported.data_ptr(store)
            self.saved = ctypes.create_string_buffer(self.size)
            ctypes.memmove(self.saved, self.base, self.size)
        self.usable = None not in restorers

    def put_back(self) -> bool:
        """Put the state back; False if it cannot be (memory grew, and cannot shrink)."""
        if not self.usable:
            return False
        if self.size_now is not None:
            if self.size_now() != self.size:
                return False
            ctypes.memmove(self.base, self.saved, self.size)
        # An error pointer back means wasmtime refused (never for a number of the global's type).
        return all(not restore() for restore in self.restorers)


class Instance:
    """A compiled module instantiated for one session, started afresh whenever needed.

    The object stays the same for the life of the session; the wasmtime
    store behind it is dropped after a trap (its state may be half updated),
    when linear memory has grown well past its starting size (libSQL's ABI
    never frees) and when limits change, and the next call starts a fresh
    one. ``control`` is shared with the C call path and the deadline check
    (_wasmcall.c), its slots named as there: ``ENTRIES`` counts entries into
    Wasm (each call, each ``libsql_malloc``, each start function), so that
    every entry gets a time limit of its own; ``BOUND`` is 1 while a store is
    bound, and nothing calls into Wasm while it is 0; ``SEEN`` and ``SINCE``
    are the entry the deadline check saw last and since when (monotonic ns);
    ``SIGNALS`` is the address of the host's ``signals``; ``THRESHOLD`` the
    memory size past which the instance is replaced; ``HAS_MEMORY`` is 1 while
    the slots from ``MEMORY`` hold the bound store's ``wasmtime_memory_t``;
    ``HOLDERS`` counts the aggregate groups the C call path keeps in the store;
    ``STARTS`` is ``starts``; ``KNOWN`` how much of the store's memory the C
    call path knows is there, and ``BASE`` where it is (a memory never
    moves); ``STALE`` is ``stale``.
    """

    def __init__(
        self,
        runtime: Runtime,
        compiled: CompiledModule,
        host: Host,
        *,
        state: tuple[list[str], str | None] | None = None,
    ) -> None:
        """``state``: the exports of the module's mutable globals and memory (wasmbin.exporting_state),
        for an instance whose state ``reset`` puts back after each call."""
        self.runtime = runtime
        self._state_exports = state
        self._image: _Image | None = None
        self.compiled = compiled
        self.host = host
        self.attached: list[Attached] = []
        self.control = (ctypes.c_uint64 * CONTROL_SLOTS)()
        self.gate = memoryview(self.control).cast("B").cast("Q")
        self.gate[SEEN] = 2**64 - 1  # no entry seen yet
        self.gate[SIGNALS] = ctypes.addressof(host.signals)
        self.mem: memoryview = memoryview(b"")
        self.mem_size = 0
        self.threshold = float("inf")
        self._malloc: rawcall.BoundCall | None = None
        if compiled.has_malloc:
            self._malloc = rawcall.BoundCall(rawcall.Slots(1), ["i32"], ["i32"])
        self._stop: str | None = None  # why a host function stopped the guest
        self._live: _Live | None = None
        # Open table-valued function cursors hold state in this store: while any does, growth
        # does not replace it (a trap still does, and ``starts`` tells them).
        self.pins = 0
        # Aggregate states living in this store (aggregate.GroupState), which keep it from being
        # replaced for growth in the same way; each remembers ``starts`` to tell a later store.
        self.holders: weakref.WeakSet[Any] = weakref.WeakSet()
        self._start("module start-up")  # a module that cannot start is refused at once

    # -- life cycle --------------------------------------------------------

    @property
    def live(self) -> bool:
        """Whether a store is bound (the next call does not start one)."""
        return bool(self.gate[BOUND])

    def ensure(self, function: str) -> None:
        """Before a call of ``function``: start a fresh instance if there is none, or raise why not."""
        if not self.gate[BOUND]:
            self._start(function)

    def _start(self, function: str) -> None:
        self._bind(self.prepare(self.host.limits, function))

    def prepare(self, limits: Limits, function: str = "module start-up") -> _Live:
        """A new store and instance under ``limits``, not yet bound; raise if the module cannot start."""
        runtime = self.runtime
        runtime.ensure_ticker()
        store = wasmtime.Store(runtime.engine)
        store.set_limits(
            memory_size=limits.memory_bytes,
            table_elements=limits.table_elements,
            instances=4,
            tables=MAX_TABLES,
            memories=1,
        )
        guest = weakref.ref(self)

        def check() -> str | None:
            instance = guest()
            return instance._check_deadline() if instance is not None else "instance closed"

        live = _Live(store, rawcall.on_epoch_deadline(store, check, self.control), self)
        self.gate[ENTRIES] += 1  # the start function runs under a time limit of its own
        self._stop = None
        try:
            if self.compiled.uses_wasi:
                store.set_wasi(wasmtime.WasiConfig())
                wasi.enter(live.context, live)
                live.instance = runtime.wasi_linker.instantiate(store, self.compiled.module)
            else:
                live.instance = wasmtime.Instance(store, self.compiled.module, [])
        except (wasmtime.WasmtimeError, wasmtime.Trap) as exc:
            wasi.leave(live.context)
            raise self._start_error(exc, limits, function) from None
        if self.compiled.has_memory:
            live.memory = rawcall.instance_export(store, live.instance, "memory")
        return live

    def _start_error(self, exc: Exception, limits: Limits, function: str) -> WasmError:
        message = self._stopped_by() or wasmtime_message(str(exc))
        if "time limit exceeded" in message:
            return TimeLimitExceeded(
                function, f"time limit of {limits.timeout_ms} ms exceeded while the module started"
            )
        if "interrupted" in message:
            return Interrupted(function, "interrupted while the module started")
        counted = re.search(r"(memory|table|instance) count too high", message)
        if counted:
            most = {"memory": "1 memory", "table": f"{MAX_TABLES} tables", "instance": "1 instance"}
            return ModuleError(
                f"cannot instantiate wasm module: it has more than {most[counted.group(1)]}, "
                "the most a module may have here"
            )
        if "memory" in message and ("limit" in message or "exceeds" in message):
            return MemoryLimitExceeded(
                function, f"the module needs more memory than the limit of {limits.memory_mb} MiB"
            )
        if "table" in message and ("limit" in message or "exceeds" in message):
            return ModuleError(
                f"cannot instantiate wasm module: its tables need more than the limit of "
                f"{limits.table_elements} elements"
            )
        if isinstance(exc, wasmtime.Trap):
            return ModuleError(f"wasm module trapped while starting: {message}")
        return ModuleError(f"cannot instantiate wasm module: {message}")

    def bind(self, live: _Live) -> None:
        """Make ``live`` (from ``prepare``) the instance calls go to; the old one is dropped."""
        self.retire()
        self._bind(live)

    @property
    def threshold(self) -> float:
        """Past this many bytes of linear memory the instance is replaced between calls."""
        value = self.gate[THRESHOLD]
        return float("inf") if value == NO_THRESHOLD else value

    @threshold.setter
    def threshold(self, value: float) -> None:
        self.gate[THRESHOLD] = NO_THRESHOLD if value == float("inf") else int(value)

    @property
    def stale(self) -> bool:
        """Whether the instance is to be replaced when no state lives in it (memory grew too far)."""
        return bool(self.gate[STALE])

    @stale.setter
    def stale(self, value: bool) -> None:
        self.gate[STALE] = int(value)

    @property
    def starts(self) -> int:
        """Stores bound so far: an aggregate's state tells the one it began in."""
        return self.gate[STARTS]

    @property
    def held(self) -> bool:
        """Whether state lives in the store: an open table cursor or an aggregate group."""
        return bool(self.pins or self.holders or self.gate[HOLDERS])

    def _bind(self, live: _Live) -> None:
        self._live = live
        self.gate[STARTS] += 1
        self.gate[KNOWN] = self.gate[BASE] = 0
        if self._malloc is not None:
            self._malloc.rebind(live, live.store, self._export("libsql_malloc"))
        for a in self.attached:
            a.call.rebind(live, live.store, self._export(a.export))
        self.stale = False
        self.threshold = float("inf")
        self.gate[BOUND] = 1
        self.refresh_memory()
        self.threshold = max(2 * self.mem_size, self.mem_size + 16 * MIB)
        struct = rawcall.memory_struct(live.memory, 8 * MEMORY_SLOTS) if live.memory is not None else None
        if struct is not None:
            ctypes.memmove(ctypes.addressof(self.control) + 8 * MEMORY, struct, len(struct))
            self.gate[HAS_MEMORY] = 1
        if self._state_exports is not None:
            self._image = _Image(live, *self._state_exports)

    def retire(self) -> None:
        """Drop the store; the next call starts a fresh one. Nothing can call into the old one."""
        self.gate[BOUND] = self.gate[HAS_MEMORY] = self.gate[KNOWN] = self.gate[BASE] = 0
        self._image = None
        live, self._live = self._live, None
        self.mem = memoryview(b"")
        self.mem_size = 0
        self.stale = False
        if self._malloc is not None:
            self._malloc.unbind()
        for a in self.attached:
            a.call.unbind()
        if live is not None and self.compiled.uses_wasi:
            wasi.leave(live.context)

    def reset(self) -> None:
        """After a call: put back the state the instance started with (memory and mutable globals),
        or drop it if that cannot be (no image of it, or memory grew); the next call starts one."""
        image = self._image
        if image is None or not image.put_back():
            self.retire()

    def _export(self, name: str) -> Any:
        live = self._live
        assert live is not None
        return rawcall.instance_export(live.store, live.instance, name)

    def close(self) -> None:
        """The session is done with this instance: drop its store (a call still held by a
        running statement would start a new one, which goes when the call does)."""
        self.retire()

    def attach(self, export: str) -> Attached:
        """Bind ``export`` for fast calls; the binding follows the instance through restarts."""
        sig = self.compiled.exports[export]
        call = rawcall.BoundCall(
            rawcall.Slots(max(len(sig.params), len(sig.results))),
            list(sig.params),
            list(sig.results),
        )
        call.deadline_ticks = max(1, round(self.host.limits.timeout_ms / 1000 / TICK_SECONDS))
        live = self._live
        if live is not None:
            call.rebind(live, live.store, self._export(export))
        attached = Attached(export, call, counters())
        self.attached.append(attached)
        return attached

    # -- time limit ------------------------------------------------------------

    def _check_deadline(self) -> str | None:
        """Whether the Wasm running now must stop: what _wasmcall.c's deadline_check does, in Python.

        Called by a host function while the guest waits, and by wasmtime once
        a tick when the C part is not built.
        """
        if self.host.interrupted:
            return "interrupted"
        gate = self.gate
        now = time.monotonic_ns()  # CLOCK_MONOTONIC, as in C
        if gate[ENTRIES] != gate[SEEN]:
            # A new entry into Wasm since the last look: its time starts now.
            gate[SEEN], gate[SINCE] = gate[ENTRIES], now
            return None
        if now - gate[SINCE] >= self.host.limits.timeout_ms * 1_000_000:
            return "time limit exceeded"
        return None

    def check_in_host(self) -> None:
        """From a host function while the guest waits: stop it at the time limit or on Ctrl-C."""
        reason = self._check_deadline()
        if reason is not None:
            self._stop = reason
            raise wasi.GuestStopped(reason)

    def _stopped_by(self) -> str | None:
        """Why a host function stopped the guest (once), or None."""
        reason, self._stop = self._stop, None
        if reason is not None:
            rawcall.take_host_exception()
        return reason

    def write_output(self, data: memoryview) -> None:
        """Guest stdout/stderr bytes, passed on to the host."""
        self.host.write_output(data)

    # -- memory ----------------------------------------------------------------

    def refresh_memory(self) -> None:
        """Re-read the size of linear memory and rebuild the view of it."""
        live = self._live
        if live is None or live.memory is None:
            return
        size = live.memory.data_len(live.store)
        if size != self.mem_size or not len(self.mem):
            base = ctypes.cast(live.memory.data_ptr(live.store), ctypes.c_void_p).value
            self.mem_size = size
            view = (ctypes.c_ubyte * size).from_address(base) if size else b""
            self.mem = memoryview(view).cast("B")
        if size > self.threshold:
            self.stale = True

    def maintain(self) -> None:
        """Between calls: notice growth the guest did by itself; drop the instance when too large,
        unless a cursor or an aggregate state lives in it (then it waits for the last one)."""
        self.refresh_memory()
        if self.stale:
            if self.held:
                # The C path stops asking after each call; releasing the last holder asks again.
                self.gate[STALE] = STALE_HELD
            else:
                self.retire()

    def _in_bounds(self, start: int, length: int) -> bool:
        if start + length <= self.mem_size:
            return True
        self.refresh_memory()
        return start + length <= self.mem_size

    def put(self, value: Any, function: str, position: int) -> int:
        """Copy a TEXT, BLOB or NULL into guest memory through libsql_malloc; return the pointer.

        The caller has made sure a store is bound (``ensure``).
        """
        if type(value) is str:
            data = value.encode("utf-8", "surrogatepass")
            header, trailer = b"\x03", b"\x00"
        elif type(value) is bytes:
            data = value
            header, trailer = b"\x04" + len(data).to_bytes(4, "big"), b""
        elif value is None:
            data, header, trailer = b"", b"\x05", b""
        else:
            raise ArgumentError(
                f"wasm function {function}: argument {position} expects TEXT, BLOB or NULL, "
                f"got {sql_type_name(value)}"
            )
        malloc = self._malloc
        if malloc is None:
            raise ArgumentError(
                f"wasm function {function}: argument {position} is a {sql_type_name(value)}, "
                "which needs the module to export libsql_malloc(i32) -> i32"
            )
        total = len(header) + len(data) + len(trailer)
        if total > 0x7FFFFFFF:
            raise ArgumentError(f"wasm function {function}: argument {position} is too large")
        slots = malloc.slots
        slots.i[0] = total
        self.gate[ENTRIES] += 1
        err = malloc.fn(*malloc.args)
        if err or slots.q[slots.trap]:
            self.malloc_failed(err, total, function)
        pointer = slots.i[0] & 0xFFFFFFFF
        if pointer == 0 or not self._in_bounds(pointer, total):
            self.misplaced(pointer, total, function)
        end = pointer + len(header)
        mem = self.mem
        mem[pointer:end] = header
        mem[end : end + len(data)] = data
        if trailer:
            mem[end + len(data)] = 0
        if pointer + total > self.threshold:
            self.stale = True
        return pointer

    @property
    def malloc_call(self) -> rawcall.BoundCall | None:
        """The binding of the module's libsql_malloc, if it has one."""
        return self._malloc

    def malloc_failed(self, err: int | None, total: int, function: str) -> None:
        """Raise for a libsql_malloc call that trapped while placing an argument of ``total`` bytes."""
        assert self._malloc is not None
        self.fail(self._malloc, err, function, None, needed=total, helper="libsql_malloc")

    def misplaced(self, pointer: int, total: int, function: str) -> None:
        """Raise for libsql_malloc returning a pointer where ``total`` bytes do not fit."""
        size = self.mem_size
        self.retire()
        where = (
            "a null pointer"
            if pointer == 0
            else f"where {total} bytes do not fit in linear memory ({size} bytes)"
        )
        raise ResultError(f"wasm function {function}: libsql_malloc({total}) returned {pointer}, {where}")

    def get(self, pointer: int, function: str) -> Any:
        """Read the tagged value a function returned a pointer to."""
        mem = self.mem
        if not self._in_bounds(pointer, 1):
            raise ResultError(
                f"wasm function {function}: result pointer {pointer} is outside linear memory "
                f"({self.mem_size} bytes)"
            )
        mem = self.mem
        tag = mem[pointer]
        if tag == TAG_TEXT:
            start = pointer + 1
            window = 256
            while True:
                stop = min(start + window, self.mem_size)
                chunk = bytes(self.mem[start:stop])
                nul = chunk.find(0)
                if nul >= 0:
                    break
                if stop >= self.mem_size:
                    # The guest may have grown memory during the call.
                    known = self.mem_size
                    self.refresh_memory()
                    if self.mem_size == known:
                        raise ResultError(
                            f"wasm function {function}: TEXT result at {pointer} has no NUL "
                            "terminator before the end of linear memory"
                        )
                window *= 4
            try:
                return chunk[:nul].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ResultError(
                    f"wasm function {function}: TEXT result is not valid UTF-8 "
                    f"(byte 0x{chunk[exc.start]:02x} at offset {exc.start})"
                ) from None
        if tag == TAG_BLOB:
            if not self._in_bounds(pointer, 5):
                raise ResultError(
                    f"wasm function {function}: BLOB result at {pointer} runs past the end of linear memory"
                )
            mem = self.mem
            length = int.from_bytes(mem[pointer + 1 : pointer + 5], "big")
            if length > 0x7FFFFFFF or not self._in_bounds(pointer + 5, length):
                raise ResultError(
                    f"wasm function {function}: BLOB result of {length} bytes at {pointer} runs "
                    f"past the end of linear memory ({self.mem_size} bytes)"
                )
            return bytes(self.mem[pointer + 5 : pointer + 5 + length])
        if tag == TAG_NULL:
            return None
        raise ResultError(f"wasm function {function}: malformed result type byte {tag}")

    # -- failures --------------------------------------------------------------

    def fail(
        self,
        call: rawcall.BoundCall,
        err: int | None,
        function: str,
        stats: list[int] | None,
        needed: int = 0,
        helper: str | None = None,
    ) -> None:
        """Raise the error for a call that trapped; the instance is dropped first.

        ``needed`` is what was being allocated, if anything; ``helper`` names
        the ABI helper (libsql_malloc) that trapped on the function's behalf.
        """
        message, code = call.take_error(err)
        if stats is not None:
            stats[1] += 1
        at_cap = False
        live = self._live
        if live is not None and live.memory is not None:
            used = live.memory.data_len(live.store)
            at_cap = used + max(needed, 65536) > self.host.limits.memory_bytes
        stopped = self._stopped_by()
        self.retire()
        reason = stopped or (_TRAP_CODES.get(code) if code is not None else None)
        if reason is None:
            host_error = rawcall.take_host_exception()
            reason = (
                f"WASI call failed: {host_error}" if host_error is not None else wasmtime_message(message)
            )
        if helper:
            reason = f"{helper}: {reason}"
        limits = self.host.limits
        if "time limit exceeded" in reason:
            raise TimeLimitExceeded(function, f"time limit of {limits.timeout_ms} ms exceeded")
        if "interrupted" in reason:
            raise Interrupted(function, "interrupted")
        if at_cap:
            raise MemoryLimitExceeded(function, f"memory limit of {limits.memory_mb} MiB reached ({reason})")
        raise WasmTrap(function, reason)
