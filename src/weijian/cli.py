"""Command line: each command a few lines calling the library (weijian.Workspace)."""
from __future__ import annotations

import getpass
import json
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from weijian import cli_ops
from weijian.cli_common import WorkspaceOpt, console, err
from weijian.cli_common import fail as _fail
from weijian.cli_common import open_workspace as _open
from weijian.analytics import round_half_up
from weijian.cli_ledger import ledger_app
from weijian.cli_users import serve, user_app
from weijian.errors import MetadataError, WeijianError
from weijian.model.periods import Period
from weijian.workspace import Workspace

app = typer.Typer(help="weijian 卫健：县级卫生健康统计数据的导入、审核、汇总与工作总结。", no_args_is_help=True,
                  pretty_exceptions_enable=False)







EngineOpt = Annotated[str, typer.Option("--engine", help="分析引擎：duckdb（工作区自身的存储，默认）或 spark")]
DataOpt = Annotated[Optional[Path], typer.Option(
    "--data", help="--engine spark 的数据：weijian export --parquet 导出的目录")]
MasterOpt = Annotated[Optional[str], typer.Option(
    "--master", help="Spark 集群地址，如 spark://host:7077（默认 local[*]，本机）")]


def _open_engine(folder: Path, engine: str, data: Optional[Path], master: Optional[str]) -> Workspace:
    """The workspace, its analytics on ``engine``; with spark and no workspace,
    the parquet export alone (its own metadata)."""
    if engine not in ("duckdb", "spark"):
        _fail(WeijianError(f"未知的分析引擎“{engine}”：应为 duckdb 或 spark"))
    if engine == "duckdb":
        if data is not None:
            _fail(WeijianError("--data 只用于 --engine spark"))
        return _open(folder)
    if data is None:
        _fail(WeijianError("--engine spark 需要 --data：weijian export --parquet 导出的目录"))
    try:
        if (folder / "weijian.yaml").exists():
            ws = Workspace.open(folder)
            try:
                ws.use_spark(data, master=master)
            except BaseException:
                ws.close()
                raise
            return ws
        return Workspace.open_parquet(data, master=master)
    except (WeijianError, MetadataError) as error:
        _fail(error)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="新工作区目录")],
    metadata: Annotated[Optional[Path], typer.Option("--metadata", help="元数据包目录（默认：内置包）")] = None,
    store: Annotated[Optional[str], typer.Option("--store", help="postgresql:// 地址；默认 DuckDB 文件")] = None,
):
    """新建工作区。Example: weijian init 县卫健局"""
    try:
        with Workspace.init(folder, metadata, store) as ws:
            console.print(f"已创建工作区 {folder}：{len(ws.package.orgunits)} 个机构，"
                          f"{len(ws.package.elements)} 个数据项，{len(ws.package.indicators)} 个指标")
    except (WeijianError, MetadataError) as error:
        _fail(error)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV / JSON / Excel 文件")],
    workspace: WorkspaceOpt = Path("."),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出导入报告")] = False,
    recorded_at: Annotated[Optional[datetime], typer.Option(
        "--recorded-at", formats=["%Y-%m-%d", "%Y-%m-%d %H:%M"],
        help="补录历史档案时的实际上报时间（影响及时率）；默认为现在")] = None,
):
    """导入数据（全部成功才写入）。Example: weijian import 2024年5月.csv -w 县卫健局"""
    with _open(workspace) as ws, Progress(TextColumn("导入"), BarColumn(), TextColumn("{task.completed} 行"),
                                          TimeElapsedColumn(), console=err, transient=True,
                                          disable=as_json) as progress:
        task = progress.add_task("import", total=None)
        report = ws.import_files(files, dry_run=dry_run, user=_current_user(), recorded_at=recorded_at,
                                 progress=lambda n: progress.update(task, completed=n))
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        (console if report.ok else err).print(report.describe_zh())
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def export(
    out: Annotated[Optional[Path], typer.Option("-o", "--output", help="输出文件：.csv / .json / .xlsx")] = None,
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码（含全部下级）")] = None,
    period: Annotated[Optional[str], typer.Option("--period", help="期间，如 2024S1、202401..202405、2024年1-5月")] = None,
    workspace: WorkspaceOpt = Path("."),
    parquet: Annotated[Optional[Path], typer.Option(
        "--parquet", help="导出全部数据、机构树和元数据为分区 parquet 目录（供 --engine spark）")] = None,
    force: Annotated[bool, typer.Option("--force", help="--parquet 目录已有导出时覆盖")] = False,
):
    """导出数据（DHIS2 dataValueSets 格式，或 --parquet 目录）。Example: weijian export --ou YL --period 2024S1 -o 上半年.csv"""
    if parquet is not None:
        with _open(workspace) as ws:
            try:
                done = ws.export_parquet(parquet, overwrite=force)
            except WeijianError as error:
                _fail(error)
        console.print(f"已导出 {done.values} 条数据、{done.orgunits} 个机构到 {parquet}（{done.partitions} 个分区）")
        return
    if out is None or ou is None or period is None:
        _fail(WeijianError("请给出 -o、--ou 和 --period（或用 --parquet 目录导出全部数据）"))
    with _open(workspace) as ws:
        try:
            count = ws.export(ou, period, out)
        except WeijianError as error:
            _fail(error)
    console.print(f"已导出 {count} 条数据到 {out}")


