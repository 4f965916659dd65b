"""How figures are written in a 工作总结: literal expected strings throughout."""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weijian.model.periods import Period
from weijian.reports import (
    Change,
    completion_rate,
    completion_word,
    describe_change,
    format_change,
    format_completion,
    format_count,
    format_date,
    format_indicator_value,
    format_month_day,
    format_per_100k,
    format_percent,
    format_permille,
    format_ratio,
    format_wan_yi,
    period_phrase,
    rank_phrase,
    until_phrase,
)

D = Decimal


# -- format_count ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1137, "人次", "1137人次"),
        (110786, "人次", "110786人次"),
        (1234567, "", "1234567"),
        (0, "例", "0例"),
        (D("988"), "人", "988人"),
        (D("988.0"), "人", "988人"),
        (988.0, "人", "988人"),
        ("500", "人", "500人"),
        (-3, "例", "-3例"),
    ],
)
def test_format_count(value, unit, expected):
    assert format_count(value, unit) == expected


@pytest.mark.parametrize("value", [D("1.5"), 2.25, None, float("nan"), "abc", True, D("Infinity")])
def test_format_count_rejects_non_counts(value):
    with pytest.raises(ValueError):
        format_count(value)


# -- format_wan_yi: plain rounding ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (23660, "", 2, "2.37万"),
        (23650, "", 2, "2.37万"),  # half-up at the boundary
        (23649, "", 2, "2.36万"),
        (126000000, "", 2, "1.26亿"),
        (19000, "人次", 2, "1.9万人次"),  # 1.90 stripped
        (420000, "", 2, "42万"),
        (10000, "", 2, "1万"),
        (9999, "人", 2, "9999人"),
        (500, "人", 2, "500人"),
        (0, "元", 2, "0元"),
        (D("1137.225"), "", 2, "1137.23"),
        (D("1137.2"), "", 2, "1137.2"),
        (D("19909900"), "元", 2, "1990.99万元"),
        (D("1161700"), "元", 2, "116.17万元"),
        (D("6406080"), "元", 3, "640.608万元"),
        (D("6406080"), "元", 2, "640.61万元"),
        (130000000, "元", 1, "1.3亿元"),
        (360711360, "元", 2, "3.61亿元"),
        (123456, "", 0, "12万"),
        (125000, "", 0, "13万"),
        (D("99999999"), "", 2, "1亿"),  # rounding to 10000.00万 promotes to 亿
        (D("99994999"), "", 2, "9999.5万"),
        (100000000, "", 2, "1亿"),
        (D("9999.996"), "", 2, "1万"),  # rounding to 10000 promotes to 万
        (D("9999.994"), "", 2, "9999.99"),
        (D("1234500000000"), "元", 2, "12345亿元"),
        (-23660, "", 2, "-2.37万"),
        (-500, "", 2, "-500"),
        (D("0.001"), "", 2, "0"),
        (D("-0.001"), "", 2, "0"),
        (23660.0, "", 2, "2.37万"),
    ],
)
def test_format_wan_yi_plain(value, unit, decimals, expected):
    assert format_wan_yi(value, unit, decimals) == expected


def test_format_wan_yi_three_decimals_case_is_literal():
    assert format_wan_yi(D("99994999"), decimals=3) == "9999.5万"
    assert format_wan_yi(D("99994499"), decimals=3) == "9999.45万"
    assert format_wan_yi(D("99994449"), decimals=3) == "9999.445万"


