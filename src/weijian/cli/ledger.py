"""``weijian ledger …``: the work ledger (工作台账) on the command line.

Each command opens the workspace and calls ``weijian.ledger.Ledger`` or the
Excel functions of ``weijian.exchange.ledger_io``; nothing else happens here.
Errors print in Chinese and exit 2 (as in ``weijian.cli``); an import with
problems exits 1.
"""
from __future__ import annotations

import getpass
import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from weijian.cli.common import WorkspaceOpt, check_output, console, err, fail, orgunit_code
from weijian.errors import MetadataError, WeijianError
from weijian.ledger import (
    COUNT_UNITS,
    DOMAINS,
    HONOUR_LEVELS,
    KIND_LABELS,
    KINDS,
    PROJECT_STATUSES,
    Honour,
    IssuedDocument,
    Ledger,
    LedgerEntry,
    Project,
    ProgressRecord,
    period_bounds,
)
from weijian.model.periods import Period

ledger_app = typer.Typer(help="工作台账：培训、督查、宣传、发文、项目、荣誉", no_args_is_help=True)

UserOpt = Annotated[str, typer.Option("--user", help="操作人（默认：当前系统用户）")]
OuOpt = Annotated[str, typer.Option("--ou", help="机构编码")]
DeptOpt = Annotated[str, typer.Option("--dept", help="股室（可不填）")]
DomainOpt = Annotated[str, typer.Option("--domain", help="领域：" + "、".join(DOMAINS))]


class _Session:
    """The workspace and its ledger for one command; errors become ``_fail``."""

    def __init__(self, folder: Path):
        try:
            from weijian.workspace import Workspace

            self.ws = Workspace.open(folder)
        except (WeijianError, MetadataError) as error:
            fail(error)
        self.ledger = Ledger(self.ws.store, self.ws.package)

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        self.ws.close()
        if isinstance(error, WeijianError):
            fail(error)
        return False


def _user(user: str) -> str:
    return user or getpass.getuser()


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    from weijian.exchange.ledger_io import parse_day

    day, error = parse_day(text)
    if error is not None:
        fail(f"{what}：{error}")
    return day


def _decimal(text: str | None, what: str) -> Decimal | None:
    from weijian.exchange.validate import parse_number

    if text is None:
        return None
    number = parse_number(text)
    if number is None:
        fail(f"{what}：不是数字：“{text}”")
    return number


def _counts(pairs: list[str]) -> dict[str, Decimal | str]:
    from weijian.exchange.validate import parse_number

    counts: dict[str, Decimal | str] = {}
    for pair in pairs:
        unit, sep, value = pair.replace("：", "=").replace(":", "=").partition("=")
        if not sep or not unit.strip():
            fail(f"计数应写成 单位=数值，如 人次=120，而不是“{pair}”")
        number = parse_number(value)
        counts[unit.strip()] = number if number is not None else value.strip()  # the checks name a bad value
    return counts


@ledger_app.command()
def add(
    ou: OuOpt,
    domain: DomainOpt,
    kind: Annotated[str, typer.Option("--kind", help="类型：" + "、".join(KINDS))],
    title: Annotated[str, typer.Option("--title", help="标题，如 全县基本公共卫生服务项目培训")],
    start: Annotated[str, typer.Option("--start", help="开始日期，如 2026-03-10")],
    end: Annotated[Optional[str], typer.Option("--end", help="结束（完成）日期；不填为当天")] = None,
    text: Annotated[str, typer.Option("--text", help="具体内容")] = "",
    count: Annotated[Optional[list[str]], typer.Option(
        "--count", help="计数（可多次），如 人次=120；单位：" + "、".join(COUNT_UNITS))] = None,
    dept: DeptOpt = "",
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
):
    """登记一条工作台账。Example: weijian ledger add --ou YL --domain 公共卫生 --kind 培训 --title 全县基本公共卫生服务项目培训 --start 2026-03-10 --end 2026-03-12 --count 批次=2 --count 人次=180"""
    entry = LedgerEntry(ou, domain, kind, title, _day(start, "开始日期"), _day(end, "结束日期"), text,
                        _counts(count or []), dept)
    with _Session(workspace) as s:
        stored = s.ledger.add_entry(entry, _user(user))
    counts = "、".join(f"{unit} {_plain(value)}" for unit, value in stored.counts)
    console.print(f"已登记台账 #{stored.id}：{stored.title}（{_span(stored)}{'；' + counts if counts else ''}）")


