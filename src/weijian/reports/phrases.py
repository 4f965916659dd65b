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


@dataclass
class Plan:
    domain: str
    title: str
    text: str


class PhraseBank:
    def __init__(self, domains: dict, problems: dict, closing: str | None):
        self.domains = domains
        self.problems = problems
        self.closing = closing

    @classmethod
    def load(cls, path: Path | None = None) -> PhraseBank:
        path = path or BANK
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ReportError(f"{path.name}：无法读取措辞库：{error}") from error
        return cls(data.get("domains", {}), data.get("problems", {}), data.get("closing"))

    def plans(self, groups) -> list[Plan]:
        extra: dict[str, list[str]] = {}
        for group in groups:
            phrase = self.problems.get(group.key)
            if not phrase:
                continue
            for domain in group.domains or ["综合"]:
                names = [p.subject for p in group.items if (p.domain or "综合") == domain]
                sentence = phrase.format(names="、".join(dict.fromkeys(names)) or "相关指标")
                extra.setdefault(domain, []).append(sentence)
        ordered = [d for d in self.domains if d in extra] + [d for d in self.domains if d not in extra]
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
