"""What every ``weijian`` command module shares: the consoles, the common options,
and the one way a command fails (a Chinese message on stderr, exit code 2).

Nothing heavy is imported here: ``weijian --help`` must answer at once, so each
command imports the library parts it uses inside its own body.
"""
from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer
from rich.console import Console

from weijian.errors import MetadataError, WeijianError

if TYPE_CHECKING:
    from weijian.workspace import Workspace

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

WorkspaceOpt = Annotated[Path, typer.Option("-w", "--workspace", help="工作区目录", metavar="目录")]
EngineOpt = Annotated[str, typer.Option("--engine", help="分析引擎：duckdb（工作区自身的存储，默认）或 spark",
                                        metavar="引擎")]
DataOpt = Annotated[Optional[Path], typer.Option(
    "--data", help="--engine spark 的数据：weijian export --parquet 导出的目录", metavar="目录")]
MasterOpt = Annotated[Optional[str], typer.Option(
    "--master", help="Spark 集群地址，如 spark://host:7077（默认 local[*]，本机）", metavar="地址")]
UserOpt = Annotated[str, typer.Option("--user", help="操作人（默认：当前系统用户）", metavar="姓名")]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


def fail(error: Exception | str) -> NoReturn:
    err.print(f"[red]错误：[/red]{error}", highlight=False)
    raise typer.Exit(2)


def current_user(given: str = "") -> str:
    return given or getpass.getuser()


def open_workspace(folder: Path) -> Workspace:
    from weijian.workspace import Workspace

    try:
        return Workspace.open(folder)
    except (WeijianError, MetadataError) as error:
        fail(error)


def open_engine(folder: Path, engine: str, data: Optional[Path], master: Optional[str]) -> Workspace:
    """The workspace, its analytics on ``engine``; with spark and no workspace,
    the parquet export alone (its own metadata)."""
    from weijian.workspace import Workspace

    if engine not in ("duckdb", "spark"):
        fail(WeijianError(f"未知的分析引擎“{engine}”：应为 duckdb 或 spark"))
    if engine == "duckdb":
        if data is not None:
            fail(WeijianError("--data 只用于 --engine spark"))
        return open_workspace(folder)
    if data is None:
        fail(WeijianError("--engine spark 需要 --data：weijian export --parquet 导出的目录"))
    try:
        require_module("pyspark", "Spark 分析引擎", "pip install 'weijian[spark]'（还需要 Java 17 或 21）")
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
        fail(error)


def require_module(module: str, what: str, install: str) -> None:
    """Fail with one Chinese line and the install command when an optional part is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        fail(WeijianError(f"{what}需要 {module}，本机没有安装。安装：{install}"))


def check_output(path: Path, allowed: tuple[str, ...], what: str) -> None:
    """Refuse an output name whose suffix does not match what is written
    (``-o x.xls`` would get .xlsx bytes under a name Excel opens as the old format)."""
    if path.suffix.lower() not in allowed:
        fail(WeijianError(f"{what}的文件名应以 {' 或 '.join(allowed)} 结尾，而不是“{path.name}”"))


def plain(value):
    """1234.0 → 1234: stored floats that are whole print as counts."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def fmt(value, unit: str = "") -> str:
    if value is None:
        return ""
    return f"{value}{unit}"


def orgunit_code(ws: Workspace, text: str | None) -> str | None:
    """The org-unit code a user meant (code in any case, name, name without 镇/乡);
    ``children:…`` keeps its prefix. A miss fails with the nearest codes."""
    from weijian.model.lookup import find_code

    if text is None:
        return None
    prefix, sep, rest = text.partition(":")
    try:
        if sep and prefix.strip().lower() == "children":
            return "children:" + find_code(ws.package.orgunits, rest, "orgunit")
        return find_code(ws.package.orgunits, text, "orgunit")
    except WeijianError as error:
        fail(error)


def metadata_code(ws: Workspace, text: str | None, kind: str) -> str | None:
    """An indicator, element (with .OPTION) or data set code from a code or name."""
    from weijian.model.lookup import find_code, find_element_code

    if text is None:
        return None
    try:
        if kind == "element":
            return find_element_code(ws.package.elements, text)
        items = {"indicator": ws.package.indicators, "dataset": ws.package.datasets}[kind]
        return find_code(items, text, kind)
    except WeijianError as error:
        fail(error)
