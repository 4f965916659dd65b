"""The web upload limit (setting ``upload_mb``): a body declared larger is refused (413) before
it is read, a chunked body of unknown length is refused (411), and a file that turns out
larger stops being copied at the limit."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

from security_fixtures import VILLAGE_A

from weijian.web import Settings


@contextmanager
def upload_limit(web, megabytes: float):
    original = web.app.state.settings
    web.app.state.settings = replace(original, upload_mb=megabytes)
    try:
        yield
    finally:
        web.app.state.settings = original


def _csv(size: int) -> bytes:
    head = f"dataelement,period,orgunit,value\nHTN_MANAGED,202001,{VILLAGE_A},1\n".encode()
    return head + b"#" * (size - len(head))


def test_the_default_limit_is_50_mb():
    assert Settings().upload_mb == 50


def test_a_declared_body_over_the_limit_is_refused_before_reading(secure_web):
    client = secure_web.client("luru_a")
    with upload_limit(secure_web, 0.1):
        response = client.post("/api/import", files={"files": ("大.csv", _csv(300_000), "text/csv")},
                               headers={"X-CSRF-Token": client.csrf})
        page = client.post("/import", files={"files": ("大.csv", _csv(300_000), "text/csv")},
                           data={"csrf_token": client.csrf})
    assert response.status_code == 413 and "0.1 MB" in response.json()["error"]
    assert page.status_code == 413 and "请求体超过" in page.text


def test_a_file_over_the_limit_stops_being_copied(secure_web):
    client = secure_web.client("luru_a")
    with upload_limit(secure_web, 0.1):  # 140 KB: under the declared-size slack, over the file limit
        response = client.post("/api/import", files={"files": ("大.csv", _csv(140_000), "text/csv")},
                               headers={"X-CSRF-Token": client.csrf})
    assert response.status_code == 400 and "“大.csv”超过 0.1 MB 上限" in response.json()["error"]


def test_a_chunked_body_of_unknown_length_is_refused(secure_web):
    client = secure_web.client("luru_a")
    response = client.post("/api/dataValueSets", content=iter([_csv(1000)]),
                           headers={"Content-Type": "text/csv", "X-CSRF-Token": client.csrf})
    assert response.status_code == 411 and "Content-Length" in response.json()["error"]


def test_a_body_under_the_limit_is_read(secure_web):
    client = secure_web.client("luru_a")
    with upload_limit(secure_web, 0.1):
        response = client.post("/api/dataValueSets?dryRun=true", content=_csv(200)[:70],
                               headers={"Content-Type": "text/csv", "X-CSRF-Token": client.csrf})
    assert response.status_code in (200, 409) and "importCount" in response.json()
