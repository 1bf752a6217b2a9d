"""The README keeps up with the code: every dot-command documented, the quick start
two commands, and the Python example runs as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_dot_command_is_in_the_readme_and_has_help():
    from wasmshell.shell.runner import load_commands

    commands = load_commands()
    assert {"help", "read", "mode", "dump", "loadwasm", "funcs", "open"} <= {cmd.name for cmd in commands}
    for cmd in commands:
        assert cmd.help.strip(), f".{cmd.name} has no help line"
        assert f"`.{cmd.name}" in README, f".{cmd.name} is not documented in README.md"


def test_quick_start_is_two_commands():
    section = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "wasmshell" in commands[0] and "pytest" in commands[1]


def test_python_example_runs(tmp_path, monkeypatch):
    example = README.split("## From Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", example, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    os.symlink(ROOT / "samples", tmp_path / "samples")
    printed = []
    exec(compile(code, "README.md", "exec"), {"print": printed.append})
    assert printed == [[(6765, 2)]]


def test_every_option_is_in_help_and_in_the_readme():
    import subprocess

    from test_cli import WASMSHELL

    from wasmshell.cli import FLAG_OPTIONS, OPTIONS, VALUE_OPTIONS

    hidden = {option.name for option in OPTIONS if option.hidden}  # taken but not listed, as sqlite3's -psql
    shown = subprocess.run([WASMSHELL, "--help"], capture_output=True, text=True).stderr
    for name in (*VALUE_OPTIONS, *FLAG_OPTIONS):
        if name in hidden:
            continue
        spelled = "-[no]header" if name in ("header", "noheader") else f"-{name}"
        # either spelling, -name or --name
        assert re.search(rf"(^|\s)-?{re.escape(spelled)}(\s|$)", shown, re.M), f"-{name} missing from --help"
        assert re.search(rf"[`\s]-?-{re.escape(name)}[`\s,]", README), f"-{name} missing from README.md"


def test_the_tour_still_runs_as_shown(tmp_path):
    """The README's tour is a transcript of a real session: its input, piped
    into the shell today, gives the same values and the same two errors."""
    import subprocess

    from test_cli import WASMSHELL

    tour = README.split("## A tour", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    inputs: list[str] = []
    shown: list[list[str]] = []  # per input, the lines the transcript shows after it
    for line in tour.splitlines():
        if line.startswith("wasmshell> "):
            inputs.append(line[len("wasmshell> ") :])
            shown.append([])
        elif line.startswith("   ...> "):
            inputs[-1] += "\n" + line[len("   ...> ") :]
        elif inputs:
            shown[-1].append(line)
    assert len(inputs) > 10
    os.symlink(ROOT / "samples", tmp_path / "samples")
    env = dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    script = "".join(f"{text}\n.print @@{k}@@\n" for k, text in enumerate(inputs))
    proc = subprocess.run(
        [WASMSHELL, "library.db"], input=script, capture_output=True, text=True, cwd=tmp_path, env=env
    )
    errors = [line.split(": ", 1)[1] for line in proc.stderr.splitlines()]
    shown_errors = [line.split(": ", 1)[1] for out in shown for line in out if line.startswith("Error")]
    assert errors == shown_errors
    # each table row the transcript shows is a row that statement gives today (list mode)
    outputs = re.split(r"@@\d+@@\n", proc.stdout)
    checked = 0
    for text, out, got in zip(inputs, shown, outputs, strict=False):
        if text.startswith(".funcs"):
            continue  # calls and states, not values
        header_rule = next((k for k, line in enumerate(out) if line.startswith("├")), len(out))
        for line in out[header_rule + 1 :]:
            if line.startswith("│") and "⋮" not in line:
                row = "|".join(cell.strip() for cell in line.strip("│").split("│"))
                assert row in got.splitlines(), (text, row)
                checked += 1
    assert checked >= 10
