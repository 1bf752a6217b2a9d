""".prompt as sqlite3 has it: with no arguments it changes nothing and says nothing (3.40 and 3.54)."""

from __future__ import annotations

import pytest
from reference_shell import needs_reference, run_both


@needs_reference
@pytest.mark.parametrize("script", [".prompt\nselect 1;\n", ".prompt 'a> '\nselect 1;\n"])
def test_prompt_with_no_arguments_is_accepted(tmp_path, script):
    reference, ours = run_both(script, tmp_path, (":memory:",))
    ours = ours
    assert ours == reference == type(ours)(b"1\n", b"", 0)
