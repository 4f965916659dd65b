"""The ``weijian`` command line: one module per command group, each command a
few lines calling the library (weijian.Workspace).

Every module here is cheap to import (the library loads inside each command),
so ``weijian --help`` and every command answer at once; ``zh`` makes Click's
own words (help headings, option errors) Chinese for all of them.
"""
from __future__ import annotations

import sys

import typer

from weijian.cli import zh

zh.install()

from weijian.cli import audit, data, ledger, listing, ops, query, report, review, setup, sheets, users  # noqa: E402

app = typer.Typer(help="weijian 卫健：县级卫生健康统计数据的导入、审核、汇总与工作总结。", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None, add_completion=False,
                  context_settings=zh.CONTEXT)
for module in (setup, listing, data, query, review, report, audit, ops, users):
    app.add_typer(module.app)
app.add_typer(sheets.sheets_app, name="sheets")
app.add_typer(ledger.ledger_app, name="ledger")
app.add_typer(users.user_app, name="user")


def main() -> None:  # pragma: no cover - console entry point
    zh.run(app)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