@app.command()
def template(
    out: Annotated[Path, typer.Option("-o", "--output", help="输出 .xlsx")],
    period: Annotated[list[str], typer.Option("--period", help="期间（可多次）；每个期间一张工作表")],
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码（默认全县）")] = None,
    level: Annotated[Optional[int], typer.Option("--level", help="只列此级机构")] = None,
    workspace: WorkspaceOpt = Path("."),
):
    """生成 Excel 填报模板（行：机构，列：数据项）。Example: weijian template --level 3 --period 202405 -o 5月模板.xlsx"""
    with _open(workspace) as ws:
        try:
            ws.template(out, period, ou, level)
        except WeijianError as error:
            _fail(error)
    console.print(f"已生成填报模板 {out}")


@app.command()
def query(
    ou: Annotated[str, typer.Option("--ou", help="机构编码，或 children:编码 列出并排名下级")],
    period: Annotated[str, typer.Option("--period", help="期间，如 2024S1、2024年1-5月")],
    indicator: Annotated[Optional[str], typer.Option("--indicator", help="指标编码")] = None,
    element: Annotated[Optional[str], typer.Option("--element", help="数据项编码（可带分类选项：CASES.CLASS_B）")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    engine: EngineOpt = "duckdb",
    data: DataOpt = None,
    master: MasterOpt = None,
):
    """查询指标或数据项（含同比、完成率、排名）。Example: weijian query --indicator HTN_STD_RATE --ou YL --period 2024S1"""
    if (indicator is None) == (element is None):
        _fail(WeijianError("请指定 --indicator 或 --element 之一"))
    code = indicator or element
    if indicator and "." in indicator:
        _fail(WeijianError(f"指标编码“{indicator}”不应带分类选项"))
    with _open_engine(workspace, engine, data, master) as ws:
        if indicator and indicator not in ws.package.indicators:
            _fail(WeijianError(f"指标编码“{indicator}”不存在"))
        try:
            results = ws.query(code, ou, period)
        except WeijianError as error:
            _fail(error)
    if as_json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return
    console.print(_results_table(results))


KIND_NAMES = {"rule": "审核规则", "outlier": "异常值", "missing": "缺报", "late": "迟报"}


@app.command()
def check(
    ou: Annotated[str, typer.Option("--ou", help="机构编码（含全部下级）")],
    period: Annotated[str, typer.Option("--period", help="期间，如 2026年1-10月、202609")],
    workspace: WorkspaceOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出发现的问题")] = False,
    engine: EngineOpt = "duckdb",
    data: DataOpt = None,
    master: MasterOpt = None,
):
    """数据审核：违反审核规则、异常值、缺报和迟报。Example: weijian check --ou YL --period 2026年1-10月"""
    with _open_engine(workspace, engine, data, master) as ws:
        try:
            findings = ws.check(ou, period)
        except WeijianError as error:
            _fail(error)
        label = f"{ws.package.orgunits[ou].name} {Period.parse(period).label}"
    if as_json:
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2, default=str))
        return
    counts = {kind: sum(1 for f in findings if f.kind == kind) for kind in KIND_NAMES}
    console.print(f"{label}：共发现 {len(findings)} 个问题（"
                  + "，".join(f"{name} {counts[kind]}" for kind, name in KIND_NAMES.items()) + "）")
    table = Table(show_lines=False)
    for column in ("重要程度", "类别", "说明"):
        table.add_column(column)
    for f in findings:
        table.add_row(f.importance, KIND_NAMES.get(f.kind, f.kind), f.message)
    if findings:
        console.print(table)


