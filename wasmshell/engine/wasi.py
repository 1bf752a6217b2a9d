"""The WASI functions wasmshell implements itself, over wasmtime's capability-less WASI.

wasmtime's WASI has no files, no environment and no network, but three of
its functions take what a sandbox must bound:

- ``fd_write`` to stdout or stderr: wasmtime writes to a file or pipe as
  fast as the guest can produce; here the bytes go to the session, up to
  the output limit per statement, and the rest is counted and dropped
  (the guest is told everything was written, so it does not retry).
- ``poll_oneoff`` (``sleep()``, ``nanosleep``): wasmtime sleeps in host code,
  where the epoch time limit and Ctrl-C cannot reach; here the sleep is
  taken in short steps that check both.
- ``clock_time_get``: the clock ``poll_oneoff``'s absolute timeouts are
  measured against must be the one it sleeps by.

One linker per runtime serves every store: each function finds the calling
instance from the store it runs in.
"""

from __future__ import annotations

import ctypes
import struct
import time
import weakref
from typing import Any, Protocol

import wasmtime

from . import rawcall

MODULE = "wasi_snapshot_preview1"
# errno values of WASI preview 1
ESUCCESS, EBADF, EFAULT, EINVAL, ENOTSUP = 0, 8, 21, 28, 58
CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS, CLOCK_THREAD = 0, 1, 2, 3
EVENT_CLOCK, EVENT_FD_READ, EVENT_FD_WRITE = 0, 1, 2
SUBSCRIPTION_SIZE, EVENT_SIZE = 48, 32
SLEEP_STEP = 0.02  # seconds between looks at the time limit and Ctrl-C while a guest sleeps

_guests: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


class Guest(Protocol):
    """What the host functions need of the instance calling them (runtime.Instance is one)."""

    def write_output(self, data: memoryview) -> None:
        """Take bytes written to stdout or stderr (the view is borrowed)."""

    def check_in_host(self) -> None:
        """Raise GuestStopped at the time limit or on Ctrl-C."""


class GuestStopped(Exception):
    """Raised inside a host function to stop the guest; the instance keeps the reason."""


def enter(context: int, live: Any) -> None:
    """Let the host functions find ``live`` (and its ``guest``) from calls made in the store
    whose context is at address ``context``."""
    _guests[context] = live


def leave(context: int) -> None:
    """The store is going away: its calls no longer reach anyone."""
    _guests.pop(context, None)


def _instance(caller: wasmtime.Caller) -> Guest:
    live = _guests.get(rawcall.caller_context_address(caller))
    guest = live.guest() if live is not None else None
    if guest is None:  # pragma: no cover - a store whose instance is gone cannot be running
        raise GuestStopped("the wasm instance is gone")
    return guest


def _memory(caller: wasmtime.Caller) -> tuple[int, int] | None:
    """(address, size) of the guest's exported memory, or None."""
    memory = caller.get("memory")
    if not isinstance(memory, wasmtime.Memory):
        return None
    size = memory.data_len(caller)
    address = ctypes.cast(memory.data_ptr(caller), ctypes.c_void_p).value or 0
    return address, size


def _view(memory: tuple[int, int], start: int, length: int) -> memoryview | None:
    """Bytes [start, start + length) of guest memory, or None if they are not all inside."""
    address, size = memory
    if start < 0 or length < 0 or start + length > size:
        return None
    if length == 0:
        return memoryview(b"")
    return memoryview((ctypes.c_ubyte * length).from_address(address + start)).cast("B")


def fd_write(caller: wasmtime.Caller, fd: int, iovs: int, count: int, written: int) -> int:
    """Guest output: stdout and stderr go to the session, within the output limit."""
    if fd not in (1, 2):
        return EBADF
    memory = _memory(caller)
    if memory is None:
        return EFAULT
    iovs &= 0xFFFFFFFF
    count &= 0xFFFFFFFF
    table = _view(memory, iovs, 8 * count)
    out = _view(memory, written & 0xFFFFFFFF, 4)
    if table is None or out is None:
        return EFAULT
    instance = _instance(caller)
    total = 0
    for k in range(count):
        start, length = struct.unpack_from("<II", table, 8 * k)
        data = _view(memory, start, length)
        if data is None:
            return EFAULT
        instance.write_output(data)
        total += length
    if total > 0xFFFFFFFF:
        return EINVAL
    struct.pack_into("<I", out, 0, total)
    return ESUCCESS


