"""The Store's work-ledger methods on every backend: batches, natural keys, filters, audit."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from weijian.errors import StoreError
from weijian.storage import LedgerChange, LedgerRef


def entry(title: str, start: date, end: date, **extra) -> LedgerChange:
    row = {"orgunit": "YL", "start_date": start, "end_date": end, "domain": "公共卫生", "kind": "培训",
           "title": title, **extra}
    return LedgerChange("add", "entry", row)


def test_a_batch_with_a_reference_to_an_earlier_change(store):
    project, record = store.write_ledger([
        LedgerChange("add", "project", {"orgunit": "YL", "name": "医共体信息平台", "domain": "医疗服务",
                                        "investment": Decimal("2600.50"), "status": "在建"}),
        LedgerChange("add", "progress", {"project_id": LedgerRef(0), "recorded_on": date(2026, 3, 31),
                                         "percent_done": Decimal("37.5"), "milestone": "完成系统部署"}),
    ], user="张三", source="台账.xlsx", recorded_at=datetime(2026, 4, 2, 9, 0))
    assert record["project_id"] == project["id"] and record["project"] == "医共体信息平台"
    assert project["investment"] == Decimal("2600.5") and record["percent_done"] == Decimal("37.5")
    assert store.read_ledger("progress") == [record]
    assert project["created_at"] == datetime(2026, 4, 2, 9, 0)
    history = store.ledger_history()
    assert [(h.kind, h.action, h.changed_by, h.source) for h in history] == [
        ("project", "add", "张三", "台账.xlsx"), ("progress", "add", "张三", "台账.xlsx")]
    assert history[0].after["investment"] == "2600.5" and history[0].before is None


def test_entries_overlapping_a_range_with_their_counts(store):
    a, b, c = store.write_ledger([
        entry("一月培训", date(2026, 1, 5), date(2026, 1, 6), counts={"人次": Decimal(40)}),
        entry("跨年行动", date(2025, 12, 1), date(2026, 2, 28), counts={"户": Decimal(300), "万元": Decimal("1.25")}),
        entry("三月培训", date(2026, 3, 1), date(2026, 3, 1)),
    ], user="u")
    assert c["counts"] == {} and b["counts"] == {"户": 300, "万元": Decimal("1.25")}
    january = store.read_ledger("entry", since=date(2026, 1, 1), until=date(2026, 1, 31))
    assert [r["id"] for r in january] == [b["id"], a["id"]]  # by start date
    assert january[1]["counts"] == {"人次": Decimal(40)}
    assert store.read_ledger("entry", where={"title": "三月培训"}) == [c]
    assert store.read_ledger("entry", orgunits=["YL_GX"]) == []
    assert store.read_ledger("entry", ids=[a["id"], c["id"]]) == [a, c]
    with pytest.raises(StoreError, match="建设项目没有日期"):
        store.read_ledger("project", since=date(2026, 1, 1))
    with pytest.raises(StoreError, match="没有“nope”这一列"):
        store.read_ledger("entry", where={"nope": 1})


def test_natural_keys_within_a_batch_and_against_the_store(store):
    store.write_ledger([entry("培训", date(2026, 1, 5), date(2026, 1, 5))], user="u")
    with pytest.raises(StoreError, match="已有相同的台账条目"):
        store.write_ledger([entry("另一个", date(2026, 1, 5), date(2026, 1, 5)),
                            entry("培训", date(2026, 1, 5), date(2026, 1, 5))], user="u")
    with pytest.raises(StoreError, match="同一批中有两条相同的发文（沅卫发〔2026〕1号）"):
        doc = {"orgunit": "YL", "number": "沅卫发〔2026〕1号", "title": "通知", "issued_on": date(2026, 1, 2),
               "domain": "综合"}
        store.write_ledger([LedgerChange("add", "document", doc), LedgerChange("add", "document", doc)], user="u")
    assert len(store.read_ledger("entry")) == 1 and store.read_ledger("document") == []  # all rolled back
    assert len(store.ledger_history()) == 1


def test_update_and_delete(store):
    [added] = store.write_ledger([entry("培训", date(2026, 1, 5), date(2026, 1, 5), counts={"人次": 10})], user="u")
    [updated] = store.write_ledger([LedgerChange("update", "entry", {"body": "补充说明", "counts": {"人次": 12}},
                                                 id=added["id"])], user="v")
    assert updated["id"] == added["id"] and updated["body"] == "补充说明" and updated["counts"] == {"人次": 12}
    [gone] = store.write_ledger([LedgerChange("delete", "entry", id=added["id"])], user="w")
    assert gone == updated and store.read_ledger("entry") == []
    add, update, delete = store.ledger_history("entry", added["id"])
    assert update.before["counts"] == {"人次": "10"} and update.after["counts"] == {"人次": "12"}
    assert (delete.action, delete.before["body"], delete.after) == ("delete", "补充说明", None)
    with pytest.raises(StoreError, match="台账条目 id 999 不存在"):
        store.write_ledger([LedgerChange("delete", "entry", id=999)], user="u")
    with pytest.raises(StoreError, match="建设项目 id 999 不存在"):
        store.write_ledger([LedgerChange("add", "progress", {"project_id": 999, "recorded_on": date(2026, 1, 1),
                                                             "percent_done": Decimal(1)})], user="u")
    with pytest.raises(StoreError, match="未知的台账类别“memo”"):
        store.write_ledger([LedgerChange("add", "memo", {})], user="u")
    with pytest.raises(StoreError, match="新增发文缺少：number、title、issued_on、domain"):
        store.write_ledger([LedgerChange("add", "document", {"orgunit": "YL"})], user="u")
