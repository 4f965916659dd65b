"""Approval (审核) and locking, run against every backend through the ``store`` fixture."""
from __future__ import annotations

from datetime import datetime

import pytest

from weijian.errors import StoreError
from weijian.model import OrgUnit
from weijian.model.periods import Period
from weijian.storage import ValueRow
from weijian.storage.base import Approval, LockedRow

UNITS = [
    OrgUnit("YL", "沅陵县", "县", None, 1, ("YL",)),
    OrgUnit("YL_GX", "官庄镇", "乡镇", "YL", 2, ("YL", "YL_GX")),
    OrgUnit("YL_GX_WSY", "官庄镇卫生院", "乡镇卫生院", "YL_GX", 3, ("YL", "YL_GX", "YL_GX_WSY")),
    OrgUnit("YL_GX_C1", "界亭驿村卫生室", "村卫生室", "YL_GX", 3, ("YL", "YL_GX", "YL_GX_C1")),
    OrgUnit("YL_ELX", "二酉乡", "乡镇", "YL", 2, ("YL", "YL_ELX")),
    OrgUnit("YL_ELX_WSY", "二酉乡卫生院", "乡镇卫生院", "YL_ELX", 3, ("YL", "YL_ELX", "YL_ELX_WSY")),
]
H1 = Period.parse("2024S1")
APPROVED_AT = datetime(2024, 7, 3, 9, 30)


def row(de: str, period: str, ou: str, value: float, *, source_row: int | None = None) -> ValueRow:
    p = Period.parse(period)
    return ValueRow(de, p.id, ou, value, p.start, p.end, source_row=source_row)


def key(de: str, period: str, ou: str) -> tuple[str, str, str, str, str]:
    return (de, period, ou, "", "")


def values(store) -> dict:
    return {(v.dataelement, v.period, v.orgunit): v.value for v in store.read_values()}


@pytest.fixture
def county(store):
    """The store with the org-unit tree and a few values: 官庄镇卫生院 for May, the village, a year."""
    store.replace_orgunits(UNITS)
    store.write_values([row("VACC", "202405", "YL_GX_WSY", 10, source_row=2),
                        row("VACC", "202405", "YL_GX_C1", 4, source_row=3),
                        row("VACC", "202405", "YL_ELX_WSY", 7, source_row=4),
                        row("POP", "2024", "YL_GX_WSY", 30000, source_row=5)], user="录入员", source="a.csv")
    return store


def approve_h1(store) -> Approval:
    store.approve("YL_GX", H1, "张三", recorded_at=APPROVED_AT)
    return Approval("YL_GX", "2024S1", "张三", APPROVED_AT)


def test_approve_unapprove_and_log(county):
    approval = approve_h1(county)
    assert county.approvals() == [approval]
    assert county.approvals("YL_GX") == [approval] and county.approvals("YL") == []

    county.unapprove("YL_GX", H1, "李四", "  数据有误，退回修改 ", recorded_at=datetime(2024, 7, 5, 8, 0))

    assert county.approvals() == []
    log = county.approval_log()
    assert [(e.orgunit, e.period, e.action, e.by_user, e.at, e.reason) for e in log] == [
        ("YL_GX", "2024S1", "approve", "张三", APPROVED_AT, None),
        ("YL_GX", "2024S1", "unapprove", "李四", datetime(2024, 7, 5, 8, 0), "数据有误，退回修改"),
    ]
    assert county.approval_log("YL_GX") == log and county.approval_log("YL") == []


def test_approving_twice_is_harmless_and_logged_once(county):
    approval = approve_h1(county)
    county.approve("YL_GX", H1, "王五")
    assert county.approvals() == [approval]  # the first approver stays on record
    assert [e.action for e in county.approval_log()] == ["approve"]


def test_approvals_default_to_now(county):
    before = datetime.now()
    county.approve("YL_GX", Period.parse("202405"), "张三")
    (approval,) = county.approvals()
    assert before <= approval.approved_at <= datetime.now()
    assert county.approval_log()[0].at == approval.approved_at


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_unapprove_needs_a_reason(county, reason):
    approve_h1(county)
    with pytest.raises(StoreError, match="取消审核必须填写原因"):
        county.unapprove("YL_GX", H1, "李四", reason)
    assert len(county.approvals()) == 1
    assert [e.action for e in county.approval_log()] == ["approve"]