# -- format_wan_yi: 余 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (19347, "人次", 1, "1.9万余人次"),
        (19999, "人次", 1, "1.9万余人次"),  # never rounds up to 2万
        (19999, "", 2, "1.99万余"),
        (19999, "", 0, "1万余"),
        (420000, "", 2, "42万"),  # exact: no 余
        (420000, "", 0, "42万"),
        (19000, "人次", 1, "1.9万人次"),
        (360711360, "元", 1, "3.6亿余元"),
        (130000000, "元", 1, "1.3亿元"),
        (99999999, "", 2, "9999.99万余"),  # truncation never crosses into 亿
        (100000000, "", 2, "1亿"),
        (100000001, "", 2, "1亿余"),
        (12000, "份", 0, "1万余份"),
        (120000, "份", 0, "12万份"),
        (500, "人", 0, "500人"),  # plain, exact: no 余
        (D("30.7"), "次", 0, "30余次"),
        (D("1137.229"), "", 2, "1137.22余"),
        (0, "", 2, "0"),
    ],
)
def test_format_wan_yi_yu_truncates(value, unit, decimals, expected):
    assert format_wan_yi(value, unit, decimals, qualifier="余") == expected


# -- format_wan_yi: 近 and 约 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (19800, "", 0, "近2万"),
        (19800, "人", 1, "近2万人"),  # 1.98 → ceiling 2.0 → stripped
        (19800, "", 2, "1.98万"),  # exact at 2 decimals: no 近
        (20000, "", 0, "2万"),
        (19001, "", 2, "近1.91万"),
        (19001, "", 1, "近2万"),
        (10001, "", 0, "近2万"),  # ceiling, however small the excess
        (D("9999.5"), "", 0, "近1万"),  # ceiling promotes to 万
        (99999999, "", 2, "近1亿"),
        (125900000, "元", 1, "近1.3亿元"),
        (980, "人", 0, "980人"),
        (D("979.2"), "人", 0, "近980人"),
    ],
)
def test_format_wan_yi_jin_rounds_up(value, unit, decimals, expected):
    assert format_wan_yi(value, unit, decimals, qualifier="近") == expected


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (19347, "人次", 1, "约1.9万人次"),
        (19650, "人次", 1, "约2万人次"),  # half-up, 2.0 stripped
        (19649, "人次", 1, "约2万人次"),  # 1.9649 → 2.0 at 1 decimal
        (19549, "", 1, "约2万"),
        (19449, "", 1, "约1.9万"),
        (20000, "", 1, "2万"),  # exact: no 约
        (23650, "", 2, "约2.37万"),
        (99999999, "", 2, "约1亿"),
    ],
)
def test_format_wan_yi_yue_rounds_half_up(value, unit, decimals, expected):
    assert format_wan_yi(value, unit, decimals, qualifier="约") == expected


@pytest.mark.parametrize(
    ("kwargs", "value"),
    [
        ({"qualifier": "多"}, 19000),
        ({"qualifier": "余"}, -19000),
        ({"qualifier": "近"}, -1),
        ({"decimals": -1}, 19000),
        ({"decimals": 1.5}, 19000),
        ({}, None),
        ({}, "NaN"),
    ],
)
def test_format_wan_yi_rejects_bad_input(kwargs, value):
    with pytest.raises(ValueError):
        format_wan_yi(value, **kwargs)


_FIGURE = re.compile(r"^(近|约)?(-?\d+(?:\.\d+)?)(万|亿)?(余)?")
_MULT = {None: D(1), "万": D(10000), "亿": D(100000000)}


def _shown(text: str) -> tuple[Decimal, bool]:
    match = _FIGURE.match(text)
    assert match, text
    return D(match.group(2)) * _MULT[match.group(3)], bool(match.group(4))


@given(n=st.integers(min_value=10000, max_value=10**16), decimals=st.integers(0, 4))
def test_yu_truncates_and_marks_only_cuts(n, decimals):
    text = format_wan_yi(n, "人", decimals, qualifier="余")
    shown, has_yu = _shown(text)
    assert shown <= n
    assert has_yu == (shown != n)
    multiplier = D(100000000) if "亿" in text else D(10000)
    assert n - shown < multiplier * D(1).scaleb(-decimals)  # cut less than one shown step
    assert text.endswith("人")


@given(n=st.integers(min_value=0, max_value=10**16), decimals=st.integers(0, 4))
def test_jin_never_below_and_marks_only_roundups(n, decimals):
    text = format_wan_yi(n, decimals=decimals, qualifier="近")
    shown, _ = _shown(text)
    assert shown >= n
    assert text.startswith("近") == (shown != n)


