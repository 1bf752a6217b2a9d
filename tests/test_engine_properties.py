"""Property-based round trips through the ABI (Hypothesis)."""

from __future__ import annotations

import pytest
from conftest import one, open_session, wat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# TEXT crosses as NUL-terminated UTF-8: no NUL inside, no lone surrogates.
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def s():
    session = open_session()
    for name in ("ident", "reverse_blob", "reverse_text", "contains", "concat3"):
        session.register_module(wat(name))
    yield session
    session.close()


@SETTINGS
@given(text=texts)
def test_text_round_trips_through_echo(s, text):
    assert one(s, "select echo(?)", (text,)) == text


@SETTINGS
@given(data=st.binary(max_size=5000))
def test_blob_round_trips_through_echo(s, data):
    assert one(s, "select echo(?)", (data,)) == data


@SETTINGS
@given(data=st.binary(max_size=5000))
def test_blob_reversed_twice_is_itself(s, data):
    assert one(s, "select reverse_blob(?)", (data,)) == data[::-1]
    assert one(s, "select reverse_blob(reverse_blob(?))", (data,)) == data


@SETTINGS
@given(n=st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_i64_round_trips_through_add0(s, n):
    assert one(s, "select add0(?)", (n,)) == n


@SETTINGS
@given(text=texts)
def test_reverse_text_matches_python(s, text):
    assert one(s, "select reverse_text(?)", (text,)) == text[::-1]
    assert one(s, "select reverse_text(reverse_text(?))", (text,)) == text


@SETTINGS
@given(hay=texts, needle=texts)
def test_contains_matches_python_in(s, hay, needle):
    assert one(s, "select contains(?, ?)", (hay, needle)) == int(needle in hay)


@SETTINGS
@given(a=texts, b=texts, c=texts)
def test_concat3_matches_python(s, a, b, c):
    assert one(s, "select concat3(?, ?, ?)", (a, b, c)) == a + b + c


@SETTINGS
@given(text=texts)
def test_text_length_in_wasm_is_utf8_length(s, text):
    assert one(s, "select text_len(?)", (text,)) == len(text.encode("utf-8"))
