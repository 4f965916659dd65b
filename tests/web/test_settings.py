"""Settings are declared once as data, documented, and read from the environment; CLI users."""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from weijian.web import SETTINGS, Settings

DOCS = Path(__file__).parents[2] / "docs" / "web.md"


def test_every_setting_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in text, setting.name


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("WEIJIAN_WEB_SECURE_COOKIES", "1")
    monkeypatch.setenv("WEIJIAN_WEB_LOGIN_FAILURES", "3")
    settings = Settings.from_env(readers=1)
    assert (settings.secure_cookies, settings.login_failures, settings.readers) == (True, 3, 1)


def test_user_commands(tmp_path):
    from weijian.cli import app
    from weijian.metadata import DEFAULT_PACKAGE
    from weijian.web.auth import digest
    from weijian.workspace import Workspace

    folder = tmp_path / "小县"
    Workspace.init(folder, DEFAULT_PACKAGE.parent / "small").close()
    runner = CliRunner()
    result = runner.invoke(app, ["user", "add", "张三", "--role", "录入员", "--ou", "YL_GX", "--password-stdin",
                                 "-w", str(folder)], input="short\n")
    assert result.exit_code == 2 and "至少 8 个字符" in result.output
    result = runner.invoke(app, ["user", "add", "张三", "--role", "录入员", "--ou", "YL_GX", "--password-stdin",
                                 "-w", str(folder)], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["user", "add", "李四", "--role", "站长", "--ou", "YL", "--no-password",
                                 "-w", str(folder)])
    assert result.exit_code == 2 and "角色应为" in result.output
    token = runner.invoke(app, ["user", "token", "张三", "-w", str(folder)]).output.strip()
    assert runner.invoke(app, ["user", "list", "-w", str(folder)]).exit_code == 0
    with Workspace.open(folder) as ws:
        assert ws.store.token_user(digest(token)) == "张三"
        assert ws.store.user("张三")["password_hash"].startswith("$argon2")
    assert runner.invoke(app, ["user", "disable", "张三", "-w", str(folder)]).exit_code == 0
    with Workspace.open(folder) as ws:
        assert ws.store.token_user(digest(token)) is None


def test_demo_users_only_once(tmp_path):
    from weijian.metadata import DEFAULT_PACKAGE
    from weijian.web.users import demo_users
    from weijian.workspace import Workspace

    folder = tmp_path / "演示"
    with Workspace.init(folder, DEFAULT_PACKAGE.parent / "small") as ws:
        assert demo_users(ws) == []  # not a demo workspace
        (folder / "demo_manifest.yaml").write_text("seed: 1\n", encoding="utf-8")
        made = demo_users(ws)
        assert sorted(u["role"] for u in made) == sorted(["管理员", "审核员", "录入员", "只读"])
        assert len({u["password"] for u in made}) == 4
        assert demo_users(ws) == []  # users exist now: nothing new, no password printed again