@given(n=st.integers(min_value=10000, max_value=99_994_999), decimals=st.integers(0, 4))
def test_wan_half_up_agrees_with_decimal_quantize(n, decimals):
    expected = (D(n) / 10000).quantize(D(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = format_wan_yi(n, decimals=decimals)
    assert text.endswith("万") or text == "1亿"
    if text.endswith("万"):
        assert D(text[:-1]) == expected
        assert not text[:-1].endswith("0") or "." not in text  # trailing zeros stripped


@given(
    value=st.decimals(min_value=-10**6, max_value=10**6, allow_nan=False, allow_infinity=False, places=5),
    decimals=st.integers(0, 4),
)
def test_rates_half_up_agree_with_decimal_quantize(value, decimals):
    expected = value.quantize(D(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if expected == 0:
        expected = abs(expected)
    assert format_percent(value, decimals) == f"{expected:f}%"
    assert format_permille(value, decimals) == f"{expected:f}‰"
    assert format_ratio(value, decimals) == f"{expected:f}"


# -- rates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (D("89.4736"), 2, "89.47%"),
        (D("89.475"), 2, "89.48%"),
        (D("89.465"), 2, "89.47%"),  # half-up, not half-even
        (1137.225, 2, "1137.23%"),  # float round() would give 1137.22
        (D("6"), 2, "6.00%"),
        (D("95.4"), 1, "95.4%"),
        (D("97.95"), 1, "98.0%"),
        (D("98"), 0, "98%"),
        (D("99.5"), 0, "100%"),
        (D("0"), 2, "0.00%"),
        (D("-0.004"), 2, "0.00%"),
        (D("-0.005"), 2, "-0.01%"),
        (D("111.4849"), 2, "111.48%"),
        (D("2.675"), 2, "2.68%"),  # float repr 2.675 rounds to 2.67
        (2.675, 2, "2.68%"),
    ],
)
def test_format_percent(value, decimals, expected):
    assert format_percent(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (D("6.925"), 2, "6.93‰"),
        (D("6.93"), 2, "6.93‰"),
        (D("3.1"), 1, "3.1‰"),
        (D("3.05"), 1, "3.1‰"),
        (D("0"), 2, "0.00‰"),
    ],
)
def test_format_permille(value, decimals, expected):
    assert format_permille(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (D("153.895"), 2, "153.90/10万"),
        (D("431.53"), 2, "431.53/10万"),
        (D("0.2508"), 4, "0.2508/10万"),
        (D("0.25085"), 4, "0.2509/10万"),
        (D("50"), 2, "50.00/10万"),
        (D("14.5"), 1, "14.5/10万"),
    ],
)
def test_format_per_100k(value, decimals, expected):
    assert format_per_100k(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (D("113.275"), 2, "113.28"),
        (D("113.28"), 2, "113.28"),
        (D("110"), 0, "110"),
        (D("109.5"), 0, "110"),
        (D("104.2"), 2, "104.20"),
    ],
)
def test_format_ratio(value, decimals, expected):
    assert format_ratio(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "kind", "decimals", "unit", "expected"),
    [
        (D("89.4736"), "percent", 2, None, "89.47%"),
        (D("6.925"), "permille", 2, None, "6.93‰"),
        (D("153.895"), "per_100k", 2, None, "153.90/10万"),
        (D("113.275"), "ratio", 2, None, "113.28"),
        (D("235.6"), "plain", 2, "元", "235.60元"),
        (D("1137.225"), "plain", 2, None, "1137.23"),
        (D("1137"), "plain", 0, "人次", "1137人次"),
        (D("89.4736"), "percent", 1, "ignored", "89.5%"),
    ],
)
def test_format_indicator_value(value, kind, decimals, unit, expected):
    assert format_indicator_value(value, kind, decimals, unit) == expected


def test_format_indicator_value_rejects_unknown_kind():
    with pytest.raises(ValueError, match="未知的指标类型"):
        format_indicator_value(D(1), "per_mille", 2)


