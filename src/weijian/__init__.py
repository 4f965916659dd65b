"""weijian 卫健: county health statistics — import, check, roll up, report.

The library API::

    from weijian import Workspace
    ws = Workspace.open("县卫健局")
    ws.query("HTN_STD_RATE", "YL", "2024S1")
"""
from __future__ import annotations

__version__ = "0.1.0"


def __getattr__(name: str):
    # imported lazily so `weijian.errors` etc. load without the whole stack
    if name == "Workspace":
        from weijian.workspace import Workspace

        return Workspace
    raise AttributeError(name)


__all__ = ["Workspace", "__version__"]