@ledger_app.command()
def doc(
    ou: OuOpt,
    number: Annotated[str, typer.Option("--number", help="文号，如 沅卫发〔2026〕12号")],
    title: Annotated[str, typer.Option("--title", help="文件标题（不加书名号）")],
    on: Annotated[str, typer.Option("--date", help="发文日期")],
    domain: DomainOpt = "综合",
    dept: DeptOpt = "",
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
):
    """登记一份印发的文件。Example: weijian ledger doc --ou YL --number 沅卫发〔2026〕12号 --title 关于印发…的通知 --date 2026-03-05"""
    document = IssuedDocument(ou, number, title, _day(on, "发文日期"), domain, dept)
    with _Session(workspace) as s:
        stored = s.ledger.add_document(document, _user(user))
    console.print(f"已登记发文 #{stored.id}：《{stored.title}》（{stored.number}）")


@ledger_app.command()
def project(
    ou: OuOpt,
    name: Annotated[str, typer.Option("--name", help="项目名称")],
    status: Annotated[str, typer.Option("--status", help="状态：" + "、".join(PROJECT_STATUSES))],
    investment: Annotated[Optional[str], typer.Option("--investment", help="总投资（万元）")] = None,
    funding: Annotated[str, typer.Option("--funding", help="资金来源")] = "",
    domain: DomainOpt = "综合",
    dept: DeptOpt = "",
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
):
    """登记一个重点建设项目。Example: weijian ledger project --ou YL_XZ_RMYY --name 县人民医院门急诊综合楼 --status 在建 --investment 18500"""
    item = Project(ou, name, status, _decimal(investment, "总投资"), funding, domain, dept)
    with _Session(workspace) as s:
        stored = s.ledger.add_project(item, _user(user))
    console.print(f"已登记建设项目 #{stored.id}：{stored.name}（{stored.status}）")


@ledger_app.command()
def progress(
    project_name: Annotated[str, typer.Option("--project", help="项目名称，或 #编号")],
    on: Annotated[str, typer.Option("--date", help="日期")],
    percent: Annotated[str, typer.Option("--percent", help="完成进度（0—100）")],
    milestone: Annotated[str, typer.Option("--milestone", help="进展情况，如 主体封顶")] = "",
    status: Annotated[Optional[str], typer.Option("--status", help="新的项目状态（有变化时）")] = None,
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
):
    """登记项目进度。Example: weijian ledger progress --project 县人民医院门急诊综合楼 --date 2026-05-31 --percent 70 --milestone 主体封顶"""
    project_id = int(project_name[1:]) if project_name.startswith("#") and project_name[1:].isdigit() else None
    record = ProgressRecord("" if project_id else project_name, _day(on, "日期"), _decimal(percent, "完成进度"),
                            milestone, status, project_id=project_id)
    with _Session(workspace) as s:
        stored = s.ledger.add_progress(record, _user(user))
    console.print(f"已登记项目进度 #{stored.id}：{stored.project} {_zh(stored.date)} 完成 {_plain(stored.percent)}%")


