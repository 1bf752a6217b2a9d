"""Highlighting: which token type each part of the input gets, and the prompt_toolkit pieces."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text

from wasmshell.shell.interactive import highlight as lexer
from wasmshell.shell.interactive.highlight import ARGUMENT, COMMAND, OPTION, split_input, tokenize


def visible(text: str) -> list[tuple[object, str]]:
    """The tokens of ``text`` other than white space."""
    return [(kind, value) for kind, value in tokenize(text) if kind not in Text.Whitespace and value.strip()]


def kind_of(text: str, part: str) -> object:
    """The token type of ``part``, which must be one token of ``text``."""
    kinds = [kind for kind, value in tokenize(text) if value == part]
    assert kinds, f"{part!r} is not one token of {text!r}: {tokenize(text)}"
    return kinds[0]


# -- SQL ----------------------------------------------------------------------


@pytest.mark.parametrize("word", ["SELECT", "select", "From", "WHERE", "pragma", "GLOB", "AUTOINCREMENT"])
def test_sqlite_keywords_in_any_case(word):
    assert kind_of(f"{word} x", word) in Keyword


def test_values_that_are_keywords_are_constants():
    for word in ("NULL", "current_timestamp", "TRUE"):
        assert kind_of(f"SELECT {word}", word) is Keyword.Constant


def test_names_are_not_keywords():
    assert kind_of("SELECT selection FROM users", "selection") is Name
    assert kind_of("SELECT selection FROM users", "users") is Name


def test_strings_with_doubled_quotes_are_one_token():
    assert visible("SELECT 'it''s'") == [(Keyword, "SELECT"), (String.Single, "'it''s'")]


def test_blob_literals():
    assert kind_of("SELECT x'00ff'", "x'00ff'") in String


def test_an_unterminated_string_runs_to_the_end():
    tokens = visible("SELECT 'abc\nFROM t")
    assert tokens[-1] == (String.Single, "'abc\nFROM t")


@pytest.mark.parametrize(
    ("number", "kind"),
    [("42", Number.Integer), ("3.25", Number.Float), (".5", Number.Float), ("1e10", Number.Float),
     ("0x1F", Number.Hex)],
)  # fmt: skip
def test_numbers(number, kind):
    assert kind_of(f"SELECT {number} + 1", number) is kind


def test_comments():
    assert kind_of("SELECT 1 -- the answer\n", "-- the answer") is Comment.Single
    tokens = visible("SELECT /* a\nlong */ 1")
    assert "".join(v for k, v in tokens if k in Comment.Multiline) == "/* a\nlong */"


@pytest.mark.parametrize("name", ['"my table"', "[my table]", "`my table`"])
def test_quoted_names(name):
    assert kind_of(f"SELECT * FROM {name}", name) in Name
    assert kind_of(f"SELECT * FROM {name}", name) not in String


@pytest.mark.parametrize("param", ["?", "?1", ":name", "@name", "$name"])
def test_parameters(param):
    assert kind_of(f"SELECT {param}", param) is Name.Variable


def test_function_calls():
    assert kind_of("SELECT fib(10)", "fib") is Name.Function
    assert kind_of("SELECT fib (10)", "fib") is Name.Function


def test_operators_and_punctuation():
    assert kind_of("SELECT a || b", "||") is Operator
    assert kind_of("SELECT a->>'$.x'", "->>") is Operator
    assert kind_of("SELECT a, b;", ";") is Punctuation


# -- dot-commands -------------------------------------------------------------


def test_a_dot_command_with_its_arguments():
    assert visible(".mode box --wrap 30 'a b'") == [
        (COMMAND, ".mode"),
        (ARGUMENT, "box"),
        (OPTION, "--wrap"),
        (Number, "30"),
        (String, "'a b'"),
    ]


def test_dot_command_arguments_are_not_sql():
    assert visible(".import data.csv select") == [
        (COMMAND, ".import"),
        (ARGUMENT, "data.csv"),
        (ARGUMENT, "select"),
    ]


def test_a_dot_line_is_a_command_only_when_no_sql_is_pending():
    assert COMMAND not in dict(visible("SELECT 1\n.tables"))
    assert visible("SELECT 1;\n.tables")[-1] == (COMMAND, ".tables")
    assert visible("-- a note\n.tables")[-1] == (COMMAND, ".tables")
    assert visible("  .tables")[0] != (COMMAND, ".tables")  # as sqlite3: only in the first column


def test_sql_after_a_dot_command_is_sql_again():
    assert visible(".headers on\nSELECT 1;")[2:] == [
        (Keyword, "SELECT"),
        (Number.Integer, "1"),
        (Punctuation, ";"),
    ]


def test_hash_lines_are_comments():
    assert visible("# a note\nSELECT 1;")[0] == (Comment.Single, "# a note")


def test_split_input_gives_back_the_text():
    text = "SELECT 1;\n.tables\n# x\nSELECT\n.5;\n.mode box"
    segments = split_input(text)
    assert [s.kind for s in segments] == ["sql", "command", "comment", "sql", "command"]
    assert "".join(s.text for s in segments) == text
    assert all(text[s.start :].startswith(s.text) for s in segments)


@given(st.text(alphabet=st.sampled_from("SELECT from'\"`[]()-*/ .#\n;?:x1e\t"), max_size=60))
def test_tokens_give_back_the_text(text):
    assert "".join(value for _, value in tokenize(text)) == text


# -- prompt_toolkit -----------------------------------------------------------


def test_lexer_for_prompt_styles_each_line():
    from prompt_toolkit.document import Document

    get_line = lexer.lexer_for_prompt().lex_document(Document("SELECT 'a';\n.tables"))
    first, second = get_line(0), get_line(1)
    assert ("class:pygments.keyword", "SELECT") in first
    assert ("class:pygments.literal.string.single", "'a'") in first
    assert [f for f in second if f[1]] == [("class:pygments.dotcommand", ".tables")]
    assert get_line(2) == []


def test_sqlite_lexer_works_with_pygments():
    from pygments import highlight
    from pygments.formatters import NullFormatter
    from pygments.lexer import Lexer

    assert issubclass(lexer.SqliteLexer, Lexer)
    assert highlight("SELECT 1;", lexer.SqliteLexer(), NullFormatter()) == "SELECT 1;\n"


def test_style_colours_every_kind_of_token():
    from prompt_toolkit.styles import DEFAULT_ATTRS
    from prompt_toolkit.styles.pygments import pygments_token_to_classname

    style = lexer.style()
    sample = "SELECT 'a', 1, NULL, fib(?1) -- c\n;\n.mode box --wrap 3"
    kinds = {k for k, v in tokenize(sample) if v.strip() and k not in (Punctuation, Operator)}
    for kind in kinds:
        attrs = style.get_attrs_for_style_str(f"class:{pygments_token_to_classname(kind)}")
        assert attrs != DEFAULT_ATTRS, kind
    assert style.get_attrs_for_style_str("class:pygments.keyword").bold


def test_style_is_readable_on_dark_and_light_terminals():
    # Terminal palettes make ANSI black/white unreadable on one background, yellow
    # pale on white, and "bright black" the background colour itself in Solarized.
    unreadable = {"ansiblack", "ansiwhite", "ansibrightwhite", "ansiyellow", "ansibrightyellow",
                  "ansibrightblack", "ansigray"}  # fmt: skip
    for rule in lexer.STYLE_RULES.values():
        for part in rule.split():
            assert part not in unreadable, rule
            if part.startswith("#"):
                r, g, b = (int(part[i : i + 2], 16) for i in (1, 3, 5))
                assert 0x60 <= (r * 299 + g * 587 + b * 114) // 1000 <= 0xA0, rule  # a mid tone
            else:
                assert re.fullmatch(r"bold|italic|underline|ansi[a-z]+|bg:.*|", part), rule


@given(st.text(alphabet=" \t-a1'\"\\=é", max_size=20))
def test_a_command_lines_words_are_highlighted_as_the_shell_splits_them(rest):
    """Highlighting and the shell read a dot-command line the same way: every word the
    shell will see starts and ends at a token boundary, and a quoted word is one string."""
    from wasmshell.shell.commands.args import line_words

    line = ".open " + rest
    tokens = tokenize(line)
    boundaries = {0}
    for _kind, text in tokens:
        boundaries.add(max(boundaries) + len(text))
    for word in line_words(line, len(".open")):
        assert word.start in boundaries and word.end in boundaries
        if word.quote:
            assert (String, line[word.start : word.end]) in tokens


def test_a_quote_inside_a_word_does_not_start_a_string():
    assert tokenize(".open --x'a  b'") == [
        (COMMAND, ".open"),
        (Text.Whitespace, " "),
        (OPTION, "--x"),
        (ARGUMENT, "'a"),
        (Text.Whitespace, "  "),
        (ARGUMENT, "b'"),
    ]
