"""Tests for weijian.model.periods: parsing, derived kind/id/label, relations."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from weijian.errors import PeriodError
from weijian.model.periods import MONTHS_IN, Period, month_ordinal


def span(first: str, last: str) -> tuple[int, int]:
    """(start, end) ordinals written out by hand from YYYYMM strings."""
    def ordinal(ym: str) -> int:
        return int(ym[:4]) * 12 + int(ym[4:]) - 1
    return ordinal(first), ordinal(last)


def se(p: Period) -> tuple[int, int]:
    return p.start, p.end


# -- basics -----------------------------------------------------------------------

def test_month_ordinal_literal_values():
    assert month_ordinal(2024, 1) == 24288
    assert month_ordinal(2024, 12) == 24299
    assert month_ordinal(1900, 1) == 22800


@pytest.mark.parametrize("month", [0, 13, -1])
def test_month_ordinal_rejects_bad_month(month):
    with pytest.raises(PeriodError):
        month_ordinal(2024, month)


def test_months_in():
    assert MONTHS_IN == {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


def test_constructors():
    assert se(Period.month(2024, 5)) == (24292, 24292)
    assert se(Period.year_of(2024)) == (24288, 24299)
    q1, q2 = Period(24288, 24290), Period(24291, 24293)
    assert se(Period.range(q1, q2)) == (24288, 24293)


def test_period_error_is_value_error():
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize("start,end", [(24293, 24292), (22799, 22800), (24288, 2201 * 12)])
def test_invalid_spans_rejected(start, end):
    with pytest.raises(PeriodError):
        Period(start, end)


def test_non_int_ordinals_rejected():
    with pytest.raises(PeriodError):
        Period("24288", 24288)  # type: ignore[arg-type]
    with pytest.raises(PeriodError):
        Period(True, 24288)  # type: ignore[arg-type]


# -- parsing: ids -----------------------------------------------------------------

@pytest.mark.parametrize(
    "text,first,last",
    [
        ("202405", "202405", "202405"),
        ("2024-05", "202405", "202405"),
        ("2024Q2", "202404", "202406"),
        ("2024q2", "202404", "202406"),
        ("2024Q4", "202410", "202412"),
        ("2024S1", "202401", "202406"),
        ("2024S2", "202407", "202412"),
        ("2024H1", "202401", "202406"),
        ("2024h2", "202407", "202412"),
        ("2024", "202401", "202412"),
        ("202401..202405", "202401", "202405"),
        ("2024-01..2024-05", "202401", "202405"),
        ("2024Q1..2024Q2", "202401", "202406"),
        ("2023S2..2024Q1", "202307", "202403"),
        ("2023..2024", "202301", "202412"),
        ("202405..202405", "202405", "202405"),
        ("  2024Q2 \n", "202404", "202406"),
        ("２０２４０５", "202405", "202405"),
        ("２０２４Ｑ２", "202404", "202406"),
        ("２０２４０１．．２０２４０５", "202401", "202405"),
        ("２０２４－０５", "202405", "202405"),
        ("1900", "190001", "190012"),
        ("220012", "220012", "220012"),
    ],
)
def test_parse_ids(text, first, last):
    assert se(Period.parse(text)) == span(first, last)


def test_parse_accepts_yaml_ints():
    assert se(Period.parse(202405)) == span("202405", "202405")
    assert se(Period.parse(2024)) == span("202401", "202412")


# -- parsing: Chinese -------------------------------------------------------------

@pytest.mark.parametrize(
    "text,first,last",
    [
        ("2024年5月", "202405", "202405"),
        ("2024年05月", "202405", "202405"),
        ("2024年5月份", "202405", "202405"),
        ("2024年", "202401", "202412"),
        ("2024年度", "202401", "202412"),
        ("2024年全年", "202401", "202412"),
        ("2024年上半年", "202401", "202406"),
        ("2024年下半年", "202407", "202412"),
        ("2024年第二季度", "202404", "202406"),
        ("2024年第2季度", "202404", "202406"),
        ("2024年二季度", "202404", "202406"),
        ("2024年一季度", "202401", "202403"),
        ("2024年第四季度", "202410", "202412"),
        ("2024年1-5月", "202401", "202405"),
        ("2024年1–5月", "202401", "202405"),
        ("2024年1—5月", "202401", "202405"),
        ("2024年1――5月", "202401", "202405"),
        ("2024年1―5月", "202401", "202405"),
        ("2024年1~5月", "202401", "202405"),
        ("2024年1～5月", "202401", "202405"),
        ("2024年1至5月", "202401", "202405"),
        ("2024年1到5月", "202401", "202405"),
        ("2024年1-5月份", "202401", "202405"),
        ("2024年1月至5月", "202401", "202405"),
        ("2024年3-8月", "202403", "202408"),
        ("截至2024年5月", "202401", "202405"),
        ("截至2024年5月底", "202401", "202405"),
        ("截止2024年5月末", "202401", "202405"),
        ("2024年截至5月底", "202401", "202405"),
        ("2024年截至5月", "202401", "202405"),
        ("2023年7月-2024年6月", "202307", "202406"),
        ("2023年7月—2024年6月", "202307", "202406"),
        ("2023年7月至2024年6月", "202307", "202406"),
        ("２０２４年５月", "202405", "202405"),
        ("２０２４年１－５月", "202401", "202405"),
        (" 2024 年 1 — 5 月 ", "202401", "202405"),
        ("2024年一季度..2024年二季度", "202401", "202406"),
    ],
)
def test_parse_chinese(text, first, last):
    assert se(Period.parse(text)) == span(first, last)


# -- parsing: errors --------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "2024X9", "abc", "202400", "202413", "2024-13", "2024Q5", "2024Q0",
        "2024S3", "2024H0", "1899", "2201", "189912", "2024年0月", "2024年13月",
        "2024年第五季度", "2024年5-1月", "2024年5月-2023年6月", "202405..202401",
        "2024Q2..2024Q1", "2024..", "..2024", "2024..2025..2026", "20245", "24年5月",
        "2024年中", "2024年5月底", "截至2024年", "2024年1-13月", "2024年1-5", "2024/05",
    ],
)
def test_parse_rejects(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


@pytest.mark.parametrize("value", [None, 3.5, True, ["2024"], b"2024"])
def test_parse_rejects_non_text(value):
    with pytest.raises(PeriodError):
        Period.parse(value)  # type: ignore[arg-type]


def test_error_message_names_text():
    with pytest.raises(PeriodError) as info:
        Period.parse("2024X9")
    message = str(info.value)
    assert "2024X9" in message
    assert message.startswith("无法识别的期间“2024X9”")
    with pytest.raises(PeriodError) as info:
        Period.parse("202413")
    assert "202413" in str(info.value) and "13" in str(info.value)
    with pytest.raises(PeriodError) as info:
        Period.parse("1899")
    assert "1899" in str(info.value)


# -- kind, id, label --------------------------------------------------------------

@pytest.mark.parametrize(
    "first,last,kind,pid,label",
    [
        ("202405", "202405", "month", "202405", "2024年5月"),
        ("202412", "202412", "month", "202412", "2024年12月"),
        ("202401", "202403", "quarter", "2024Q1", "2024年第一季度"),
        ("202404", "202406", "quarter", "2024Q2", "2024年第二季度"),
        ("202407", "202409", "quarter", "2024Q3", "2024年第三季度"),
        ("202410", "202412", "quarter", "2024Q4", "2024年第四季度"),
        ("202402", "202404", "range", "202402..202404", "2024年2—4月"),
        ("202401", "202406", "half", "2024S1", "2024年上半年"),
        ("202407", "202412", "half", "2024S2", "2024年下半年"),
        ("202404", "202409", "range", "202404..202409", "2024年4—9月"),
        ("202401", "202412", "year", "2024", "2024年"),
        ("202307", "202406", "range", "202307..202406", "2023年7月—2024年6月"),
        ("202401", "202405", "range", "202401..202405", "2024年1—5月"),
        ("202401", "202402", "range", "202401..202402", "2024年1—2月"),
        ("202301", "202412", "range", "202301..202412", "2023年1月—2024年12月"),
        ("202312", "202401", "range", "202312..202401", "2023年12月—2024年1月"),
    ],
)
def test_kind_id_label(first, last, kind, pid, label):
    p = Period(*span(first, last))
    assert p.kind == kind
    assert p.id == pid
    assert str(p) == pid
    assert p.label == label


def test_equal_spans_are_equal_whatever_the_spelling():
    a, b = Period.parse("202401..202406"), Period.parse("2024S1")
    assert a == b and hash(a) == hash(b)
    assert a.kind == "half" and a.id == "2024S1"
    assert Period.parse("2024年1-12月") == Period.parse("2024")
    assert Period.parse("2024年1-3月").id == "2024Q1"
    assert len({Period.parse("2024Q2"), Period.parse("2024年第二季度"), Period.parse("202404..202406")}) == 1


def test_ordering():
    ps = [Period.parse(t) for t in ("2024Q2", "202401", "2024", "202312")]
    assert [p.id for p in sorted(ps)] == ["202312", "202401", "2024", "2024Q2"]


def test_scalar_properties():
    p = Period.parse("2023年7月-2024年6月")
    assert (p.start_year, p.start_month, p.year, p.end_month, p.n_months) == (2023, 7, 2024, 6, 12)
    q = Period.parse("2024Q3")
    assert (q.start_year, q.start_month, q.year, q.end_month, q.n_months) == (2024, 7, 2024, 9, 3)


def test_repr_shows_id():
    assert repr(Period.parse("2024年二季度")) == "Period('2024Q2')"


# -- relations --------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,expected",
    [
        ("202405", "202305"),
        ("2024Q1", "2023Q1"),
        ("2024S2", "2023S2"),
        ("2024", "2023"),
        ("202402..202405", "202302..202305"),
        ("202307..202406", "202207..202306"),
    ],
)
def test_previous_year(text, expected):
    assert Period.parse(text).previous_year().id == expected


def test_previous_year_below_min_year_fails():
    with pytest.raises(PeriodError):
        Period.parse("190005").previous_year()


@pytest.mark.parametrize(
    "text,first,last,kind",
    [
        ("2024Q2", "202401", "202406", "half"),
        ("202405", "202401", "202405", "range"),
        ("202401", "202401", "202401", "month"),
        ("2024Q1", "202401", "202403", "quarter"),
        ("2024S2", "202401", "202412", "year"),
        ("202307..202402", "202401", "202402", "range"),
    ],
)
def test_year_to_date(text, first, last, kind):
    ytd = Period.parse(text).year_to_date()
    assert se(ytd) == span(first, last)
    assert ytd.kind == kind


def test_months():
    assert [m.id for m in Period.parse("2024Q2").months()] == ["202404", "202405", "202406"]
    assert [m.id for m in Period.parse("202311..202402").months()] == ["202311", "202312", "202401", "202402"]
    assert [m.id for m in Period.parse("202405").months()] == ["202405"]
    assert len(Period.parse("2024").months()) == 12


@pytest.mark.parametrize(
    "outer,inner,contains,overlaps",
    [
        ("2024", "2024Q2", True, True),
        ("2024Q2", "2024", False, True),
        ("2024Q2", "202404", True, True),
        ("2024Q2", "202406", True, True),
        ("2024Q2", "202407", False, False),
        ("2024Q2", "202403", False, False),
        ("2024Q2", "202403..202404", False, True),
        ("2024Q2", "202406..202407", False, True),
        ("2024Q2", "2024Q2", True, True),
        ("2023", "2024", False, False),
        ("202307..202406", "2024S1", True, True),
    ],
)
def test_contains_and_overlaps(outer, inner, contains, overlaps):
    a, b = Period.parse(outer), Period.parse(inner)
    assert a.contains(b) is contains
    assert a.overlaps(b) is overlaps
    assert b.overlaps(a) is overlaps


@pytest.mark.parametrize(
    "text,period_type,expected",
    [
        ("202405", "monthly", True),
        ("202405", "quarterly", False),
        ("2024Q2", "quarterly", True),
        ("202404..202406", "quarterly", True),
        ("2024S1", "half_yearly", True),
        ("2024S1", "yearly", False),
        ("2024", "yearly", True),
        ("202401..202405", "monthly", False),
        ("202401..202405", "yearly", False),
    ],
)
def test_is_of_type(text, period_type, expected):
    assert Period.parse(text).is_of_type(period_type) is expected


def test_is_of_type_unknown_type():
    with pytest.raises(PeriodError):
        Period.parse("2024").is_of_type("weekly")


# -- property-based ---------------------------------------------------------------

MIN_ORD, MAX_ORD = 1900 * 12, 2200 * 12 + 11


@st.composite
def periods(draw):
    start = draw(st.integers(MIN_ORD, MAX_ORD))
    # Bias towards short spans so the aligned kinds actually occur.
    length = draw(st.one_of(st.sampled_from([1, 3, 6, 12]), st.integers(1, 40)))
    return Period(start, min(start + length - 1, MAX_ORD))


@given(periods())
def test_id_round_trips(p):
    assert Period.parse(p.id) == p


@given(periods())
def test_label_round_trips(p):
    assert Period.parse(p.label) == p


@given(periods())
def test_kind_matches_n_months(p):
    expected = {"month": 1, "quarter": 3, "half": 6, "year": 12}
    if p.kind in expected:
        assert p.n_months == expected[p.kind]
        assert p.is_of_type({1: "monthly", 3: "quarterly", 6: "half_yearly", 12: "yearly"}[p.n_months])
    assert p.n_months == len(p.months())
    assert all(p.contains(m) for m in p.months())


@given(st.integers(1900, 2200), st.integers(1, 12))
def test_month_id_is_yyyymm(year, month):
    assert Period.month(year, month).id == f"{year:04d}{month:02d}"
    assert Period.parse(f"{year}年{month}月").id == f"{year:04d}{month:02d}"