def clock_time_get(caller: wasmtime.Caller, clock: int, _precision: int, result: int) -> int:
    """The time of a clock, in nanoseconds; the monotonic one is the one poll_oneoff sleeps by."""
    memory = _memory(caller)
    out = _view(memory, result & 0xFFFFFFFF, 8) if memory is not None else None
    if out is None:
        return EFAULT
    now = _now(clock)
    if now is None:
        return EINVAL
    struct.pack_into("<Q", out, 0, now)
    return ESUCCESS


def _now(clock: int) -> int | None:
    if clock == CLOCK_REALTIME:
        return time.time_ns()
    if clock == CLOCK_MONOTONIC:
        return time.monotonic_ns()
    if clock == CLOCK_PROCESS:
        return time.process_time_ns()
    if clock == CLOCK_THREAD:
        return time.thread_time_ns()
    return None


def poll_oneoff(caller: wasmtime.Caller, subscriptions: int, events: int, count: int, nevents: int) -> int:
    """Wait for the first of some events; sleeping is cut short by the time limit and Ctrl-C.

    The guest has no files, so a file descriptor is ready at once (stdin at
    its end, stdout and stderr writable, anything else a bad descriptor);
    only clocks make it wait.
    """
    memory = _memory(caller)
    if memory is None:
        return EFAULT
    count &= 0xFFFFFFFF
    if count == 0:
        return EINVAL
    subs = _view(memory, subscriptions & 0xFFFFFFFF, SUBSCRIPTION_SIZE * count)
    out = _view(memory, events & 0xFFFFFFFF, EVENT_SIZE * count)
    done = _view(memory, nevents & 0xFFFFFFFF, 4)
    if subs is None or out is None or done is None:
        return EFAULT
    ready: list[tuple[int, int, int]] = []  # (userdata, errno, event type)
    wake_at: float | None = None
    clocks: list[tuple[float, int]] = []
    for k in range(count):
        base = SUBSCRIPTION_SIZE * k
        userdata, tag = struct.unpack_from("<QB", subs, base)
        if tag == EVENT_CLOCK:
            clock, timeout, _precision, flags = struct.unpack_from("<I4xQQH", subs, base + 16)
            now = _now(clock)
            if now is None:
                ready.append((userdata, EINVAL, tag))
                continue
            wait = (timeout - now if flags & 1 else timeout) / 1e9
            at = time.monotonic() + max(wait, 0.0)
            clocks.append((at, userdata))
            wake_at = at if wake_at is None else min(wake_at, at)
        elif tag in (EVENT_FD_READ, EVENT_FD_WRITE):
            (fd,) = struct.unpack_from("<I", subs, base + 16)
            readable = tag == EVENT_FD_READ and fd == 0
            writable = tag == EVENT_FD_WRITE and fd in (1, 2)
            ready.append((userdata, ESUCCESS if readable or writable else EBADF, tag))
        else:
            return EINVAL
    if not ready and wake_at is not None:
        instance = _instance(caller)
        while True:
            left = wake_at - time.monotonic()
            if left <= 0:
                break
            instance.check_in_host()  # raises GuestStopped at the time limit or on Ctrl-C
            time.sleep(min(left, SLEEP_STEP))
        now = time.monotonic()
        ready = [(userdata, ESUCCESS, EVENT_CLOCK) for at, userdata in clocks if at <= now]
    for k, (userdata, errno, tag) in enumerate(ready):
        struct.pack_into("<QHBxxxxxQH6x", out, EVENT_SIZE * k, userdata, errno, tag, 0, 0)
    struct.pack_into("<I", done, 0, len(ready))
    return ESUCCESS


def make_linker(engine: wasmtime.Engine) -> wasmtime.Linker:
    """A linker with wasmtime's WASI and wasmshell's own versions of the functions above."""
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    linker.allow_shadowing = True
    i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
    own = {
        "fd_write": (fd_write, [i32, i32, i32, i32]),
        "poll_oneoff": (poll_oneoff, [i32, i32, i32, i32]),
        "clock_time_get": (clock_time_get, [i32, i64, i32]),
    }
    for name, (function, params) in own.items():
        linker.define_func(MODULE, name, wasmtime.FuncType(params, [i32]), function, access_caller=True)
    return linker
