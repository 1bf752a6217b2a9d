"""The shell completion scripts in ``completions/``: bash, zsh and fish are asked
for completions as they would be at a prompt, and every option that
``wasmshell --help`` lists must be completed by each of them."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = ROOT / "completions"
BASH_SCRIPT = COMPLETIONS / "wasmshell.bash"
ZSH_SCRIPT = COMPLETIONS / "_wasmshell"
FISH_SCRIPT = COMPLETIONS / "wasmshell.fish"
WASMSHELL = Path(sys.executable).parent / "wasmshell"

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
needs_zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
needs_fish = pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")

# What the database argument offers in the directory the ``databases`` fixture makes.
DATABASES = {"a.db", "b.sqlite", "c.sqlite3", "d.db3", "sub"}


def help_options() -> dict[str, bool]:
    """Every option ``wasmshell --help`` lists, spelled as it spells them, mapped to
    whether it takes a value (``-cmd COMMAND``); ``-[no]header`` is two options."""
    command = [str(WASMSHELL)] if WASMSHELL.exists() else [sys.executable, "-m", "wasmshell"]
    text = subprocess.run([*command, "--help"], capture_output=True, text=True, check=True, timeout=60).stderr
    options = {}
    for line in text.splitlines():
        match = re.match(r"\s+(--?[\w\[\]-]+)( [A-Z]+)?\s", line)
        if match and match.group(1) != "--":  # the end of the options, not an option to complete
            spelling, takes_value = match.group(1), match.group(2) is not None
            for option in (spelling.replace("[no]", ""), spelling.replace("[no]", "no")):
                options[option] = takes_value
    # A changed help layout must not make the tests below check nothing.
    assert {"-csv", "-header", "-noheader", "-init", "--wasm-timeout"} <= options.keys(), text
    assert options["-init"] and not options["-csv"]
    return options


HELP_OPTIONS = help_options()
FLAGS = sorted(option for option, takes_value in HELP_OPTIONS.items() if not takes_value)
VALUE_OPTIONS = sorted(option for option, takes_value in HELP_OPTIONS.items() if takes_value)


def bare(option: str) -> str:
    return option.lstrip("-")


@pytest.fixture
def databases(tmp_path):
    """A directory with databases of each suffix, a text file and a subdirectory."""
    directory = tmp_path / "work"
    directory.mkdir()
    for name in ("a.db", "b.sqlite", "c.sqlite3", "d.db3", "notes.txt", "x:y.db"):
        (directory / name).write_text("")
    (directory / "sub").mkdir()
    return directory


@pytest.fixture
def home(tmp_path):
    """An environment whose home and config directories are empty."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return dict(
        os.environ,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )


# --- every option, in every script ------------------------------------------------------------


@pytest.mark.parametrize("option", sorted(HELP_OPTIONS))
def test_every_help_option_is_in_every_script(option):
    spelled = re.compile(rf"(?<![\w-]){re.escape(option)}(?![\w-])")
    assert spelled.search(BASH_SCRIPT.read_text()), f"{option} is missing from {BASH_SCRIPT.name}"
    assert spelled.search(ZSH_SCRIPT.read_text()), f"{option} is missing from {ZSH_SCRIPT.name}"
    fish = re.compile(rf"complete -c wasmshell .*-[ol] {re.escape(bare(option))}(?![\w-])")
    assert fish.search(FISH_SCRIPT.read_text()), f"{option} is missing from {FISH_SCRIPT.name}"


# --- the scripts are generated ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["wasmshell.bash", "_wasmshell", "wasmshell.fish"])
def test_checked_in_scripts_are_current(name):
    """The scripts are made from cli.OPTIONS; a changed option must be in them too."""
    from wasmshell.completion_scripts import scripts

    made = scripts()
    assert set(made) == {path.name for path in COMPLETIONS.iterdir()}
    assert (COMPLETIONS / name).read_text() == made[name], (
        f"completions/{name} is stale: regenerate it with `python -m wasmshell.completion_scripts`"
    )


def test_generator_writes_the_scripts(tmp_path):
    from wasmshell.completion_scripts import main, scripts

    assert main([str(tmp_path)]) == 0
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == scripts()


