"""Complete data set registrations (上报), run against every backend through the ``store`` fixture."""
from __future__ import annotations

from datetime import datetime

import pytest

from weijian.errors import StoreError
from weijian.model import OrgUnit
from weijian.model.periods import Period
from weijian.storage import ValueRow

UNITS = [
    OrgUnit("YL", "沅陵县", "县", None, 1, ("YL",)),
    OrgUnit("YL_GX", "官庄镇", "乡镇", "YL", 2, ("YL", "YL_GX")),
    OrgUnit("YL_GX_WSY", "官庄镇卫生院", "乡镇卫生院", "YL_GX", 3, ("YL", "YL_GX", "YL_GX_WSY")),
    OrgUnit("YL_GX_C1", "界亭驿村卫生室", "村卫生室", "YL_GX", 3, ("YL", "YL_GX", "YL_GX_C1")),
    OrgUnit("YL_ELX", "二酉乡", "乡镇", "YL", 2, ("YL", "YL_ELX")),
]
MAY, JUNE = Period.parse("202405"), Period.parse("202406")


@pytest.fixture
def county(store):
    store.replace_orgunits(UNITS)
    return store


def test_register_keeps_the_earliest_registration(county):
    first = datetime(2024, 6, 8, 9, 0)
    assert county.register_complete([("MONTHLY", MAY, "YL_GX_WSY"), ("MONTHLY", MAY, "YL_GX_C1")],
                                    user="luru", source="网页上报", recorded_at=first) == 2
    # again later (a corrected file): nothing new, the first time stays (timeliness reads it)
    assert county.register_complete([("MONTHLY", MAY, "YL_GX_WSY")], user="other",
                                    recorded_at=datetime(2024, 6, 20)) == 0
    found = county.registrations()
    assert [(r.dataset, r.period, r.orgunit, r.completed_by, r.completed_at, r.source) for r in found] == [
        ("MONTHLY", "202405", "YL_GX_C1", "luru", first, "网页上报"),
        ("MONTHLY", "202405", "YL_GX_WSY", "luru", first, "网页上报")]
    assert len(county.registration_log()) == 2


def test_filters(county):
    county.register_complete([("MONTHLY", MAY, "YL_GX_WSY"), ("MONTHLY", JUNE, "YL_GX_WSY"),
                              ("VILLAGE", MAY, "YL_GX_C1"), ("YEARLY", Period.parse("2024"), "YL_GX_WSY")],
                             user="u")
    assert {r.period for r in county.registrations(start_month=MAY.start, end_month=MAY.end)} == {"202405"}
    assert {r.dataset for r in county.registrations(orgunits=["YL_GX_C1"])} == {"VILLAGE"}
    assert len(county.registrations(datasets=["MONTHLY"])) == 2
    assert len(county.registrations(start_month=MAY.start, end_month=JUNE.end)) == 3  # not the year


def test_withdraw_is_logged_and_needs_a_registration(county):
    county.register_complete([("MONTHLY", MAY, "YL_GX_WSY")], user="luru")
    county.unregister_complete("MONTHLY", MAY, "YL_GX_WSY", user="shenhe", source="网页撤销上报")
    assert county.registrations() == []
    assert [(e.action, e.by_user) for e in county.registration_log("YL_GX_WSY")] == [
        ("complete", "luru"), ("uncomplete", "shenhe")]
    with pytest.raises(StoreError, match="尚未上报"):
        county.unregister_complete("MONTHLY", MAY, "YL_GX_WSY", user="shenhe")


def test_locked_period_refuses_registration_and_withdrawal(county):
    county.register_complete([("MONTHLY", MAY, "YL_GX_C1")], user="luru")
    county.approve("YL_GX", Period.parse("2024Q2"), "shenhe")
    with pytest.raises(StoreError, match="审核锁定"):
        county.register_complete([("MONTHLY", JUNE, "YL_ELX"), ("MONTHLY", MAY, "YL_GX_WSY")], user="luru")
    assert [r.orgunit for r in county.registrations()] == ["YL_GX_C1"]  # all or nothing
    with pytest.raises(StoreError, match="审核锁定"):
        county.unregister_complete("MONTHLY", MAY, "YL_GX_C1", user="luru")
    county.register_complete([("MONTHLY", JUNE, "YL_ELX")], user="luru")  # another township: open


def test_unknown_unit_is_refused(county):
    with pytest.raises(StoreError, match="未知的机构编码“NOPE”"):
        county.register_complete([("MONTHLY", MAY, "NOPE")], user="u")
    assert county.registrations() == []


def test_import_session_registers_at_its_recorded_time_and_skips_locked(county):
    county.approve("YL_ELX", MAY, "shenhe")
    arrived = datetime(2024, 6, 5, 16, 0)
    with county.import_session("demo", "202405.csv") as session:
        session.stage([ValueRow("A", "202405", "YL_GX_WSY", 1.0, MAY.start, MAY.end)])
        session.register([("MONTHLY", MAY, "YL_GX_WSY"), ("MONTHLY", MAY, "YL_ELX")])
        session.apply(recorded_at=arrived)
    assert [(r.orgunit, r.completed_at, r.completed_by, r.source) for r in county.registrations()] == [
        ("YL_GX_WSY", arrived, "demo", "202405.csv")]


