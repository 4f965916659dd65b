"""Hostile summary texts: ``audit_text`` returns a report (findings, figures, HTML) for any
text — no exception, bounded time — and ``decode`` either reads bytes or raises AuditError."""
from __future__ import annotations

import pytest
from fuzzing import fuzz, modes, pieces
from hypothesis import strategies as st

from weijian.audit import AuditError, audit_text, render_html
from weijian.audit.reading import decode

FRAGMENTS = ("全县", "共有", "卫生院", "21个", "其中", "占", "%", "％", "‰", "比上年", "增长", "下降", "个百分点",
             "完成", "年度任务", "的", "。", "，", "、", "（", "）", "(", ")", "\n", "2024年", "上半年", "1-6月",
             "截至6月底", "万", "亿", "千", "万人", "人次", "岁", "男", "女", "性别比", "1", "0", "12.5", "1,234",
             "９４．９７", "−", "-", "~", "至", "率", "为", "达", "分别", "和", "沅陵县", "官庄镇", "9" * 400,
             "0." + "0" * 300 + "1", "1e308", "NaN", "∞", "\x00", "\ufffd", "<script>", "&amp;")
TEXTS = st.one_of(pieces(*FRAGMENTS, max_size=120), st.text(max_size=500))


def check(text: str) -> None:
    report = audit_text(text)
    report.to_dict()
    report.counts()
    assert "<script>" not in render_html(report, title="<script>")


@pytest.mark.parametrize("examples", modes(ci=200))
def test_audit_text_never_crashes(examples):
    fuzz(TEXTS, check, examples, seconds=20, megabytes=256)


def check_bytes(data: bytes) -> None:
    try:
        text, _ = decode(data, "总结.txt")
    except AuditError as error:
        assert "总结.txt" in str(error)
        return
    audit_text(text)


@pytest.mark.parametrize("examples", modes(ci=150))
def test_decoding_any_bytes_never_crashes(examples):
    fuzz(st.binary(max_size=400), check_bytes, examples, seconds=20, megabytes=256)


@pytest.mark.parametrize("text", [
    "增长" + "9" * 5000 + "%。",
    "全县" + "1" * 4400 + "个，其中" + "2" * 4400 + "个，占" + "3" * 4400 + "%。",
    "(" * 20_000 + "1" + ")" * 20_000,
    "占" * 50_000 + "1%",
    "1、" * 20_000,
])
def test_pathological_summaries_finish(text):
    fuzz(st.just(text), check, 1, seconds=60, megabytes=512)
