"""Make the example files of docs/examples/ (the README's daily-use lines use them).

    .venv/bin/python docs/examples/make_examples.py

机构.xlsx is a small made-up county (青山县); 乡镇月报.csv holds its monthly and
yearly figures for 2025-01 … 2026-06, taken from the demo generator's units
of the same types (so the figures are plausible and pass the data checks) and
renamed to 青山县's codes; 工作台账.xlsx has a few ledger items; 表格/ holds
three sheets in the shapes townships send, with the mapping profiles
``weijian sheets suggest`` makes for them. Rerunning the script writes the
same files.
"""
from __future__ import annotations

import csv
import shutil
import tempfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook, load_workbook

HERE = Path(__file__).parent
TREE = [  # 名称, 上级, 类型, demo unit whose figures it takes
    ("青山县", "", "县", None),
    ("县直", "青山县", "县直", None),
    ("青山县人民医院", "县直", "县级医院", "YL_XZ_RMYY"),
    ("青山县妇幼保健院", "县直", "妇幼保健院", "YL_XZ_FYBJY"),
    ("青山县疾病预防控制中心", "县直", "疾控中心", "YL_XZ_JKZX"),
    ("城关镇", "青山县", "乡镇", "YL_GX"),
    ("城关镇中心卫生院", "城关镇", "乡镇卫生院", "YL_GX_WSY"),
    ("城关镇东门村卫生室", "城关镇", "村卫生室", "YL_GX_C01"),
    ("城关镇西门村卫生室", "城关镇", "村卫生室", "YL_GX_C02"),
    ("城关镇南岭村卫生室", "城关镇", "村卫生室", "YL_GX_C03"),
    ("白沙乡", "青山县", "乡镇", "YL_ELX"),
    ("白沙乡卫生院", "白沙乡", "乡镇卫生院", None),
    ("白沙乡白沙村卫生室", "白沙乡", "村卫生室", None),
    ("白沙乡杨柳村卫生室", "白沙乡", "村卫生室", None),
]
LEDGER = [  # 工作台账 rows: 机构, 股室, 领域, 类型, 标题, 开始, 结束, 内容, counts
    ("青山县", "基层卫生股", "公共卫生", "培训", "全县基本公共卫生服务项目培训", date(2026, 3, 12), date(2026, 3, 13),
     "乡村两级基本公共卫生服务人员业务培训", {"场次": 2, "人次": 186}),
    ("青山县", "医政医管股", "医疗服务", "督导检查", "一季度医疗质量安全督查", date(2026, 3, 20), date(2026, 3, 27),
     "对县乡两级医疗机构开展医疗质量和安全督查", {"家": 6, "发现问题": 23, "已整改": 21}),
    ("城关镇中心卫生院", "", "公共卫生", "义诊", "城关镇“健康义诊进社区”活动", date(2026, 5, 15), None,
     "为辖区老年人和慢性病患者义诊", {"人次": 320}),
    ("青山县疾病预防控制中心", "疾病预防控制股", "卫生应急", "应急演练", "突发急性传染病应急处置演练", date(2026, 6, 18), None,
     "县乡两级联合桌面推演和现场处置", {"场次": 1, "人次": 85}),
]


def write_tree(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "机构"
    sheet.append(("名称", "上级", "类型", "编码"))
    for name, parent, kind, _ in TREE:
        sheet.append((name, parent, kind, ""))
    book.save(path)


def write_values(demo, county, path: Path) -> int:
    """The demo units' values for 2025-01 … 2026-06 (and both years), under 青山县's codes."""
    from weijian.model.periods import Period

    codes = {u.name: u.code for u in county.package.orgunits.values()}
    source = {demo_code: codes[name] for name, _, _, demo_code in TREE if demo_code}
    # 白沙乡's facilities take the figures of the demo township's first ones
    township = [u for u in demo.package.children("YL_ELX")]
    health_centre = next(u.code for u in township if u.type == "乡镇卫生院")
    villages = [u.code for u in township if u.type == "村卫生室"][:2]
    source[health_centre] = codes["白沙乡卫生院"]
    source[villages[0]], source[villages[1]] = codes["白沙乡白沙村卫生室"], codes["白沙乡杨柳村卫生室"]
    span = Period.parse("202501..202612")
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["dataelement", "period", "orgunit", "categoryoptioncombo", "value", "comment"])
        for v in demo.store.read_values(sorted(source), span.start, span.end):
            value = int(v.value) if float(v.value).is_integer() else v.value
            out.writerow([v.dataelement, v.period, source[v.orgunit], v.categoryoptioncombo or "", value, ""])
            count += 1
    return count


