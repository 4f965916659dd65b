"""``weijian user …`` and ``weijian serve``: the web application's users and server.

Each command opens the workspace and calls ``weijian.web.users`` (or starts
``weijian.web.create_app`` under uvicorn); nothing else happens here. Errors
print in Chinese and exit 2, as in ``weijian.cli``.
"""
from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from weijian.cli.common import WorkspaceOpt, console, fail, open_workspace
from weijian.errors import MetadataError, WeijianError

app = typer.Typer()
user_app = typer.Typer(help="网页用户：新建、重设密码、停用、列出、生成接口令牌", no_args_is_help=True)


def _check_port(host: str, port: int) -> None:
    import socket

    if not 0 < port < 65536:
        fail(f"端口应在 1–65535 之间，而不是 {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        fail(f"无法识别的监听地址“{host}”")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            busy = error.errno in (98, 48, 10048)  # EADDRINUSE on Linux, macOS, Windows
            fail(f"端口 {port} 已被占用（也许 weijian serve 已在运行）：换一个端口，如 --port {port + 1}" if busy
                 else f"无法在 {host}:{port} 上监听：{error.strerror or error}")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("没有终端可输入密码：请用 --password-stdin 从标准输入给出密码（一行），或 --no-password")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        fail("两次输入的密码不一致")
    return first


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help="角色：录入员、审核员、管理员、只读")],
    ou: Annotated[str, typer.Option("--ou", help="所属机构编码：可查看和填报该机构及其下级")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码（一行）")] = False,
    no_password: Annotated[bool, typer.Option("--no-password", help="不设密码：只能用接口令牌")] = False,
    workspace: WorkspaceOpt = Path("."),
):
    """新建网页用户（没有默认密码：交互输入或 --password-stdin）。Example: weijian user add 张三 --role 录入员 --ou YL_GX"""
    from weijian.web.users import add_user

    password = None if no_password else _read_password(password_stdin)
    with open_workspace(workspace) as ws:
        try:
            row = add_user(ws, name, role, ou, password, by=getpass.getuser())
        except WeijianError as error:
            fail(error)
        console.print(f"已新建用户 {row['name']}（{row['role']}，{ws.package.orgunits[ou].name}及其下级）")


@user_app.command("password")
def password(
    name: Annotated[str, typer.Argument(help="用户名")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码（一行）")] = False,
    workspace: WorkspaceOpt = Path("."),
):
    """重设密码（该用户已登录的会话全部失效）。Example: weijian user password 张三"""
    from weijian.web.users import set_password

    new = _read_password(password_stdin)
    with open_workspace(workspace) as ws:
        try:
            set_password(ws, name, new)
        except WeijianError as error:
            fail(error)
    console.print(f"已重设 {name} 的密码")


@user_app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="用户名")], workspace: WorkspaceOpt = Path(".")):
    """停用用户并吊销其接口令牌。Example: weijian user disable 张三"""
    with open_workspace(workspace) as ws:
        try:
            ws.store.update_user(name, active=False)
            revoked = ws.store.delete_tokens(name)
        except WeijianError as error:
            fail(error)
    console.print(f"已停用 {name}（吊销令牌 {revoked} 个）")


@user_app.command("list")
def list_users(workspace: WorkspaceOpt = Path(".")):
    """列出网页用户。Example: weijian user list"""
    with open_workspace(workspace) as ws:
        rows = ws.store.users()
        names = {c: u.name for c, u in ws.package.orgunits.items()}
    table = Table(title=f"网页用户（{len(rows)} 个）")
    for column in ("用户名", "角色", "机构", "状态", "创建时间"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["name"], r["role"], names.get(r["orgunit"], r["orgunit"]), "启用" if r["active"] else "停用",
                      f"{r['created_at']:%Y-%m-%d %H:%M}")
    console.print(table)


@user_app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="用户名")],
    label: Annotated[str, typer.Option("--label", help="用途说明，如“市统计平台”")] = "",
    workspace: WorkspaceOpt = Path("."),
):
    """生成接口令牌（只显示这一次）：请求头 Authorization: Bearer <令牌>。Example: weijian user token 张三"""
    from weijian.web.users import new_token

    with open_workspace(workspace) as ws:
        try:
            value = new_token(ws, name, label)
        except WeijianError as error:
            fail(error)
    print(value)


@app.command()
def serve(
    workspace: WorkspaceOpt = Path("."),
    host: Annotated[str, typer.Option("--host", help="监听地址（内网服务时如 0.0.0.0）", metavar="地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口", metavar="端口")] = 8000,
    trust_proxy: Annotated[Optional[str], typer.Option(
        "--trust-proxy", help="在反向代理（nginx）之后运行时，信任此地址发来的 X-Forwarded-For（如 127.0.0.1）；"
                              "默认不信任：客户端地址就是连接的地址", metavar="代理地址")] = None,
):
    """启动网页服务（录入、导入、上报情况、审核、看板、工作总结、报告核查、元数据）。Example: weijian serve -w 演示县"""
    _check_port(host, port)  # before anything is created or printed
    import uvicorn

    from weijian.web import Settings, create_app
    from weijian.web.users import demo_users

    with open_workspace(workspace) as ws:
        try:
            made = demo_users(ws)
        except WeijianError as error:
            fail(error)
    if made:
        console.print("演示县首次启动，已为每个角色建立演示用户（密码只显示这一次）：")
        for user in made:
            console.print(f"  {user['role']}  用户名 {user['name']}  密码 {user['password']}  （{user['ou_name']}）")
    try:
        app = create_app(workspace, Settings.from_env())
    except (WeijianError, MetadataError) as error:
        fail(error)
    console.print(f"网页地址：http://{host}:{port}/    接口文档：http://{host}:{port}/api/docs")
    # keep idle connections longer than browsers' think time between cells (uvicorn's default is 5 s)
    # X-Forwarded-For only from the proxy the operator names: anyone could otherwise claim any address
    # and walk around the login limit
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=30,
                proxy_headers=trust_proxy is not None, forwarded_allow_ips=trust_proxy or "")
