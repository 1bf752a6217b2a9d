"""Run SQLite's own shell tests (test/shell1.test ... shellB.test) against sqlite3 and wasmshell.

A measurement, not a CI test: it says how many of SQLite's cases each shell
passes, so the two can be compared file by file. Nothing fails when a count drops.

    python bench/shell_tests.py --git /path/to/sqlite/.git        # test/ at HEAD
    python bench/shell_tests.py --git REPO --rev 3.54.1 -v       # at a tag, list failures
    python bench/shell_tests.py --tests DIR shell1 shell5        # files already on disk

``--tests DIR`` is a folder holding SQLite's ``shell*.test`` and the ``*.sql`` /
``*.clitest`` scripts that ``shellB.test`` reads (SQLite's ``test/`` folder
does). ``--git REPO`` reads the same files out of a git clone of SQLite at
``--rev`` (default HEAD) into a temporary folder. SQLite's test files are not
part of this repository.

The shells compared are the reference (the sqlite3 shell APSW ships for the
SQLite inside wasmshell) and the ``wasmshell`` next to this Python; ``--shell
NAME=PROGRAM`` (repeatable) replaces them. Each is run under the name
``sqlite3`` (a symlink), as SQLite's test suite runs its CLI, so messages that
carry the program name compare as they would there.

How: each test file runs in ``tclsh`` (Debian package ``tcl``; without it the
script says so and exits 0) with a small tester written here in place of
SQLite's ``tester.tcl``, which needs SQLite's testfixture. It keeps what the
shell tests use with the same meaning: ``do_test`` (exact, ``/REGEXP/``,
``~/REGEXP/`` and ``*GLOB*`` expectations), ``catchcmd``, ``catchcmdex``,
``catchsafecmd``, ``do_execsql_test``, ``ifcapable`` (every feature present),
``set_test_counter``, ``finish_test``; the Tcl ``sqlite3``/``db`` command the
tests use to prepare and check database files is a stub that runs each
``db eval`` in APSW (this script, ``--db-helper``). Cases are counted as
``do_test`` runs them; for shellB, whose cases each run a whole ``.testcase`` /
``.check`` script, the checks inside are reported too ("inner").
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

TESTER_TCL = r"""
# Stand-in for SQLite's tester.tcl, enough for test/shell*.test (see shell_tests.py).
set ::CLI $env(SHELLTEST_CLI)
set ::shelltest_report [open $env(SHELLTEST_REPORT) a]
fconfigure $::shelltest_report -encoding utf-8
array set ::TC {count 0 errors 0 omit_list {}}

proc shelltest_hex {s} { binary encode hex [encoding convertto utf-8 $s] }
proc shelltest_emit {args} {
  puts $::shelltest_report $args
  flush $::shelltest_report
}

proc set_test_counter {counter args} {
  if {[llength $args]} {
    shelltest_emit counter $counter $::TC($counter) [lindex $args 0]
    set ::TC($counter) [lindex $args 0]
  }
  set ::TC($counter)
}
proc permutation {} { return "" }
proc get_pwd {} { pwd }
proc test_find_cli {} { return $::CLI }
proc test_cli_invocation {} { return $::CLI }
proc forcedelete {args} { foreach f $args { file delete -force -- $f } }
proc delete_file {args} { foreach f $args { file delete -force -- $f } }

# Every optional feature is taken as present: the reference shell has them all.
proc ifcapable {expr code {else ""} {elsecode ""}} {
  regsub -all {[a-z_0-9]+} $expr 1 e2
  if ($e2) { set c [catch {uplevel 1 $code} r] } else { set c [catch {uplevel 1 $elsecode} r] }
  return -code $c $r
}

