"""Files too big to read safely: a 1 GB CSV is streamed (bounded memory, the first rows come at
once) and a line without end is refused; a 1 GB JSON and a zip-bomb workbook are refused
before they are read. The big files are sparse: nothing like 1 GB is written to disk."""
from __future__ import annotations

import time
import tracemalloc
import zipfile
from pathlib import Path

from weijian.errors import Problem
from weijian.exchange import RawRecord, import_files, read_records
from weijian.exchange.limits import DEFAULT_EXCEL_LIMIT, MAX_CSV_LINE, MAX_ZIP_RATIO
from weijian.exchange.readers import DEFAULT_JSON_LIMIT
from weijian.metadata import SMALL_PACKAGE, load_package
from weijian.storage import open_store

GB = 1 << 30
ROWS = "dataelement,period,orgunit,value\n" + "".join(f"HTN_MANAGED,2024{m:02d},YL_GX_WSY,{m}\n" for m in range(1, 4))


def sparse(path: Path, head: bytes, size: int) -> Path:
    """``head`` then NUL bytes up to ``size``, without writing them (a sparse file)."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def bounded(run, seconds: float = 20, megabytes: float = 100):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < seconds
    assert peak < megabytes * 2**20, f"peak {peak / 2**20:.0f} MB"
    return result


def test_the_limits_are_sane():
    assert MAX_CSV_LINE == 1 << 20
    assert DEFAULT_JSON_LIMIT == 200 << 20 and DEFAULT_EXCEL_LIMIT == 500 << 20
    assert 50 < MAX_ZIP_RATIO < 1000


def test_a_1gb_csv_is_streamed_and_a_line_without_end_is_refused(tmp_path):
    path = sparse(tmp_path / "大文件.csv", ROWS.encode(), GB)
    items = bounded(lambda: list(read_records(path)))
    records = [i for i in items if isinstance(i, RawRecord)]
    problems = [i for i in items if isinstance(i, Problem)]
    assert [r.values["period"] for r in records] == ["202401", "202402", "202403"]
    assert [p.code for p in problems] == ["line-too-long"]
    assert "第 5 行" in problems[0].message and problems[0].file == "大文件.csv"


def test_the_importer_refuses_the_1gb_file_without_reading_it_whole(tmp_path):
    path = sparse(tmp_path / "大文件.csv", ROWS.encode(), GB)
    store = open_store(tmp_path / "weijian.duckdb")
    try:
        report = bounded(lambda: import_files(store, load_package(SMALL_PACKAGE), [path]), seconds=60)
        assert not report.ok and report.problems[0].code == "line-too-long"
        assert store.count_values() == 0
    finally:
        store.close()


def test_a_long_csv_line_limit_can_be_lowered(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(ROWS + "HTN_MANAGED,202404,YL_GX_WSY," + "9" * 200 + "\n", encoding="utf-8")
    assert [i.code for i in read_records(path, line_limit=100) if isinstance(i, Problem)] == ["line-too-long"]
    assert not [i for i in read_records(path) if isinstance(i, Problem)]


def test_a_1gb_json_is_refused_before_parsing(tmp_path):
    path = sparse(tmp_path / "大文件.json", b'{"dataValues": [', GB)
    items = bounded(lambda: list(read_records(path)), seconds=5, megabytes=5)
    assert [(p.code, p.file) for p in items] == [("file-too-large", "大文件.json")]
    assert "1024 MB" in items[0].message and "200 MB" in items[0].message


def test_a_1gb_workbook_is_refused_before_opening(tmp_path):
    path = sparse(tmp_path / "大文件.xlsx", b"PK", GB)
    items = bounded(lambda: list(read_records(path)), seconds=5, megabytes=5)
    assert [p.code for p in items] == ["file-too-large"]


def zip_bomb(path: Path, megabytes: int) -> Path:
    """A workbook-shaped zip whose sheet XML is ``megabytes`` MB of one repeated row."""
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet><sheetData>")
            block = row * (1 << 14)
            for _ in range(megabytes * (1 << 20) // len(block)):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return path


def test_a_zip_bomb_workbook_is_refused_before_it_expands(tmp_path):
    path = zip_bomb(tmp_path / "炸弹.xlsx", 60)
    assert path.stat().st_size < 1 << 20  # tiny on disk
    items = bounded(lambda: list(read_records(path)), seconds=5, megabytes=5)
    assert [p.code for p in items] == ["suspicious-file"]
    assert "压缩比异常" in items[0].message and "xl/worksheets/sheet1.xml" in items[0].message


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(tmp_path):
    path = zip_bomb(tmp_path / "大.xlsx", 12)
    items = list(read_records(path, excel_limit=8 << 20))
    assert [p.code for p in items] == ["file-too-large"] and "解压后" in items[0].message


def test_an_ordinary_workbook_passes_the_size_check(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["dataelement", "period", "orgunit", "value"])
    book.active.append(["HTN_MANAGED", "202405", "YL_GX_WSY", 3])
    path = tmp_path / "a.xlsx"
    book.save(path)
    items = list(read_records(path))
    assert [type(i) for i in items] == [RawRecord]
