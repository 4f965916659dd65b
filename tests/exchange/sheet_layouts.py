"""Sheets in the shapes counties send (issue #19), made for the tests with the
values each data cell must be stored as (the truth).

Each layout writes one file and returns ``Layout(path, truth, sheet)`` where
``truth`` maps (element or element.OPTION, org unit, period) → value of every
data cell that carries a figure; blank, "—" and "/" cells carry none. Unit names
are the default package's (the demo county 沅陵县).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

TOWNSHIPS = [("YL_GX", "官庄镇", "官庄", "官庄镇卫生院"), ("YL_LSJ", "凉水井镇", "凉水井", "凉水井镇卫生院"),
             ("YL_ELX", "二酉苗族乡", "二酉", "二酉乡卫生院"), ("YL_MDY", "马底驿乡", "马底驿", "马底驿乡卫生院")]
CENTRES = {"YL_GX": "YL_GX_WSY", "YL_LSJ": "YL_LSJ_WSY", "YL_ELX": "YL_ELX_WSY", "YL_MDY": "YL_MDY_WSY"}


@dataclass
class Layout:
    name: str
    path: Path
    truth: dict[tuple[str, str, str], float]
    period: str | None = None  # what `weijian import --period` must give (None: the sheet says)


def _book(rows, title: str, merges=()) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for merge in merges:
        sheet.merge_cells(merge)
    return book


def _value(seed: int, i: int, j: int) -> int:
    return 50 + (seed * 37 + i * 131 + j * 17) % 900


def bphs_two_row_header(folder: Path) -> Layout:
    """Title merged across, 2-row header with units, township names with suffixes, 合计, "—"."""
    columns = [("HEALTH_RECORDS", "健康档案", "建档人数（人）"), ("EHR_RECORDS", "健康档案", "电子健康档案建档人数"),
               ("HTN_MANAGED", "高血压", "管理人数"), ("HTN_STD_MANAGED", "高血压", "规范管理人数")]
    rows = [["沅陵县2026年5月基本公共卫生服务项目进度表"] + [None] * 4,
            ["乡镇"] + [c[1] for c in columns], [None] + [c[2] for c in columns]]
    truth, totals = {}, [0] * 4
    for i, (code, name, _, _) in enumerate(TOWNSHIPS):
        cells = []
        for j, (element, _, _) in enumerate(columns):
            if i == 2 and j == 1:
                cells.append("—")
                continue
            v = _value(1, i, j)
            cells.append(v)
            totals[j] += v
            truth[(element, code, "202605")] = v
        rows.append([name] + cells)
    rows.append(["合计"] + totals)
    book = _book(rows, "5月", ["A1:E1", "B2:C2", "D2:E2", "A2:A3"])
    path = folder / "基本公卫进度表.xlsx"
    book.save(path)
    return Layout("两行表头、合计、“—”", path, truth)


def bphs_short_names(folder: Path) -> Layout:
    """Townships without 镇/乡, the period in the sheet name, an empty cell and a 0."""
    rows = [["乡镇", "老年人体检人数", "高血压规范管理人数", "糖尿病规范管理人数"]]
    truth = {}
    for i, (code, _, short, _) in enumerate(TOWNSHIPS):
        values = [_value(2, i, j) for j in range(3)]
        if i == 1:
            values[2] = None
        if i == 3:
            values[0] = 0
        rows.append([short] + values)
        for element, v in zip(("ELDERLY_EXAMINED", "HTN_STD_MANAGED", "DM_STD_MANAGED"), values):
            if v is not None:
                truth[(element, code, "202604")] = v
    path = folder / "乡镇月报.xlsx"
    _book(rows, "2026年4月").save(path)
    return Layout("简称、工作表名为期间、空格和0", path, truth)


def centres_gbk_csv(folder: Path) -> Layout:
    """GBK CSV, a 序号 column, health-centre names (官庄镇卫生院 for 官庄镇中心卫生院)."""
    rows = [["2026年3月门诊情况"], ["序号", "单位", "门急诊人次", "出院人数"]]
    truth = {}
    for i, (code, _, _, centre) in enumerate(TOWNSHIPS):
        a, b = _value(3, i, 0) * 10, _value(3, i, 1)
        rows.append([i + 1, centre, a, b])
        truth[("OUTPATIENT_VISITS", CENTRES[code], "202603")] = a
        truth[("INPATIENT_DISCHARGES", CENTRES[code], "202603")] = b
    path = folder / "卫生院门诊.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return Layout("GBK 编码 CSV、序号列、卫生院简称", path, truth)


def xlsx_named_xls(folder: Path) -> Layout:
    """An .xlsx saved under an .xls name; one-row header with units in half-width brackets."""
    rows = [["乡镇名称", "新生儿访视人数(人)", "产后访视人数(人)"]]
    truth = {}
    for i, (code, name, _, _) in enumerate(TOWNSHIPS):
        a, b = _value(4, i, 0), _value(4, i, 1)
        rows.append([name, a, b])
        truth[("NEWBORN_VISITED", code, "202602")] = a
        truth[("POSTPARTUM_VISITED", code, "202602")] = b
    path = folder / "2026年2月妇幼月报.xls"
    _book(rows, "Sheet1").save(path)
    return Layout("名为 .xls 的 .xlsx、期间在文件名", path, truth)


def months_side_by_side(folder: Path) -> Layout:
    """Several months per sheet: an element merged over 1月/2月/3月 columns."""
    rows = [["2026年一季度门急诊人次"] + [None] * 3, ["乡镇", "门急诊人次", None, None], [None, "1月", "2月", "3月"]]
    truth = {}
    for i, (code, name, _, _) in enumerate(TOWNSHIPS):
        values = [_value(5, i, j) * 7 for j in range(3)]
        rows.append([name] + values)
        for month, v in zip(("202601", "202602", "202603"), values):
            truth[("OUTPATIENT_VISITS", code, month)] = v
    path = folder / "一季度门诊.xlsx"
    _book(rows, "一季度", ["A1:D1", "B2:D2", "A2:A3"]).save(path)
    return Layout("几个月并排", path, truth)


def diseases_by_township(folder: Path) -> Layout:
    """传染病 down the rows, townships across the columns, the element named in the title."""
    diseases = [("B_HBV", "乙肝"), ("B_TB", "肺结核"), ("C_HFMD", "手足口病"), ("C_FLU", "流行性感冒")]
    rows = [["2026年5月法定传染病报告病例数（按乡镇）"] + [None] * 4, ["病种"] + [t[1] for t in TOWNSHIPS]]
    truth = {}
    totals = [0] * 4
    for i, (option, disease) in enumerate(diseases):
        values = [(_value(6, i, j) % 9) for j in range(4)]
        rows.append([disease] + values)
        for j, ((code, *_), v) in enumerate(zip(TOWNSHIPS, values)):
            totals[j] += v
            if v:
                truth[(f"CASES.{option}", code, "202605")] = v
            else:
                truth[(f"CASES.{option}", code, "202605")] = 0
    rows.append(["合计"] + totals)
    path = folder / "传染病月报.xlsx"
    _book(rows, "Sheet1", ["A1:E1"]).save(path)
    return Layout("病种 × 乡镇（转置）", path, truth)


def mch_options(folder: Path) -> Layout:
    """妇幼: 活产数 merged over 男/女 (category options), the period in the title cell."""
    rows = [["沅陵县妇幼卫生月报表（2026年1月）"] + [None] * 3, ["乡镇", "活产数", None, "住院分娩活产数"],
            [None, "男", "女", None]]
    truth = {}
    for i, (code, name, _, _) in enumerate(TOWNSHIPS):
        boys, girls = _value(7, i, 0) % 40 + 5, _value(7, i, 1) % 40 + 5
        rows.append([name, boys, girls, boys + girls - 1])
        truth[("LIVE_BIRTHS.MALE", code, "202601")] = boys
        truth[("LIVE_BIRTHS.FEMALE", code, "202601")] = girls
        truth[("HOSPITAL_BIRTHS", code, "202601")] = boys + girls - 1
    path = folder / "妇幼月报.xlsx"
    _book(rows, "妇幼", ["A1:D1", "B2:C2", "A2:A3", "D2:D3"]).save(path)
    return Layout("分类选项（男/女）、期间在标题", path, truth)


def money_in_wan(folder: Path) -> Layout:
    """Money in 万元 where the element counts 元: the profile scales it."""
    rows = [["单位", "门急诊总费用（万元）", "住院总费用（万元）"]]
    truth = {}
    for i, (code, _, _, centre) in enumerate(TOWNSHIPS):
        a, b = round(_value(8, i, 0) / 10, 2), round(_value(8, i, 1) / 10, 2)
        rows.append([centre, a, b])
        truth[("OUTPATIENT_COST", CENTRES[code], "202605")] = round(a * 10000, 2)
        truth[("INPATIENT_COST", CENTRES[code], "202605")] = round(b * 10000, 2)
    path = folder / "医疗费用.xlsx"
    _book(rows, "5月").save(path)
    return Layout("万元换算为元", path, truth, period="202605")


def elements_down_rows(folder: Path) -> Layout:
    """One column per health centre, elements down the rows (a facility's own report form)."""
    elements = [("HE_LECTURES", "健康知识讲座次数"), ("HE_LECTURE_ATTENDEES", "健康知识讲座参加人次"),
                ("HE_MATERIALS", "发放健康教育印刷资料份数")]
    rows = [["项目"] + [t[3] for t in TOWNSHIPS]]
    truth = {}
    for i, (element, label) in enumerate(elements):
        values = [_value(9, i, j) for j in range(4)]
        rows.append([label] + values)
        for (code, *_), v in zip(TOWNSHIPS, values):
            truth[(element, CENTRES[code], "202606")] = v
    path = folder / "健康教育.xlsx"
    _book(rows, "健康教育").save(path)
    return Layout("数据项在行、机构在列", path, truth, period="202606")


def notes_and_unknowns(folder: Path) -> Layout:
    """A text column (填报人), an unknown numeric column (其他服务人次), a 注 row below."""
    rows = [["2026年5月", None, None, None], ["乡镇", "健康知识讲座次数", "其他服务人次", "填报人"]]
    truth = {}
    for i, (code, name, _, _) in enumerate(TOWNSHIPS):
        a = _value(10, i, 0) % 30
        rows.append([name, a, _value(10, i, 1), "张三"])
        truth[("HE_LECTURES", code, "202605")] = a
    rows.append(["注：本表每月5日前报送", None, None, None])
    path = folder / "讲座.xlsx"
    _book(rows, "讲座").save(path)
    return Layout("未知列、文字列、“注”行", path, truth)


def vaccines_across(folder: Path) -> Layout:
    """Vaccines across the columns under one merged 实际接种人数 header, slashes for none."""
    vaccines = [("BCG", "卡介苗"), ("HEPB", "乙肝疫苗"), ("MMR", "麻腮风疫苗")]
    rows = [["乡镇", "免疫规划疫苗实际接种人数", None, None], [None] + [v[1] for v in vaccines]]
    truth = {}
    for i, (code, name, _, _) in enumerate(TOWNSHIPS):
        values = [_value(11, i, j) % 60 for j in range(3)]
        if i == 0:
            values[0] = "/"
        rows.append([name] + values)
        for (option, _), v in zip(vaccines, values):
            if v != "/":
                truth[(f"VACC_DONE.{option}", code, "202605")] = v
    path = folder / "接种.xlsx"
    _book(rows, "2026年5月", ["B1:D1", "A1:A2"]).save(path)
    return Layout("疫苗分类并排、“/”", path, truth)


def csv_two_header_rows(folder: Path) -> Layout:
    """A UTF-8 CSV with the group header repeated over its columns, the period given on the command line."""
    rows = [["乡镇", "糖尿病", "糖尿病"], ["", "管理人数", "规范管理人数"]]
    truth = {}
    for i, (code, name, _, _) in enumerate(TOWNSHIPS):
        a = _value(12, i, 0)
        b = a - 7
        rows.append([name, a, b])
        truth[("DM_MANAGED", code, "202605")] = a
        truth[("DM_STD_MANAGED", code, "202605")] = b
    path = folder / "糖尿病.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return Layout("UTF-8 CSV 两行表头、期间由命令给出", path, truth, period="202605")


def unsure_header(folder: Path) -> Layout:
    """A header written in the county's own words (高血压患者管理数): close to a name, but a guess —
    left unmapped and listed, its cells counted as not mapped, never stored under the guess."""
    rows = [["乡镇", "高血压患者管理数", "糖尿病规范管理人数"]]
    truth = {}
    for i, (code, name, _, _) in enumerate(TOWNSHIPS):
        a, b = _value(13, i, 0), _value(13, i, 1)
        rows.append([name, a, b])
        truth[("HTN_MANAGED", code, "202605")] = a
        truth[("DM_STD_MANAGED", code, "202605")] = b
    path = folder / "慢病.xlsx"
    _book(rows, "2026年5月").save(path)
    return Layout("本县自己的说法（没有把握，不猜）", path, truth)


LAYOUTS = [bphs_two_row_header, bphs_short_names, centres_gbk_csv, xlsx_named_xls, months_side_by_side,
           diseases_by_township, mch_options, money_in_wan, elements_down_rows, notes_and_unknowns,
           vaccines_across, csv_two_header_rows, unsure_header]
