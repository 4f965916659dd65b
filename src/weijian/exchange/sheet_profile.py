"""A mapping profile: one foreign sheet layout described once, as YAML in the workspace.

    name: 乡镇基本公卫月报
    sheet: null                 # name or number of the sheet; null = the first
    header_rows: [2, 3]         # the header block (a two-row header reads 上 / 下)
    first_row: 4                # first data row; last_row: null = to the end
    rows_are: orgunits          # or elements: what the label column holds
    label_column: A
    rows: {官庄镇: YL_GX, 官庄镇卫生院: YL_GX_WSY, 合计: null}   # label → code (null: not imported)
    columns:
      - {column: B, element: HEALTH_RECORDS, header: 健康档案 / 建档人数（人）}
      - {column: F, element: FUND_SPENT, scale: 10000, header: 经费支出（万元）}
    element: null               # rows_are elements with orgunit columns: one element for all …
    totals: [合计, 小计, 总计]     # rows checked against the sum of the rows above them, never imported
    empty: ["", "—", "-", "/", "无"]   # cells that mean "no value"
    period: {source: sheet_name}      # sheet_name | cell | file_name | given (weijian import --period)

Each data cell means (row's meaning) + (column's meaning): an org unit and an
element (with its option), and a period from the column, the profile or the
command line. ``weijian sheets suggest`` writes a profile; the user corrects
the few lines it could not be sure of.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from weijian.errors import WeijianError

ROWS_ARE = ("orgunits", "elements")
PERIOD_SOURCES = ("sheet_name", "cell", "file_name", "given", "columns")
DEFAULT_TOTALS = ["合计", "总计", "小计", "全县", "全区", "全镇", "全乡", "汇总"]
DEFAULT_EMPTY = ["", "—", "——", "-", "--", "/", "无", "空", "－"]


@dataclass
class ColumnMap:
    column: str
    element: str | None = None  # CODE or CODE.OPTION
    orgunit: str | None = None
    period: str | None = None
    scale: Decimal = Decimal(1)
    header: str = ""
    note: str = ""  # what suggest was unsure of; kept for the user, never read


@dataclass
class PeriodSource:
    source: str = "given"
    cell: str | None = None


@dataclass
class SheetProfile:
    name: str
    header_rows: list[int]
    first_row: int
    label_column: str
    rows_are: str = "orgunits"
    sheet: str | int | None = None
    last_row: int | None = None
    rows: dict[str, str | None] = field(default_factory=dict)
    columns: list[ColumnMap] = field(default_factory=list)
    element: str | None = None
    totals: list[str] = field(default_factory=lambda: list(DEFAULT_TOTALS))
    empty: list[str] = field(default_factory=lambda: list(DEFAULT_EMPTY))
    period: PeriodSource = field(default_factory=PeriodSource)
    unsure: list[str] = field(default_factory=list)  # what suggest could not map, in words

    def column(self, letter: str) -> ColumnMap | None:
        return next((c for c in self.columns if c.column == letter), None)


def load_profile(path: str | Path) -> SheetProfile:
    """Read and check a profile; every mistake is named with the field to change."""
    path = Path(path)
    if not path.is_file():
        raise WeijianError(f"找不到映射配置“{path}”：先用 weijian sheets suggest 生成")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as error:
        raise WeijianError(f"映射配置 {path.name} 不是有效的 YAML：{error}") from None
    if not isinstance(data, dict):
        raise WeijianError(f"映射配置 {path.name} 应为“字段: 值”的映射")

    def need(key: str, kind: type, what: str):
        value = data.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise WeijianError(f"映射配置 {path.name}：{key} 应为{what}")
        return value

    rows_are = data.get("rows_are", "orgunits")
    if rows_are not in ROWS_ARE:
        raise WeijianError(f"映射配置 {path.name}：rows_are 应为 orgunits（每行一个机构）或 elements（每行一个数据项）")
    header_rows = need("header_rows", list, "行号列表，如 [2, 3]")
    columns = []
    for number, item in enumerate(data.get("columns") or [], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("column"), str):
            raise WeijianError(f"映射配置 {path.name}：columns 第 {number} 项应有 column（列字母，如 D）")
        try:
            scale = Decimal(str(item.get("scale", 1)))
        except InvalidOperation:
            raise WeijianError(f"映射配置 {path.name}：columns 第 {number} 项的 scale 应为数字") from None
        columns.append(ColumnMap(column=item["column"].strip().upper(), element=item.get("element"),
                                 orgunit=item.get("orgunit"), period=_text(item.get("period")), scale=scale,
                                 header=str(item.get("header") or ""), note=str(item.get("note") or "")))
    period = data.get("period") or {}
    if not isinstance(period, dict) or period.get("source", "given") not in PERIOD_SOURCES:
        raise WeijianError(f"映射配置 {path.name}：period.source 应为 {' / '.join(PERIOD_SOURCES)} 之一")
    rows = data.get("rows") or {}
    if not isinstance(rows, dict):
        raise WeijianError(f"映射配置 {path.name}：rows 应为“行标签: 编码”的映射")
    return SheetProfile(
        name=str(data.get("name") or path.stem), header_rows=[int(r) for r in header_rows],
        first_row=int(need("first_row", int, "数据开始的行号")), label_column=str(need("label_column", str, "列字母")).upper(),
        rows_are=rows_are, sheet=data.get("sheet"), last_row=data.get("last_row"),
        rows={str(k): (None if v is None else str(v)) for k, v in rows.items()}, columns=columns,
        element=data.get("element"), totals=[str(t) for t in data.get("totals", DEFAULT_TOTALS)],
        empty=[str(e) for e in data.get("empty", DEFAULT_EMPTY)],
        period=PeriodSource(source=period.get("source", "given"), cell=period.get("cell")),
        unsure=[str(u) for u in data.get("unsure") or []],
    )


def _text(value) -> str | None:
    return None if value is None else str(value)


def dump_profile(profile: SheetProfile) -> str:
    """The profile as YAML, one line per column, with what suggest was unsure of as comments."""
    data = asdict(profile)
    columns = data.pop("columns")
    unsure = data.pop("unsure")
    data["period"] = {k: v for k, v in data["period"].items() if v is not None}
    lines = ["# weijian 映射配置：描述一种外来表格的格式（weijian sheets suggest 生成，可手工修改）",
             "# rows：行标签 → 编码（null 表示该行不导入）；columns：每列的数据项（CODE 或 CODE.选项）、机构或期间",
             "# 改完后：weijian import 文件 --mapping 本文件 -w 工作区 --dry-run"]
    if unsure:
        lines.append("# 以下没有把握、未映射，请核对后填写：")
        lines += [f"#   {item}" for item in unsure]
    for key in ("name", "sheet", "header_rows", "first_row", "last_row", "rows_are", "label_column", "element",
                "period", "totals", "empty"):
        lines.append(f"{key}: {_flow(data[key])}")
    lines.append("rows:" + ("" if data["rows"] else " {}"))
    for label, code in data["rows"].items():
        lines.append(f"  {_flow(label)}: {_flow(code)}")
    lines.append("columns:" + ("" if columns else " []"))
    for column in columns:
        item = {k: v for k, v in column.items() if v not in (None, "") and not (k == "scale" and v == 1)}
        if "scale" in item:
            item["scale"] = int(item["scale"]) if Decimal(item["scale"]) == int(item["scale"]) else float(item["scale"])
        lines.append(f"  - {_flow(item)}")
    return "\n".join(lines) + "\n"


def _flow(value) -> str:
    """One YAML value on one line ({a: 1}, [2, 3], 5月, null)."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=4096)
    return text.removesuffix("\n").removesuffix("\n...").strip()
