"""Inline text → runs: ``**bold**`` and fact markers become Run objects."""
from __future__ import annotations

import re

from weijian.reports.document import Run
from weijian.reports.facts import FACT_CLOSE, FACT_OPEN, FactBook

_TOKEN = re.compile(rf"(\*\*|{FACT_OPEN}[^{FACT_CLOSE}]*{FACT_CLOSE})")


def split_runs(text: str, book: FactBook) -> list[Run]:
    """Split ``text`` on ``**`` (bold on/off) and fact markers; adjacent plain
    text of the same weight is merged."""
    runs: list[Run] = []
    bold = False
    for token in _TOKEN.split(text):
        if not token:
            continue
        if token == "**":
            bold = not bold
            continue
        if token.startswith(FACT_OPEN):
            fact = book.facts[token[1:-1]]
            runs.append(Run(fact.text, bold=bold, fact=fact))
            continue
        if runs and runs[-1].fact is None and runs[-1].bold == bold:
            runs[-1] = Run(runs[-1].text + token, bold=bold)
        else:
            runs.append(Run(token, bold=bold))
    return runs
