"""Hypothesis strategies for hostile import files: CSV, JSON and Excel, near-valid and raw."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from hypothesis import strategies as st

COLUMNS = ("dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value",
           "storedby", "lastupdated", "comment", "followup", "数据项", "期间", "机构", "数值", "值", "备注",
           "dataElement", "orgUnit", "Value ", "名称", "", "value")
CELLS = st.one_of(
    st.sampled_from(["HTN_MANAGED", "htn_managed", "VACC_DOSES", "CASES", "LIVE_BIRTHS", "YL_GX_WSY", "YL_GX",
                     "yl_gx_wsy", "YL", "202405", "2024-05", "2024S1", "2024", "2024年5月", "199912", "220101",
                     "10", "0", "-1", "1,234", "１２", "3.5", "1e400", "NaN", "inf", "=1+1", "'=SUM(A1)", "@x",
                     "true", "是", "MALE", "CLASS_B", "default", "", " ", "\x00", "9" * 5000, "北京"]),
    st.text(max_size=30),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@dataclass(frozen=True)
class FuzzFile:
    suffix: str
    data: bytes

    def __repr__(self) -> str:
        return f"FuzzFile({self.suffix!r}, {self.data[:300]!r}{'…' if len(self.data) > 300 else ''})"


@st.composite
def tables(draw) -> list[list[str]]:
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=0, max_size=8))
    width = st.integers(min_value=0, max_value=len(header) + 2)
    rows = draw(st.lists(width.flatmap(lambda n: st.lists(CELLS, min_size=n, max_size=n)), max_size=8))
    return [header, *rows]


@st.composite
def csv_files(draw) -> FuzzFile:
    rows = draw(tables())
    delimiter = draw(st.sampled_from([",", "\t", ";", "|"]))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):  # damage it: cut, splice bytes, stray quotes
        cut = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:cut] + draw(st.sampled_from([b"", b'"', b"\xff\xfe", b"\x00", b"\r", b"\xe4\xb8", b'""\n"']))\
            + data[cut:]
    return FuzzFile(".csv", data)


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), CELLS),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(COLUMNS), inner, max_size=5)),
    max_leaves=20)


@st.composite
def json_files(draw) -> FuzzFile:
    item = st.dictionaries(st.sampled_from([*COLUMNS, "dataValues"]), JSON_VALUES, max_size=8)
    shape = draw(st.sampled_from(["set", "list", "any"]))
    if shape == "set":
        body = {**draw(st.dictionaries(st.sampled_from(COLUMNS), JSON_VALUES, max_size=3)),
                "dataValues": draw(st.lists(st.one_of(item, JSON_VALUES), max_size=6))}
    elif shape == "list":
        body = draw(st.lists(item, max_size=6))
    else:
        body = draw(JSON_VALUES)
    data = json.dumps(body, ensure_ascii=draw(st.booleans())).encode()
    if draw(st.booleans()):
        cut = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:cut] + draw(st.sampled_from([b"", b"{", b"]", b"\xff", b"NaN", b"1e999999"])) + data[cut:]
    return FuzzFile(".json", data)


@st.composite
def excel_files(draw) -> FuzzFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if draw(st.booleans()):  # the wide template's layout, with its marker sheet
        sheet.title = draw(st.sampled_from(["202405", "2024S1", "坏期间", "2024"]))
        codes = draw(st.lists(st.sampled_from(["orgunit", "orgunit_name", "HTN_MANAGED", "CASES.CLASS_B",
                                               "LIVE_BIRTHS.MALE", "X.Y.Z", ""]), max_size=6))
        sheet.append(["标题"] * len(codes))
        sheet.append(codes)
        book.create_sheet("_weijian").append(["format", "weijian-wide"])
        rows = draw(st.lists(st.lists(CELLS, max_size=len(codes) + 1), max_size=5))
    else:
        rows = draw(tables())
    for row in rows:
        sheet.append([_excel_cell(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if draw(st.integers(min_value=0, max_value=4)) == 0:  # a damaged workbook
        # a position independent of the length (the saved file carries a timestamp)
        at = draw(st.integers(min_value=0, max_value=1 << 16)) % len(data)
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at + 8:]
    return FuzzFile(draw(st.sampled_from([".xlsx", ".xlsx", ".xlsm", ".ods", ".xls"])), data)


def _excel_cell(text: str):
    text = "".join(ch for ch in text if ch >= " " or ch in "\t\n")  # what openpyxl can store
    if text.startswith("="):
        return "'" + text
    try:
        return float(text) if text.strip() and len(text) < 30 else text
    except ValueError:
        return text


RAW_FILES = st.builds(FuzzFile, st.sampled_from([".csv", ".json", ".xlsx", ".xls", ".ods", ".txt", ""]),
                      st.binary(max_size=300))
ANY_FILE = st.one_of(csv_files(), json_files(), excel_files(), RAW_FILES)
