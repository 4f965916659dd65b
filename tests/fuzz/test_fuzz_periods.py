"""Hostile period texts: ``Period.parse`` returns a Period whose id parses back to it, or
raises PeriodError — nothing else, whatever the input's type."""
from __future__ import annotations

import pytest
from fuzzing import fuzz, modes, pieces
from hypothesis import strategies as st

from weijian.errors import PeriodError
from weijian.model.periods import Period

FRAGMENTS = ("2024", "1900", "2200", "9999", "0000", "05", "13", "00", "Q", "S", "H", "..", "年", "月", "月份",
             "上半年", "下半年", "第", "季度", "一", "四", "五", "截至", "截止到", "底", "末", "—", "-", "~", "至",
             "到", "全年", "度", "９", "２０２４", " ", "\u3000", "9" * 5000, "٣", "\x00")
TEXTS = st.one_of(pieces(*FRAGMENTS), st.text(max_size=80))
OTHER = st.one_of(st.integers(), st.floats(), st.none(), st.booleans(), st.binary(max_size=10),
                  st.lists(st.integers(), max_size=3))


def check(raw) -> None:
    try:
        period = Period.parse(raw)
    except PeriodError as error:
        assert "期间" in str(error)
        return
    assert Period.parse(period.id) == period
    assert period.label


@pytest.mark.parametrize("examples", modes(ci=400))
def test_period_parse_never_crashes(examples):
    fuzz(st.one_of(TEXTS, OTHER), check, examples)


@pytest.mark.parametrize("text", ["2024年" + "9" * 5000 + "季度", "2024年第" + "1" * 4400 + "季度",
                                  "2024" * 100_000, "..".join(["2024"] * 1000)])
def test_huge_numbers_in_periods_are_refused(text):
    with pytest.raises(PeriodError):
        Period.parse(text)