@app.command()
def reporting(
    ou: Annotated[str, typer.Option("--ou", help="机构编码（含全部下级）")],
    period: Annotated[str, typer.Option("--period", help="期间")],
    dataset: Annotated[Optional[str], typer.Option("--dataset", help="报表编码（默认全部）")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
):
    """上报率与及时率（按乡镇汇总）。Example: weijian reporting --ou YL --period 2026年1-10月"""
    with _open(workspace) as ws:
        try:
            report = ws.reporting(ou, period, dataset)
        except WeijianError as error:
            _fail(error)
        level = min(ws.package.orgunits[ou].level + 1, ws.package.max_level)
        rows = [report.total(dataset)] + report.by_orgunit(level=level, dataset=dataset)
    if as_json:
        print(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"上报情况（{Period.parse(period).label}）")
    for column in ("机构", "应报", "实报", "及时报", "上报率", "及时率"):
        table.add_column(column)
    for r in rows:
        d = r.to_dict()
        table.add_row(r.name, str(r.expected), str(r.reported), str(r.timely),
                      _fmt(d["reporting_rate"], "%"), _fmt(d["timely_rate"], "%"))
    console.print(table)


UserOpt = Annotated[str, typer.Option("--user", help="操作人（默认：当前系统用户）")]


def _current_user() -> str:
    return getpass.getuser()


@app.command()
def approve(
    ou: Annotated[str, typer.Option("--ou", help="机构编码（含全部下级一并锁定）")],
    period: Annotated[str, typer.Option("--period", help="期间，如 202405、2024S1")],
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
):
    """审核并锁定机构某期数据。Example: weijian approve --ou YL_GX --period 202405"""
    with _open(workspace) as ws:
        try:
            ws.approve(ou, period, user or _current_user())
        except WeijianError as error:
            _fail(error)
        console.print(f"已审核锁定：{ws.package.orgunits[ou].name} {Period.parse(period).label}（含全部下级机构）")


@app.command()
def unapprove(
    ou: Annotated[str, typer.Option("--ou", help="机构编码")],
    period: Annotated[str, typer.Option("--period", help="期间")],
    reason: Annotated[str, typer.Option("--reason", help="取消审核的原因（必填，记入审核日志）")],
    workspace: WorkspaceOpt = Path("."),
    user: UserOpt = "",
):
    """取消审核（须说明原因）。Example: weijian unapprove --ou YL_GX --period 202405 --reason 乡镇更正接种剂次"""
    with _open(workspace) as ws:
        try:
            ws.unapprove(ou, period, user or _current_user(), reason)
        except WeijianError as error:
            _fail(error)
        console.print(f"已取消审核：{ws.package.orgunits[ou].name} {Period.parse(period).label}")


@app.command()
def history(
    element: Annotated[Optional[str], typer.Option("--element", help="数据项编码")] = None,
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码")] = None,
    period: Annotated[Optional[str], typer.Option("--period", help="期间")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
):
    """数据修改记录（谁、何时、旧值、新值、来源文件和行）。Example: weijian history --element VACC_DOSES --ou YL_GX_WSY --period 202405"""
    with _open(workspace) as ws:
        try:
            entries = ws.history(element, ou, period)
        except WeijianError as error:
            _fail(error)
    if as_json:
        print(json.dumps([e.__dict__ for e in entries], ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title=f"修改记录（{len(entries)} 条）")
    for column in ("时间", "操作人", "操作", "数据项", "机构", "期间", "分类", "旧值", "新值", "来源"):
        table.add_column(column)
    actions = {"create": "新增", "update": "修改", "delete": "删除"}
    for e in entries:
        source = e.source or ""
        if e.source_row:
            source += f" 第{e.source_row}行"
        table.add_row(f"{e.changed_at:%Y-%m-%d %H:%M}", e.changed_by, actions.get(e.action, e.action), e.dataelement,
                      e.orgunit, e.period, e.categoryoptioncombo, _fmt(_plain(e.old_value)), _fmt(_plain(e.new_value)),
                      source)
    console.print(table)


def _plain(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _results_table(results) -> Table:
    first = results[0]
    table = Table(title=f"{first.name}（{first.period_label}）")
    for column in ("排名", "机构", "数值", "分子", "分母", "去年同期", "同比", "目标", "完成率", "说明"):
        table.add_column(column)
    for r in results:
        change = "" if r.change is None else f"{round_half_up(r.change, 2):+}{r.change_unit}"
        table.add_row(
            "" if r.rank is None else str(r.rank), r.ou_name, _fmt(r.rounded, r.unit),
            _fmt(r.numerator), _fmt(r.denominator), _fmt(round_half_up(r.previous, r.decimals), r.unit), change,
            _fmt(r.target), "" if r.completion is None else f"{round_half_up(r.completion, 2)}%", r.reason or "",
        )
    return table


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return ""
    return f"{value}{unit}"


@app.command()
def report(
    period: Annotated[str, typer.Option("--period", help="期间，如 2026S1（上半年）、2025（全年）")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="输出文件：.docx、.md 或 .html")] = None,
    ou: Annotated[Optional[str], typer.Option("--ou", help="机构编码，默认全县")] = None,
    template: Annotated[Optional[Path], typer.Option("--template", help="自定义模板文件（.md.j2）")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="同时用 LibreOffice 生成 PDF")] = False,
    on: Annotated[Optional[str], typer.Option("--date", help="落款日期，如 2026-07-05（默认今天）")] = None,
    workspace: WorkspaceOpt = Path("."),
    engine: EngineOpt = "duckdb",
    data: DataOpt = None,
    master: MasterOpt = None,
):
    """起草工作总结（GB/T 9704 Word 文档，附数据来源）。Example: weijian report --period 2026S1 -o 上半年工作总结.docx"""
    with _open_engine(workspace, engine, data, master) as ws:
        try:
            today = datetime.strptime(on, "%Y-%m-%d").date() if on else None
        except ValueError:
            _fail(WeijianError(f"--date 应为 2026-07-05 这样的日期，而不是“{on}”"))
        try:
            with err.status("正在起草工作总结……"):
                draft = ws.report(period, ou, template=template, today=today)
                path = output or Path(f"{draft.document.title}.docx")
                written = ws.write_report(draft, path, pdf=pdf)
        except WeijianError as error:
            _fail(error)
    console.print(f"已起草：{written[0]}（{draft.document.title}）")
    console.print(f"文中数字 {len(draft.facts)} 个，来源见 {written[1]} 和文末附表")
    for extra in written[2:]:
        console.print(f"PDF：{extra}")


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="演示工作区目录")] = Path("演示县"),
    force: Annotated[bool, typer.Option("--force", help="目录已存在时删除重建")] = False,
):
    """生成演示县工作区并打印汇总。Example: weijian demo"""
    from weijian.demo import build_demo, demo_summary, latest_half_year  # only needed here

    if force and (folder / "demo_manifest.yaml").exists():
        shutil.rmtree(folder)  # only a folder that an earlier demo made
    if folder.exists() and any(folder.iterdir()):
        _fail(WeijianError(f"目录“{folder}”已存在且非空，请换一个目录或先删除它"))
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err,
                  transient=True) as progress:
        task = progress.add_task("生成演示数据", total=None)
        ws = build_demo(folder, progress=lambda done, total: progress.update(task, completed=done, total=total))
    with ws:
        demo_summary(ws, console)
        half = latest_half_year(ws)
        try:
            with err.status(f"正在起草{half.label}工作总结……"):
                draft = ws.report(half)
                written = ws.write_report(draft, folder / f"{draft.document.title}.docx")
        except WeijianError as error:
            _fail(error)
        console.print(f"工作总结初稿：{written[0]}（文中数字 {len(draft.facts)} 个，来源见 {written[1].name}）")


