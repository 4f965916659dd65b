"""What the relation detectors share: the document they read and the relation they propose.

Each detector reads one kind of wording (其中/包括, a bracketed breakdown, 前五位,
完成…任务的, 性别比, 人均, 同比…) and proposes a ``Relation``: the figure whose
value is in question (``stated``), the figures it should follow from
(``inputs``) and what the checker needs to know (``options``). A relation the
text makes plain is ``confident``; one guessed from nearby figures is not, and
its check can only come out consistent or not checkable — never a false alarm
from a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from weijian.audit.context import key_phrase
from weijian.audit.mentions import Mention
from weijian.audit.text import Layout

__all__ = ["Doc", "Relation", "bigrams", "chinese_number", "shares_words"]


@dataclass(frozen=True)
class Relation:
    kind: str
    stated: Mention
    inputs: tuple[Mention, ...]
    options: dict = field(default_factory=dict, compare=False)
    confident: bool = True

    @property
    def mentions(self) -> tuple[Mention, ...]:
        return (self.stated, *self.inputs)

    @property
    def signature(self) -> tuple:
        return self.kind, self.stated.id, tuple(sorted(m.id for m in self.inputs))


@dataclass
class Doc:
    """The folded text, its layout and its mentions, indexed for the detectors."""

    text: str
    layout: Layout
    mentions: list[Mention]
    consumed: set[int] = field(default_factory=set)  # ids already used as a ranking list
    groups: list = field(default_factory=list)  # the statement tree's groups (``tree.groups``), set first

    @cached_property
    def by_sentence(self) -> dict[int, list[Mention]]:
        out: dict[int, list[Mention]] = {}
        for m in self.mentions:
            out.setdefault(m.sentence, []).append(m)
        return out

    @cached_property
    def by_paragraph(self) -> dict[int, list[Mention]]:
        out: dict[int, list[Mention]] = {}
        for m in self.mentions:
            out.setdefault(m.paragraph, []).append(m)
        return out

    def nearby(self, m: Mention, before: int = 3, after: int = 0) -> list[Mention]:
        """Mentions of the paragraphs around ``m`` — a related figure is stated close by, and a 5 MB
        text must not be scanned once per figure."""
        return [x for p in range(m.paragraph - before, m.paragraph + after + 1) for x in self.by_paragraph.get(p, ())]

    def in_sentence(self, index: int) -> list[Mention]:
        return self.by_sentence.get(index, [])

    def previous_sentence(self, index: int) -> list[Mention]:
        """Mentions of the sentence before ``index`` when it is in the same paragraph."""
        if index == 0:
            return []
        here, before = self.layout.sentences[index], self.layout.sentences[index - 1]
        return self.in_sentence(index - 1) if before.paragraph == here.paragraph else []

    def sentence_text(self, index: int) -> str:
        s = self.layout.sentences[index]
        return self.text[s.start:s.end]

    def between(self, a: int, b: int) -> str:
        return self.text[a:b]

    def clause_before(self, m: Mention, limit: int = 30) -> str:
        """The words before a figure back to the clause start, brackets kept: "每千人口执业(助理)医师"."""
        begin = max(self.layout.sentences[m.sentence].start, m.start - limit)
        head = self.text[begin:m.start]
        depth = 0
        for i in range(len(head) - 1, -1, -1):
            char = head[i]
            if char == ")":
                depth += 1
            elif char == "(":
                if depth == 0:
                    return head[i + 1:]
                depth -= 1
            elif depth == 0 and char in "，,;:。、":
                return head[i + 1:]
        return head


@lru_cache(maxsize=65536)
def bigrams(phrase: str) -> frozenset[str]:
    chars = [c for c in key_phrase(phrase) if "\u4e00" <= c <= "\u9fff"]
    return frozenset(a + b for a, b in zip(chars, chars[1:]))


_COMMON = {"全县", "全区", "累计", "其中", "完成", "开展", "工作", "人数", "共计", "服务"}


def shares_words(a: str, b: str) -> bool:
    """Do two phrases share a two-character word (other than the most common ones)?"""
    return bool((bigrams(a) & bigrams(b)) - _COMMON)


def chinese_number(text: str) -> int | None:
    """一…九十九 as an int (for 四种, 前五位); None if not a plain Chinese numeral."""
    digits = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if text.isdigit():
        return int(text)
    if not text or any(c not in digits and c != "十" for c in text):
        return None
    if "十" not in text:
        return digits[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(ones, 0) if ones else 0)
    return value if re.fullmatch(r"[一二三四五六七八九]?十[一二三四五六七八九]?", text) else None