def write_ledger(county, path: Path) -> None:
    from weijian.exchange.ledger_io import make_ledger_template

    make_ledger_template(path, county.package)
    book = load_workbook(path)
    sheet = book["工作台账"]
    header = [c.value for c in sheet[1]]
    codes = {u.name: u.code for u in county.package.orgunits.values()}
    for unit, dept, domain, kind, title, start, end, text, counts in LEDGER:
        row = {"机构编码": codes[unit], "机构名称": unit, "股室": dept, "领域": domain, "类型": kind, "标题": title,
               "开始日期": start, "结束日期": end, "内容": text, **counts}
        sheet.append([row.get(column) for column in header])
    book.save(path)


def write_sheets(county, folder: Path) -> list[Path]:
    """Three sheets in the shapes townships send (July 2026), and the profiles suggest makes for them."""
    from weijian.exchange.sheet_profile import dump_profile

    folder.mkdir(exist_ok=True)
    made = []
    # 1. the township 基本公卫 monthly summary: a title across, a two-row header, a 合计 row
    rows = [["青山县2026年7月基本公共卫生服务项目进度表"] + [None] * 4,
            ["乡镇", "健康档案", None, "高血压", None], [None, "建档人数（人）", "电子健康档案建档人数", "管理人数", "规范管理人数"],
            ["城关镇", 18620, 17950, 1301, 952], ["白沙乡", 15877, 15102, 1276, 921]]
    rows.append(["合计"] + [sum(r[i] for r in rows[3:5]) for i in range(1, 5)])
    made.append(_sheet(folder / "乡镇基本公卫月报2026年7月.xlsx", "7月", rows, ["A1:E1", "B2:C2", "D2:E2", "A2:A3"]))
    # 2. 传染病: diseases down, townships across, the element in the title
    rows = [["2026年7月法定传染病报告病例数（按乡镇）", None, None], ["病种", "城关镇", "白沙乡"],
            ["乙肝", 3, 1], ["肺结核", 2, "—"], ["手足口病", 6, 4], ["其他感染性腹泻病", 5, 2]]
    made.append(_sheet(folder / "传染病月报2026年7月.xlsx", "Sheet1", rows, ["A1:C1"]))
    # 3. 妇幼: 活产数 over 男/女, the period in the title
    rows = [["青山县妇幼卫生月报表（2026年7月）", None, None, None], ["乡镇", "活产数", None, "住院分娩活产数"],
            [None, "男", "女", None], ["城关镇", 21, 19, 40], ["白沙乡", 14, 12, 26]]
    made.append(_sheet(folder / "妇幼月报2026年7月.xlsx", "妇幼", rows, ["A1:D1", "B2:C2", "A2:A3", "D2:D3"]))
    for path in made:
        suggestion = county.suggest_mapping(path, name=path.stem.removesuffix("2026年7月"))
        (folder / f"{suggestion.profile.name}.yaml").write_text(dump_profile(suggestion.profile), encoding="utf-8")
    return made


def _sheet(path: Path, title: str, rows, merges) -> Path:
    book = Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    for merge in merges:
        book.active.merge_cells(merge)
    book.save(path)
    return path


def main() -> None:
    from weijian.demo import build_demo
    from weijian.workspace import Workspace

    write_tree(HERE / "机构.xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        demo = build_demo(Path(tmp) / "演示县", last_month="202606")
        county = Workspace.init(Path(tmp) / "青山县", orgunits=HERE / "机构.xlsx")
        with demo, county:
            count = write_values(demo, county, HERE / "乡镇月报.csv")
            write_ledger(county, HERE / "工作台账.xlsx")
            sheets = write_sheets(county, HERE / "表格")
    print(f"机构.xlsx：{len(TREE)} 个机构；乡镇月报.csv：{count} 条数据；工作台账.xlsx：{len(LEDGER)} 条；"
          f"表格/：{len(sheets)} 张本县格式的表及其映射配置")


if __name__ == "__main__":
    main()
    shutil.rmtree(HERE / "__pycache__", ignore_errors=True)
