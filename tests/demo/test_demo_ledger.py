"""The demo county's work ledger: imported with the demo, every domain at work
in the latest half-year, realistic documents and projects, the same every time."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
import yaml

from weijian import Workspace
from weijian.demo.ledger import demo_ledger
from weijian.ledger import DOMAINS, Ledger, LedgerEntry, check_item, kind_of, period_bounds
from weijian.metadata import DEFAULT_PACKAGE, load_package
from weijian.model.periods import Period

LATEST_HALF = Period.parse("2026S2")  # the demo_workspace fixture ends in 202610


@pytest.fixture(scope="module")
def package():
    return load_package(DEFAULT_PACKAGE)


@pytest.fixture
def ledger(demo_workspace):
    with Workspace.open(demo_workspace) as ws:
        yield Ledger(ws.store, ws.package)


def test_the_demo_imports_its_ledger(demo_workspace, ledger):
    manifest = yaml.safe_load((demo_workspace / "demo_manifest.yaml").read_text(encoding="utf-8"))
    assert manifest["ledger"]["entry"] >= 200 and manifest["ledger"]["project"] == 5
    assert (demo_workspace / "演示数据" / "工作台账.xlsx").exists()
    added = [h for h in ledger.history() if h.action == "add"]
    assert {h.changed_by for h in added} == {"demo"} and {h.source for h in added} == {"工作台账.xlsx"}


def test_every_domain_has_work_in_the_latest_half_year(ledger):
    summary = ledger.summarize(*period_bounds(LATEST_HALF))
    counted = Counter(e.domain for e in summary.entries)
    assert set(counted) == set(DOMAINS)
    assert all(e.end <= date(2026, 10, 31) for e in summary.entries)  # nothing finished after the end month
    assert {"人次", "份", "家", "场次"} <= set(summary.totals)
    assert summary.totals["人次"] > 5000
    # a campaign under way at the end of the half, counted in the next
    assert [e.title for e in summary.ongoing] == ["2026年秋冬季传染病防控专项行动"]


def test_a_campaign_straddling_the_half_years_counts_once(ledger):
    first = ledger.summarize(*period_bounds(Period.parse("2025S1")))
    second = ledger.summarize(*period_bounds(Period.parse("2025S2")))
    year = ledger.summarize(*period_bounds(Period.parse("2025")))
    mosquito = "2025年登革热等蚊媒传染病防控专项行动"
    assert mosquito in [e.title for e in first.ongoing] and mosquito in [e.title for e in second.entries]
    for unit, total in year.totals.items():
        assert first.total(unit) + second.total(unit) == total


def test_documents_projects_and_honours(ledger):
    start, end = period_bounds(Period.parse("2025S1"))
    documents = ledger.documents(start, end)
    assert 6 <= len(documents) <= 10
    assert all(re.fullmatch(r"沅卫发〔2025〕\d+号", d.number) for d in documents)
    numbers = [int(re.search(r"〕(\d+)号", d.number)[1]) for d in documents]
    assert numbers == sorted(numbers)  # numbered in the order issued
    states = {s.project.name: s for s in ledger.projects_as_of(date(2026, 10, 31))}
    assert len(states) == 5
    assert states["县人民医院门急诊综合楼"].status == "投入使用"
    assert states["县妇幼保健院业务用房"].status == "在建" and 0 < states["县妇幼保健院业务用房"].percent < 100
    percents = [r.percent for r in ledger.progress(states["县妇幼保健院业务用房"].project.id)]
    assert percents == sorted(percents) and len(percents) >= 12  # monthly, rising
    assert ledger.honours(date(2024, 1, 1), date(2026, 12, 31))


def test_the_generator_is_seeded_and_clean(package):
    items = demo_ledger(package, 2024, Period.parse("202610"))
    assert items == demo_ledger(package, 2024, Period.parse("202610"))
    assert not [i for i in items if check_item(i, package)]
    kinds = Counter(kind_of(i) for i in items)
    assert kinds["entry"] >= 200 and kinds["document"] >= 36 and kinds["project"] == 5
    # a later end month adds to the ledger without changing what came before
    later = demo_ledger(package, 2024, Period.parse("202612"))
    earlier_entries = [i for i in items if isinstance(i, LedgerEntry) and i.end <= date(2026, 6, 30)]
    assert all(i in later for i in earlier_entries)
