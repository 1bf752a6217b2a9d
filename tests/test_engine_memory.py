"""Memory stays flat over many calls: libSQL's bump allocators never free,
so the engine must replace instances whose memory has grown, and must not
leak per call on the host side either."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from conftest import one, wat

CALLS = 1_000_000
# 100-character strings: without instance replacement, 1M calls would pile
# up ~200 MB of guest memory (argument + result per call), far over both the
# 64 MiB cap and the RSS budget below.
QUERY = (
    "with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)"
    " select count(*), sum(length(r)), sum(r = ?) from"
    " (select reverse_text(printf('%0100d', i)) as r from n)"
)
RSS_BUDGET_MB = 50


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


@pytest.mark.slow
def test_million_text_calls_keep_memory_flat(session):
    session.register_module(wat("reverse_text"))
    # reverse of printf('%0100d', 1) is '1' followed by 99 zeros
    one_reversed = "1" + "0" * 99
    # warm up caches, instances and allocator pools before measuring
    warm = list(session.execute(QUERY, (20_000, one_reversed)))
    assert warm == [(20_000, 20_000 * 100, 1)]
    gc.collect()
    before = rss_mb()
    got = list(session.execute(QUERY, (CALLS, one_reversed)))
    gc.collect()
    after = rss_mb()
    assert got == [(CALLS, CALLS * 100, 1)]
    assert after - before < RSS_BUDGET_MB, f"RSS grew {after - before:.1f} MB ({before:.0f} -> {after:.0f})"
    # the function still gives right answers afterwards
    assert one(session, "select reverse_text('abc')") == "cba"
