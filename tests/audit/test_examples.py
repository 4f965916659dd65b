"""The real summaries in shared/examples: every relation found by hand (docs/audit.md) is found,
and the only inconsistencies flagged are the two real ones."""
from __future__ import annotations

from pathlib import Path

import pytest

from weijian.audit import audit_file

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "examples"
YUANLING = EXAMPLES / "沅陵县卫生健康局2022年度工作总结.txt"
DISTRICT = EXAMPLES / "区卫计委上半年工作总结.txt"
MASKED = EXAMPLES / "2023上半年县卫健局工作总结_数字已隐去.txt"

pytestmark = pytest.mark.skipif(not EXAMPLES.exists(), reason="shared/examples 不在本机")


def found(report):
    return {(f.kind, f.verdict, report.figures[f.focus].text) for f in report.findings}


def test_yuanling_2022():
    report = audit_file(YUANLING)
    assert [(f.kind, report.figures[f.focus].text) for f in report.inconsistent] == [("sum", "12857人")]
    assert found(report) >= {
        ("sum", "consistent", "12个"), ("rate", "consistent", "96.58 %"),
        ("category_count", "consistent", "12857人"), ("completion", "consistent", "98.42%"),
        ("completion", "consistent", "99.83%"), ("sum", "consistent", "2805例"),
        ("category_count", "consistent", "22种"), ("implied_population", "consistent", "431.53/10万"),
        ("ranking", "consistent", "919例"), ("sum", "consistent", "232例"),
        ("completion", "not_checkable", "94.97 %"), ("completion", "not_checkable", "111.48%"),
    }
    assert "546" in report.inconsistent[0].message


def test_district_first_half():
    report = audit_file(DISTRICT)
    assert [(f.kind, report.figures[f.focus].text) for f in report.inconsistent] == [("sum", "2400万元")]
    assert found(report) >= {
        ("sum", "consistent", "540元"), ("product", "consistent", "3.6亿余元"), ("rate", "consistent", "80.8%"),
        ("rate", "consistent", "36.1%"), ("sum", "consistent", "近54万人次"), ("sum", "consistent", "1.3亿元"),
        ("product", "consistent", "164318"), ("completion", "consistent", "40.8%"),
        ("sum", "consistent", "1227例"), ("sum", "consistent", "2例"), ("category_count", "consistent", "15种"),
        ("implied_population", "consistent", "153.895/10万"), ("ranking", "consistent", "377例"),
        ("sum", "consistent", "377例"), ("sum", "consistent", "27起"), ("sum", "consistent", "22846人"),
        ("sum", "consistent", "6910人"), ("sum", "consistent", "1990.99万元"), ("completion", "consistent", "95%"),
        ("category_count", "consistent", "5所"),
    }


def test_masked_example_has_no_figures_to_contradict():
    report = audit_file(MASKED)
    assert not report.inconsistent and len(report.figures) <= 2
