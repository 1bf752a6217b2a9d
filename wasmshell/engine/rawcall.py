"""The one place that touches wasmtime-py internals.

wasmtime-py's public ``Func.__call__`` asks the C API for the function type and
converts every argument on every call, which costs tens of microseconds. A SQL
function called once per row cannot afford that, so a bound function gets a
preallocated buffer of raw value slots and is called through the C API's
``wasmtime_func_call_unchecked``: the signature is checked once, when the
function is bound, and a call is one foreign call.

Everything here uses names that are private to wasmtime-py (``_bindings``,
``_func``, ``_context``). When an upgrade removes them, the public API is used
instead (slower, same behaviour), and only this module needs fixing.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import wasmtime

try:  # the private C bindings; every use of them is in this module
    from wasmtime import _bindings as _c

    _dll = ctypes.CDLL(_c.dll._name)  # wasmtime-py's library, for functions it does not wrap
    _call_unchecked = _dll.wasmtime_func_call_unchecked
    # No argtypes: every argument is passed as a ready-made ctypes object,
    # which skips ctypes' per-call conversion (about 0.6 us of 1.2 us).
    _call_unchecked.restype = ctypes.c_void_p
    _DEADLINE_CALLBACK = ctypes.CFUNCTYPE(
        ctypes.c_size_t,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_uint64),
        ctypes.POINTER(ctypes.c_uint8),
    )
    _set_deadline_callback = _dll.wasmtime_store_epoch_deadline_callback
    _set_deadline_callback.argtypes = [
        ctypes.c_void_p,
        _DEADLINE_CALLBACK,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    _set_deadline_callback.restype = None
    _error_new = _c._wasmtime_error_new
    from wasmtime._extern import wrap_extern as _wrap_extern

    _export_get = _c.wasmtime_instance_export_get
    _func_size = ctypes.sizeof(_c.wasmtime_func_t)
    _SLOT = _c.wasmtime_val_raw_t
    FAST = True
except (ImportError, AttributeError, OSError):  # pragma: no cover - depends on wasmtime version
    _call_unchecked = None
    FAST = False


class Slots:
    """Raw value slots for one function: arguments in, results out, then a trap pointer.

    ``q``, ``d``, ``i`` and ``f`` view the same bytes as int64, float64, int32 and
    float32; slot k is ``q[2*k]``, ``d[2*k]``, ``i[4*k]``, ``f[4*k]``. ``q[trap]``
    is non-zero after a call that trapped.
    """

    def __init__(self, nslots: int) -> None:
        self.count = max(nslots, 1)
        self._buf = (ctypes.c_int64 * (2 * self.count + 1))()
        raw = memoryview(self._buf).cast("B")
        self.q = raw.cast("q")
        self.d = raw.cast("d")
        self.i = raw.cast("i")
        self.f = raw.cast("f")
        self.trap = 2 * self.count
        self.ref = ctypes.byref(self._buf)
        self.trap_ref = ctypes.byref(self._buf, 8 * self.trap)
        self.n = ctypes.c_size_t(self.count)


def context_address(store: wasmtime.Store) -> int:
    """The address of a store's context: what wasmtime passes host functions (see wasi.py)."""
    return ctypes.cast(store._context(), ctypes.c_void_p).value or 0


def caller_context_address(caller: wasmtime.Caller) -> int:
    """The address of the store context a host function is called in (as ``context_address``)."""
    return ctypes.cast(caller._context(), ctypes.c_void_p).value or 0


def take_host_exception() -> BaseException | None:
    """The exception a host function raised during the last failed call, if any (and forget it).

    wasmtime-py turns it into a trap saying only "python exception" and keeps
    it to raise from its own call path, which wasmshell's calls bypass; left
    there, it would surface from an unrelated later call.
    """
    from wasmtime import _func

    exc = getattr(_func, "LAST_EXCEPTION", None)
    if exc is not None:
        _func.LAST_EXCEPTION = None
    return exc