# --- bash -------------------------------------------------------------------------------------

BASH_DRIVER = """
source "$1"
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$(( $# - 1 ))
_wasmshell
printf '%s\\n' "${COMPREPLY[@]}"
"""


def bash_complete(line: str, cwd: Path | None = None) -> list[str]:
    """What the completion function offers for ``line``, the cursor at its end.

    The words are split as bash splits them, at ':' and '=' too, and like bash the
    function answers for the last of those pieces only."""
    words = [piece for word in line.split() for piece in re.findall(r"[:=]+|[^:=]+", word)]
    if line.endswith(" "):
        words.append("")
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", BASH_DRIVER, "bash", str(BASH_SCRIPT), line, *words],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=30,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return [reply for reply in proc.stdout.splitlines() if reply]


@needs_bash
def test_bash_options():
    assert bash_complete("wasmshell -cs") == ["-csv"]
    assert bash_complete("wasmshell --wasm-t") == ["--wasm-timeout"]
    assert bash_complete("wasmshell -wasm-m") == ["-wasm-memory"]
    assert bash_complete("wasmshell -nohead") == ["-noheader"]
    assert bash_complete("wasmshell a.db -rea") == ["-readonly"]


@needs_bash
def test_bash_offers_every_help_option():
    assert set(bash_complete("wasmshell -")) == set(HELP_OPTIONS)
    assert set(bash_complete("wasmshell --")) == {f"--{bare(option)}" for option in HELP_OPTIONS}


@needs_bash
def test_bash_mode_switches():
    offered = set(bash_complete("wasmshell -"))
    modes = ("ascii", "box", "column", "csv", "html", "json", "line", "list", "markdown", "quote", "table")
    assert {f"-{mode}" for mode in (*modes, "tabs")} <= offered


@needs_bash
def test_bash_database(databases):
    assert set(bash_complete("wasmshell ", databases)) == DATABASES | {"x:y.db"}
    assert bash_complete("wasmshell b", databases) == ["b.sqlite"]
    assert bash_complete("wasmshell n", databases) == []
    assert bash_complete("wasmshell -csv -header ", databases) == bash_complete("wasmshell ", databases)


@needs_bash
def test_bash_database_with_a_colon(databases):
    # bash splits x:y.db into x, :, y.db and replaces only the last piece.
    assert bash_complete("wasmshell x:", databases) == [":y.db"]
    assert bash_complete("wasmshell x:y", databases) == ["y.db"]
    assert bash_complete("wasmshell :", databases) == [":memory:"]
    assert bash_complete("wasmshell :mem", databases) == ["memory:"]


@needs_bash
def test_bash_no_files_after_the_database(databases):
    assert bash_complete("wasmshell a.db ", databases) == []
    assert bash_complete("wasmshell a.db 'select 1' ", databases) == []
    assert bash_complete("wasmshell :memory: ", databases) == []
    assert bash_complete("wasmshell -csv a.db .tab", databases) == []


@needs_bash
def test_bash_init_completes_any_file(databases):
    assert {"notes.txt", "a.db", "sub"} <= set(bash_complete("wasmshell -init ", databases))
    assert bash_complete("wasmshell -init no", databases) == ["notes.txt"]
    assert bash_complete("wasmshell --init no", databases) == ["notes.txt"]
    assert set(bash_complete("wasmshell -init notes.txt ", databases)) == DATABASES | {"x:y.db"}


@needs_bash
@pytest.mark.parametrize("option", VALUE_OPTIONS)
def test_bash_option_values(option, databases):
    """Each option's value is its own word: it is not the database."""
    if option != "-init":
        assert bash_complete(f"wasmshell {option} ", databases) == []
    assert set(bash_complete(f"wasmshell {option} 5 ", databases)) == DATABASES | {"x:y.db"}
    # A value may look like an option: here it is the value of -cmd.
    assert set(bash_complete(f"wasmshell -cmd {option} ", databases)) == DATABASES | {"x:y.db"}


@needs_bash
@pytest.mark.parametrize("option", FLAGS)
def test_bash_flags_take_no_value(option, databases):
    assert set(bash_complete(f"wasmshell {option} ", databases)) == DATABASES | {"x:y.db"}


