//! SQL functions in Rust for wasmshell and libSQL, written with
//! [libsql_bindgen](https://crates.io/crates/libsql_bindgen).
//!
//! Build (see README.md), then in wasmshell:
//!
//! ```sql
//! .loadwasm target/wasm32-unknown-unknown/release/wasmshell_rust_sample.wasm
//! SELECT fib(10);                        -- 55
//! SELECT isqrt(1000000);                 -- 1000
//! SELECT lerp(10, 20, 0.25);             -- 12.5
//! SELECT word_count('  hello   wide world ');  -- 3
//! SELECT title_case('hello wörld, héllo');     -- Hello Wörld, Héllo
//! SELECT title_case(NULL);               -- NULL
//! SELECT hex(xor_blob(X'00FF10', X'0F')); -- 0FF01F
//! ```
//!
//! `#[libsql_bindgen]` keeps the plain Rust function (under another name) and
//! adds an exported function with the SQL name that follows libSQL's Wasm
//! calling convention, converting each parameter and the result:
//!
//! | Rust type                                    | Wasm type | SQL value                      |
//! |----------------------------------------------|-----------|--------------------------------|
//! | `i64` (or another integer type, `i8`..`u64`) | `i64`     | INTEGER                        |
//! | `f64`                                        | `f64`     | REAL                           |
//! | `String`, `&str`                             | `i32`     | TEXT: `[0x03][UTF-8][0x00]`    |
//! | `&mut [u8]` (parameter), `Vec<u8>` (result)  | `i32`     | BLOB: `[0x04][len, BE][bytes]` |
//! | `Option<T>` (parameter)                      | `i32`     | NULL: `[0x05]` becomes `None`  |
//!
//! The `i32` values are pointers into the module's memory; the host places
//! arguments there with `libsql_malloc`, which the libsql_bindgen crate
//! exports for us. NULL for an INTEGER or REAL parameter never reaches the
//! function: the host returns NULL itself. A TEXT or BLOB parameter sees NULL
//! only if it is declared as `Option<...>`. A panic aborts the call (a Wasm
//! trap) and the host reports it as an SQL error.

// The traits FromLibSQL and IntoLibSQL must be in scope: the code that the
// macro generates calls their methods.
use libsql_bindgen::*;

/// A result that may be NULL.
///
/// libsql_bindgen converts `String`, `&str` and `Vec<u8>` results but has no
/// way to return NULL. The macro calls `.into_libsql_type()` on any result
/// type that is not a number, so a type of our own implementing `IntoLibSQL`
/// can add that: `OrNull(None)` is NULL, `OrNull(Some(v))` is `v`.
pub struct OrNull<T>(pub Option<T>);

/// NULL is the single tag byte 0x05; one static copy serves every call.
static NULL_VALUE: u8 = 5;

impl<T: IntoLibSQL> IntoLibSQL for OrNull<T> {
    fn into_libsql_type(self) -> i32 {
        match self.0 {
            Some(value) => value.into_libsql_type(),
            None => &NULL_VALUE as *const u8 as i32,
        }
    }
}

/// fib(n INTEGER) -> INTEGER: the n-th Fibonacci number, fib(0) = 0.
///
/// Numbers in, numbers out: nothing to convert. Past fib(92) the result does
/// not fit in an i64; the panic becomes an SQL error rather than a wrong
/// number.
#[libsql_bindgen::libsql_bindgen]
pub fn fib(n: i64) -> i64 {
    assert!(n >= 0, "fib of a negative number");
    if n == 0 {
        return 0;
    }
    let (mut a, mut b) = (0i64, 1i64); // fib(0), fib(1)
    for _ in 1..n {
        let next = a.checked_add(b).expect("fib(n) > i64::MAX");
        (a, b) = (b, next);
    }
    b
}

/// isqrt(n INTEGER) -> INTEGER: the integer square root, floor(sqrt(n)).
#[libsql_bindgen::libsql_bindgen]
pub fn isqrt(n: i64) -> i64 {
    assert!(n >= 0, "isqrt of a negative number");
    // An f64 guess, then exact integer steps: f64 cannot hold every i64.
    let x = n as u64;
    let mut r = (n as f64).sqrt() as u64;
    while r * r > x {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= x {
        r += 1;
    }
    r as i64
}

/// lerp(a REAL, b REAL, t REAL) -> REAL: a at t = 0, b at t = 1, linear
/// in between. INTEGER arguments arrive converted to REAL.
#[libsql_bindgen::libsql_bindgen]
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

/// ASCII whitespace, as C's isspace() has it (Rust's `is_ascii_whitespace`
/// leaves out the vertical tab).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t'..='\r')
}

/// word_count(s TEXT) -> INTEGER: the number of words, a word being a run of
/// characters that are not ASCII whitespace.
///
/// An INTEGER result cannot be NULL, so NULL (`None`) counts as no words.
#[libsql_bindgen::libsql_bindgen]
pub fn word_count(s: Option<String>) -> i64 {
    match s {
        Some(s) => s.split(is_space).filter(|w| !w.is_empty()).count() as i64,
        None => 0,
    }
}

/// title_case(s TEXT) -> TEXT: the first letter of every word in upper case,
/// the other letters in lower case. Only ASCII letters change.
///
/// NULL in, NULL out: `Option<String>` in, `OrNull<String>` out. (A plain
/// `String` parameter would get the text "???" for NULL.)
#[libsql_bindgen::libsql_bindgen]
pub fn title_case(s: Option<String>) -> OrNull<String> {
    OrNull(s.map(|s| {
        let mut out = String::with_capacity(s.len());
        let mut start = true; // at the start of a word
        for c in s.chars() {
            out.push(if start {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            });
            start = is_space(c);
        }
        out
    }))
}

/// xor_blob(data BLOB, key BLOB) -> BLOB: every byte of data XORed with the
/// key, repeated as often as needed; an empty key leaves data as it is.
///
/// Either argument NULL gives NULL. (A TEXT argument arrives as an empty
/// slice: libsql_bindgen reads `&mut [u8]` from BLOBs only.)
#[libsql_bindgen::libsql_bindgen]
pub fn xor_blob(data: Option<&mut [u8]>, key: Option<&mut [u8]>) -> OrNull<Vec<u8>> {
    OrNull(match (data, key) {
        (Some(data), Some(key)) if !key.is_empty() => Some(
            data.iter()
                .zip(key.iter().cycle())
                .map(|(d, k)| d ^ k)
                .collect(),
        ),
        (Some(data), Some(_)) => Some(data.to_vec()),
        _ => None,
    })
}
