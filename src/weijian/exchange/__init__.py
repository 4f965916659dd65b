"""Import and export of data values: CSV, JSON (DHIS2 dataValueSets) and Excel.

    report = import_files(store, package, ["乡镇月报.xlsx"], user="张三")
    print(report.describe_zh())                      # nothing stored unless report.ok
    export_values(store, package, ["YL"], Period.parse("202405"), "5月.csv")
    make_template(package, 3, ["202405"], path="5月报表.xlsx")
"""
from __future__ import annotations

from weijian.exchange.encoding import detect_encoding
from weijian.exchange.importer import backfill_registrations, import_file, import_files
from weijian.exchange.readers import RawRecord, read_records
from weijian.exchange.report import ImportReport
from weijian.exchange.template import make_template
from weijian.exchange.validate import Validator
from weijian.exchange.writers import export_values

__all__ = [
    "ImportReport", "RawRecord", "Validator", "backfill_registrations", "detect_encoding", "export_values", "import_file",
    "import_files", "make_template", "read_records",
]