class BoundCall:
    """A wasm function bound to its slots.

    ``fn(ctx, func, slots.ref, slots.n, slots.trap_ref)`` calls it; the
    arguments are ``self.args`` and stay the same objects for the life of the
    binding, so generated call code can capture them once. ``rebind`` points
    them at a new instance in place.
    """

    def __init__(self, slots: Slots, params: list[str], results: list[str]) -> None:
        self.slots = slots
        self.params = params
        self.results = results
        self.ctx = ctypes.c_void_p(0)
        self.error: BaseException | None = None
        if FAST:
            self.func = _c.wasmtime_func_t()
            self.fn: Callable[..., Any] = _call_unchecked
        else:  # pragma: no cover - depends on wasmtime version
            self.func = None
            self.fn = self._public_call
        self._owner: Any = None  # what keeps the store (and its callback) alive while bound
        self._store: wasmtime.Store | None = None
        self._public: wasmtime.Func | None = None
        # Used only without the private API, where no deadline callback exists:
        # each call then gets a fresh deadline of this many epoch ticks.
        self.deadline_ticks = 500

    @property
    def args(self) -> tuple[Any, ...]:
        """The five arguments of ``fn``, fixed for the life of the binding."""
        func_ref = ctypes.byref(self.func) if FAST else None
        return (self.ctx, func_ref, self.slots.ref, self.slots.n, self.slots.trap_ref)

    def addresses(self) -> tuple[int, int, int, int, int, int] | None:
        """Where a caller in C finds this binding, or None without the private API.

        (the unchecked call, the context pointer's storage, the function, the
        slots, their count, the trap slot); every address stays valid, with
        its contents updated in place by ``rebind``, while this object lives.
        """
        if not FAST:  # pragma: no cover - depends on wasmtime version
            return None
        buf = ctypes.addressof(self.slots._buf)
        return (
            ctypes.cast(_call_unchecked, ctypes.c_void_p).value or 0,
            ctypes.addressof(self.ctx),
            ctypes.addressof(self.func),
            buf,
            self.slots.count,
            buf + 8 * self.slots.trap,
        )

    def rebind(self, owner: Any, store: wasmtime.Store, func: wasmtime.Func) -> None:
        """Point this binding at ``func`` in ``store`` (a fresh instance).

        ``owner`` holds the store and everything that must outlive it (its
        epoch callback); the binding keeps it alive until ``unbind``.
        """
        self._owner = owner
        self._store = store
        self._public = func
        if FAST:
            self.ctx.value = context_address(store)
            ctypes.memmove(ctypes.addressof(self.func), ctypes.addressof(func._func), _func_size)

    def unbind(self) -> None:
        """Forget the store: the binding must not be called until rebound."""
        self.ctx.value = 0
        if FAST:
            ctypes.memset(ctypes.addressof(self.func), 0, _func_size)
        self._owner = self._store = self._public = None

    def _public_call(self, _ctx: Any, _func: Any, _buf: Any, _n: Any, _trap: Any) -> int:
        """The same contract as the unchecked call, through wasmtime's public API."""
        s = self.slots
        args = []
        for k, t in enumerate(self.params):
            args.append({"i64": s.q[2 * k], "i32": s.i[4 * k], "f64": s.d[2 * k], "f32": s.f[4 * k]}[t])
        try:
            self._store.set_epoch_deadline(self.deadline_ticks)  # type: ignore[union-attr]
            result = self._public(self._store, *args)  # type: ignore[misc]
        except Exception as exc:
            self.error = exc
            return 1
        if self.results:
            t = self.results[0]
            if t == "i64":
                s.q[0] = result
            elif t == "i32":
                s.i[0] = result
            elif t == "f64":
                s.d[0] = result
            else:
                s.f[0] = result
        return 0

    def take_error(self, err: int | None) -> tuple[str, int | None]:
        """Turn a failed call's error pointer or trap into (message, trap code).

        Frees what wasmtime handed over and clears the trap slot, so the
        binding is ready for the next call.
        """
        if self.error is not None:
            exc, self.error = self.error, None
            code = getattr(exc, "trap_code", None)
            return str(exc), code
        s = self.slots
        trap_address = s.q[s.trap]
        s.q[s.trap] = 0
        if err:
            error = wasmtime.WasmtimeError._from_ptr(ctypes.cast(err, ctypes.POINTER(_c.wasmtime_error_t)))
            return str(error), None
        if trap_address:
            trap = wasmtime.Trap._from_ptr(ctypes.cast(trap_address, ctypes.POINTER(_c.wasm_trap_t)))
            return trap.message, trap.trap_code
        return "unknown failure", None


def instance_export(store: wasmtime.Store, instance: wasmtime.Instance, name: str) -> Any:
    """One export of ``instance`` by name; KeyError if there is none.

    wasmtime-py's ``Instance.exports()`` fetches every export by index, and the
    C API walks the list for each index: 3,000 exports take 0.3 s, on every
    instantiation. A lookup by name is one call.
    """
    if not FAST:  # pragma: no cover - depends on wasmtime version
        return instance.exports(store)[name]
    raw = name.encode()
    item = _c.wasmtime_extern_t()
    if not _export_get(store._context(), ctypes.byref(instance._instance), raw, len(raw), ctypes.byref(item)):
        raise KeyError(name)
    return _wrap_extern(item)


