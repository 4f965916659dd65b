"""The web application (DESIGN §4): FastAPI pages and their JSON twins, over the library.

    from weijian.web import create_app, Settings
    app = create_app("演示县", Settings())

``weijian serve`` runs it with uvicorn; ``weijian user …`` manages its users.
"""
from __future__ import annotations

from weijian.web.app import create_app
from weijian.web.settings import SETTINGS, Settings

__all__ = ["SETTINGS", "Settings", "create_app"]