def test_unapprove_what_is_not_approved(county):
    with pytest.raises(StoreError, match="未审核，无需取消"):
        county.unapprove("YL_GX", H1, "李四", "误操作")
    approve_h1(county)
    # Locked through the township's half year, but not approved itself: say by what.
    with pytest.raises(StoreError, match="未审核，无需取消.*YL_GX.*2024S1"):
        county.unapprove("YL_GX_WSY", Period.parse("202405"), "李四", "误操作")
    assert [e.action for e in county.approval_log()] == ["approve"]


def test_approve_unknown_unit_is_refused(county):
    with pytest.raises(StoreError, match="未知的机构编码“YL_XX”"):
        county.approve("YL_XX", H1, "张三")
    assert county.approvals() == [] and county.approval_log() == []


@pytest.mark.parametrize(("orgunit", "period", "locked"), [
    ("YL_GX", "202401", True),           # the approved unit itself
    ("YL_GX_WSY", "202406", True),       # a unit below it, a month of the half year
    ("YL_GX_C1", "2024Q2", True),        # a quarter within it
    ("YL_GX_WSY", "2024S1", True),       # the half year itself
    ("YL_GX_WSY", "202407", False),      # the next half year
    ("YL_GX_WSY", "2024", False),        # the year is wider than the half year
    ("YL_GX_WSY", "202312", False),
    ("YL_ELX_WSY", "202405", False),     # another township
    ("YL", "202405", False),             # the county above it
])
def test_lock_covers_descendants_and_contained_periods(county, orgunit, period, locked):
    approval = approve_h1(county)
    p = Period.parse(period)
    assert county.is_locked(orgunit, p.start, p.end) == (approval if locked else None)

    write = [row("NEW", period, orgunit, 1)]
    if locked:
        with pytest.raises(StoreError, match="审核锁定"):
            county.write_values(write, user="录入员", source="b.csv")
        assert county.count_values() == 4
    else:
        assert county.write_values(write, user="录入员", source="b.csv").created == 1


def test_apply_refuses_a_locked_change_and_leaves_values_and_audit(county):
    approve_h1(county)
    before, audit_before = values(county), county.audit_history()
    staged = [
        row("VACC", "202405", "YL_GX_WSY", 10, source_row=2),   # unchanged: fine
        row("VACC", "202405", "YL_ELX_WSY", 8, source_row=3),   # change elsewhere: fine alone
        row("VACC", "202405", "YL_GX_C1", 5, source_row=4),     # update under the approval
        row("VACC", "202404", "YL_GX_WSY", 1, source_row=5),    # create under the approval
    ]
    approval = Approval("YL_GX", "2024S1", "张三", APPROVED_AT)
    with county.import_session("录入员", "b.csv") as session:
        session.stage(staged)
        assert session.conflicts() == []
        assert session.locked() == [LockedRow(key("VACC", "202405", "YL_GX_C1"), 4, approval),
                                    LockedRow(key("VACC", "202404", "YL_GX_WSY"), 5, approval)]
        assert session.locked(limit=1) == [LockedRow(key("VACC", "202405", "YL_GX_C1"), 4, approval)]
        assert session.locked_count() == 2
        with pytest.raises(StoreError) as refused:
            session.apply()
        with pytest.raises(StoreError):
            session.stage(staged)  # rolled back and over
    message = str(refused.value)
    for part in ("VACC", "YL_GX_C1", "202405", "张三", "2024年7月3日", "审核锁定", "回滚", "共 2 条"):
        assert part in message
    assert values(county) == before
    assert county.audit_history() == audit_before


def test_dry_run_is_refused_too(county):
    approve_h1(county)
    with county.import_session("录入员", "b.csv") as session:
        session.stage([row("VACC", "202405", "YL_GX_WSY", 11)])
        with pytest.raises(StoreError, match="审核锁定"):
            session.apply(dry_run=True)
    assert values(county)[("VACC", "202405", "YL_GX_WSY")] == 10


def test_identical_reimport_of_locked_data_is_allowed(county):
    approve_h1(county)
    audit_before = county.audit_history()
    same = [row("VACC", "202405", "YL_GX_WSY", 10), row("VACC", "202405", "YL_GX_C1", 4)]
    with county.import_session("录入员", "a.csv") as session:
        session.stage(same)
        assert session.locked() == [] and session.locked_count() == 0
        summary = session.apply()
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)
    assert county.audit_history() == audit_before


