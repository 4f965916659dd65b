"""Login, logout, the start page and ``/api/me``."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from weijian.web.access import PERMISSIONS, Ctx, need
from weijian.web.auth import COOKIE, AuthError, cookie_options
from weijian.web.render import page_response, respond

router = APIRouter()


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/"):
    return page_response(request, "login.html", {"next": _local(next), "error": None}, None)


@router.post("/login", include_in_schema=False)
def login(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/"):
    # No session yet, so no CSRF token: refuse a post sent from another site's page instead
    # (it would log the victim into the attacker's account).
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.url.netloc:
        raise AuthError(403, "登录请求来自其他网站，已拒绝")
    app = request.app.state
    address = request.client.host if request.client else ""
    try:
        session, _ = app.auth.login(name.strip(), password, address)
    except AuthError as error:
        return page_response(request, "login.html", {"next": _local(next), "error": error.message, "name": name},
                             None, error.status)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(COOKIE, session, **cookie_options(request, app.settings))
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, ctx: Ctx = Depends(need("view"))):
    request.app.state.auth.logout(ctx.user, ctx.address())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/", include_in_schema=False)
@router.get("/api/me", tags=["用户"], summary="当前用户、所属机构和权限")
def home(request: Request, ctx: Ctx = Depends(need("view"))):
    unit = ctx.package.orgunits[ctx.user.orgunit]
    data = {"name": ctx.user.name, "role": ctx.user.role, "ou": unit.code, "ou_name": unit.name,
            "permissions": [p for p, roles in PERMISSIONS.items() if ctx.user.role in roles],
            "latest_month": ctx.workspaces.latest_month.id, "latest_month_label": ctx.workspaces.latest_month.label,
            # the session's CSRF token for scripts of this site (no CORS: other sites cannot read it)
            "csrf": ctx.user.csrf,
            # what DHIS2 clients read from /api/me
            "id": ctx.user.name, "username": ctx.user.name, "displayName": ctx.user.name,
            "organisationUnits": [{"id": unit.code, "code": unit.code, "name": unit.name}]}
    return respond(request, "home.html", data, ctx.user, page="home")


def _local(target: str) -> str:
    """Only a path on this site: never redirect to another host after login."""
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not (parts.path or "/").startswith("/") or target.startswith("//"):
        return "/"
    return target
