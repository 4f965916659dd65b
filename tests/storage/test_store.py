"""The Store contract, run against every backend through the ``store`` fixture."""
from __future__ import annotations

from datetime import datetime

import ibis.expr.datatypes as dt
import pytest

from weijian.errors import StoreError
from weijian.model import OrgUnit
from weijian.storage import AuditEntry, Conflict, ValueRow, sql_common


def month(year: int, m: int) -> int:
    return year * 12 + m - 1


def row(de: str, period: str, ou: str, value: float, *, option: str = "", comment: str | None = None,
        followup: bool = False, source_row: int | None = None) -> ValueRow:
    start = month(int(period[:4]), int(period[4:6]))
    return ValueRow(de, period, ou, value, start, start, categoryoptioncombo=option,
                    comment=comment, followup=followup, source_row=source_row)


def key(de: str, period: str, ou: str, option: str = "") -> tuple[str, str, str, str, str]:
    return (de, period, ou, option, "")


FIRST = [
    row("VACC", "202401", "YL_A", 10, source_row=2),
    row("VACC", "202401", "YL_B", 20, source_row=3),
    row("CASES", "202401", "YL_A", 3, option="CLASS_B", source_row=4),
]


def values_by_key(store) -> dict:
    return {(v.dataelement, v.period, v.orgunit, v.categoryoptioncombo, v.attributeoptioncombo): v
            for v in store.read_values()}


def test_first_import_creates_and_audits(store):
    summary = store.write_values(FIRST, user="zhang", source="jan.csv")

    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.changed == 3 and summary.conflicts == []
    assert store.count_values() == 3
    stored = values_by_key(store)
    assert stored[key("VACC", "202401", "YL_B")].value == 20.0
    assert stored[key("VACC", "202401", "YL_B")].storedby == "zhang"
    history = store.audit_history()
    assert [(a.action, a.old_value, a.new_value, a.changed_by, a.source, a.source_row) for a in history] == [
        ("create", None, 10.0, "zhang", "jan.csv", 2),
        ("create", None, 20.0, "zhang", "jan.csv", 3),
        ("create", None, 3.0, "zhang", "jan.csv", 4),
    ]
    assert all(isinstance(a, AuditEntry) and isinstance(a.changed_at, datetime) for a in history)


def test_second_import_updates_changed_and_leaves_equal_rows(store):
    store.write_values(FIRST, user="zhang", source="jan.csv")
    before = values_by_key(store)
    second = [
        row("VACC", "202401", "YL_A", 11, source_row=2),                    # changed value
        row("VACC", "202401", "YL_B", 20, source_row=3),                    # unchanged
        row("CASES", "202401", "YL_A", 3, option="CLASS_B", comment="补报", source_row=4),  # comment only
        row("VACC", "202402", "YL_A", 12, source_row=5),                    # new
    ]
    summary = store.write_values(second, user="li", source="jan-fix.csv")

    assert (summary.created, summary.updated, summary.unchanged) == (1, 2, 1)
    after = values_by_key(store)
    changed = after[key("VACC", "202401", "YL_A")]
    assert changed.value == 11.0 and changed.storedby == "li"
    assert changed.lastupdated > before[key("VACC", "202401", "YL_A")].lastupdated
    assert after[key("CASES", "202401", "YL_A", "CLASS_B")].comment == "补报"
    assert after[key("VACC", "202401", "YL_B")] == before[key("VACC", "202401", "YL_B")]
    new_audit = store.audit_history()[3:]
    assert [(a.dataelement, a.period, a.orgunit, a.action, a.old_value, a.new_value, a.changed_by,
             a.source, a.source_row) for a in new_audit] == [
        ("VACC", "202401", "YL_A", "update", 10.0, 11.0, "li", "jan-fix.csv", 2),
        ("CASES", "202401", "YL_A", "update", 3.0, 3.0, "li", "jan-fix.csv", 4),
        ("VACC", "202402", "YL_A", "create", None, 12.0, "li", "jan-fix.csv", 5),
    ]


def test_followup_change_is_an_update(store):
    store.write_values(FIRST, user="zhang", source="a.csv")
    flagged = [row("VACC", "202401", "YL_A", 10, followup=True)]
    assert store.write_values(flagged, user="li", source="b.csv").updated == 1
    assert values_by_key(store)[key("VACC", "202401", "YL_A")].followup is True


def test_reimport_is_idempotent(store):
    store.write_values(FIRST, user="zhang", source="jan.csv")
    audit_before = store.audit_history()

    summary = store.write_values(FIRST, user="zhang", source="jan.csv")

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 3)
    assert summary.changed == 0
    assert store.audit_history() == audit_before


