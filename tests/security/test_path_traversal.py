"""Path traversal: uploaded file names cannot leave the upload folder, file names built from
org-unit names stay inside theirs, and /static serves nothing outside its folder."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from security_fixtures import VILLAGE_A

CSV = f"dataelement,period,orgunit,value\nHTN_MANAGED,202001,{VILLAGE_A},1\n"


def _places(name: str, web) -> list[Path]:
    return [Path("/") / name, Path("/tmp") / name, Path.cwd() / name, web.folder / name, web.folder.parent / name]


@pytest.mark.parametrize("pattern", ["../../{}", "../../../../../../tmp/{}", "/tmp/{}", "..\\..\\{}",
                                     "C:\\Windows\\{}", "./././{}", "x/../../{}"])
@pytest.mark.parametrize("route", ["/api/import?dry_run=true", "/api/audit"])
def test_upload_names_cannot_leave_the_upload_folder(secure_web, pattern, route):
    client = secure_web.client("luru_a")
    suffix = ".csv" if "import" in route else ".txt"
    name = f"wj-traversal-{uuid.uuid4().hex}{suffix}"
    body = CSV if "import" in route else "全县共有卫生院21个。"
    field = "files" if "import" in route else "file"
    response = client.post(route, files={field: (pattern.format(name), body.encode(), "text/plain")},
                           headers={"X-CSRF-Token": client.csrf})
    assert response.status_code in (200, 422), response.text[:300]
    answer = response.json()
    shown = [answer["file"]] if "file" in answer else answer["report"]["files"]
    assert shown == [name]
    assert not any(place.exists() for place in _places(name, secure_web))


def test_two_uploads_with_one_name_are_both_read(secure_web):
    client = secure_web.client("luru_a")
    other = CSV.replace("202001", "202002")
    response = client.post("/api/import?dry_run=true", headers={"X-CSRF-Token": client.csrf},
                           files=[("files", ("月报.csv", CSV.encode(), "text/csv")),
                                  ("files", ("月报.csv", other.encode(), "text/csv"))])
    assert response.status_code == 200, response.text[:300]
    report = response.json()["report"]
    assert report["files"] == ["月报.csv", "月报 (2).csv"] and report["rows_read"] == 2


@pytest.mark.parametrize("name", ["..", ".csv", "", "\x00.csv", "a.csv.exe", "passwd"])
def test_bad_upload_names_are_refused_with_a_message(secure_web, name):
    client = secure_web.client("luru_a")
    response = client.post("/api/import", files={"files": (name, CSV.encode(), "text/csv")},
                           headers={"X-CSRF-Token": client.csrf})
    if response.status_code == 200:
        assert name == "\x00.csv"  # a NUL is dropped: "_.csv" is a fine name
    else:
        assert response.status_code in (400, 422), response.text[:300]
        assert "不支持的文件类型" in response.text or name == "", response.text[:300]


@pytest.mark.parametrize("path", ["/static/../weijian.yaml", "/static/..%2f..%2fweijian.yaml",
                                  "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/....//....//etc/passwd",
                                  "/static//etc/passwd", "/static/%2fetc%2fpasswd"])
def test_static_files_stay_in_their_folder(secure_web, path):
    response = secure_web.client().get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert "root:" not in response.text and "schema_version" not in response.text


@pytest.mark.parametrize("path", ["/api/template?ou=YL_GX_C02&period=202610",
                                  "/api/report/download?ou=YL_GX_C02&period=2026S1"])
def test_downloads_named_after_units_with_slashes_stay_in_their_folder(hostile_web, path):
    client = hostile_web.client("admin")
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    disposition = response.headers["content-disposition"]
    assert "逃逸" in __import__("urllib.parse").parse.unquote(disposition)
    assert "%2F" not in disposition and "/" not in disposition.split("filename", 1)[1]
    assert not (hostile_web.folder.parent / "逃逸").exists()
