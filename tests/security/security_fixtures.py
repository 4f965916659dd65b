"""Helpers of the security tests: users of every role, hostile texts, and the app's routes
enumerated with the permission each needs (so a new route is covered automatically)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from fastapi.routing import APIRoute, iter_route_contexts

from weijian.workspace import Workspace

# name → (role, org unit): every role at the county and at 乡镇 A (官庄镇 YL_GX)
USERS = {
    "admin": ("管理员", "YL"), "shenhe": ("审核员", "YL"), "viewer": ("只读", "YL"), "luru": ("录入员", "YL"),
    "admin_a": ("管理员", "YL_GX"), "shenhe_a": ("审核员", "YL_GX"), "viewer_a": ("只读", "YL_GX"),
    "luru_a": ("录入员", "YL_GX"), "ratelimited": ("只读", "YL"),
}
TOWNSHIP_USERS = ("admin_a", "shenhe_a", "viewer_a", "luru_a")
TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A = "YL_GX", "YL_LSJ", "YL_GX_C01"
PERMISSIONS_OF = {"管理员": {"view", "enter", "approve"}, "审核员": {"view", "enter", "approve"},
                  "录入员": {"view", "enter"}, "只读": {"view"}}

SCRIPT = '<script>alert("wj")</script>'
FORMULA = '=HYPERLINK("http://evil.example/","点我")'
HOSTILE_NAMES = {
    "YL_GX_C01": SCRIPT + "米家口村卫生室",        # HTML in a facility's name
    "YL_GX_WSY": "@SUM(1+1)官庄镇中心卫生院",       # a formula start in another
    "YL_GX_C02": "../../逃逸/石门园村卫生室",        # path separators
    "YL_LSJ": FORMULA + "凉水井镇",                  # a formula as a township's name
    "YL_GX": "-2+3官庄镇",
}
LEDGER_TITLE = "<img src=x onerror=alert(1)>疫情防控知识培训"
PUBLIC = {("GET", "/login"), ("POST", "/login")}  # everything else needs a login


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    permission: str | None  # None: public

    @property
    def unsafe(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def routes(app) -> list[RouteInfo]:
    """Every API route of the app with its method and the permission its ``need`` dependency asks."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue  # the OpenAPI document, its docs page and /static
        permissions = [d.call.permission for d in route.dependant.dependencies if hasattr(d.call, "permission")]
        for method in sorted(route.methods):
            found.append(RouteInfo(method, context.path, permissions[0] if permissions else None))
    return found


def rename_units(folder: Path, names: dict[str, str]) -> None:
    path = folder / "metadata" / "orgunits.yaml"
    text = path.read_text(encoding="utf-8")
    for code, name in names.items():
        text, n = re.subn(rf"(\{{code: {code}, name: )[^,]+,", lambda m: m.group(1) + _yaml_text(name) + ",", text)
        assert n == 1, code
    path.write_text(text, encoding="utf-8")


def _yaml_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def add_hostile_ledger_entry(folder: Path) -> None:
    """A county ledger entry of 2026 (in the summary's period) whose title is HTML."""
    with Workspace.open(folder) as ws:
        entries = ws.ledger.list_entries(date(2026, 1, 1), date(2026, 6, 30))
        model = next(e for e in entries if e.orgunit == "YL") if any(e.orgunit == "YL" for e in entries) \
            else entries[0]
        ws.ledger.add_entry(replace(model, id=None, title=LEDGER_TITLE), "test")