# -- changes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "unit", "decimals", "word", "amount"),
    [
        (D("3.56"), "个百分点", 2, "上升", "3.56个百分点"),
        (D("-0.4"), "个百分点", 2, "下降", "0.40个百分点"),
        (D("5"), "个百分点", 0, "上升", "5个百分点"),
        (D("-0.1"), "千分点", 1, "下降", "0.1千分点"),
        (D("0.35"), "千分点", 1, "上升", "0.4千分点"),
        (D("6"), "%", 2, "增长", "6.00%"),
        (D("44"), "%", 0, "增长", "44%"),
        (D("-11.6"), "%", 1, "下降", "11.6%"),
        (D("-12.345"), "%", 2, "下降", "12.35%"),  # half-up away from zero on the magnitude
        (D("0.005"), "%", 2, "增长", "0.01%"),
        (D("0"), "%", 2, "持平", ""),
        (D("0"), "个百分点", 2, "持平", ""),
        (D("0.004"), "%", 2, "持平", ""),  # rounds to zero
        (D("-0.004"), "个百分点", 2, "持平", ""),
        (-1.5, "%", 1, "下降", "1.5%"),
    ],
)
def test_format_change(change, unit, decimals, word, amount):
    assert format_change(change, unit, decimals) == Change(word, amount)


def test_change_is_frozen_and_prints_whole():
    result = format_change(D("3.56"), "个百分点")
    assert str(result) == "上升3.56个百分点"
    with pytest.raises(AttributeError):
        result.word = "下降"  # type: ignore[misc]


@pytest.mark.parametrize("unit", ["", "百分点", "‰", "pp"])
def test_format_change_rejects_unknown_unit(unit):
    with pytest.raises(ValueError):
        format_change(D(1), unit)


@pytest.mark.parametrize(
    ("change", "unit", "basis", "expected"),
    [
        (D("6"), "%", "较去年同期", "较去年同期增长6.00%"),
        (D("-0.4"), "个百分点", "同比", "同比下降0.40个百分点"),
        (D("3.56"), "个百分点", "较去年同期", "较去年同期上升3.56个百分点"),
        (D("0"), "%", "较去年同期", "与去年同期持平"),
        (D("0"), "个百分点", "同比", "同比持平"),
        (D("0.001"), "%", "比上年", "与上年持平"),
        (D("-2.5"), "%", "较上月", "较上月下降2.50%"),
        (D("0"), "千分点", "较上月", "与上月持平"),
    ],
)
def test_describe_change(change, unit, basis, expected):
    assert describe_change(change, unit, basis=basis) == expected


def test_describe_change_default_basis_and_decimals():
    assert describe_change(D("6"), "%") == "较去年同期增长6.00%"
    assert describe_change(D("-0.44"), "个百分点", decimals=1) == "较去年同期下降0.4个百分点"


# -- completion --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "target", "expected"),
    [
        (400, 980, "完成全年任务的40.82%"),
        (2362, 2400, "完成全年任务的98.42%"),
        (1, 8, "完成全年任务的12.50%"),  # 12.5 exactly
        (1, 3, "完成全年任务的33.33%"),
        (2, 3, "完成全年任务的66.67%"),
        (100, 100, "完成全年任务的100.00%"),
        (4813, 4317, "完成全年任务的111.49%"),
        (0, 50, "完成全年任务的0.00%"),
    ],
)
def test_format_completion(done, target, expected):
    assert format_completion(done, target) == expected


def test_format_completion_task_and_decimals():
    assert format_completion(D("396"), D("396.67"), decimals=2, task="目标任务") == "完成目标任务的99.83%"
    assert format_completion(1, 3, decimals=0) == "完成全年任务的33%"
    assert completion_rate(1, 8, 1) == D("12.5")
    assert completion_rate(D("11.37225"), 100, 4) == D("11.3723")  # half-up at x.xxxx5


