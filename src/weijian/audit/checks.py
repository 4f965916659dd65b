"""Each relation checked in Decimal interval arithmetic → a Finding with a
Chinese explanation a non-statistician can follow.

A relation is consistent when the interval its inputs allow meets the interval
its stated figure allows (half-up rounding at the stated precision; 余/近/约 as
in ``intervals``). A rate that matches when cut off instead of rounded
(96.578 → 96.57) is accepted with a note: that is a writer's habit, not a
contradiction. Relations the text does not make certain never come out
inconsistent; they are consistent or not checkable.
"""
from __future__ import annotations

from weijian.audit.check_changes import check_difference, check_product, check_yoy
from weijian.audit.check_common import rounded
from weijian.audit.check_parts import check_category, check_ranking, check_share, check_sum
from weijian.audit.check_rates import (
    check_common_population, check_completion, check_population, check_rate, check_sex_ratio,
)
from weijian.audit.doc import Relation
from weijian.audit.findings import Finding

__all__ = ["check"]

_CHECKERS = {
    "sum": check_sum, "category_count": check_category, "ranking": check_ranking, "share": check_share,
    "rate": check_rate, "completion": check_completion, "implied_population": check_population,
    "sex_ratio": check_sex_ratio, "population": check_common_population, "product": check_product,
    "yoy": check_yoy, "difference": check_difference,
}


def check(relation: Relation, text: str) -> Finding | None:
    """The finding for ``relation`` (``text`` as read, for the quote), or None for a guess that failed."""
    checker = _CHECKERS[relation.kind]
    result = checker(relation)
    if result is None:
        return None
    verdict, message, computed, *extra = result
    involved = extra[0] if extra and extra[0] is not None else relation.inputs
    focus = extra[1] if len(extra) > 1 else relation.stated
    mentions = tuple({m.id: m for m in (relation.stated, *involved)}.values())
    start, end = min(m.start for m in mentions), max(m.end for m in mentions)
    stated = focus.value
    difference = None if computed is None or verdict == "not_checkable" else rounded(computed - stated)
    return Finding(verdict, relation.kind, start, end, text[start:end], message, stated=stated,
                   computed=rounded(computed), difference=difference,
                   figures=tuple(m.id for m in mentions), focus=focus.id)
