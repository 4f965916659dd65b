"""The labelled corpus (corpus.yaml): recall and precision of 不一致 flags, and no 一致 on a wrong relation.

Each case is a text written for this test (no sentence is copied from a real report)
with the figures a correct audit must flag (``wrong``), and optionally figures that must
come out 一致 (``consistent``) or 部分核对 (``partial``). A flag is right when the finding
involves a planted figure; a planted figure is found when some 不一致 finding involves it.

    .venv/bin/python -m pytest tests/audit/test_corpus.py -q -s    # prints the figures per kind
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from weijian.audit import audit_text

CORPUS = yaml.safe_load((Path(__file__).parent / "corpus.yaml").read_text(encoding="utf-8"))
HEAD = "某县卫生健康局2024年度工作总结\n"


def _involved(report, finding) -> set[str]:
    return {report.figures[i].text.strip() for i in finding.figures}


def _focus(report, finding) -> str | None:
    return report.figures[finding.focus].text.strip() if finding.focus is not None else None


def score(cases) -> dict:
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses = []
    for case in cases:
        report = audit_text(HEAD + case["text"])
        wrong = {str(w) for w in case.get("wrong", [])}
        tally = per_kind[case["kind"]]
        tally["cases"] += 1
        tally["planted"] += len(wrong)
        flags = [f for f in report.findings if f.verdict == "inconsistent" and f.kind != "data"]
        found = {w for w in wrong if any(w in _involved(report, f) for f in flags)}
        tally["found"] += len(found)
        for f in flags:
            tally["flags"] += 1
            if _involved(report, f) & wrong:
                tally["true_flags"] += 1
            else:
                misses.append(("false alarm", case["text"], f.message))
        for w in wrong - found:
            misses.append(("missed", case["text"], w))
        for f in report.findings:
            if f.verdict == "consistent" and _focus(report, f) in wrong:
                tally["consistent_on_wrong"] += 1
                misses.append(("一致 on a wrong figure", case["text"], f.message))
        for verdict in ("consistent", "partial"):
            for figure in case.get(verdict, []):
                tally[f"{verdict}_expected"] += 1
                if any(f.verdict == verdict and _focus(report, f) == str(figure) for f in report.findings):
                    tally[f"{verdict}_got"] += 1
                else:
                    misses.append((f"not {verdict}", case["text"], figure))
    return {"kinds": per_kind, "misses": misses}


def _totals(per_kind) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for tally in per_kind.values():
        for key, value in tally.items():
            out[key] += value
    return out


def _ratio(a: int, b: int) -> float:
    return 1.0 if b == 0 else a / b


def test_corpus_has_five_variants_of_every_kind():
    counts: dict[str, int] = defaultdict(int)
    for case in CORPUS:
        counts[case["kind"]] += 1
    assert all(n >= 5 for n in counts.values()), counts


def test_corpus_recall_precision_and_no_consistent_on_wrong():
    result = score(CORPUS)
    per_kind, total = result["kinds"], _totals(result["kinds"])
    print()
    print(f"{'kind':<22}{'cases':>6}{'planted':>8}{'found':>6}{'flags':>6}{'true':>6}{'一致on错':>8}")
    for kind, t in sorted(per_kind.items()):
        print(f"{kind:<22}{t['cases']:>6}{t['planted']:>8}{t['found']:>6}{t['flags']:>6}{t['true_flags']:>6}"
              f"{t['consistent_on_wrong']:>8}")
    recall = _ratio(total["found"], total["planted"])
    precision = _ratio(total["true_flags"], total["flags"])
    print(f"recall {recall:.1%} ({total['found']}/{total['planted']}), precision {precision:.1%} "
          f"({total['true_flags']}/{total['flags']}), 一致 on a wrong relation {total['consistent_on_wrong']}, "
          f"一致 expected {total['consistent_got']}/{total['consistent_expected']}, "
          f"部分核对 expected {total['partial_got']}/{total['partial_expected']}")
    for what, text, detail in result["misses"]:
        print(f"  {what}: {text[:60]} → {detail}")
    assert recall >= 0.90
    assert precision >= 0.95
    assert total["consistent_on_wrong"] == 0
    assert _ratio(total["consistent_got"], total["consistent_expected"]) >= 0.90


@pytest.mark.parametrize("case", [c for c in CORPUS if not c.get("wrong")], ids=lambda c: c["text"][:24])
def test_consistent_texts_raise_no_alarm(case):
    report = audit_text(HEAD + case["text"])
    assert not report.inconsistent, [f.message for f in report.inconsistent]