@app.command()
def audit(
    file: Annotated[Path, typer.Argument(help="工作总结：.txt、.docx 或 .md")],
    workspace: Annotated[Optional[Path], typer.Option("-w", "--workspace", help="工作区目录：同时与数据核对")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出数字和核对结果")] = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="批注文件：.html 或 .docx")] = None,
):
    """核对工作总结中的数字（分项合计、率、完成率、性别比、同比…，可选与数据核对）。Example: weijian audit 上半年工作总结.docx -o 批注.html"""
    from weijian.audit import audit_file, summary, write_annotated  # only needed here

    try:
        if workspace is None:
            report = audit_file(file)
        else:
            with _open(workspace) as ws:
                report = audit_file(file, workspace=ws)
        if output is not None:
            write_annotated(report, output, source=file)
    except WeijianError as error:
        _fail(error)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console.print(*summary.summary_renderables(report), sep="\n")
    if output is not None:
        console.print(f"批注已写入：{output}")


@app.command("analytics-tables")
def analytics_tables(
    workspace: WorkspaceOpt = Path("."),
    drop: Annotated[bool, typer.Option("--drop", help="删除分析表（查询回到直接汇总原始数据）")] = False,
    status: Annotated[bool, typer.Option("--status", help="只显示状态")] = False,
):
    """建立（或重建）预汇总分析表：省、市规模的数据查询更快，导入后只增量刷新涉及的期间和机构。Example: weijian analytics-tables"""
    with _open(workspace) as ws:
        try:
            if status:
                info = ws.analytics_tables_status()
                console.print(f"分析表：{'已建立' if info['enabled'] else '未建立'}，{len(info['tables'])} 张，"
                              f"待刷新 {info['pending']} 项")
                return
            if drop:
                ws.drop_analytics_tables()
                console.print("已删除分析表")
                return
            with err.status("正在建立分析表……"):
                summary = ws.build_analytics_tables()
        except WeijianError as error:
            _fail(error)
    console.print(f"已建立分析表 {summary.tables} 张（{summary.seconds:.1f} 秒）；此后每次导入只刷新涉及的期间和机构")


app.add_typer(ledger_app, name="ledger")
app.add_typer(user_app, name="user")
app.command()(serve)
app.command()(cli_ops.backup)
app.command()(cli_ops.restore)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