# --- fish -------------------------------------------------------------------------------------


def fish_complete(lines: list[str], cwd: Path, env: dict) -> dict[str, list[str]]:
    """What fish offers for each of ``lines``, descriptions left out."""
    script = f"""
        source {FISH_SCRIPT.as_posix()!r}
        for line in $argv
            echo "### $line"
            complete --do-complete=$line
        end
    """
    proc = subprocess.run(
        ["fish", "--no-config", "-c", script, *lines],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    offered: dict[str, list[str]] = {}
    for output in proc.stdout.splitlines():
        if output.startswith("### "):
            current = offered.setdefault(output[4:], [])
        else:
            current.append(output.split("\t")[0])
    assert list(offered) == lines
    return offered


@needs_fish
def test_fish_script_parses():
    proc = subprocess.run(["fish", "--no-config", "-n", str(FISH_SCRIPT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@needs_fish
def test_fish_options(databases, home):
    lines = ["wasmshell -cs", "wasmshell --wasm-t", "wasmshell -wasm-m", "wasmshell a.db -rea"]
    offered = fish_complete([*lines, "wasmshell -", "wasmshell --"], databases, home)
    assert offered["wasmshell -cs"] == ["-csv"]
    assert offered["wasmshell --wasm-t"] == ["--wasm-timeout"]
    assert offered["wasmshell -wasm-m"] == ["-wasm-memory"]
    assert offered["wasmshell a.db -rea"] == ["-readonly"]
    one_dash = {f"-{bare(option)}" for option in HELP_OPTIONS}
    two_dashes = {f"--{bare(option)}" for option in HELP_OPTIONS}
    assert set(offered["wasmshell -"]) == one_dash | two_dashes
    assert set(offered["wasmshell --"]) == two_dashes


@needs_fish
def test_fish_database(databases, home):
    lines = ["wasmshell ", "wasmshell b", "wasmshell -csv -header ", "wasmshell :", "wasmshell :m"]
    offered = fish_complete(lines, databases, home)
    databases_offered = DATABASES - {"sub"} | {"sub/", "x:y.db"}
    assert set(offered["wasmshell "]) == databases_offered
    assert offered["wasmshell b"] == ["b.sqlite"]
    assert set(offered["wasmshell -csv -header "]) == databases_offered
    assert offered["wasmshell :"] == [":memory:"]
    assert offered["wasmshell :m"] == [":memory:"]


@needs_fish
def test_fish_no_files_after_the_database(databases, home):
    lines = ["wasmshell a.db ", "wasmshell a.db 'select 1' ", "wasmshell :memory: ", "wasmshell a.db no"]
    assert fish_complete(lines, databases, home) == {line: [] for line in lines}


@needs_fish
def test_fish_init_completes_any_file(databases, home):
    lines = ["wasmshell -init ", "wasmshell -init no", "wasmshell --init no"]
    offered = fish_complete(lines, databases, home)
    assert {"notes.txt", "a.db", "sub/"} <= set(offered["wasmshell -init "])
    assert offered["wasmshell -init no"] == ["notes.txt"]
    assert offered["wasmshell --init no"] == ["notes.txt"]


@needs_fish
def test_fish_option_values(databases, home):
    """Each option's value is its own word: it is not the database."""
    databases_offered = DATABASES - {"sub"} | {"sub/", "x:y.db"}
    lines = [f"wasmshell {option} " for option in VALUE_OPTIONS if option != "-init"]
    lines += [f"wasmshell {option} 5 " for option in VALUE_OPTIONS]
    lines += [f"wasmshell {option} " for option in FLAGS if option not in ("-help", "-version")]
    offered = fish_complete(lines, databases, home)
    for option in VALUE_OPTIONS:
        assert set(offered[f"wasmshell {option} 5 "]) == databases_offered, option
        if option != "-init":
            assert offered[f"wasmshell {option} "] == [], option
    for option in FLAGS:
        if option not in ("-help", "-version"):
            assert set(offered[f"wasmshell {option} "]) == databases_offered, option


# --- zsh --------------------------------------------------------------------------------------

# An interactive zsh (completion needs the line editor, so a terminal) in which
# Ctrl-T completes the line typed so far and writes down every match the
# completion functions add, by a compadd wrapped for the purpose.
ZSHRC = r"""
fpath=({completions} $fpath)
autoload -Uz compinit && compinit -u -d "$ZDOTDIR/.zcompdump"
compadd() {{
  local -a options hits
  options=("${{(@)argv[1,(i)(-|--)]}}")
  if [[ -n ${{options[(r)-[ADO]*]}} ]]; then
    builtin compadd "$@"
    return
  fi
  builtin compadd -A hits "$@"
  (( $#hits )) && print -rl -- $hits >> $MATCHES
  builtin compadd "$@"
}}
_matches_for_line() {{
  print -r -- "### $BUFFER" >> $MATCHES
  zle complete-word
  BUFFER=
}}
zle -N _matches_for_line
bindkey '^T' _matches_for_line
"""


def zsh_complete(lines: list[str], cwd: Path, env: dict, tmp_path: Path) -> dict[str, list[str]]:
    """What zsh's completion offers for each of ``lines``, typed at its prompt."""
    zdotdir = tmp_path / "zdotdir"
    zdotdir.mkdir(exist_ok=True)
    (zdotdir / ".zshrc").write_text(ZSHRC.format(completions=COMPLETIONS.as_posix()))
    matches = tmp_path / "matches"
    matches.write_text("")
    env = dict(env, ZDOTDIR=str(zdotdir), MATCHES=str(matches), TERM="xterm")
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        ["zsh", "--no-globalrcs", "-i"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    os.close(secondary)
    # Keys typed ahead wait in the terminal until zsh reads them.
    os.write(primary, "".join(f"{line}\x14" for line in lines).encode() + b"exit\n")
    screen = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if select.select([primary], [], [], 0.1)[0]:
                try:
                    chunk = os.read(primary, 65536)
                except OSError:  # the terminal closed: zsh has exited
                    break
                if not chunk:
                    break
                screen += chunk
            elif proc.poll() is not None:
                break
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(primary)
    offered: dict[str, list[str]] = {}
    for output in matches.read_text().splitlines():
        if output.startswith("### "):
            current = offered.setdefault(output[4:], [])
        else:
            current.append(output)
    assert list(offered) == lines, screen.decode(errors="replace")
    return offered


@needs_zsh
def test_zsh_script_parses():
    proc = subprocess.run(["zsh", "-n", str(ZSH_SCRIPT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@needs_zsh
def test_zsh_first_line_is_compdef():
    assert ZSH_SCRIPT.read_text().splitlines()[0] == "#compdef wasmshell"


@needs_zsh
def test_zsh_completions(databases, home, tmp_path):
    option_lines = [f"wasmshell {option} " for option in VALUE_OPTIONS if option != "-init"]
    option_lines += [f"wasmshell {option} 5 " for option in VALUE_OPTIONS]
    option_lines += [f"wasmshell {option} " for option in FLAGS if option not in ("-help", "-version")]
    lines = [
        "wasmshell -cs",
        "wasmshell --wasm-t",
        "wasmshell -",
        "wasmshell ",
        "wasmshell :",
        "wasmshell a.db ",
        "wasmshell a.db -rea",
        "wasmshell -init ",
        *option_lines,
    ]
    offered = zsh_complete(lines, databases, home, tmp_path)
    assert offered["wasmshell -cs"] == ["-csv"]
    assert offered["wasmshell --wasm-t"] == ["--wasm-timeout"]
    assert set(HELP_OPTIONS) <= set(offered["wasmshell -"])
    assert set(offered["wasmshell "]) == DATABASES | {"x:y.db"}
    assert offered["wasmshell :"] == [":memory:"]
    assert offered["wasmshell a.db "] == []
    assert offered["wasmshell a.db -rea"] == ["-readonly"]
    assert {"notes.txt", "a.db", "sub"} <= set(offered["wasmshell -init "])
    for line in option_lines:
        option = line.split()[1]
        if line.endswith(f"{option} ") and HELP_OPTIONS[option]:
            assert offered[line] == [], line
        else:
            assert set(offered[line]) == DATABASES | {"x:y.db"}, line
