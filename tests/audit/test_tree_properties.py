"""Property: a nested breakdown (其中 … 含 … ；…) written consistently never raises an alarm and its
total comes out 一致; a total below its parts is flagged on the total, whatever the numbers; a total above them is only a bound
(the list may be incomplete): 部分核对, never 一致."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weijian.audit import audit_text

HEAD = "某县卫生健康局2025年度工作总结\n"
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def nested(draw):
    subs = draw(st.lists(st.integers(1, 2000), min_size=2, max_size=3))
    part_a = sum(subs) + draw(st.integers(0, 500))
    others = draw(st.lists(st.integers(1, 3000), min_size=1, max_size=3))
    sub_names = ["执业医师", "注册护士", "药师"]
    other_names = ["管理人员", "工勤人员", "返聘人员"]  # no 其他: a list ending in 其他 is complete
    sub_text = "、".join(f"{n}{v}人" for n, v in zip(sub_names, subs))
    other_text = "，".join(f"{n}{v}人" for n, v in zip(other_names, others))
    total = part_a + sum(others)
    return total, f"其中卫生技术人员{part_a}人，含{sub_text}；{other_text}。"


@given(case=nested(), closing=st.booleans())
@SETTINGS
def test_consistent_nesting_is_clean(case, closing):
    total, body = case
    report = audit_text(HEAD + f"全县在岗职工{total}人，{body}")
    assert not report.inconsistent, [f.message for f in report.inconsistent]
    assert any(f.kind == "sum" and f.verdict == "consistent" and report.figures[f.focus].text == f"{total}人"
               for f in report.findings)


@given(case=nested(), delta=st.integers(1, 300), sign=st.sampled_from([1, -1]))
@SETTINGS
def test_a_changed_total_is_flagged(case, delta, sign):
    total, body = case
    wrong = total + sign * delta
    if wrong <= 0:
        return  # no count is negative
    report = audit_text(HEAD + f"全县在岗职工{wrong}人，{body}")
    flagged = [report.figures[f.focus].text for f in report.inconsistent]
    verdicts = {f.verdict for f in report.findings if report.figures[f.focus].text == f"{wrong}人"}
    if sign < 0:
        assert flagged == [f"{wrong}人"]
    else:
        assert not flagged and verdicts == {"partial"}
