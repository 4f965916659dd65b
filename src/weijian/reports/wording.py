"""Small pieces of Chinese writing: numerals for 一是/（一）, and mending a
paragraph after sentences without data were left out."""
from __future__ import annotations

import re

from weijian.reports.facts import MISSING

CN_DIGITS = "零一二三四五六七八九"
_SENTENCE = re.compile(r"[^。；！？]*(?:[。；！？]|$)")
_TIDY = [("，，", "，"), ("，。", "。"), ("，；", "；"), ("；；", "；"), ("；。", "。"), ("。。", "。"),
         ("（）", ""), ("（，", "（"), ("，）", "）"), ("：。", "。"), ("、，", "，"), ("，、", "，"),
         ("、。", "。"), ("、；", "；")]


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (up to 99)."""
    if not 0 < n < 100:
        raise ValueError(f"只支持 1—99，而不是 {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones else "")


def tidy_paragraph(text: str) -> str:
    """Leave out sentences (and ；-clauses) holding a missing figure, and mend
    the punctuation an empty clause leaves behind."""
    if MISSING in text:
        text = "".join(s for s in _SENTENCE.findall(text) if s and MISSING not in s)
    previous = None
    while previous != text:
        previous = text
        for bad, good in _TIDY:
            text = text.replace(bad, good)
        text = re.sub(r"(^|[。；：])[，、；]+", r"\1", text)
    text = text.strip()
    if text.endswith(("，", "；", "、")):
        text = text[:-1] + "。"
    return text


def only_bold(text: str) -> bool:
    """A paragraph that is nothing but a bold summary clause (its figures all
    left out) is not worth printing."""
    return not re.sub(r"\*\*[^*]*\*\*", "", text).strip()
