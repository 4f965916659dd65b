"""Run one fuzz target with hypothesis: every input must end in a documented
outcome (a value, a problem list, or the documented error type), within a time
and memory bound.

    @pytest.mark.parametrize("examples", modes(ci=300))
    def test_parse(examples):
        fuzz(expression_texts(), check_one, examples)
"""
from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LONG_EXAMPLES = 100_000


def long_examples() -> int:
    return int(os.environ.get("WEIJIAN_FUZZ_EXAMPLES", LONG_EXAMPLES))


def modes(ci: int) -> list:
    """The two runs of a target: ``ci`` examples always, the long run behind ``-m fuzz``."""
    return [pytest.param(ci, id="ci"), pytest.param(None, id="long", marks=pytest.mark.fuzz)]


def fuzz(strategy: st.SearchStrategy, check: Callable[[object], None], examples: int | None, *,
         seconds: float = 10.0, megabytes: float | None = 64.0) -> None:
    """``check`` every input ``strategy`` draws; each must take under ``seconds`` and (when
    ``megabytes`` is given) allocate under that much Python memory at its peak."""
    count = examples if examples is not None else long_examples()
    tried = [0]

    @settings(max_examples=count, deadline=None, database=None, derandomize=examples is not None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(value):
        tried[0] += 1
        if megabytes is not None:
            tracemalloc.reset_peak()
            # what the input itself allocates: hypothesis' own state grows over a long run
            base = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        check(value)
        elapsed = time.perf_counter() - start
        assert elapsed < seconds, f"一个输入用了 {elapsed:.1f} 秒（上限 {seconds} 秒）：{value!r:.300}"
        if megabytes is not None:
            peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
            assert peak < megabytes, f"一个输入占用 {peak:.0f} MB 内存（上限 {megabytes} MB）：{value!r:.300}"

    tracing = megabytes is not None and not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start()
    try:
        run()
    finally:
        if tracing:
            tracemalloc.stop()
        # the count of a long run goes into the report (pytest -s, or the captured output of a failure)
        print(f"模糊测试：{getattr(check, '__qualname__', check)} 试了 {tried[0]} 个输入（上限 {count}）")


def pieces(*fragments: str, alphabet: st.SearchStrategy | None = None, max_size: int = 60) -> st.SearchStrategy:
    """Texts glued from meaningful ``fragments`` and arbitrary characters: near-misses of valid input."""
    part = st.one_of(st.sampled_from(fragments), alphabet or st.characters(codec="utf-8"))
    return st.lists(part, max_size=max_size).map("".join)