def test_staging_after_locked_replans(county):
    approve_h1(county)
    with county.import_session("录入员", "b.csv") as session:
        session.stage([row("VACC", "202405", "YL_ELX_WSY", 8)])
        assert session.locked() == []
        session.stage([row("VACC", "202405", "YL_GX_WSY", 11, source_row=9)])
        assert [r.source_row for r in session.locked()] == [9]
        with pytest.raises(StoreError):
            session.apply()
    assert values(county)[("VACC", "202405", "YL_ELX_WSY")] == 7


def test_delete_is_refused_all_or_nothing(county):
    approve_h1(county)
    audit_before = county.audit_history()
    with pytest.raises(StoreError, match="删除被拒绝.*YL_GX_WSY.*张三"):
        county.delete_values([key("VACC", "202405", "YL_ELX_WSY"), key("VACC", "202405", "YL_GX_WSY")],
                             user="王五", source="网页删除")
    assert county.count_values() == 4
    assert county.audit_history() == audit_before
    # Outside the approval (a yearly value, another township) deleting works.
    assert county.delete_values([key("POP", "2024", "YL_GX_WSY"), key("VACC", "202405", "YL_ELX_WSY")],
                                user="王五", source="网页删除") == 2


def test_unapprove_then_change_works(county):
    approve_h1(county)
    with pytest.raises(StoreError):
        county.write_values([row("VACC", "202405", "YL_GX_WSY", 11)], user="录入员", source="b.csv")
    county.unapprove("YL_GX", H1, "李四", "乡镇卫生院补报")

    assert county.write_values([row("VACC", "202405", "YL_GX_WSY", 11)], user="录入员", source="b.csv").updated == 1
    assert county.delete_values([key("VACC", "202405", "YL_GX_C1")], user="王五", source="网页删除") == 1
    assert values(county)[("VACC", "202405", "YL_GX_WSY")] == 11
    assert [(e.action, e.by_user, e.reason) for e in county.approval_log()] == [
        ("approve", "张三", None), ("unapprove", "李四", "乡镇卫生院补报")]
    county.approve("YL_GX", H1, "张三")  # approving again locks again
    with pytest.raises(StoreError):
        county.write_values([row("VACC", "202405", "YL_GX_WSY", 12)], user="录入员", source="c.csv")
    assert [e.action for e in county.approval_log()] == ["approve", "unapprove", "approve"]


def test_nested_approvals_each_lock(county):
    county.approve("YL_GX_WSY", Period.parse("202405"), "张三", recorded_at=datetime(2024, 6, 12))
    county.approve("YL", Period.parse("2024"), "赵六", recorded_at=datetime(2025, 1, 20))
    may = Period.parse("202405")
    assert county.is_locked("YL_GX_WSY", may.start, may.end).approved_by == "张三"  # the earliest
    assert county.is_locked("YL_ELX_WSY", may.start, may.end).approved_by == "赵六"
    county.unapprove("YL_GX_WSY", may, "李四", "重报")
    assert county.is_locked("YL_GX_WSY", may.start, may.end).approved_by == "赵六"
    with pytest.raises(StoreError, match="赵六"):
        county.write_values([row("VACC", "202405", "YL_GX_WSY", 11)], user="录入员", source="b.csv")


def test_recorded_at_stamps_values_and_audit(store):
    first, second = datetime(2021, 3, 8, 10, 15), datetime(2021, 4, 9, 16, 0)
    store.write_values([row("VACC", "202102", "YL_A", 5)], user="录入员", source="档案.csv", recorded_at=first)
    with store.import_session("录入员", "更正.csv") as session:
        session.stage([row("VACC", "202102", "YL_A", 6), row("VACC", "202103", "YL_A", 2)])
        session.apply(recorded_at=second)

    table = store.values_table()
    stamps = {r["period"]: (r["created"], r["lastupdated"])
              for r in table.select("period", "created", "lastupdated").to_pyarrow().to_pylist()}
    assert stamps == {"202102": (first, second), "202103": (second, second)}
    assert [(a.period, a.action, a.changed_at) for a in store.audit_history()] == [
        ("202102", "create", first), ("202102", "update", second), ("202103", "create", second)]
    assert {v.period: v.lastupdated for v in store.read_values()} == {"202102": second, "202103": second}
