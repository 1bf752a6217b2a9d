"""The compiled-language samples: samples/c (C built with clang) and samples/rust
(a libsql_bindgen crate).

The checked-in samples/c/sqlfuncs.wasm is loaded and each function compared
with a Python model of it, on NULL, empty, multi-byte and large values; when
clang and wasm-ld are at hand, build.sh builds the module afresh and the same
checks run on that too. The Rust crate cannot be built here (no wasm32
standard library), so what can be checked without building is: its manifest,
that its source parses, and that its README and examples agree with it.
"""

from __future__ import annotations

import math
import os
import random
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import one, open_session, rows

ROOT = Path(__file__).resolve().parent.parent
C_DIR = ROOT / "samples" / "c"
RUST_DIR = ROOT / "samples" / "rust"
C_SOURCE = C_DIR / "sqlfuncs.c"
C_WASM = C_DIR / "sqlfuncs.wasm"
BUILD_SH = C_DIR / "build.sh"

I64_MAX = 2**63 - 1

# SQL signatures the C module must offer, as wasmshell describes them.
C_SIGNATURES = {
    "isqrt": (("INTEGER",), "INTEGER"),
    "lerp": (("REAL", "REAL", "REAL"), "REAL"),
    "word_count": (("TEXT/BLOB/NULL",), "INTEGER"),
    "title_case": (("TEXT/BLOB/NULL",), "TEXT/BLOB/NULL"),
    "xor_blob": (("TEXT/BLOB/NULL", "TEXT/BLOB/NULL"), "TEXT/BLOB/NULL"),
    "stddev": (("REAL",), "REAL"),
    "middle": (("REAL",), "REAL"),
}
C_AGGREGATES = {"stddev", "middle"}  # NAME_step and NAME_final
# Table-valued functions (NAME_columns, NAME_open, NAME_next) as .loadwasm shows them.
C_TABLES = {
    "words": "words(text TEXT) -> TABLE(n INTEGER, word TEXT, pos INTEGER)",
    "series": "series(start INTEGER, stop INTEGER, step INTEGER DEFAULT 1) -> TABLE(value INTEGER)",
}
RUST_FUNCTIONS = {"fib", "isqrt", "lerp", "word_count", "title_case", "xor_blob"}


# --------------------------------------------------------------------------
# Python models of the C functions, written from their descriptions

ASCII_SPACE = b" \t\n\v\f\r"


def py_word_count(value) -> int:
    if value is None:
        return 0
    data = value.encode() if isinstance(value, str) else value
    return len(data.split())  # bytes.split() splits on exactly ASCII_SPACE


def py_title_case(value):
    if not isinstance(value, str):
        return None
    out = bytearray()
    start = True
    for byte in value.encode():
        c = chr(byte)
        if byte < 0x80 and c.isalpha():
            c = c.upper() if start else c.lower()
        out.append(ord(c))
        start = byte in ASCII_SPACE
    return out.decode()


def py_xor_blob(data, key):
    if data is None or key is None:
        return None
    data = data.encode() if isinstance(data, str) else data
    key = key.encode() if isinstance(key, str) else key
    if not key:
        return bytes(data)
    return bytes(b ^ key[i % len(key)] for i, b in enumerate(data))


def shown(row: tuple) -> str:
    """A row the way the examples in the sources write it."""
    return "|".join("NULL" if v is None else repr(v) if isinstance(v, float) else str(v) for v in row)


