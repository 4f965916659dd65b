"""Pages open on the current reporting month, never on the newest value someone typed (issue #18)."""
from __future__ import annotations

from datetime import date

import pytest
from web_fixtures import private_web

from weijian.metadata import DEFAULT_PACKAGE, load_package
from weijian.model.periods import Period
from weijian.web.workspaces import reporting_month


@pytest.fixture(scope="module")
def own_web(demo_workspace, tmp_path_factory):
    """A private copy: this test writes a value the shared app's tests must not see."""
    with private_web(demo_workspace, tmp_path_factory, "period", readers=1) as web:
        yield web


@pytest.mark.parametrize("today, month", [
    (date(2026, 12, 7), "202610"),   # November's reports are due on 10 December: not yet
    (date(2026, 12, 10), "202611"),  # due today: November is the reporting month
    (date(2027, 1, 3), "202611"),
    (date(2027, 1, 31), "202612"),
])
def test_reporting_month_follows_the_due_day(today, month):
    package = load_package(DEFAULT_PACKAGE)
    assert reporting_month(package, today) == Period.parse(month)


def test_an_early_value_for_a_later_month_moves_no_page(own_web):
    workspaces = own_web.workspaces
    before = workspaces.latest_month
    admin = own_web.client("admin")
    later = Period(before.start + 2, before.start + 2).id
    response = admin.post("/api/dataValueSets", json={"dataValues": [
        {"dataElement": "VILLAGE_VISITS", "period": later, "orgUnit": "YL_GX_C01", "value": "3"}]},
        headers={"X-CSRF-Token": admin.csrf})
    assert response.status_code in (200, 201), response.text[:300]
    assert workspaces.latest_month == before
    assert admin.get("/api/dashboard").json()["period"] != later