def test_dry_run_and_rollback_register_nothing(county):
    with county.import_session("u", "f.csv") as session:
        session.stage([ValueRow("A", "202405", "YL_GX_WSY", 1.0, MAY.start, MAY.end)])
        session.register([("MONTHLY", MAY, "YL_GX_WSY")])
        session.apply(dry_run=True)
    with county.import_session("u", "f.csv") as session:
        session.stage([ValueRow("A", "202405", "YL_GX_WSY", 1.0, MAY.start, MAY.end)])
        session.register([("MONTHLY", MAY, "YL_GX_WSY")])
    assert county.registrations() == [] and county.count_values() == 0


def test_registrations_table_for_analytics(county):
    county.register_complete([("MONTHLY", MAY, "YL_GX_WSY")], user="u")
    frame = county.registrations_table().execute()
    assert list(frame["orgunit"]) == ["YL_GX_WSY"] and int(frame["start_month"][0]) == MAY.start


def test_an_earlier_time_moves_the_registration_back(county):
    county.register_complete([("MONTHLY", MAY, "YL_GX_WSY")], user="late", recorded_at=datetime(2024, 6, 20))
    # a back-filled archive that arrived on time, loaded afterwards
    assert county.register_complete([("MONTHLY", MAY, "YL_GX_WSY")], user="archive",
                                    recorded_at=datetime(2024, 6, 5)) == 0
    (found,) = county.registrations()
    assert (found.completed_by, found.completed_at) == ("archive", datetime(2024, 6, 5))
    assert [e.by_user for e in county.registration_log()] == ["late", "archive"]


def test_backup_tables_carry_registrations_and_their_log(county, tmp_path):
    """The table dump behind ``weijian backup`` copies registrations and the log (restore keeps timeliness)."""
    from weijian.storage import open_store
    from weijian.storage.table_dump import dump_tables, load_tables

    county.register_complete([("MONTHLY", MAY, "YL_GX_WSY")], user="luru", recorded_at=datetime(2024, 6, 8))
    county.unregister_complete("MONTHLY", MAY, "YL_GX_WSY", user="shenhe")
    county.register_complete([("MONTHLY", MAY, "YL_GX_C1")], user="luru", recorded_at=datetime(2024, 6, 9))
    _, files = dump_tables(county, tmp_path / "tables")
    assert {"registration", "registration_log"} <= {f.name for f in files}
    with open_store(tmp_path / "restored.duckdb") as fresh:
        load_tables(fresh, files)
        assert fresh.registrations() == county.registrations()
        assert fresh.registration_log() == county.registration_log()
        fresh.register_complete([("MONTHLY", JUNE, "YL_GX_C1")], user="u")  # ids continue past the loaded ones
        assert len(fresh.registration_log()) == 4


def test_a_store_from_before_registrations_is_backfilled_once(store_url):
    """Migration 006 marks a store that already holds values; the backfill registers their
    reports at the values' first created (what counted as reported before), then never again."""
    from weijian.storage import open_store

    with open_store(store_url.url, schema=store_url.schema, migrate_to=5) as old:
        old.replace_orgunits(UNITS)
        old.write_values([ValueRow("A", "202405", "YL_GX_WSY", 1.0, MAY.start, MAY.end),
                          ValueRow("A", "202405", "YL_GX", 1.0, MAY.start, MAY.end),      # owes nothing
                          ValueRow("Q", "2024Q2", "YL_GX_WSY", 1.0, MAY.start - 1, JUNE.end)],
                         user="old", source="旧数据", recorded_at=datetime(2024, 6, 3))
        old.write_values([ValueRow("B", "202405", "YL_GX_WSY", 1.0, MAY.start, MAY.end)],
                         user="old", source="旧数据", recorded_at=datetime(2024, 6, 1))
    with open_store(store_url.url, schema=store_url.schema) as upgraded:
        assert upgraded.registration_backfill_pending()
        mapping = [("A", "MONTHLY", 1), ("B", "MONTHLY", 1), ("Q", "QUARTERLY", 3), ("A", "QUARTERLY", 3)]
        assert upgraded.backfill_registrations(mapping, [("MONTHLY", "YL_GX_WSY"), ("QUARTERLY", "YL_GX_WSY")]) == 2
        found = {(r.dataset, r.period, r.orgunit): (r.completed_at, r.completed_by) for r in upgraded.registrations()}
        assert found == {("MONTHLY", "202405", "YL_GX_WSY"): (datetime(2024, 6, 1), "old"),
                         ("QUARTERLY", "2024Q2", "YL_GX_WSY"): (datetime(2024, 6, 3), "old")}
        assert not upgraded.registration_backfill_pending()
    with open_store(store_url.url, schema=store_url.schema) as again:
        assert not again.registration_backfill_pending()


def test_a_new_store_has_nothing_to_backfill(store):
    assert not store.registration_backfill_pending()
