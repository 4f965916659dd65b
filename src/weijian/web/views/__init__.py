"""One module per page family; each route serves its page and its JSON twin."""
from __future__ import annotations

from weijian.web.views import (
    admin, api, audit, dashboard, dhis2, entry, home, imports, metadata, reporting, review, sheets, summary,
)

ROUTERS = [home.router, entry.router, imports.router, sheets.router, reporting.router, review.router, dashboard.router,
           summary.router, audit.router, metadata.router, api.router, dhis2.router, admin.router]
