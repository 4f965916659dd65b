"""The web application's settings, declared once as data (docs/web.md lists each;
a test fails if one is undocumented)."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = (
    Setting("session_hours", 12, "登录会话有效时长（小时）"),
    Setting("secure_cookies", False, "总是给会话 Cookie 加 Secure（在 HTTPS 反向代理之后时打开；请求本身为 https 时自动加）"),
    Setting("login_failures", 5, "同一用户名和 IP 在 login_window_minutes 内不受限的登录失败次数；此后每次失败等待时间加倍（1、2、4……秒，最多 60 秒），返回 429，不锁定账号"),
    Setting("login_window_minutes", 15, "登录失败计数的时间窗口（分钟）"),
    Setting("readers", 2, "只读查询使用的数据库连接数（写入始终只有一个写入者）"),
    Setting("analytics_cache", "auto", "看板结果缓存：auto（DuckDB 文件时开启：写入都经过本服务，写入时按机构和期间失效）、on、off"),
    Setting("upload_mb", 50, "上传文件大小上限（MB）"),
)


@dataclass(frozen=True)
class Settings:
    session_hours: float = 12
    secure_cookies: bool = False
    login_failures: int = 5
    login_window_minutes: float = 15
    readers: int = 2
    analytics_cache: str = "auto"
    upload_mb: float = 50

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Defaults, then ``WEIJIAN_WEB_<NAME>`` environment variables, then ``overrides``."""
        values = {}
        for item in fields(cls):
            raw = os.environ.get(f"WEIJIAN_WEB_{item.name.upper()}")
            if raw is not None:
                values[item.name] = _parse(raw, type(getattr(cls, item.name)))
        return replace(cls(**values), **overrides)


def _parse(raw: str, kind: type) -> object:
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on", "是")
    return kind(raw)


assert [s.name for s in SETTINGS] == [f.name for f in fields(Settings)]
assert all(s.default == getattr(Settings, s.name) for s in SETTINGS)
