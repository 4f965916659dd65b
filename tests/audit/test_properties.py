"""Property: a paragraph whose figures are all consistent — parts summing to their total,
rates from their numerator and denominator rounded half-up, 万/亿 with random rounding,
余 and 近 used the way writers use them — never yields an inconsistent finding."""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weijian.audit import audit_text

HEAD = "某县卫生健康局2025年度工作总结\n"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rate(num: int, den: int, decimals: int, factor: int = 100) -> str:
    value = (Decimal(num) * factor / Decimal(den)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return format(value, "f")


def amount(value: int, unit: str, style: str, decimals: int) -> str:
    """A count or money figure as a writer would put it: plain, 万 (rounded), 万余 (cut), 近…万 (rounded up)."""
    if style == "plain" or value < 10000:
        return f"{value}{unit}"
    scale, word = (Decimal(10) ** 8, "亿") if value >= 10 ** 8 else (Decimal(10) ** 4, "万")
    quantum = Decimal(1).scaleb(-decimals)
    rounding = {"wan": ROUND_HALF_UP, "yu": ROUND_DOWN, "jin": ROUND_CEILING}[style]
    shown = (Decimal(value) / scale).quantize(quantum, rounding=rounding)
    text = format(shown.normalize(), "f")
    exact = shown * scale == value
    if style == "yu" and not exact:
        return f"{text}{word}余{unit}"
    if style == "jin" and not exact:
        return f"近{text}{word}{unit}"
    return f"{text}{word}{unit}"


styles = st.sampled_from(["plain", "wan", "yu", "jin"])
decimals = st.integers(0, 2)


@st.composite
def sum_sentence(draw):
    parts = draw(st.lists(st.integers(1, 3_000_000), min_size=2, max_size=5))
    unit = draw(st.sampled_from(["人", "人次", "元", "例"]))
    style, d = draw(styles), draw(decimals)
    names = ["县级医院", "乡镇卫生院", "村卫生室", "民营医院", "其他机构"]
    listed = "，".join(f"{n}{amount(p, unit, style, d)}" for n, p in zip(names, parts))
    return f"全县共服务{amount(sum(parts), unit, style, d)}，其中{listed}。"


@st.composite
def rate_sentence(draw):
    den = draw(st.integers(1, 500_000))
    num = draw(st.integers(0, den))
    return f"辖区应管理患者{den}人，规范管理{num}人，规范管理率{rate(num, den, draw(decimals))}%。"


@st.composite
def completion_sentence(draw):
    target = draw(st.integers(1, 200_000))
    done = draw(st.integers(0, 2 * target))
    return f"全年目标任务{target}人，完成{done}人，完成目标任务的{rate(done, target, draw(decimals))}%。"


@st.composite
def sex_ratio_sentence(draw):
    boys, girls = draw(st.integers(1, 5000)), draw(st.integers(1, 5000))
    return f"全县活产{boys + girls}人，其中男婴{boys}人、女婴{girls}人，出生人口性别比{rate(boys, girls, draw(decimals))}。"


@st.composite
def yoy_sentence(draw):
    now, before = draw(st.integers(1, 3_000_000)), draw(st.integers(1, 3_000_000))
    change = (Decimal(now - before) * 100 / before).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    word = "增长" if change >= 0 else "下降"
    return f"总诊疗{now}人次，去年同期{before}人次，同比{word}{format(abs(change), 'f')}%。"


@st.composite
def population_sentence(draw):
    population = draw(st.integers(50_000, 2_000_000))
    counts = draw(st.lists(st.integers(1, 5000), min_size=2, max_size=3))
    d = draw(st.integers(2, 3))
    names = ["报告手足口病", "报告流行性感冒", "报告肺结核"]
    return "，".join(f"{n}{c}例，发病率{rate(c, population, d, 100000)}/10万" for n, c in zip(names, counts)) + "。"


@st.composite
def product_sentence(draw):
    per, heads = draw(st.integers(1, 2000)), draw(st.integers(1, 900_000))
    style, d = draw(styles), draw(st.integers(0, 2))
    return f"共有{heads}人参加。按照人均{per}元筹资标准，全年应筹集资金{amount(per * heads, '元', style, d)}。"


@st.composite
def ranking_sentence(draw):
    values = sorted(draw(st.lists(st.integers(1, 3000), min_size=3, max_size=5)), reverse=True)
    total = sum(values) + draw(st.integers(0, 5000))
    names = ["流行性感冒", "肺结核", "乙肝", "梅毒", "手足口病"]
    listed = "，".join(f"{n}{v}例" for n, v in zip(names, values))
    return f"全县报告传染病{total}例。发病居前{len(values)}位病种有{listed}。"


@st.composite
def category_sentence(draw):
    b, c = draw(st.integers(1, 30)), draw(st.integers(1, 30))
    cases_b, cases_c = draw(st.integers(1, 9999)), draw(st.integers(1, 9999))
    return (f"全县共报告传染病{b + c}种{cases_b + cases_c}例，无甲类传染病报告，乙类传染病{b}种{cases_b}例，"
            f"丙类传染病{c}种{cases_c}例。")


sentences = st.one_of(sum_sentence(), rate_sentence(), completion_sentence(), sex_ratio_sentence(), yoy_sentence(),
                      population_sentence(), product_sentence(), ranking_sentence(), category_sentence())


@SETTINGS
@given(st.lists(sentences, min_size=1, max_size=4))
def test_consistent_paragraph_never_inconsistent(paragraph):
    report = audit_text(HEAD + "".join(paragraph))
    assert not report.inconsistent, [(f.quote, f.message) for f in report.inconsistent]


@SETTINGS
@given(sum_sentence())
def test_consistent_sums_are_confirmed(sentence):
    report = audit_text(HEAD + sentence)
    assert [f.verdict for f in report.findings if f.kind == "sum"] == ["consistent"]
