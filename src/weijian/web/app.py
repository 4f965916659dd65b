"""The FastAPI application: ``create_app(folder, settings)``; ``weijian serve`` runs it with uvicorn."""
from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from weijian import __version__
from weijian.errors import NotFoundError, WeijianError
from weijian.web.auth import Auth, AuthError
from weijian.web.render import json_response, page_response, wants_json
from weijian.web.settings import Settings
from weijian.web.workspaces import Workspaces

DESCRIPTION = """weijian 卫健的网页与接口。页面和 `/api/…` 返回同一份数据（页面地址加 `?format=json` 亦可）。

机器调用请带 `Authorization: Bearer <令牌>`（`weijian user token 用户名` 生成）；浏览器会话的写请求须带
`X-CSRF-Token`。每个请求只能涉及用户所属机构及其下级机构，否则返回 403。"""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                "script-src 'self'; frame-ancestors 'self'"),
}


def create_app(workspace_folder: str | Path, settings: Settings | None = None) -> FastAPI:
    """The app serving one workspace folder; its connections close when the app shuts down."""
    from weijian.web.views import ROUTERS

    settings = settings or Settings()
    workspaces = Workspaces(workspace_folder, readers=settings.readers, cache=settings.analytics_cache)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        workspaces.close()

    app = FastAPI(title="weijian 卫健", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.workspaces = workspaces
    app.state.auth = Auth(workspaces, settings)
    app.mount("/static", StaticFiles(directory=str(resources.files("weijian.web") / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)

    async def api_docs(request: Request):
        # Swagger UI from our own static files (vendor/), so the docs work on a bureau's offline intranet;
        # a plain route like FastAPI's own docs_url (public, as the OpenAPI document is)
        from fastapi.openapi.docs import get_swagger_ui_html

        return get_swagger_ui_html(openapi_url=app.openapi_url, title="weijian 卫健 · 接口文档",
                                   swagger_js_url="/static/vendor/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui.css",
                                   swagger_favicon_url="/static/vendor/swagger-favicon.png")
    app.router.add_route("/api/docs", api_docs, include_in_schema=False)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        too_big = _declared_too_big(request, request.app.state.settings)
        response = too_big if too_big is not None else await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/api/docs"):
            del response.headers["Content-Security-Policy"]  # the docs page loads its own scripts
        return response

    @app.exception_handler(AuthError)
    async def auth_error(request: Request, error: AuthError):
        if wants_json(request) or request.headers.get("HX-Request"):
            return json_response({"error": error.message, "status": error.status}, error.status)
        if error.status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return page_response(request, "error.html", {"message": error.message, "status": error.status},
                             None, error.status)

    @app.exception_handler(WeijianError)
    async def weijian_error(request: Request, error: WeijianError):
        status = 404 if isinstance(error, NotFoundError) else 400
        if wants_json(request) or request.headers.get("HX-Request"):
            return json_response({"error": str(error), "status": status}, status)
        return page_response(request, "error.html", {"message": str(error), "status": status}, None, status)

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, error: RequestValidationError):
        # FastAPI's own answer is English JSON ("Input should be a valid integer"): say it in Chinese
        message = "；".join(_parameter_problem(item) for item in error.errors()[:5])
        if wants_json(request) or request.headers.get("HX-Request") or request.url.path.startswith("/api/"):
            return json_response({"error": message, "status": 422, "detail": jsonable_encoder(error.errors())}, 422)
        return page_response(request, "error.html", {"message": message, "status": 422}, None, 422)

    return app


_KINDS = {"int": "整数", "float": "数字", "bool": "是或否（true/false）", "date": "日期", "datetime": "时间",
          "string": "文字", "list": "多个值"}


def _parameter_problem(item: dict) -> str:
    """One of FastAPI's validation errors in words: 参数“level”应为整数（收到“abc”）."""
    where = item.get("loc", ())
    name = str(where[-1]) if where else "参数"
    kind = str(item.get("type", ""))
    if kind == "missing":
        return f"缺少参数“{name}”"
    wanted = next((words for key, words in _KINDS.items() if kind.startswith(key)), None)
    given = item.get("input")
    got = f"（收到“{given}”）" if isinstance(given, (str, int, float)) else ""
    return f"参数“{name}”应为{wanted}{got}" if wanted else f"参数“{name}”的取值无效{got}"


_BODY_SLACK = 64 * 1024  # multipart boundaries and form fields around the file


def _declared_too_big(request: Request, settings: Settings):
    """413 for a request whose Content-Length is past the upload limit, 411 for a chunked body
    of unknown length: both refused before the body is read."""
    declared = request.headers.get("content-length", "")
    limit = settings.upload_mb * 1024 * 1024 + _BODY_SLACK
    if "chunked" in request.headers.get("transfer-encoding", "").lower() and not declared:
        status, message = 411, "请求须带 Content-Length（不接受长度未知的分块请求体）"
    elif declared.isdigit() and int(declared) > limit:
        status, message = 413, f"请求体超过 {settings.upload_mb:g} MB 上限"
    else:
        return None
    if wants_json(request) or request.headers.get("HX-Request"):
        return json_response({"error": message, "status": status}, status)
    return page_response(request, "error.html", {"message": message, "status": status}, None, status)
