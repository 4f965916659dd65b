"""Hostile files through the whole importer into a real store (DuckDB, and PostgreSQL when
WEIJIAN_TEST_PG is set): every call returns an ImportReport — all or nothing — and a
refused import leaves the store unchanged."""
from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest
from fuzzing import fuzz, modes
from hypothesis import strategies as st
from import_inputs import ANY_FILE, FuzzFile, csv_files

from weijian.exchange import ImportReport
from weijian.metadata import SMALL_PACKAGE
from weijian.workspace import Workspace


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def workspace(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-import") / "县卫健局"
    if request.param == "duckdb":
        ws = Workspace.init(folder, metadata=SMALL_PACKAGE)
        schema = url = None
    else:
        url = os.environ.get("WEIJIAN_TEST_PG")
        if not url:
            pytest.skip("未设置 WEIJIAN_TEST_PG，跳过 PostgreSQL 测试")
        schema = f"wj_fuzz_{uuid.uuid4().hex[:12]}"
        ws = Workspace.init(folder, metadata=SMALL_PACKAGE, store=url, schema=schema)
    try:
        yield ws
    finally:
        ws.close()
        if schema:
            import psycopg

            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def importer(ws: Workspace):
    def check(case: tuple[list[FuzzFile], bool]) -> None:
        files, dry_run = case
        before = ws.store.count_values()
        with tempfile.TemporaryDirectory(prefix="wj-fuzz-") as folder:
            paths = []
            for n, file in enumerate(files):
                paths.append(Path(folder) / f"第{n}个文件{file.suffix}")
                paths[-1].write_bytes(file.data)
            report = ws.import_files(paths, dry_run=dry_run, user="模糊测试")
        assert isinstance(report, ImportReport)
        report.to_dict()
        text = report.describe_zh()
        if not report.ok:
            assert report.problem_count > 0 and "导入失败" in text
            assert ws.store.count_values() == before
            for problem in report.problems:
                assert problem.message and (problem.file.startswith("第") or problem.code == "no-files")
        elif dry_run:
            assert ws.store.count_values() == before
    return check


CASES = st.tuples(st.lists(ANY_FILE, max_size=3), st.booleans())


@pytest.mark.parametrize("examples", modes(ci=120))
def test_importer_never_crashes(workspace, examples):
    fuzz(CASES, importer(workspace), examples, seconds=30, megabytes=None)


def test_near_valid_csv_files_import_or_explain(workspace):
    fuzz(st.tuples(st.lists(csv_files(), min_size=1, max_size=2), st.just(False)), importer(workspace), 60,
         seconds=30, megabytes=None)
