"""Click's own words in Chinese, once for every command.

Typer carries its own copy of Click (``typer._click``) whose help headings go
through gettext but whose errors are plain English f-strings. So: headings
get a Chinese ``_``; the help formatter writes 用法 and measures CJK text by
display width; and the usage errors format their messages in Chinese. A
message we do not know stays English rather than failing.
"""
from __future__ import annotations

import re
import sys

import typer

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

MESSAGES = {
    "Options": "选项",
    "Commands": "命令",
    "Arguments": "参数",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "No such command {name!r}.": "没有命令“{name}”。",
    "Show this message and exit.": "显示本帮助并退出。",
    "Aborted!": "已中止。",
}
PARAM_TYPES = {"option": "选项", "argument": "参数", "parameter": "参数"}
# English messages raised inside Typer's coercion and parser, as patterns
PATTERNS = [
    (re.compile(r"^Got unexpected extra arguments? \((?P<a>.*)\)$"), "多余的参数：{a}"),
    (re.compile(r"^Value (?P<v>.*) is not a valid (?P<t>[\w\[\]., ]+)\.?$"), "“{v}”不是有效的{t}"),
    (re.compile(r"^(?P<v>.*) is not a valid (?P<t>[\w\[\]., ]+)\.?$"), "“{v}”不是有效的{t}"),
    (re.compile(r"^(?P<v>.*) is not one of (?P<c>.*)\.$"), "“{v}”不是以下之一：{c}"),
    (re.compile(r"^(?P<v>.*) does not match the formats? (?P<f>.*)\.$"), "“{v}”不符合格式 {f}"),
    (re.compile(r"^Option (?P<n>'[^']*') requires an argument\.$"), "选项 {n} 需要一个取值"),
    (re.compile(r"^Option (?P<n>'[^']*') requires (?P<k>\d+) arguments\.$"), "选项 {n} 需要 {k} 个取值"),
    (re.compile(r"^Option (?P<n>'[^']*') does not take a value\.$"), "选项 {n} 不带取值"),
    (re.compile(r"^No such option: (?P<n>.*)$"), "没有选项 {n}"),
    (re.compile(r"^Input should be a valid (?P<t>\w+).*$"), "应为{t}"),
    (re.compile(r"^Missing argument (?P<n>.*)\.?$"), "缺少参数 {n}"),
    (re.compile(r"^Path (?P<v>.*) does not exist\.$"), "路径 {v} 不存在"),
]
TYPE_NAMES = {"integer": "整数", "int": "整数", "float": "数字", "datetime": "日期", "Path": "路径", "boolean": "是/否",
              "bool": "是/否"}


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def translate(message: str) -> str:
    text = str(message).strip()
    for pattern, template in PATTERNS:
        match = pattern.match(text)
        if match:
            groups = {k: TYPE_NAMES.get(v, v).strip("'\"") if k in ("t", "v") else v
                      for k, v in match.groupdict().items()}
            return template.format(**groups)
    return text


def install() -> None:
    """Make every Typer command of this process speak Chinese (idempotent)."""
    import typer.core
    from rich.cells import cell_len
    from typer._click import _compat, exceptions, formatting
    from typer._click.core import Context

    if getattr(exceptions, "_weijian_zh", False):
        return
    typer.core._ = gettext
    typer.core.TyperArgument.display_type_rich = lambda self, ctx: ""  # "<list[Path]>" means nothing to a user

    def term_len(text: str) -> int:
        return cell_len(_compat.strip_ansi(text))

    formatting.term_len = term_len  # CJK characters take two columns: keep option help aligned

    class ChineseHelpFormatter(formatting.HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
            super().write_usage(prog, args, "用法：" if prefix is None else prefix)

        def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
            super().write_dl([(term, gettext(text)) for term, text in rows], col_max, col_spacing)

    Context.formatter_class = ChineseHelpFormatter

    def show_error(self, file=None) -> None:
        file = file or _compat.get_text_stderr()
        ctx = getattr(self, "ctx", None)
        if ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = f"用“{ctx.command_path} {ctx.help_option_names[0]}”查看帮助。\n"
            typer.echo(f"{ctx.get_usage()}\n{hint}", file=file)
        typer.echo(f"错误：{self.format_message()}", file=file)

    def hint_of(error) -> str:
        hint = error.param_hint if error.param_hint is not None else (
            error.param.get_error_hint() if error.param is not None else None)
        return exceptions._join_param_hints(hint) or ""

    def bad_parameter(self) -> str:
        hint = hint_of(self)
        return f"{hint} 的取值无效：{translate(self.message)}" if hint else f"取值无效：{translate(self.message)}"

    def missing_parameter(self) -> str:
        kind = self.param_type or (self.param.param_type_name if self.param is not None else "parameter")
        hint = hint_of(self)
        return f"缺少{PARAM_TYPES.get(kind, kind)} {hint}".rstrip() + "。"

    def no_such_option(self) -> str:
        text = f"没有选项 {self.option_name}"
        if self.possibilities:
            text += f"（是不是 {'、'.join(sorted(self.possibilities))}？）"
        return text + "。用 -h 查看全部选项"

    def usage_message(self) -> str:
        return translate(self.message)

    exceptions.ClickException.show = show_error
    exceptions.UsageError.show = show_error
    exceptions.UsageError.format_message = usage_message
    exceptions.BadParameter.format_message = bad_parameter
    exceptions.MissingParameter.format_message = missing_parameter
    exceptions.NoSuchOption.format_message = no_such_option
    exceptions._weijian_zh = True


def run(app: typer.Typer) -> None:
    """Run ``app``; an unexpected crash prints one Chinese line (and how to see more), not a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        print("已中止。", file=sys.stderr)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last guard between a user and a traceback
        import os

        if os.environ.get("WEIJIAN_DEBUG"):
            raise
        print(f"错误：weijian 内部出错（{type(error).__name__}：{error}）。请把这条消息和所用的命令报告给维护者；"
              "设置环境变量 WEIJIAN_DEBUG=1 可看到详细信息。", file=sys.stderr)
        sys.exit(3)
