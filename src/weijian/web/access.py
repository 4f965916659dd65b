"""The one place that decides who may do what where, for pages and API alike.

Every route takes ``Depends(need(permission))``. The dependency finds the
user (session cookie or Bearer token), checks the role has the permission,
checks the CSRF token of a state-changing cookie request, resolves the org
unit(s) the request names — path, query string, form field or JSON body:
``ou``, ``orgUnit``, a comma list, ``children:CODE`` — and refuses (403)
any that lies outside the user's unit and its descendants. Imports, whose
org units are inside the file, pass ``scope(ctx)`` to the importer, which
reports rows outside it; the routes turn those into 403 as well.
"""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from weijian.model import MetadataPackage, OrgUnit
from weijian.web.auth import Auth, AuthError, User
from weijian.web.settings import Settings
from weijian.web.workspaces import Workspaces

# What each role may do; every role may view its own subtree.
PERMISSIONS = {
    "view": frozenset({"录入员", "审核员", "管理员", "只读"}),
    "enter": frozenset({"录入员", "审核员", "管理员"}),  # data entry and imports
    "approve": frozenset({"审核员", "管理员"}),
}
PERMISSION_NAMES = {"view": "查看", "enter": "录入和导入数据", "approve": "审核和取消审核"}
OU_FIELDS = ("ou", "orgUnit", "orgunit")


class Forbidden(AuthError):
    def __init__(self, message: str):
        super().__init__(403, message)


class NotFound(AuthError):
    def __init__(self, message: str):
        super().__init__(404, message)


@dataclass(frozen=True)
class Ctx:
    """One authorised request: who, the org unit it is about (default the user's own), and the app."""

    user: User
    ou: OrgUnit
    units: tuple[OrgUnit, ...]  # every unit the request named (``ou`` is the first)
    workspaces: Workspaces
    settings: Settings
    request: Request

    @property
    def package(self) -> MetadataPackage:
        return self.workspaces.package

    def may(self, permission: str) -> bool:
        return self.user.role in PERMISSIONS[permission]

    @property
    def scope(self) -> frozenset[str]:
        return scope(self.package, self.user.orgunit)

    def address(self) -> str:
        return self.request.client.host if self.request.client else ""


def need(permission: str):
    """The dependency for a route needing ``permission`` on the org units it names."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    async def dependency(request: Request) -> Ctx:
        app = request.app.state
        auth: Auth = app.auth
        user = await run_in_threadpool(auth.user_of, request)  # may read the store: not on the event loop
        if user is None:
            raise AuthError(401, "请先登录")
        form_token, codes = await _requested(request)
        auth.check_csrf(request, user, form_token)
        if user.role not in PERMISSIONS[permission]:
            raise Forbidden(f"“{user.role}”角色不能{PERMISSION_NAMES[permission]}")
        package = app.workspaces.package
        units = tuple(check_ou(package, user, code) for code in codes) or (package.orgunits[user.orgunit],)
        return Ctx(user, units[0], units, app.workspaces, app.settings, request)

    dependency.permission = permission  # lets tests find every route's permission
    return dependency


def check_ou(package: MetadataPackage, user: User, code: str) -> OrgUnit:
    """The org unit ``code`` if the user may see it: 404 unknown, 403 outside the user's subtree."""
    unit = package.orgunits.get(code)
    if unit is None:
        raise NotFound(f"机构编码“{code}”不存在")
    if user.orgunit not in unit.path:
        raise Forbidden(f"无权访问“{unit.name}”：您只能查看和填报{package.orgunits[user.orgunit].name}及其下级机构")
    return unit


_SCOPES: dict[tuple[int, str], frozenset[str]] = {}


def scope(package: MetadataPackage, root: str) -> frozenset[str]:
    """``root`` and every unit below it: what a user bound to ``root`` may see and change."""
    key = (id(package), root)
    if key not in _SCOPES:
        _SCOPES[key] = frozenset(code for code, unit in package.orgunits.items() if root in unit.path)
    return _SCOPES[key]


async def _requested(request: Request) -> tuple[str | None, list[str]]:
    """(CSRF token sent in a form, org-unit codes named anywhere in the request)."""
    values: list[str] = []
    form_token = None
    for name in OU_FIELDS:
        if name in request.path_params:
            values.append(str(request.path_params[name]))
        values.extend(request.query_params.getlist(name))
    kind = request.headers.get("content-type", "")
    if request.method != "GET" and kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        form_token = form.get("csrf_token")
        for name in OU_FIELDS:
            values.extend(str(v) for v in form.getlist(name))
    elif request.method != "GET" and kind.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for name in OU_FIELDS:
                if isinstance(body.get(name), str):
                    values.append(body[name])
    codes = []
    for value in values:
        for part in value.split(","):
            part = part.strip().removeprefix("children:")
            if part and part not in codes:
                codes.append(part)
    return (str(form_token) if form_token is not None else None), codes
