"""Runs mutants in worker subprocesses, so that a crash or a hang is caught and its mutant saved.

A worker (``python -m wasmfuzz.driver SEED START STOP PATHS SCRATCH``) makes mutants
``START..STOP`` of run ``SEED`` itself and reports on a private copy of its stdout, one line per
event, flushed as it goes:

    M index            a mutant begins
    P index path       it goes down a path
    T index path compiled calls
    X {json}           an escape (an exception that is not a wasmshell error)
    Q index rss_kb     the worker stops early: its memory grew past the bound (it is restarted)
    D                  all done

The parent reads these with a watchdog: a worker that dies (a signal, a non-zero exit) crashed on
the last mutant and path it announced; one silent for ``hang_seconds`` is killed as a hang. Either
way the mutant is saved, the worker replaced, and the run goes on with the next mutant. Workers
are also replaced every ``chunk`` mutants, so that one mutant's leftovers (a cached module, an
instance) cannot colour the results of mutants much later in the run.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import random
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
ALL_PATHS = ("c", "python", "stored")


# -- the worker ---------------------------------------------------------------------------


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def worker(
    mutants: Callable[[int], Any],
    start: int,
    stop: int,
    paths: list[str],
    scratch: str,
    rss_mb: int,
    repeat: int,
) -> None:
    """Run mutants start..stop down each path (each ``repeat`` times), reporting on the protocol above."""
    # The protocol gets its own descriptor; anything else printed to stdout goes nowhere.
    report = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    from .paths import PATHS, Context

    ctx = Context(Path(scratch))
    for index in range(start, stop):
        m = mutants(index)
        rng = random.Random(f"wasmfuzz-args:{m.base}:{index}")
        report.write(f"M {index}\n")
        for path in paths:
            report.write(f"P {index} {path}\n")
            for _ in range(repeat):
                tally = PATHS[path](m.source, rng, ctx)
                for e in tally.escapes:
                    report.write("X " + json.dumps({"index": index, **e.__dict__}) + "\n")
            report.write(f"T {index} {path} {int(tally.compiled)} {tally.calls}\n")
        rss = _rss_kb()
        if rss > rss_mb * 1024 and index + 1 < stop:
            report.write(f"Q {index} {rss}\n")
            return
    report.write("D\n")


def _worker_main(argv: list[str]) -> None:
    """``seed SEED START STOP ...`` or ``file PATH ...``, then ``PATHS SCRATCH RSS_MB REPEAT``."""
    from .mutate import Mutant, mutant

    if argv[0] == "seed":
        seed, start, stop = (int(a) for a in argv[1:4])
        rest = argv[4:]

        def mutants(index: int) -> Mutant:
            return mutant(seed, index)
    else:
        start, stop, rest = 0, 1, argv[2:]
        mutants = functools.partial(_from_file, Path(argv[1]))
    paths, scratch, rss_mb, repeat = rest
    worker(mutants, start, stop, paths.split(","), scratch, int(rss_mb), int(repeat))


def _from_file(path: Path, index: int) -> Any:
    from .mutate import Mutant

    data = path.read_bytes()
    return Mutant(index, path.name, data if path.suffix == ".wasm" else data.decode("utf-8"))


# -- the parent ---------------------------------------------------------------------------


@dataclass
class Finding:
    """A crash, a hang, an escape or a memory restart, with what makes it again."""

    kind: str  # "crash", "hang", "escape", "memory"
    origin: str  # "seed N" or a file name
    index: int
    path: str
    detail: str
    signature: str
    base: str = ""
    ops: list[str] = field(default_factory=list)
    saved: str | None = None
    alone: bool | None = None  # happens again with this mutant alone in a fresh worker

    def describe(self) -> str:
        again = "" if self.alone is None else " (again alone)" if self.alone else " (not alone)"
        where = f" -> {self.saved}" if self.saved else ""
        return (
            f"{self.kind} {self.origin} mutant {self.index} [{self.path}] {self.signature}{again}\n"
            f"    {self.base} {' '.join(self.ops)}\n    {self.detail[:300]}{where}"
        )


@dataclass
class Report:
    origin: str
    count: int
    paths: tuple[str, ...]
    seconds: float = 0.0
    mutants: int = 0  # mutants that went down every path
    per_path: Counter[str] = field(default_factory=Counter)
    compiled: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    @property
    def problems(self) -> list[Finding]:
        """Crashes, hangs and escapes (a worker restarted for its memory is not one)."""
        return [f for f in self.findings if f.kind != "memory"]

    def by_class(self) -> Counter[str]:
        """Crashes and hangs by path and signal, escapes by path and exception class."""
        return Counter(f.signature.split(" at ")[0] for f in self.problems)

    def summary(self) -> str:
        rate = self.mutants / self.seconds if self.seconds else 0.0
        lines = [
            f"{self.origin}: {self.mutants:,} of {self.count:,} mutants in {self.seconds:.1f} s "
            f"({rate:.1f} mutants/s, each down {len(self.paths)} paths)",
        ]
        for path in self.paths:
            lines.append(
                f"  {path:7} {self.per_path[path]:,} mutants, {self.compiled[path]:,} compiled, "
                f"{self.calls[path]:,} calls"
            )
        counts = {kind: len(self.of_kind(kind)) for kind in ("crash", "hang", "escape", "memory")}
        lines.append(
            f"  crashes {counts['crash']}, hangs {counts['hang']}, uncaught exceptions {counts['escape']}, "
            f"memory restarts {counts['memory']}"
        )
        for cls, n in sorted(self.by_class().items()):
            lines.append(f"    {n:6,}  {cls}")
        firsts: dict[str, Finding] = {}
        for f in self.problems:
            firsts.setdefault(f.signature, f)
        if firsts:
            lines.append("  first of each kind:")
            lines += ["  " + f.describe().replace("\n", "\n  ") for f in firsts.values()]
        return "\n".join(lines)


def worker_env() -> dict[str, str]:
    """The environment of a worker: the fuzzer importable, no compiled-code cache on disk."""
    env = dict(os.environ)
    paths = [str(TESTS)]
    if importlib.util.find_spec("wasmshell") is None:
        paths.append(str(ROOT))
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["WASMSHELL_CODE_CACHE"] = "off"
    return env


class Worker:
    """One worker process and what it last said."""

    def __init__(self, origin: list[str], start: int, stop: int, rest: list[str]) -> None:
        self.start, self.stop = start, stop
        self.index: int | None = None  # the mutant under way
        self.path: str | None = None
        self.next = start  # the first mutant not yet finished
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the worker
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-X", "faulthandler", "-m", "wasmfuzz.driver", *origin, *rest],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            stdin=subprocess.DEVNULL,
            env=worker_env(),
            cwd=TESTS,
            preexec_fn=_no_core_dumps,
        )
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        self.buffer = b""
        self.last = time.monotonic()
        self.done = False  # said D
        self.quit = False  # said Q

    def lines(self) -> list[str] | None:
        """Complete lines read now; None at end of output."""
        data = os.read(self.fd, 65536)
        if not data:
            return None
        self.last = time.monotonic()
        self.buffer += data
        *complete, self.buffer = self.buffer.split(b"\n")
        return [line.decode("utf-8", "replace") for line in complete]

    def stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-1500:].decode("utf-8", "replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _signal_name(code: int) -> str:
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


class Run:
    """One fuzzing run: mutants ``start..start+count`` of a seed, or one module file; its workers.

    ``repeat`` runs each mutant down each path that many times in the same worker (some crashes
    need a function used after a failure); ``confirm`` runs each crasher and hanger again alone.
    """

    def __init__(
        self,
        origin: int | Path,
        count: int = 1,
        *,
        start: int = 0,
        paths: tuple[str, ...] = ALL_PATHS,
        jobs: int = 1,
        chunk: int = 1000,
        repeat: int = 1,
        crash_dir: Path | None = None,
        hang_seconds: float = 60.0,
        rss_mb: int = 2000,
        confirm: bool = True,
        progress: Callable[[Report], None] | None = None,
    ) -> None:
        self.origin = origin
        if isinstance(origin, Path):
            start, count = 0, 1
        self.paths, self.jobs, self.repeat = paths, jobs, repeat
        self.crash_dir, self.hang_seconds, self.rss_mb = crash_dir, hang_seconds, rss_mb
        self.confirm, self.progress = confirm, progress
        name = f"seed {origin}" if isinstance(origin, int) else origin.name
        self.report = Report(name, count, paths)
        self.pending = deque((a, min(a + chunk, start + count)) for a in range(start, start + count, chunk))
        self.scratch = tempfile.TemporaryDirectory(prefix="wasmfuzz-", dir=_fast_tmp())
        self._slots = deque(str(Path(self.scratch.name) / f"w{k}") for k in range(jobs))
        for slot in self._slots:
            os.mkdir(slot)

    def mutant(self, index: int) -> Any:
        from .mutate import mutant

        if isinstance(self.origin, Path):
            return _from_file(self.origin, index)
        return mutant(self.origin, index)

    def _spawn(self, start: int, stop: int, slot: str) -> Worker:
        if isinstance(self.origin, Path):
            origin = ["file", str(self.origin)]
        else:
            origin = ["seed", str(self.origin), str(start), str(stop)]
        rest = [",".join(self.paths), slot, str(self.rss_mb), str(self.repeat)]
        return Worker(origin, start, stop, rest)

    def go(self) -> Report:
        started = time.monotonic()
        active: dict[int, tuple[Worker, str]] = {}
        last_progress = started
        try:
            while self.pending or active:
                while self.pending and len(active) < self.jobs:
                    a, b = self.pending.popleft()
                    slot = self._slots.popleft()
                    w = self._spawn(a, b, slot)
                    active[w.fd] = (w, slot)
                ready, _, _ = select.select(list(active), [], [], 1.0)
                for fd in ready:
                    w, slot = active[fd]
                    if not self._feed(w):
                        del active[fd]
                        self._slots.append(slot)
                        self._finish(w)
                now = time.monotonic()
                for fd, (w, slot) in list(active.items()):
                    if now - w.last > self.hang_seconds:
                        w.kill()
                        del active[fd]
                        self._slots.append(slot)
                        self._lost(w, "hang", f"no progress for {self.hang_seconds:.0f} s")
                if self.progress and now - last_progress > 10:
                    last_progress = now
                    self.report.seconds = now - started
                    self.progress(self.report)
        finally:
            for w, _slot in active.values():
                w.kill()
            self.report.seconds = time.monotonic() - started
            self.scratch.cleanup()
        return self.report

    def _feed(self, w: Worker) -> bool:
        lines = w.lines()
        if lines is None:
            return False
        r = self.report
        for line in lines:
            tag, _, rest = line.partition(" ")
            if tag == "M":
                w.index, w.path = int(rest), None
            elif tag == "P":
                w.path = rest.split()[1]
            elif tag == "T":
                index, path, compiled, calls = rest.split()
                r.per_path[path] += 1
                r.compiled[path] += int(compiled)
                r.calls[path] += int(calls)
                if path == self.paths[-1]:
                    r.mutants += 1
                    w.next, w.index, w.path = int(index) + 1, None, None
            elif tag == "X":
                self._escape(json.loads(rest))
            elif tag == "Q":
                index, rss = rest.split()
                w.quit = True
                self._add(
                    Finding(
                        "memory", r.origin, int(index), "-", f"worker RSS {int(rss) // 1024} MiB", "memory"
                    )
                )
            elif tag == "D":
                w.done = True
        return True

    def _escape(self, e: dict) -> None:
        signature = f"{e['path']}: {e['cls']} at {e['where']}"
        seen = any(f.signature == signature for f in self.report.findings)
        detail = f"{e['step']}: {e['message']}"
        self._add(
            Finding("escape", self.report.origin, e["index"], e["path"], detail, signature), save=not seen
        )

    def _finish(self, w: Worker) -> None:
        code = w.proc.wait()
        if code == 0 and (w.done or w.quit):
            if w.next < w.stop:  # stopped early (memory): carry on in a fresh worker
                self.pending.appendleft((w.next, w.stop))
            return
        self._lost(w, "crash", f"{_signal_name(code)}; stderr: {w.stderr_tail()}")

    def _lost(self, w: Worker, kind: str, detail: str) -> None:
        """A worker that died or hung: blame the mutant under way and go on after it."""
        index = w.index if w.index is not None else w.next
        path = w.path or "-"
        if w.index is None:
            detail = f"between mutants (after {w.next - 1}): {detail}"
            if w.next == w.start and kind == "crash":
                raise RuntimeError(f"a fuzzing worker failed before its first mutant: {detail}")
        signature = f"{path}: {kind} {detail.split(';')[0].split(':')[0]}"
        finding = Finding(kind, self.report.origin, index, path, detail, signature)
        if self.confirm and w.index is not None and path != "-":
            again = Run(
                self.origin, 1, start=index, paths=(path,), repeat=self.repeat, hang_seconds=self.hang_seconds
            )
            again.confirm = False
            finding.alone = bool(again.go().of_kind(kind))
        self._add(finding)
        if index + 1 < w.stop:
            self.pending.appendleft((index + 1, w.stop))

    def _add(self, finding: Finding, save: bool = True) -> None:
        m = self.mutant(finding.index) if finding.kind != "memory" else None
        if m is not None:
            finding.base, finding.ops = m.base, m.ops
        if m is not None and save and self.crash_dir is not None:
            self.crash_dir.mkdir(parents=True, exist_ok=True)
            origin = finding.origin.replace(" ", "")
            stem = self.crash_dir / f"{finding.kind}-{origin}-{finding.index}-{finding.path}"
            data = m.source.encode() if isinstance(m.source, str) else m.source
            Path(f"{stem}{m.suffix}").write_bytes(data)
            again = ""
            if isinstance(self.origin, int):
                again = (
                    f"\n\nagain: python bench/fuzz_modules.py --seed {self.origin} --start {finding.index}"
                    f" --count 1 --paths {finding.path}"
                )
            Path(f"{stem}.txt").write_text(f"{finding.describe()}{again}\n\n{finding.detail}\n")
            finding.saved = f"{stem}{m.suffix}"
        self.report.findings.append(finding)


def _fast_tmp() -> str | None:
    """A memory-backed directory for the scratch databases, when there is one."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def run(origin: int | Path, count: int = 1, **options: Any) -> Report:
    """Fuzz ``count`` mutants of seed ``origin``, or one module file; see ``Run`` for the options."""
    return Run(origin, count, **options).go()


if __name__ == "__main__":
    _worker_main(sys.argv[1:])