_native_deadline: list[Any] = []  # [the C callback as a ctypes function pointer], or [None]


def _c_deadline_callback() -> Any:
    """The C epoch deadline callback of _wasmcall.c, or None without the C part (which gets the
    wasmtime functions it calls by themselves: wasmtime_error_new, wasmtime_memory_data and _size)."""
    if not _native_deadline:
        callback = None
        try:
            from . import _runwasm

            address = _runwasm.deadline_callback(
                *(
                    ctypes.cast(f, ctypes.c_void_p).value or 0
                    for f in (_error_new, _dll.wasmtime_memory_data, _dll.wasmtime_memory_data_size)
                )
            )
            callback = _DEADLINE_CALLBACK(address)
        except (ImportError, AttributeError, ValueError):
            pass
        _native_deadline.append(callback)
    return _native_deadline[0]


def on_epoch_deadline(store: wasmtime.Store, check: Callable[[], str | None], control: Any) -> Any:
    """Stop Wasm in ``store`` when its time limit is up or it is interrupted, looking once a tick.

    ``control`` is the instance's control block (runtime.Instance.control):
    with the C part, the check is _wasmcall.c's ``deadline_check`` reading
    it, and no Python runs while Wasm does. Without, ``check`` (the same
    logic in Python) is called: it returns None to let the code run one more
    tick, or a message to stop it with. Returns what must be kept alive with
    the store. Without the private API the deadline stays a plain one-shot deadline.
    """
    if not FAST:  # pragma: no cover - depends on wasmtime version
        return None
    callback = _c_deadline_callback()
    data: Any = ctypes.addressof(control)
    if callback is None:
        data = None

        @_DEADLINE_CALLBACK
        def callback(_ctx: int, _data: int, delta: Any, kind: Any) -> int:
            # Python's last resort: a KeyboardInterrupt raised as this is
            # entered still escapes, which the C callback cannot suffer.
            try:
                message = check()
                if message is None:
                    delta[0] = 1
                    kind[0] = 0  # WASMTIME_UPDATE_DEADLINE_CONTINUE
                    return 0
                return ctypes.cast(_error_new(message.encode()), ctypes.c_void_p).value or 0
            except BaseException:  # a callback must never raise into C
                return ctypes.cast(_error_new(b"interrupted"), ctypes.c_void_p).value or 0

    _set_deadline_callback(ctypes.cast(store.ptr(), ctypes.c_void_p), callback, data, None)
    store.set_epoch_deadline(1)
    return (callback, control)


_NUMBERS = ("i32", "i64", "f32", "f64")


def global_restorer(store: wasmtime.Store, glob: wasmtime.Global) -> Callable[[], Any] | None:
    """A call that sets ``glob`` back to the value it holds now; None for a reference global.

    wasmtime-py's ``Global.set_value`` looks the type up and converts the value
    on every call (about 25 us); this converts once and is one foreign call.
    """
    ty = glob.type(store).content
    if str(ty) not in _NUMBERS:
        return None
    value = glob.value(store)
    if not FAST:  # pragma: no cover - depends on wasmtime version
        return lambda: glob.set_value(store, value)
    from wasmtime._value import Val

    raw = Val._convert_to_raw(store, ty, value)
    setter = _dll.wasmtime_global_set
    setter.restype = ctypes.c_void_p
    args = (store._context(), ctypes.byref(glob._global), ctypes.byref(raw))
    keep = (glob, raw)

    def restore() -> Any:
        return setter(*args) if keep else None  # an error pointer: NULL for a number of its own type

    return restore


def memory_size(store: wasmtime.Store, memory: wasmtime.Memory) -> Callable[[], int]:
    """A call that gives ``memory``'s size in bytes now (``Memory.data_len`` without its lookups)."""
    if not FAST:  # pragma: no cover - depends on wasmtime version
        return lambda: memory.data_len(store)
    size = _c.wasmtime_memory_data_size
    args = (store._context(), ctypes.byref(memory._memory))
    return lambda: size(*args) if memory else 0


def memory_struct(memory: wasmtime.Memory, room: int) -> bytes | None:
    """The bytes of a memory's ``wasmtime_memory_t`` (what the C call path reads it through), or
    None without the private API or if it is larger than the ``room`` bytes kept for it."""
    if not FAST:  # pragma: no cover - depends on wasmtime version
        return None
    raw = ctypes.string_at(ctypes.addressof(memory._memory), ctypes.sizeof(memory._memory))
    return raw if len(raw) <= room else None
