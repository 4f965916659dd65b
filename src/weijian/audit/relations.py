"""Candidate relations between figures, found in the text's own wording.

Each detector module reads one family of wording (``parts``: 其中/含/合计 trees and
category counts; ``ratios``: rates, 完成率, shared populations, 性别比;
``changes``: 比上年增加…(增长…), differences and products) and proposes
``Relation`` values (``doc``). Detectors import only ``doc``, never this module,
so the package has no import cycle.
"""
from __future__ import annotations

from weijian.audit import changes, parts, populations, ratios, shares, tables, tree
from weijian.audit.doc import Doc, Relation

__all__ = ["Doc", "Relation", "find_relations"]


def find_relations(doc: Doc) -> list[Relation]:
    doc.groups = tree.groups(doc)
    relations: list[Relation] = []
    for detect in (parts.rankings, parts.sums, parts.named_counts, ratios.rates, ratios.completions,
                   ratios.implied_populations, ratios.sex_ratios, ratios.natural_growth, changes.changes, changes.products,
                   populations.common_populations, shares.shares, tables.table_totals):
        relations.extend(detect(doc))
    seen: set[tuple] = set()
    unique = []
    # a guess about a figure the structure already relates is noise
    settled = {r.stated.id for r in relations if r.confident}
    for relation in relations:
        same = ("same", relation.stated.id, tuple(sorted(m.id for m in relation.inputs)))
        if relation.signature in seen or same in seen or (not relation.confident and relation.stated.id in settled):
            continue
        seen.update((relation.signature, same))
        unique.append(relation)
    return unique

