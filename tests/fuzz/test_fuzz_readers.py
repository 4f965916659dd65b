"""Hostile import files: ``read_records`` yields records and problems (never raises) for
any bytes under any suffix, and the validator turns every record into a row or problems."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fuzzing import fuzz, modes
from import_inputs import ANY_FILE, FuzzFile, csv_files, excel_files, json_files

from weijian.errors import Problem
from weijian.exchange import RawRecord, Validator, read_records
from weijian.metadata import SMALL_PACKAGE, load_package
from weijian.storage.base import ValueRow

PACKAGE = load_package(SMALL_PACKAGE)
VALIDATOR = Validator(PACKAGE, scope={"YL_GX", "YL_GX_WSY"})


def read_all(file: FuzzFile) -> None:
    with tempfile.TemporaryDirectory(prefix="wj-fuzz-") as folder:
        path = Path(folder) / f"月报{file.suffix}"
        path.write_bytes(file.data)
        for item in read_records(path, json_limit=1 << 20):
            if isinstance(item, Problem):
                assert item.file.startswith("月报") and item.message
                continue
            assert isinstance(item, RawRecord)
            result = VALIDATOR.validate(item)
            if not isinstance(result, ValueRow):
                assert result and all(isinstance(p, Problem) and p.row == item.row for p in result)


@pytest.mark.parametrize("examples", modes(ci=300))
def test_any_file_reads_without_exceptions(examples):
    fuzz(ANY_FILE, read_all, examples, megabytes=None)


@pytest.mark.parametrize("data", [b"\xff\xfe\x00", b"\xfe\xff\x00a\x00",
                                  "dataelement,period,orgunit,value\nA,B,C,D\n".encode("utf-16") + b"\x00"])
def test_utf16_cut_mid_character_is_a_problem(data):
    """Found by the long fuzz run: UTF-16 with an odd number of bytes raised UnicodeDecodeError."""
    read_all(FuzzFile(".csv", data))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "月报.csv"
        path.write_bytes(data)
        assert "bad-encoding" in {p.code for p in read_records(path) if isinstance(p, Problem)}


@pytest.mark.parametrize("strategy", [csv_files(), json_files(), excel_files()], ids=["csv", "json", "excel"])
def test_each_format_reads_without_exceptions(strategy):
    fuzz(strategy, read_all, 100, megabytes=None)
