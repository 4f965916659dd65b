"""Formula neutralisation for cells written to Excel or CSV.

A text starting with ``=``, ``+``, ``-`` or ``@`` is read as a formula by Excel,
WPS and LibreOffice (``=HYPERLINK(…)``, DDE ``=cmd|' /C calc'!A0``). Every text
cell we export that comes from users or metadata (names, comments, who stored
a value) is prefixed with ``'`` instead; the importer strips it from comments
again, so a comment round-trips unchanged.
"""
from __future__ import annotations

__all__ = ["FORMULA_START", "escape_formula", "unescape_formula"]

FORMULA_START = ("=", "+", "-", "@")


def escape_formula(text: str) -> str:
    """Keep spreadsheet programs from running a text such as ``=HYPERLINK(…)``."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unescape_formula(text: str) -> str:
    """Undo the ' our exports put before = + - @ so comments round-trip unchanged."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        return text[1:]
    return text