proc shelltest_matches {expected result} {
  if {[regexp {^[~]?/.*/$} $expected]} {
    set negate [expr {[string index $expected 0] eq "~"}]
    set re [string range $expected [expr {$negate ? 2 : 1}] end-1]
    if {[string index $re 0] eq "*"} {
      set ok [string match $re $result]
    } else {
      set ok [regexp [string map {# {[-0-9.]+}} $re] $result]
    }
    return [expr {$negate ? !$ok : $ok}]
  }
  if {[regexp {^~?\*.*\*$} $expected]} {
    if {[string index $expected 0] eq "~"} {
      return [expr {![string match [string range $expected 1 end] $result]}]
    }
    return [string match $expected $result]
  }
  return [expr {$result eq $expected || [shelltest_fpnum_compare $result $expected]}]
}

# As testfixture's fpnum_compare: whitespace-separated tokens, whitespace itself ignored,
# numbers equal to 15 significant digits.
proc shelltest_fpnum_compare {a b} {
  set ta [regexp -all -inline {\S+} $a]
  set tb [regexp -all -inline {\S+} $b]
  if {[llength $ta] != [llength $tb]} { return 0 }
  foreach x $ta y $tb {
    if {$x eq $y} continue
    if {[regexp {^-?[0-9]} $x] && [regexp {^-?[0-9]} $y]
        && [string is double -strict $x] && [string is double -strict $y]
        && [format %.15g $x] eq [format %.15g $y]} continue
    return 0
  }
  return 1
}

proc do_test {name cmd expected} {
  if {[info exists ::testprefix] && [string is digit [string index $name 0]]} {
    set name "${::testprefix}-$name"
  }
  incr ::TC(count)
  if {[catch {uplevel #0 "$cmd;\n"} result]} {
    set ok 0
    set result "Error: $result"
  } else {
    set ok [shelltest_matches $expected $result]
  }
  if {!$ok} { incr ::TC(errors) }
  shelltest_emit case $name $ok [shelltest_hex $expected] [shelltest_hex $result]
}
proc do_test_with_ansi_output {name cmd expected} {
  uplevel 1 [list do_test $name $cmd $expected]
}

proc shelltest_run {line} {
  set rc [catch { uplevel 1 $line } msg]
  list $rc $msg
}
proc catchcmd {db {cmd ""}} {
  set out [open cmds.txt w]
  puts $out $cmd
  close $out
  shelltest_run "exec $::CLI $db < cmds.txt"
}
proc catchsafecmd {db {cmd ""}} {
  set out [open cmds.txt w]
  puts $out $cmd
  close $out
  shelltest_run "exec $::CLI -safe $db < cmds.txt"
}
proc catchcmdex {db {cmd ""}} {
  set out [open cmds.txt w]
  fconfigure $out -translation binary
  puts -nonewline $out $cmd
  close $out
  foreach chan {stdin stdout stderr} {
    catch {
      set modes($chan) [fconfigure $chan]
      fconfigure $chan -translation binary -buffering none
    }
  }
  set r [shelltest_run "exec -keepnewline -- $::CLI $db < cmds.txt"]
  foreach chan {stdin stdout stderr} { catch { fconfigure $chan {*}$modes($chan) } }
  set r
}

# The Tcl "sqlite3" command, as a stub: each "db eval" runs in APSW.
proc sqlite3 {name file args} {
  set ::shelltest_db($name) [file normalize $file]
  set ::shelltest_dbconfig($name) {}
  interp alias {} $name {} shelltest_db $name
}
proc sqlite3_db_config {name option value} {
  lappend ::shelltest_dbconfig($name) $option=$value
  return $value
}
proc shelltest_db {name method args} {
  switch -- $method {
    close { unset ::shelltest_db($name); interp alias {} $name {} }
    eval - one {
      set out [exec $::env(SHELLTEST_PYTHON) $::env(SHELLTEST_SELF) --db-helper \
                   $::shelltest_db($name) {*}$::shelltest_dbconfig($name) \
                   << [encoding convertto utf-8 [lindex $args 0]]]
      set values {}
      foreach line [split $out "\n"] {
        if {$line eq ""} continue
        lassign $line kind hex
        set raw [binary decode hex $hex]
        switch -- $kind {
          b { lappend values $raw }
          t { lappend values [encoding convertfrom utf-8 $raw] }
          e { error [encoding convertfrom utf-8 $raw] }
        }
      }
      if {$method eq "one"} { return [lindex $values 0] }
      return $values
    }
    default { error "shell_tests.py: db $method is not stubbed" }
  }
}
proc execsql {sql {db db}} { uplevel [list $db eval $sql] }
proc catchsql {sql {db db}} {
  set r [catch [list uplevel [list $db eval $sql]] msg]
  list $r $msg
}
proc do_execsql_test {args} {
  set db db
  if {[lindex $args 0] eq "-db"} { set db [lindex $args 1]; set args [lrange $args 2 end] }
  lassign $args testname sql result
  uplevel [list do_test $testname "execsql {$sql} $db" [list {*}$result]]
}
proc do_catchsql_test {testname sql result} {
  uplevel [list do_test $testname "catchsql {$sql}" $result]
}
proc reset_db {} {
  catch {db close}
  forcedelete test.db test.db-journal test.db-wal
  sqlite3 db ./test.db
}
proc finish_test {} {
  catch {db close}
  shelltest_emit end $::TC(count) $::TC(errors)
  close $::shelltest_report
  exit 0
}

forcedelete test.db test.db-journal test.db-wal
sqlite3 db ./test.db
"""


def db_helper(path: str, configs: list[str]) -> int:
    """Run the SQL on stdin against ``path`` and print each value as ``KIND HEX`` (Tcl stub's wire)."""
    import apsw

    out = sys.stdout
    conn = apsw.Connection(path)
    for item in configs:
        option, _, value = item.partition("=")
        conn.config(getattr(apsw, f"SQLITE_DBCONFIG_{option}"), int(value))
    try:
        for row in conn.execute(sys.stdin.buffer.read().decode("utf-8")):
            for value in row:
                if isinstance(value, bytes):
                    out.write(f"b {value.hex()}\n")
                else:
                    # Tcl's binding hands NULL over as "" and numbers as their text.
                    text = "" if value is None else str(value)
                    out.write(f"t {text.encode().hex()}\n")
    except apsw.Error as exc:
        out.write(f"e {str(exc).partition(': ')[2].encode().hex()}\n")
    conn.close()
    return 0


@dataclass
class Outcome:
    """What one shell did with one test file."""

    cases: dict[str, tuple[bool, str, str]] = field(default_factory=dict)
    # shellB: each case's ".check" tally, (checks run, errors), None where the script gave none
    inner: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    finished: bool = False
    stderr: str = ""

    @property
    def passed(self) -> int:
        """How many do_test cases passed."""
        return sum(ok for ok, _, _ in self.cases.values())


def parse_report(text: str) -> Outcome:
    """Read the tester's report file: one Tcl list a line (case NAME OK EXPECTED RESULT, end N E)."""
    outcome = Outcome()
    delta: dict[str, int] = {}  # what set_test_counter added since the last case
    for line in text.splitlines():
        words = tcl_words(line)
        if words[0] == "counter":
            delta[words[1]] = int(words[3]) - int(words[2])
        elif words[0] == "case":
            name, ok, expected, got = words[1:5]
            key = name
            suffix = 2
            while key in outcome.cases:  # a name repeated in a loop is another case
                key = f"{name}#{suffix}"
                suffix += 1
            outcome.cases[key] = (ok == "1", unhex(expected), unhex(got))
            if delta:  # shellB adds a script's "N tests run with M errors" (999 errors: none)
                run, errors = delta.get("count", -1) + 1, delta.get("errors", 0)
                outcome.inner[key] = None if errors == 999 else (run, errors)
                delta = {}
        elif words[0] == "end":
            outcome.finished = True
    return outcome


def tcl_words(line: str) -> list[str]:
    """Split a line the tester wrote: words are plain or in braces (names may have braces)."""
    words: list[str] = []
    i = 0
    while i < len(line):
        if line[i] == " ":
            i += 1
        elif line[i] == "{":
            depth, j = 1, i + 1
            while depth:
                depth += {"{": 1, "}": -1}.get(line[j], 0)
                j += 1
            words.append(line[i + 1 : j - 1])
            i = j
        else:
            j = line.find(" ", i)
            j = len(line) if j < 0 else j
            words.append(line[i:j].replace("\\", ""))
            i = j
    return words


def unhex(text: str) -> str:
    """The tester's hex of UTF-8 back to text."""
    return bytes.fromhex(text).decode("utf-8", "replace")


def run_file(test: Path, program: str, workdir: Path, timeout: float) -> Outcome:
    """Run one test file in tclsh with ``program`` as the CLI, in a fresh folder."""
    workdir.mkdir(parents=True)
    bindir = workdir / "bin"
    bindir.mkdir()
    cli = bindir / "sqlite3"
    cli.symlink_to(program)
    report = workdir / "report.txt"
    report.touch()
    run = workdir / "run"
    run.mkdir()
    env = dict(
        os.environ,
        HOME=str(run),
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        SHELLTEST_CLI=str(cli),
        SHELLTEST_REPORT=str(report),
        SHELLTEST_PYTHON=sys.executable,
        SHELLTEST_SELF=str(Path(__file__).resolve()),
    )
    env.pop("SQLITE_HISTORY", None)
    try:
        proc = subprocess.run(
            ["tclsh", str(test)],
            cwd=run,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
        stderr = proc.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        stderr = f"timed out after {timeout:.0f} s"
    outcome = parse_report(report.read_text("utf-8", "replace"))
    outcome.stderr = stderr
    return outcome


def fetch_tests(repo: str, rev: str, dest: Path) -> Path:
    """Copy test/shell*.test and the scripts they read out of a git clone of SQLite."""
    listing = subprocess.run(
        ["git", "-C", repo, "ls-tree", "--name-only", rev, "test/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    wanted = [p for p in listing if Path(p).name.startswith("shell") or p.endswith((".sql", ".clitest"))]
    for path in wanted:
        blob = subprocess.run(
            ["git", "-C", repo, "show", f"{rev}:{path}"], capture_output=True, check=True
        ).stdout
        (dest / Path(path).name).write_bytes(blob)
    return dest


def reference_program() -> str | None:
    """The sqlite3 shell APSW ships, or None."""
    proc = subprocess.run(
        [sys.executable, "-m", "apsw.sqlite_extra", "--path", "sqlite3_shell"],
        capture_output=True,
        text=True,
    )
    path = proc.stdout.strip()
    return path if proc.returncode == 0 and path and os.path.exists(path) else None


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--db-helper"]:
        return db_helper(argv[1], argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--tests", type=Path, help="folder with SQLite's shell*.test files")
    source.add_argument("--git", help="git clone of SQLite to read test/ from")
    parser.add_argument("--rev", default="HEAD", help="revision for --git (default HEAD)")
    parser.add_argument("--shell", action="append", default=[], metavar="NAME=PROGRAM")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per file and shell")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the failing cases")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("files", nargs="*", help="test names, e.g. shell1 shellA (default: all)")
    args = parser.parse_args(argv)

    if shutil.which("tclsh") is None:
        print("shell_tests.py needs tclsh (Debian package tcl: apt-get install tcl); not run.")
        return 0
    shells: list[tuple[str, str]] = []
    for item in args.shell:
        name, _, program = item.partition("=")
        shells.append((name, program))
    if not shells:
        ref = reference_program()
        wasm = Path(sys.executable).parent / "wasmshell"
        if ref is None:
            print("shell_tests.py: APSW's sqlite3 shell is not installed; not run.")
            return 0
        shells = [("sqlite3", ref), ("wasmshell", str(wasm if wasm.exists() else "wasmshell"))]
    shells = [(name, shutil.which(prog) or prog) for name, prog in shells]

    work = Path(tempfile.mkdtemp(prefix="shell_tests."))
    try:
        testdir = work / "test"
        testdir.mkdir()
        if args.git:
            fetch_tests(args.git, args.rev, testdir)
        else:
            for path in args.tests.iterdir():
                if path.is_file():
                    shutil.copy(path, testdir / path.name)
        (testdir / "tester.tcl").write_text(TESTER_TCL, "utf-8")
        names = sorted(p.stem for p in testdir.glob("shell*.test"))
        if args.files:
            names = [n for n in names if n in args.files]
        if not names:
            print("shell_tests.py: no shell*.test files found")
            return 1
        return report(names, shells, testdir, work, args)
    finally:
        if args.keep:
            print(f"work folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(names: list[str], shells: list[tuple[str, str]], testdir: Path, work: Path, args) -> int:
    """Run every file with every shell and print the table (and the failures with -v)."""
    header = f"{'file':8} {'cases':>6}" + "".join(f" {name:>10}" for name, _ in shells)
    print(header)
    totals = [0] * (len(shells) + 1)
    failures: list[str] = []
    for name in names:
        outcomes = [
            run_file(testdir / f"{name}.test", prog, work / f"{name}.{i}", args.timeout)
            for i, (_, prog) in enumerate(shells)
        ]
        cases = max(len(o.cases) for o in outcomes)
        row = [cases] + [o.passed for o in outcomes]
        totals = [t + r for t, r in zip(totals, row, strict=True)]
        notes = []
        for (shell, _), o in zip(shells, outcomes, strict=True):
            if not o.finished:
                notes.append(f"{shell} stopped early: {o.stderr.strip()[-200:]}")
            if o.inner:
                tallies = [t for t in o.inner.values() if t is not None]
                run = sum(t[0] for t in tallies)
                passed = run - sum(t[1] for t in tallies)
                silent = len(o.inner) - len(tallies)
                notes.append(
                    f"{shell}: .check inside the scripts: {passed} of {run} passed"
                    + (f"; {silent} script(s) gave no tally" if silent else "")
                )
            for case, (ok, expected, got) in o.cases.items():
                if not ok:
                    failures.append(f"--- {shell} {case}\nexpected: {expected!r}\ngot:      {got!r}")
        print(
            f"{name:8} {cases:>6}"
            + "".join(f" {n:>10}" for n in row[1:])
            + "".join(f"\n         ({note})" for note in notes)
        )
        sys.stdout.flush()
    print(f"{'total':8} {totals[0]:>6}" + "".join(f" {n:>10}" for n in totals[1:]))
    if args.verbose:
        print("\n".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