def test_conflicts_name_rows_and_values(store):
    rows = [
        row("VACC", "202401", "YL_A", 10, source_row=2),
        row("VACC", "202401", "YL_B", 20, source_row=3),
        row("VACC", "202401", "YL_A", 15, source_row=7),
        row("VACC", "202401", "YL_A", 10, source_row=9),
    ]
    with store.import_session("zhang", "bad.csv") as session:
        session.stage(rows[:2])
        session.stage(rows[2:])
        assert session.conflicts() == [
            Conflict(key=key("VACC", "202401", "YL_A"), rows=(2, 7, 9), values=(10.0, 15.0, 10.0)),
        ]
        with pytest.raises(StoreError):
            session.apply()
    assert store.count_values() == 0 and store.audit_history() == []

    summary = store.write_values(rows, user="zhang", source="bad.csv")
    assert [c.rows for c in summary.conflicts] == [(2, 7, 9)]
    assert summary.changed == 0 and store.count_values() == 0


def test_conflict_rows_fall_back_to_staging_order(store):
    rows = [row("VACC", "202401", "YL_A", 1), row("VACC", "202401", "YL_A", 2)]
    with store.import_session("zhang", "api") as session:
        session.stage(rows)
        assert session.conflicts()[0].rows == (1, 2)


def test_identical_duplicates_are_merged(store):
    rows = [row("VACC", "202401", "YL_A", 10, source_row=2), row("VACC", "202401", "YL_A", 10, source_row=8)]
    with store.import_session("zhang", "dup.csv") as session:
        session.stage(rows)
        assert session.conflicts() == []
        summary = session.apply()
    assert (summary.created, summary.updated, summary.unchanged) == (1, 0, 0)
    assert [a.source_row for a in store.audit_history()] == [2]


def test_dry_run_counts_and_leaves_nothing(store):
    store.write_values(FIRST[:1], user="zhang", source="a.csv")
    with store.import_session("li", "b.csv") as session:
        session.stage([row("VACC", "202401", "YL_A", 99), *FIRST[1:]])
        summary = session.apply(dry_run=True)
        with pytest.raises(StoreError):
            session.stage(FIRST)  # the session is over
    assert (summary.created, summary.updated, summary.unchanged) == (2, 1, 0)
    assert store.count_values() == 1
    assert values_by_key(store)[key("VACC", "202401", "YL_A")].value == 10.0
    assert len(store.audit_history()) == 1


def test_leaving_session_without_apply_rolls_back(store):
    with store.import_session("zhang", "a.csv") as session:
        session.stage(FIRST)
    assert store.count_values() == 0
    with store.import_session("zhang", "a.csv") as session:  # the store is free again
        session.stage(FIRST)
        assert session.apply().created == 3


def test_failure_midway_rolls_back_everything(store, monkeypatch):
    store.write_values(FIRST, user="zhang", source="jan.csv")
    before, audit_before = values_by_key(store), store.audit_history()
    # Audit and update statements run; the insert of new rows then fails.
    monkeypatch.setattr(sql_common, "INSERT_NEW", "INSERT INTO no_such_table VALUES (1)")
    update_and_create = [row("VACC", "202401", "YL_A", 11), row("VACC", "202403", "YL_A", 5)]

    with pytest.raises(StoreError, match="回滚"):
        store.write_values(update_and_create, user="li", source="feb.csv")

    assert values_by_key(store) == before
    assert store.audit_history() == audit_before
    monkeypatch.undo()
    assert store.write_values(update_and_create, user="li", source="feb.csv").changed == 2


def test_delete_is_audited(store):
    store.write_values(FIRST, user="zhang", source="jan.csv")

    deleted = store.delete_values([key("VACC", "202401", "YL_B"), key("VACC", "209901", "YL_B"),
                                   key("VACC", "202401", "YL_B")], user="wang", source="网页删除")

    assert deleted == 1
    assert key("VACC", "202401", "YL_B") not in values_by_key(store)
    last = store.audit_history()[-1]
    assert (last.orgunit, last.action, last.old_value, last.new_value, last.changed_by, last.source) == (
        "YL_B", "delete", 20.0, None, "wang", "网页删除")
    assert store.delete_values([], user="wang", source="x") == 0


