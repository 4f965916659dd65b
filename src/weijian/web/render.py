"""One view, two answers: the page (Jinja2) or the same data as JSON.

A view function returns a plain dict. ``respond`` renders it with the page's
template, or returns it as JSON when the path is under ``/api/`` or the query
string says ``format=json``. Keys starting with ``_`` are for the template
only (objects, helpers) and never reach the JSON.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from weijian.web.auth import CSRF_FIELD, User

NAV = (
    ("entry", "数据录入", "/entry"),
    ("import", "数据导入", "/import"),
    ("reporting", "上报情况", "/reporting"),
    ("review", "数据审核", "/review"),
    ("dashboard", "指标看板", "/dashboard"),
    ("summary", "工作总结", "/summary"),
    ("audit", "报告核查", "/audit"),
    ("metadata", "元数据", "/metadata"),
)

templates = Jinja2Templates(directory=str(resources.files("weijian.web") / "templates"))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def plain(value):
    """JSON-ready: Decimal → int or float, dates → ISO text, tuples/sets → lists; ``_`` keys dropped."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.query_params.get("format") == "json"


def json_response(data, status_code: int = 200) -> JSONResponse:
    return JSONResponse(plain(data), status_code=status_code)


def respond(request: Request, template: str, data: dict, user: User | None, status_code: int = 200,
            page: str | None = None) -> Response:
    if wants_json(request):
        return json_response(data, status_code)
    return page_response(request, template, data, user, status_code, page)


def page_response(request: Request, template: str, data: dict, user: User | None, status_code: int = 200,
                  page: str | None = None) -> HTMLResponse:
    context = {**data, "user": user, "csrf": user.csrf if user else None, "csrf_field": CSRF_FIELD,
               "nav": NAV, "page": page, "json_query": _json_link(request)}
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def _json_link(request: Request) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "format"] + [("format", "json")]
    return f"{request.url.path}?{urlencode(query)}"


def to_json_text(data) -> Markup:
    """For embedding chart data in a page (``<script type="application/json">``)."""
    # markup: safe inside <script> because no < > & can occur (JSON escapes; JSON.parse reads them back),
    # so neither "</script>" nor "<!--<script>" in an org-unit name can change where the element ends
    text = json.dumps(plain(data), ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def fixed(value, decimals: int = 2, signed: bool = False) -> str:
    """A figure with the indicator's decimals, as the summary prints it (69.50, not 69.5);
    ``signed`` for 同比 (+0.66); a change that rounds to zero prints without a sign."""
    if value is None:
        return ""
    number = float(value)
    if round(number, int(decimals)) == 0:
        number = 0.0
    return f"{number:{'+' if signed and number else ''}.{int(decimals)}f}"


templates.env.filters["tojson_safe"] = to_json_text
templates.env.filters["fixed"] = fixed
