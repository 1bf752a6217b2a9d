"""samples/ teaches by example, so every example in it must be true.

Each .wat sample opens with comment lines such as

    ;;   SELECT gcd(12, 18);    -- 6
    ;;   SELECT divide(1, 0);   -- error: wasm trap in divide: integer divide by zero

which are run here and compared; every function a sample exports has at
least one. demo.sql is piped into the installed shell as the README says.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import test_cli
from conftest import ROOT, SAMPLES, open_session

from wasmshell.engine.module import sql_functions
from wasmshell.engine.tables import table_names, table_parts
from wasmshell.engine.wasmbin import export_signatures

home = test_cli.home
WAT_SAMPLES = sorted(SAMPLES.glob("*.wat"))


@dataclass
class Example:
    sql: str
    expected: str | None = None  # None: only that it runs


@dataclass
class Walkthrough:
    commands: list[str] = field(default_factory=list)  # dot-commands, in order before the examples
    examples: list[Example] = field(default_factory=list)


def walkthrough(path: Path) -> Walkthrough:
    """The example lines of a sample's opening comment."""
    found = Walkthrough()
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.startswith(";;"):
            break
        line = raw[2:].strip()
        if line.startswith("."):
            found.commands.append(line)
        elif line.upper().startswith("SELECT"):
            sql, _, expected = line.partition("--")
            found.examples.append(Example(sql.strip(), expected.strip() or None))
        elif line.startswith("--") and found.examples and found.examples[-1].expected is None:
            found.examples[-1].expected = line[2:].strip()
    return found


def shown(row: tuple) -> str:
    """A row as the examples write it: list mode, NULL spelled out."""
    return "|".join("NULL" if v is None else repr(v) if isinstance(v, float) else str(v) for v in row)


@pytest.mark.parametrize("path", WAT_SAMPLES, ids=lambda p: p.name)
def test_every_example_in_a_sample_holds(path):
    tour = walkthrough(path)
    assert tour.examples, f"{path.name} has no SELECT ... -- result examples"
    s = open_session()
    try:
        loaded = False
        for command in tour.commands:
            name, *args = command.split()
            if name == ".loadwasm":
                assert args == [f"samples/{path.name}"], command
                s.register_module((ROOT / args[0]).read_text())
                loaded = True
            elif name == ".wasmlimits" and args[0] == "timeout":
                s.limits = s.limits._replace(timeout_ms=int(args[1]))
            else:
                pytest.fail(f"{path.name}: no way to check {command!r} here")
        if not loaded:
            s.register_module(path.read_text())
        for example in tour.examples:
            assert example.expected is not None, f"{path.name}: {example.sql} shows no result"
            if example.expected.startswith("error:"):
                with pytest.raises(Exception) as err:
                    list(s.execute(example.sql))
                assert example.expected[len("error:") :].strip() in str(err.value), example.sql
                continue
            expected = re.sub(r"\s+\([^()]*\)$", "", example.expected)  # a remark after the result
            got = [shown(tuple(r)) for r in s.execute(example.sql)]
            assert got == [expected], example.sql
    finally:
        s.close()


@pytest.mark.parametrize("path", WAT_SAMPLES, ids=lambda p: p.name)
def test_every_function_of_a_sample_has_an_example(path):
    import wasmtime

    exports = export_signatures(bytes(wasmtime.wat2wasm(path.read_text())))
    found = table_names(exports)  # a table-valued function's exports are one function
    parts = {part for name in found for part in table_parts(name, exports)}
    # an aggregate's exports are one function too
    functions = {name for name, _export in sql_functions([e for e in exports if e not in parts])} | set(found)
    examples = " ".join(e.sql for e in walkthrough(path).examples)
    missing = {name for name in functions if not re.search(rf"\b{re.escape(name)}\(", examples)}
    assert not missing, f"{path.name}: no example calls {sorted(missing)}"


def test_demo_script_runs_through_the_shell(home):
    proc = subprocess.run(
        [test_cli.WASMSHELL],
        stdin=(SAMPLES / "demo.sql").open("rb"),
        capture_output=True,
        cwd=ROOT,
        env=home,
        timeout=60,
    )
    out = proc.stdout.decode()
    # Every function of the tour runs in libSQL too: no note says otherwise.
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr.decode()
    # run_wasm, CREATE FUNCTION and the functions .loadwasm brought in
    assert re.search(r"│ answer │\n╞═+╡\n│ +42 │", out)
    assert re.search(r"│ 1071 │ 462 │ +21 │", out)  # numbers right-aligned
    assert re.search(r"│ añb +│ bña ", out)
    assert re.search(r"│ 30 │ 832040 ", out)
    # .funcs lists every function, .wat prints the stored module back
    listed = {
        line.split()[0]
        for line in out.splitlines()
        if re.match(r"\w+ +(scalar|aggregate|window) +\w+\(", line)
    }
    assert {"gcd", "fib", "reverse_text", "crc32", "nullif_empty", "is_null"} <= listed
    assert '(func (export "gcd") (param $a i64)' in out
    assert out.rstrip().endswith("Done.")