@ledger_app.command()
def honour(
    ou: OuOpt,
    what: Annotated[str, typer.Option("--what", help="荣誉名称")],
    level: Annotated[str, typer.Option("--level", help="级别：" + "、".join(HONOUR_LEVELS))],
    on: Annotated[str, typer.Option("--date", help="授予日期")],
    by: Annotated[str, typer.Option("--by", help="授予单位")] = "",
    domain: DomainOpt = "综合",
    dept: DeptOpt = "",
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
):
    """登记获得的荣誉。Example: weijian ledger honour --ou YL --what 全省卫生健康系统先进集体 --level 省级 --date 2026-04-20 --by 湖南省卫生健康委员会"""
    item = Honour(ou, what, level, _day(on, "授予日期"), domain, by, dept)
    with _Session(workspace) as s:
        stored = s.ledger.add_honour(item, _user(user))
    console.print(f"已登记荣誉 #{stored.id}：{stored.what}（{stored.level}，{_zh(stored.date)}）")


@ledger_app.command("delete")
def delete(
    kind: Annotated[str, typer.Argument(help="类别：台账、发文、建设项目、项目进度、荣誉")],
    item_id: Annotated[int, typer.Argument(help="编号（list 中的 #）")],
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
):
    """删除一条（记入修改记录）；删除项目时一并删除其进度。Example: weijian ledger delete 台账 12"""
    with _Session(workspace) as s:
        gone = s.ledger.delete(kind, item_id, _user(user))
    label = getattr(gone, "title", None) or getattr(gone, "name", None) or getattr(gone, "what", None) or ""
    console.print(f"已删除 #{item_id} {label}")


@ledger_app.command("list")
def list_(
    period: Annotated[str, typer.Option("--period", help="期间，如 2026S1、2026年1-6月")],
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码（含全部下级；默认全县）")] = None,
    domain: Annotated[Optional[str], typer.Option("--domain", help="只看此领域")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="只看此类型（台账条目）")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
):
    """列出期间内的工作台账、合计、发文、项目进度和荣誉。Example: weijian ledger list --period 2026S1 --domain 公共卫生"""
    try:
        span = Period.parse(period)
    except WeijianError as error:
        fail(error)
    start, end = period_bounds(span)
    with _Session(workspace) as s:
        scope = set(s.ws.subtree(ou or s.ws.package.root().code))
        summary = s.ledger.summarize(start, end, scope, domain, kind)
        documents = [] if kind else s.ledger.documents(start, end, scope, domain)
        projects = [] if kind else s.ledger.projects_as_of(end, scope, domain)
        honours = [] if kind else s.ledger.honours(start, end, scope, domain)
        names = {code: unit.name for code, unit in s.ws.package.orgunits.items()}
    if as_json:
        data = {"period": span.id, "start": start, "end": end,
                "totals": summary.totals, "sources": summary.sources,
                "entries": [_entry_dict(e) for e in summary.entries],
                "ongoing": [_entry_dict(e) for e in summary.ongoing],
                "documents": [asdict(d) for d in documents], "honours": [asdict(h) for h in honours],
                "projects": [{**asdict(state.project), "status": state.status,
                              "progress": asdict(state.progress) if state.progress else None}
                             for state in projects]}
        print(json.dumps(_jsonable(data), ensure_ascii=False, indent=2))
        return
    console.print(f"{span.label}工作台账：完成 {len(summary.entries)} 项，正在开展 {len(summary.ongoing)} 项")
    if summary.totals:
        console.print("合计：" + "，".join(f"{_plain(v)}{u}" for u, v in summary.totals.items()))
    for title, entries in (("已完成（按结束日期计入本期）", summary.entries), ("正在开展（结束后计入）", summary.ongoing)):
        if entries:
            console.print(_entries_table(title, entries, names))
    if documents:
        table = _table("发文", "#", "日期", "文号", "标题", "领域")
        for d in documents:
            table.add_row(str(d.id), _zh(d.date), d.number, f"《{d.title}》", d.domain)
        console.print(table)
    if projects:
        table = _table(f"重点项目（截至{_zh(end)}）", "#", "项目", "总投资（万元）", "状态", "进度", "进展情况")
        for state in projects:
            p, r = state.project, state.progress
            table.add_row(str(p.id), p.name, _plain(p.investment) if p.investment is not None else "",
                          state.status, f"{_plain(r.percent)}%" if r else "",
                          f"{r.milestone}（{_zh(r.date)}）" if r else "")
        console.print(table)
    if honours:
        table = _table("荣誉", "#", "日期", "荣誉", "级别", "授予单位", "机构")
        for h in honours:
            table.add_row(str(h.id), _zh(h.date), h.what, h.level, h.awarded_by, names.get(h.orgunit, h.orgunit))
        console.print(table)


