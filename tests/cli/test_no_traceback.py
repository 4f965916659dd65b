"""Every command, given bad arguments, answers in Chinese with exit code 2 —
never a traceback, never Click's English (issue #17). The commands are
enumerated from the app, so a new command is covered the day it is added."""
from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from weijian.cli import app

runner = CliRunner()
ENGLISH = re.compile(r"\b(Usage|Error|Missing|No such|Try|Invalid|Options|Traceback)\b")


def commands(group, prefix=()):
    for name, command in sorted(typer.main.get_command(group).commands.items()) if prefix == () else sorted(
            group.commands.items()):
        if hasattr(command, "commands"):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


ALL = list(commands(app))


def junk_arguments(command, missing_workspace) -> list[str]:
    """Every required parameter filled with a value that cannot work, and a workspace that does not exist."""
    args: list[str] = []
    for param in command.params:
        if param.name == "workspace":
            args += ["-w", str(missing_workspace)]
        elif param.required and getattr(param, "opts", None) and param.opts[0].startswith("-"):
            args += [param.opts[0], "1" if param.type_descriptor.annotation is int else "NOPE"]
        elif param.required:
            args.append(str(missing_workspace / "NOPE.xlsx"))
    return args


def assert_chinese_failure(result):
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not ENGLISH.search(result.output), result.output
    assert re.search(r"[\u4e00-\u9fff]", result.output)


@pytest.mark.parametrize("path, command", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_unknown_option_is_answered_in_chinese(path, command):
    assert_chinese_failure(runner.invoke(app, [*path, "--no-such-option"]))


@pytest.mark.parametrize("path, command", [(p, c) for p, c in ALL if p[-1] not in ("demo", "init")],
                         ids=[" ".join(p) for p, _ in ALL if p[-1] not in ("demo", "init")])
def test_bad_values_and_a_missing_workspace_are_answered_in_chinese(path, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*path, *junk_arguments(command, tmp_path / "没有这个工作区")])
    assert_chinese_failure(result)


@pytest.mark.parametrize("path, command", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_help_is_chinese(path, command):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "用法：" in result.output and "显示本帮助并退出" in result.output
    assert not ENGLISH.search(result.output.replace("Example", "")), result.output


def test_a_missing_required_option_names_it():
    result = runner.invoke(app, ["query", "--period", "2026S1"])
    assert_chinese_failure(result)
    assert "缺少选项 '--ou'" in result.output


def test_init_with_a_missing_tree_file(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "ws"), "--orgunits", str(tmp_path / "没有.xlsx")])
    assert_chinese_failure(result)
    assert "不存在" in result.output
