"""What every ``weijian`` command module shares: the consoles, the ``-w`` option,
and the one way a command fails (a Chinese message on stderr, exit code 2)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from weijian.errors import MetadataError, WeijianError
from weijian.workspace import Workspace

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

WorkspaceOpt = Annotated[Path, typer.Option("-w", "--workspace", help="工作区目录")]


def fail(error: Exception | str) -> NoReturn:
    err.print(f"[red]错误：[/red]{error}")
    raise typer.Exit(2)


def open_workspace(folder: Path) -> Workspace:
    try:
        return Workspace.open(folder)
    except (WeijianError, MetadataError) as error:
        fail(error)