def test_read_values_filters_and_orders(store):
    rows = [row(de, f"2024{m:02d}", ou, m) for de in ("VACC", "CASES") for ou in ("YL_B", "YL_A")
            for m in (1, 2, 3, 4)]
    rows.append(ValueRow("VACC", "2024Q1", "YL_A", 6, month(2024, 1), month(2024, 3)))
    store.write_values(rows, user="zhang", source="x.csv")

    everything = list(store.read_values())
    assert len(everything) == 17
    assert [(v.dataelement, v.period, v.orgunit) for v in everything] == sorted(
        (v.dataelement, v.period, v.orgunit) for v in everything)
    picked = list(store.read_values(orgunits=["YL_A"], start_month=month(2024, 1),
                                    end_month=month(2024, 3), dataelements=["VACC"]))
    assert [v.period for v in picked] == ["202401", "202402", "202403", "2024Q1"]
    assert [v.period for v in store.read_values(start_month=month(2024, 2), end_month=month(2024, 3),
                                                 orgunits=["YL_A"], dataelements=["VACC"])] == ["202402", "202403"]
    assert list(store.read_values(orgunits=[])) == []
    assert {v.orgunit for v in store.read_values(orgunits=["YL_A", "YL_B"])} == {"YL_A", "YL_B"}


def test_replace_orgunits_fills_ancestor_columns(store):
    units = [
        OrgUnit("YL", "沅陵县", "县", None, 1, ("YL",)),
        OrgUnit("YL_ELX", "二酉乡", "乡镇", "YL", 2, ("YL", "YL_ELX")),
        OrgUnit("YL_ELX_HCH", "二酉乡卫生院", "乡镇卫生院", "YL_ELX", 3, ("YL", "YL_ELX", "YL_ELX_HCH")),
        OrgUnit("YL_ELX_C1", "一村卫生室", "村卫生室", "YL_ELX", 3),  # no path: derived from parents
    ]
    store.replace_orgunits(units)

    table = store.orgunits_table().order_by("code").to_pyarrow().to_pylist()
    by_code = {r["code"]: r for r in table}
    assert by_code["YL_ELX_HCH"]["path"] == "/YL/YL_ELX/YL_ELX_HCH"
    assert [by_code["YL_ELX_HCH"][f"l{i}"] for i in range(1, 7)] == ["YL", "YL_ELX", "YL_ELX_HCH",
                                                                     None, None, None]
    assert [by_code["YL"][f"l{i}"] for i in range(1, 4)] == ["YL", None, None]
    assert by_code["YL_ELX_C1"]["path"] == "/YL/YL_ELX/YL_ELX_C1"
    assert by_code["YL_ELX_C1"]["level"] == 3 and by_code["YL_ELX"]["parent"] == "YL"

    store.replace_orgunits(units[:2])
    assert store.orgunits_table().count().execute() == 2
    with pytest.raises(StoreError):
        store.replace_orgunits([OrgUnit("X", "x", "县", None, 7, ("X",))])
    assert store.orgunits_table().count().execute() == 2


def test_values_table_through_ibis(store):
    store.write_values(FIRST, user="zhang", source="jan.csv")
    table = store.values_table()

    schema = table.schema()
    assert schema["value"] == dt.float64
    assert schema["start_month"].is_integer() and schema["end_month"].is_integer()
    for column in ("dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo"):
        assert schema[column].is_string()
    got = (table.filter(table.dataelement == "VACC").order_by("orgunit")
           .select("orgunit", "value", "start_month").to_pyarrow().to_pylist())
    assert got == [{"orgunit": "YL_A", "value": 10.0, "start_month": month(2024, 1)},
                   {"orgunit": "YL_B", "value": 20.0, "start_month": month(2024, 1)}]


def test_session_is_closed_after_apply(store):
    session = store.import_session("zhang", "a.csv")
    session.stage(FIRST)
    session.apply()
    with pytest.raises(StoreError):
        session.apply()
    session.rollback()  # harmless
    assert store.count_values() == 3


def test_store_is_a_context_manager(store_url):
    from weijian.storage import open_store

    with open_store(store_url.url, schema=store_url.schema) as opened:
        assert opened.count_values() == 0


def test_large_staged_import(store):
    chunk, total = 50_000, 200_000
    with store.import_session("zhang", "big.csv") as session:
        for start in range(0, total, chunk):
            session.stage([ValueRow(f"DE{i % 50}", "202401", f"OU{i // 50}", float(i), month(2024, 1),
                                    month(2024, 1), source_row=i + 2) for i in range(start, start + chunk)])
        assert session.conflicts() == []
        summary = session.apply()
    assert summary.created == total
    assert store.count_values() == total
    assert store.values_table().value.sum().execute() == sum(range(total))
