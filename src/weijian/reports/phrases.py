"""三、下半年工作安排 from a phrase bank keyed to the problems found and to domains.

``phrases.yaml`` (beside the templates; a user's copy can replace it) holds
per domain a heading and a standing sentence, and per problem kind a sentence
with ``{names}`` (the indicators or 乡镇 concerned). Domains with problems come
first, with the problem sentences added; the rest follow in the bank's order.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from weijian.errors import ReportError

BANK = Path(__file__).parent / "templates" / "phrases.yaml"
MAX_PLANS = 7  # before the closing 统筹做好其他各项工作


@dataclass
class Plan:
    domain: str
    title: str
    text: str


class PhraseBank:
    def __init__(self, domains: dict, problems: dict, closing: str | None, leads: dict | None = None,
                 causes: dict | None = None, structural: list | None = None):
        self.domains = domains
        # each problem kind may have several wordings, used in turn so a draft never repeats one
        self.problems = {k: [v] if isinstance(v, str) else list(v) for k, v in problems.items()}
        self.closing = closing
        self.leads = leads
        self.causes = causes or {}
        self.structural = structural or []
        self._turn: dict[str, int] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> PhraseBank:
        path = path or BANK
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ReportError(f"{path.name}：无法读取措辞库：{error}") from error
        return cls(data.get("domains", {}), data.get("problems", {}), data.get("closing"), data.get("leads"),
                   data.get("causes"), data.get("structural"))

    def _phrase(self, kind: str) -> str | None:
        """The next unused wording for a problem kind (None when all are used)."""
        variants = self.problems.get(kind) or []
        n = self._turn.get(kind, 0)
        self._turn[kind] = n + 1
        return variants[n] if n < len(variants) else None

    def plans(self, groups, next_period: str = "下半年") -> list[Plan]:
        extra: dict[str, list[str]] = {}
        self._turn = {}
        for group in groups:
            for kind in getattr(group, "kinds", [group.key]):
                items = [p for p in group.items if p.key == kind]
                for domain in list(dict.fromkeys(p.domain or "综合" for p in items)):
                    phrase = self._phrase(kind)
                    if not phrase:
                        continue
                    names = [p.subject for p in items if (p.domain or "综合") == domain]
                    sentence = phrase.format(names="、".join(dict.fromkeys(names)) or "相关指标", next=next_period)
                    extra.setdefault(domain, []).append(sentence)
        # the domains with problems first; standing items fill up to MAX_PLANS (a plan is not a catalogue)
        ordered = [d for d in self.domains if d in extra]
        ordered += [d for d in self.domains if d not in extra][:max(0, MAX_PLANS - len(ordered))]
        plans = []
        for domain in ordered:
            entry = self.domains[domain]
            text = "".join([entry["text"]] + extra.get(domain, []))
            plans.append(Plan(domain, entry["title"], text))
        # problems of no listed domain (报送及时性…) join the closing paragraph
        leftover = [s for d, sentences in extra.items() if d not in self.domains for s in sentences]
        if self.closing or leftover:
            closing = self.closing or {"title": "统筹做好其他各项工作", "text": ""}
            plans.append(Plan("综合", closing["title"], "".join(leftover) + closing["text"]))
        return plans
