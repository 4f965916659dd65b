"""``weijian backup``, ``restore`` and ``analytics-tables``: operating a workspace (docs/operations.md).

A DuckDB workspace served by ``weijian serve`` is locked by the server process;
``backup --server`` then asks the server for the archive (an admin's API token),
which makes it from a snapshot while saves go on. Errors print in Chinese and
exit 2, as in ``weijian.cli``.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer

from weijian.cli.common import WorkspaceOpt, console, err, fail, open_workspace
from weijian.errors import MetadataError, StoreBusyError, WeijianError

app = typer.Typer()

TOKEN_ENV = "WEIJIAN_TOKEN"
BACKUP_ROUTE = "/api/admin/backup"


@app.command()
def backup(
    out: Annotated[Path, typer.Option("-o", "--output", help="备份文件，如 2026-06-30.wjbak（zip 格式）")],
    workspace: WorkspaceOpt = Path("."),
    server: Annotated[Optional[str], typer.Option(
        "--server", help="从正在运行的 weijian serve 下载备份，如 http://127.0.0.1:8000（需管理员的接口令牌）")] = None,
    token: Annotated[Optional[str], typer.Option(
        "--token", help=f"管理员的接口令牌（weijian user token 生成；也可用环境变量 {TOKEN_ENV}）")] = None,
):
    """备份工作区：元数据、配置和全部数据（数值、修改记录、审核、台账、用户……）写入一个文件，附清单和校验和。
    服务运行时也可备份（一致的快照）。Example: weijian backup -w 县卫健局 -o 备份/2026-06-30.wjbak"""
    if server:
        _download(server, token or os.environ.get(TOKEN_ENV), out)
        return
    from weijian.backup import backup_workspace
    from weijian.workspace import Workspace

    try:
        with Workspace.open(workspace) as ws:
            info = backup_workspace(ws, out)
    except StoreBusyError as error:
        fail(f"{error}\n工作区正由网页服务使用时，请用管理员的接口令牌从服务下载备份："
              f"weijian backup --server http://地址:端口 --token 令牌 -o {out}")
    except (WeijianError, MetadataError) as error:
        fail(error)
    console.print(f"已备份到 {out}：{info.describe_zh()}")


def _download(server: str, token: str | None, out: Path) -> None:
    if not token:
        fail(f"--server 需要管理员的接口令牌：--token 或环境变量 {TOKEN_ENV}")
    import urllib.error
    import urllib.request

    request = urllib.request.Request(server.rstrip("/") + BACKUP_ROUTE, headers={"Authorization": f"Bearer {token}"})
    partial = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(request, timeout=3600) as response, partial.open("wb") as dst:
            shutil.copyfileobj(response, dst, 1 << 20)
    except urllib.error.HTTPError as error:
        partial.unlink(missing_ok=True)
        fail(f"服务拒绝备份请求（HTTP {error.code}）：{error.read().decode('utf-8', 'replace')[:300]}")
    except OSError as error:
        partial.unlink(missing_ok=True)
        fail(f"无法连接服务 {server}：{error}")
    from weijian.backup import BackupInfo, read_manifest

    try:
        manifest = read_manifest(partial)
    except WeijianError as error:
        partial.unlink(missing_ok=True)
        fail(error)
    partial.replace(out)
    console.print(f"已从服务下载备份到 {out}：{BackupInfo(out, manifest).describe_zh()}")


@app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="weijian backup 生成的备份文件")],
    workspace: Annotated[Path, typer.Option("-w", "--workspace", help="新工作区目录（应不存在或为空）")],
    store: Annotated[Optional[str], typer.Option(
        "--store", help="恢复到 PostgreSQL：postgresql://用户@主机/库?schema=模式（默认：工作区内的 DuckDB 文件）")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖非空的目标目录或已有数据的 PostgreSQL 模式")] = False,
):
    """从备份恢复到新的工作区：先核对清单（校验和、行数、版本），再在一个事务里写入全部数据。
    Example: weijian restore 备份/2026-06-30.wjbak -w 县卫健局_恢复"""
    from weijian.backup import restore_workspace

    try:
        with err.status("正在恢复……"):
            info = restore_workspace(archive, workspace, store=store, force=force)
    except (WeijianError, MetadataError) as error:
        fail(error)
    console.print(f"已从 {archive} 恢复到 {workspace}：{info.describe_zh()}")


@app.command("analytics-tables")
def analytics_tables(
    workspace: WorkspaceOpt = Path("."),
    drop: Annotated[bool, typer.Option("--drop", help="删除分析表（查询回到直接汇总原始数据）")] = False,
    status: Annotated[bool, typer.Option("--status", help="只显示状态")] = False,
):
    """建立（或重建）预汇总分析表：省、市规模的数据查询更快，导入后只增量刷新涉及的期间和机构。Example: weijian analytics-tables"""
    with open_workspace(workspace) as ws:
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
            fail(error)
    console.print(f"已建立分析表 {summary.tables} 张（{summary.seconds:.1f} 秒）；此后每次导入只刷新涉及的期间和机构")