def examples(path: Path, prefix: str) -> list[tuple[str, str]]:
    """(sql, expected) of the ``SELECT ... -- result`` lines of a source's opening comment."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        body = line.strip()
        if not body.startswith(prefix):
            continue
        body = body[len(prefix) :].strip()
        if body.upper().startswith("SELECT") and "--" in body:
            sql, _, expected = body.partition("--")
            found.append((sql.strip().rstrip(";"), expected.strip()))
    return found


# --------------------------------------------------------------------------
# The C module: checked in, and built afresh when the tools are there


def have_c_toolchain() -> bool:
    return bool(shutil.which(os.environ.get("CC", "clang")) and shutil.which("wasm-ld"))


@pytest.fixture(scope="module")
def fresh_wasm(tmp_path_factory) -> Path:
    if not have_c_toolchain():
        pytest.skip("clang and wasm-ld are needed to build samples/c")
    out = tmp_path_factory.mktemp("c-build") / "sqlfuncs.wasm"
    proc = subprocess.run([str(BUILD_SH), str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()
    return out


@pytest.fixture(scope="module", params=["checked_in", "fresh_build"])
def module_bytes(request) -> bytes:
    if request.param == "checked_in":
        return C_WASM.read_bytes()
    return request.getfixturevalue("fresh_wasm").read_bytes()


@pytest.fixture
def s(module_bytes):
    session = open_session()
    try:
        infos = session.register_module(module_bytes)
        tables = {i.name: i.columns_text for i in infos if i.name in C_TABLES}
        assert tables == C_TABLES
        assert {i.name: (i.params, i.result) for i in infos if i.name not in C_TABLES} == C_SIGNATURES
        yield session
    finally:
        session.close()


def test_checked_in_module_is_a_wasm_module_without_imports():
    import wasmtime

    data = C_WASM.read_bytes()
    assert data[:4] == b"\0asm"
    module = wasmtime.Module(wasmtime.Engine(), data)
    assert module.imports == []
    scalars = set(C_SIGNATURES) - C_AGGREGATES
    phases = {f"{name}_{phase}" for name in C_AGGREGATES for phase in ("step", "final")}
    parts = {f"{name}_{part}" for name in C_TABLES for part in ("columns", "open", "next")}
    assert {e.name for e in module.exports} == {"memory", "libsql_malloc", *scalars, *phases, *parts}


def test_every_example_in_the_c_source_holds(s):
    found = examples(C_SOURCE, "*")
    called = {name for sql, _ in found for name in re.findall(r"(\w+)\(", sql)}
    missing = (set(C_SIGNATURES) | set(C_TABLES)) - called
    assert not missing, f"no example calls {sorted(missing)}"
    for sql, expected in found:
        assert [shown(r) for r in rows(s, sql)] == [expected], sql


# -- table-valued functions


def py_words(text: str) -> list[tuple[int, str, int]]:
    """(n, word, 1-based character position) of each run of non-ASCII-whitespace bytes."""
    data = text.encode("utf-8")
    found = []
    for match in re.finditer(rb"[^ \t\n\v\f\r]+", data):
        found.append((len(found) + 1, match.group().decode("utf-8"), len(data[: match.start()].decode()) + 1))
    return found


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "one",
        " to be  or not ",
        "tab\tnew\nline\vvt\fff\rcr",
        "héllo wörld ÿes 日本 語",
        "é" * 70000,
        "w " * 3000,
        ("x" * 70000 + " ") * 3,
        " ".join(str(k) for k in range(20000)),
    ],
)
def test_words_gives_each_word_with_its_position(s, text):
    assert rows(s, "SELECT n, word, pos FROM words(?)", (text,)) == py_words(text)
    assert one(s, "SELECT count(*) FROM words(?)", (text,)) == one(s, "SELECT word_count(?)", (text,))


def test_words_of_null_or_a_blob_gives_no_rows_and_joins_work(s):
    assert rows(s, "SELECT * FROM words(NULL)") == []
    assert rows(s, "SELECT * FROM words(X'6120620a')") == []
    got = rows(
        s,
        "WITH t(id, body) AS (VALUES (1, 'a b'), (2, NULL), (3, 'c')) "
        "SELECT id, word FROM t, words(t.body) ORDER BY id, n",
    )
    assert got == [(1, "a"), (1, "b"), (3, "c")]


@pytest.mark.parametrize(
    ("start", "stop", "step"),
    [(1, 10, 1), (1, 10, 3), (10, 1, -1), (3, -3, -2), (5, 5, 1), (5, 4, 1), (1, 1000, 7), (0, 100000, 1)],
)
def test_series_is_pythons_range(s, start, stop, step):
    expected = list(range(start, stop + (1 if step > 0 else -1), step))
    assert [v for (v,) in rows(s, "SELECT value FROM series(?, ?, ?)", (start, stop, step))] == expected


def test_series_ends_before_overflowing_and_a_zero_step_or_null_gives_nothing(s):
    top = I64_MAX
    assert rows(s, "SELECT value FROM series(?, ?, 3)", (top - 7, top)) == [
        (top - 7,),
        (top - 4,),
        (top - 1,),
    ]
    bottom = -top - 1
    assert rows(s, "SELECT value FROM series(?, ?, -3)", (bottom + 3, bottom)) == [(bottom + 3,), (bottom,)]
    assert rows(s, "SELECT value FROM series(?, ?, -4)", (bottom + 3, bottom)) == [(bottom + 3,)]
    assert rows(s, "SELECT value FROM series(1, 10, 0)") == []
    assert rows(s, "SELECT value FROM series(1, NULL, 1)") == []


# -- INTEGER


@pytest.mark.parametrize(
    "n",
    [0, 1, 2, 3, 4, 15, 16, 17, 99, 10**6, 10**12 - 1, 10**12, 2**52 + 1, 2**62, I64_MAX]
    + [k * k + d for k in (94906265, 3037000499) for d in (-1, 0, 1) if k * k + d <= I64_MAX],
)
def test_isqrt(s, n):
    assert one(s, "select isqrt(?)", (n,)) == math.isqrt(n)


def test_isqrt_null_and_negative(s):
    assert one(s, "select isqrt(NULL)") is None
    with pytest.raises(Exception, match=r"wasm trap in isqrt"):
        one(s, "select isqrt(-1)")
    assert one(s, "select isqrt(49)") == 7  # the trap left the session usable


# -- REAL


@pytest.mark.parametrize(
    "a, b, t", [(10, 20, 0.25), (0.0, 1.0, 0.5), (-3.5, 7.25, 1.0), (1e300, -1e300, 0.75), (2, 4, 3)]
)
def test_lerp(s, a, b, t):
    got = one(s, "select lerp(?, ?, ?)", (a, b, t))
    assert isinstance(got, float)
    assert got == float(a) + (float(b) - float(a)) * float(t)


def test_lerp_null_gives_null(s):
    assert rows(s, "select lerp(NULL, 1, 0.5), lerp(0, NULL, 0.5), lerp(0, 1, NULL)") == [(None, None, None)]


# -- TEXT

TEXTS = [
    "",
    "hello",
    "  hello   wide world ",
    "hello wörld, héllo",
    "élan vital ÉCOLE mIxEd",
    "日本語 テキスト 🎉party time",
    "tabs\tand\nnew\vlines\fand\rreturns",
    "ALL CAPS",
    "   ",
    "o'neil mc-donald 3rd",
]


@pytest.mark.parametrize("text", TEXTS)
def test_word_count(s, text):
    assert one(s, "select word_count(?)", (text,)) == py_word_count(text)


def test_word_count_null_and_blob(s):
    assert one(s, "select word_count(NULL)") == 0  # an INTEGER result cannot be NULL
    assert one(s, "select word_count(X'')") == 0
    assert one(s, "select word_count(?)", (b"ab cd\x00ef",)) == 2  # a BLOB is read as bytes


@pytest.mark.parametrize("text", TEXTS)
def test_title_case(s, text):
    got = one(s, "select title_case(?)", (text,))
    assert got == py_title_case(text)
    assert len(got.encode()) == len(text.encode())


def test_title_case_known_values(s):
    assert one(s, "select title_case('hello wörld, héllo')") == "Hello Wörld, Héllo"
    # É is not ASCII: it is kept as it is, and the word goes on after it
    assert one(s, "select title_case('ÉCOLE mIxEd')") == "École Mixed"
    assert one(s, "select title_case('')") == ""


def test_title_case_null_and_non_text(s):
    assert one(s, "select title_case(NULL)") is None
    assert one(s, "select title_case(X'6869')") is None


# -- BLOB


@pytest.mark.parametrize(
    "data, key",
    [
        (b"", b"\x01"),
        (b"\x00\xff\x10", b"\x0f"),
        (bytes(range(256)), b"key"),
        (b"abc", b""),
        ("añb", b"\x20"),
        (b"\x00\x00\x00\x00", "ab"),
    ],
)
def test_xor_blob(s, data, key):
    got = one(s, "select xor_blob(?, ?)", (data, key))
    assert isinstance(got, bytes)
    assert got == py_xor_blob(data, key)


def test_xor_blob_twice_gives_the_data_back(s):
    data, key = bytes(range(200)), b"\x13\x37\xc0\xde"
    assert one(s, "select xor_blob(xor_blob(?, ?), ?)", (data, key, key)) == data


def test_xor_blob_null(s):
    assert rows(s, "select xor_blob(NULL, X'01'), xor_blob(X'01', NULL), xor_blob(NULL, NULL)") == [
        (None, None, None)
    ]


# -- Large values: the allocator grows memory (it starts at two 64 KiB pages)


def test_large_text(s):
    r = random.Random(7)
    words = ["wörld", "HELLO", "日本", "a", "mIxEd", "🎉x"]
    text = ""
    while len(text.encode()) < 100_000:
        text += r.choice(words) + r.choice([" ", "  ", "\t", "\n"])
    assert one(s, "select word_count(?)", (text,)) == py_word_count(text)
    assert one(s, "select title_case(?)", (text,)) == py_title_case(text)
    huge = "wörd " * 400_000  # 2.4 MB
    assert rows(s, "select word_count(?), length(title_case(?))", (huge, huge)) == [(400_000, 2_000_000)]


def test_large_blob(s):
    r = random.Random(11)
    data, key = r.randbytes(100_000), r.randbytes(13)
    assert one(s, "select xor_blob(?, ?)", (data, key)) == py_xor_blob(data, key)
    big = r.randbytes(3_000_000)
    assert one(s, "select xor_blob(?, X'')", (big,)) == big


def test_many_large_calls_reuse_memory(s):
    """Memory is never freed; the host starts the module afresh when it grows too large."""
    sql = """
        with recursive n(i) as (values (1) union all select i + 1 from n where i < 200)
        select count(*), sum(length(xor_blob(zeroblob(500000), X'FF'))) from n
    """
    assert rows(s, sql) == [(200, 200 * 500_000)]


def test_too_large_for_the_memory_limit_is_an_error(module_bytes):
    small = open_session(memory_mb=2)
    try:
        small.register_module(module_bytes)
        with pytest.raises(Exception, match=r"wasm trap in title_case"):
            one(small, "select title_case(?)", ("x" * 1_500_000,))
        assert one(small, "select title_case('still here')") == "Still Here"
    finally:
        small.close()


# -- build.sh


def test_build_script_is_executable_and_strict():
    assert os.access(BUILD_SH, os.X_OK)
    text = BUILD_SH.read_text()
    assert text.startswith("#!/bin/sh") and "set -eu" in text
    assert "--target=wasm32" in text and "-nostdlib" in text and "--no-entry" in text


def test_build_script_respects_cc(tmp_path):
    clang = shutil.which("clang")
    if not (clang and shutil.which("wasm-ld")):
        pytest.skip("clang and wasm-ld are needed to build samples/c")
    marker = tmp_path / "cc-was-used"
    wrapper = tmp_path / "my-cc"
    wrapper.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{clang}" "$@"\n')
    wrapper.chmod(0o755)
    out = tmp_path / "out.wasm"
    proc = subprocess.run(
        [str(BUILD_SH), str(out)],
        env={**os.environ, "CC": str(wrapper)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert marker.exists() and out.read_bytes()[:4] == b"\0asm"


def test_fresh_build_exports_what_the_checked_in_module_does(fresh_wasm):
    import wasmtime

    engine = wasmtime.Engine()

    def exports(data: bytes) -> dict[str, tuple]:
        found = {}
        for e in wasmtime.Module(engine, data).exports:
            t = e.type
            found[e.name] = (
                (tuple(map(str, t.params)), tuple(map(str, t.results))) if hasattr(t, "params") else None
            )
        return found

    assert exports(fresh_wasm.read_bytes()) == exports(C_WASM.read_bytes())


def test_c_readme_explains_build_and_load():
    text = (C_DIR / "README.md").read_text(encoding="utf-8")
    assert "build.sh" in text and "--target=wasm32" in text
    assert ".loadwasm samples/c/sqlfuncs.wasm" in text
    for name in [*C_SIGNATURES, *C_TABLES]:
        assert f"`{name}(" in text, name


# --------------------------------------------------------------------------
# The Rust crate


def rust_manifest() -> dict:
    with (RUST_DIR / "Cargo.toml").open("rb") as f:
        return tomllib.load(f)


def test_rust_manifest_declares_a_cdylib_using_libsql_bindgen():
    manifest = rust_manifest()
    assert manifest["package"]["name"]
    assert manifest["package"]["edition"] == "2021"
    assert "cdylib" in manifest["lib"]["crate-type"]
    assert "libsql_bindgen" in manifest["dependencies"]


def test_rust_source_uses_the_bindgen_macro_on_every_function():
    source = (RUST_DIR / "src" / "lib.rs").read_text(encoding="utf-8")
    assert re.search(r"^use libsql_bindgen::\*;", source, re.MULTILINE)
    marked = re.findall(r"#\[libsql_bindgen::libsql_bindgen\]\s*pub fn (\w+)\(", source)
    assert set(marked) == RUST_FUNCTIONS
    assert len(marked) == len(RUST_FUNCTIONS)


def test_rust_source_parses():
    rustfmt = shutil.which("rustfmt")
    if rustfmt is None:
        pytest.skip("rustfmt is not installed")
    proc = subprocess.run(
        [rustfmt, "--edition", "2021", "--emit", "stdout"],
        input=(RUST_DIR / "src" / "lib.rs").read_bytes(),
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()


def test_rust_examples_match_the_c_module(s):
    """The Rust functions are twins of the C ones: their documented results must be the C module's."""
    found = examples(RUST_DIR / "src" / "lib.rs", "//!")
    called = {name for sql, _ in found for name in re.findall(r"(\w+)\(", sql)}
    assert not RUST_FUNCTIONS - called, f"no example calls {sorted(RUST_FUNCTIONS - called)}"
    fib = [0, 1]
    while len(fib) < 93:
        fib.append(fib[-1] + fib[-2])
    for sql, expected in found:
        m = re.fullmatch(r"SELECT fib\((\d+)\)", sql)
        if m:
            assert expected == str(fib[int(m[1])]), sql
        else:
            assert [shown(r) for r in rows(s, sql)] == [expected], sql


def test_rust_readme_has_the_build_steps():
    text = (RUST_DIR / "README.md").read_text(encoding="utf-8")
    name = rust_manifest()["package"]["name"].replace("-", "_")
    assert "rustup target add wasm32-unknown-unknown" in text
    assert "cargo build --release --target wasm32-unknown-unknown" in text
    assert f".loadwasm target/wasm32-unknown-unknown/release/{name}.wasm" in text
    assert "CREATE FUNCTION" in text and "LANGUAGE wasm" in text
    for fn in RUST_FUNCTIONS:
        assert f"`{fn}(" in text, fn