@pytest.mark.parametrize("target", [0, -5, None])
def test_completion_rejects_bad_target(target):
    with pytest.raises(ValueError):
        format_completion(10, target)
    with pytest.raises(ValueError):
        completion_word(10, target)


@pytest.mark.parametrize(
    ("done", "target", "expected"),
    [
        (4813, 4317, "超额完成"),
        (100, 100, "超额完成"),
        (D("99.999"), 100, "完成"),
        (400, 980, "完成"),
        (0, 1, "完成"),
    ],
)
def test_completion_word(done, target, expected):
    assert completion_word(done, target) == expected


# -- dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "full", "month_day"),
    [
        (dt.date(2024, 7, 5), "2024年7月5日", "7月5日"),
        (dt.date(2024, 12, 31), "2024年12月31日", "12月31日"),
        (dt.date(2023, 1, 1), "2023年1月1日", "1月1日"),
        (dt.date(2022, 10, 10), "2022年10月10日", "10月10日"),
        (dt.datetime(2024, 3, 9, 15, 30), "2024年3月9日", "3月9日"),
    ],
)
def test_format_date(date, full, month_day):
    assert format_date(date) == full
    assert format_month_day(date) == month_day


@pytest.mark.parametrize("value", ["2024-07-05", None, 20240705])
def test_format_date_rejects_non_dates(value):
    with pytest.raises(ValueError):
        format_date(value)
    with pytest.raises(ValueError):
        format_month_day(value)


# -- periods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period_id", "default", "half_style", "until"),
    [
        ("2024S1", "1—6月", "上半年", "截至6月底"),
        ("2024S2", "7—12月", "下半年", "截至12月底"),
        ("202401..202405", "1—5月", "1—5月", "截至5月底"),
        ("202403..202408", "3—8月", "3—8月", "截至8月底"),
        ("2024", "全年", "全年", "截至12月底"),
        ("202405", "5月", "5月", "截至5月底"),
        ("2024Q1", "第一季度", "第一季度", "截至3月底"),
        ("2024Q2", "第二季度", "第二季度", "截至6月底"),
        ("2024Q3", "第三季度", "第三季度", "截至9月底"),
        ("2024Q4", "第四季度", "第四季度", "截至12月底"),
        ("202311..202402", "2023年11月—2024年2月", "2023年11月—2024年2月", "截至2月底"),
    ],
)
def test_period_phrases(period_id, default, half_style, until):
    period = Period.parse(period_id)
    assert period_phrase(period) == default
    assert period_phrase(period, style="half") == half_style
    assert until_phrase(period) == until


def test_until_phrase_with_year_and_bad_style():
    assert until_phrase(Period.parse("2024S1"), with_year=True) == "截至2024年6月底"
    with pytest.raises(ValueError):
        period_phrase(Period.parse("2024S1"), style="上半年")


# -- ranks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rank", "total", "scope", "expected"),
    [
        (3, 23, "全县", "位居全县第3"),
        (1, 23, "全县", "位居全县第1"),
        (23, 23, "全县", "位居全县第23"),
        (2, 14, "全市", "位居全市第2"),
        (5, None, "全省", "位居全省第5"),
    ],
)
def test_rank_phrase(rank, total, scope, expected):
    assert rank_phrase(rank, total, scope) == expected


def test_rank_phrase_default_scope():
    assert rank_phrase(3, 23) == "位居全县第3"


@pytest.mark.parametrize(("rank", "total"), [(0, 23), (-1, None), (24, 23), (True, 23), (1.0, 23)])
def test_rank_phrase_rejects_bad_ranks(rank, total):
    with pytest.raises(ValueError):
        rank_phrase(rank, total)


def test_a_rate_of_exactly_100_is_written_100_percent():
    from weijian.reports.numbers import format_indicator_value

    assert format_indicator_value(Decimal("100"), "percent", 2) == "100%"
    assert format_indicator_value(Decimal("99.996"), "percent", 2) == "100%"
    assert format_indicator_value(Decimal("99.99"), "percent", 2) == "99.99%"
