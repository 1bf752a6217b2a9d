"""Module fuzzing for wasmshell: mutants of the samples and fixtures, run through every path.

- ``binary``: just enough of the WebAssembly binary format to take a module apart and put it back.
- ``mutate``: byte-level and structure-aware mutations; ``mutant(seed, index)`` is deterministic.
- ``paths``: the three ways a module reaches the engine (C calls, Python calls, a stored function)
  and the oracle: every failure is a wasmshell error.
- ``driver``: runs mutants in worker subprocesses, so a crash or a hang is caught and its mutant saved.

Used by ``tests/test_fuzz_modules.py`` (a bounded, seeded run) and ``bench/fuzz_modules.py``
(the long run).
"""