@ledger_app.command()
def template(
    out: Annotated[Path, typer.Argument(help="输出 .xlsx")],
    workspace: WorkspaceOpt = Path("."),
):
    """生成工作台账 Excel 模板。Example: weijian ledger template 工作台账模板.xlsx"""
    from weijian.exchange.ledger_io import make_ledger_template

    check_output(out, (".xlsx",), "台账模板")
    with _Session(workspace) as s:
        make_ledger_template(out, s.ws.package)
    console.print(f"已生成工作台账模板 {out}（工作表：" + "、".join(KIND_LABELS.values()) + "）")


@ledger_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="工作台账 .xlsx")],
    workspace: WorkspaceOpt = Path("."),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出导入报告")] = False,
    user: UserOpt = "",
):
    """导入工作台账（全部无误才写入；重复导入不会重复登记）。Example: weijian ledger import 台账.xlsx --dry-run"""
    from weijian.exchange.ledger_io import import_ledger

    with _Session(workspace) as s:
        report = import_ledger(s.ledger, file, _user(user), dry_run=dry_run)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        (console if report.ok else err).print(report.describe_zh())
    raise typer.Exit(0 if report.ok else 1)


@ledger_app.command()
def export(
    out: Annotated[Path, typer.Argument(help="输出 .xlsx")],
    period: Annotated[Optional[str], typer.Option("--period", help="期间（默认全部）")] = None,
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码（含全部下级；默认全县）")] = None,
    workspace: WorkspaceOpt = Path("."),
):
    """导出工作台账（与模板同格式，可再导入）。Example: weijian ledger export 2026年台账.xlsx --period 2026"""
    from weijian.exchange.ledger_io import export_ledger

    check_output(out, (".xlsx",), "台账导出文件")
    try:
        start, end = period_bounds(Period.parse(period)) if period else (None, None)
    except WeijianError as error:
        fail(error)
    with _Session(workspace) as s:
        scope = s.ws.subtree(orgunit_code(s.ws, ou)) if ou else None
        counts = export_ledger(s.ledger, out, start=start, end=end, orgunits=scope)
    console.print(f"已导出到 {out}：" + "、".join(f"{KIND_LABELS[k]} {n} 条" for k, n in counts.items()))


# -- output helpers ------------------------------------------------------------------------

def _table(title: str, *columns: str) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    return table


def _entries_table(title: str, entries: list[LedgerEntry], names: dict[str, str]) -> Table:
    table = _table(title, "#", "日期", "机构", "领域", "类型", "标题", "计数")
    for e in entries:
        counts = "、".join(f"{_plain(v)}{u}" for u, v in e.counts)
        table.add_row(str(e.id), _span(e), names.get(e.orgunit, e.orgunit), e.domain, e.kind, e.title, counts)
    return table


def _zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _span(entry: LedgerEntry) -> str:
    if entry.end == entry.start:
        return _zh(entry.start)
    if entry.end.year == entry.start.year:
        return f"{_zh(entry.start)}—{entry.end.month}月{entry.end.day}日"
    return f"{_zh(entry.start)}—{_zh(entry.end)}"


def _plain(value: Decimal) -> str:
    return format(value, "f") if value != value.to_integral_value() else str(int(value))


def _entry_dict(entry: LedgerEntry) -> dict:
    return {**asdict(entry), "counts": entry.count_map}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
