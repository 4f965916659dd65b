"""A summary's text laid out: folded characters, paragraphs, sentences, brackets.

Every position in the audit is a character offset into the text as read, so
folding is strictly one character for one character: full-width digits and
punctuation become ASCII (``９４．９７％`` → ``94.97%``, ``（`` → ``(``) and
nothing moves. ``unicodedata.normalize("NFKC")`` would be wrong here: it turns
``…`` into three characters and shifts every later offset.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

__all__ = ["Layout", "Sentence", "fold", "lay_out"]

_FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
_FOLD = str.maketrans({
    **_FULL_WIDTH,
    "．": ".", "％": "%", "（": "(", "）": ")", "：": ":", "；": ";", "～": "~", "－": "-", "／": "/",
    "＋": "+", "＊": "*", "ｘ": "x", "Ｘ": "x", "＜": "<", "＞": ">", "＝": "=", "　": " ", "\u00a0": " ",
    "【": "(", "】": ")", "［": "(", "］": ")", "〔": "[", "〕": "]", "﹪": "%", "‰": "‰",
})

# A sentence this long is web debris or a table dump; cutting it keeps every scan local.
_MAX_SENTENCE = 1500
_SENTENCE_END = re.compile(r"[。！？!?\n]+")
_SOFT_CUT = re.compile(r"[;，,、\t|]")


def fold(text: str) -> str:
    """Full-width digits and punctuation folded to ASCII, one character for one."""
    return text.translate(_FOLD)


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int  # exclusive; the closing 。 is not part of the sentence
    paragraph: int


@dataclass(frozen=True)
class Layout:
    """Paragraph and sentence spans, and bracket groups, of one folded text."""

    text: str
    paragraphs: tuple[tuple[int, int], ...]
    sentences: tuple[Sentence, ...]
    brackets: tuple[tuple[int, int], ...]  # (open, close) offsets of matched ( ), innermost first by start

    def sentence_at(self, position: int) -> Sentence:
        i = bisect.bisect_right(self._sentence_starts, position) - 1
        return self.sentences[max(i, 0)]

    def paragraph_at(self, position: int) -> int:
        i = bisect.bisect_right(self._paragraph_starts, position) - 1
        return max(i, 0)

    def bracket_of(self, position: int) -> tuple[int, int] | None:
        """The innermost bracket group that encloses ``position``, if any."""
        i = bisect.bisect_right(self._bracket_starts, position)
        best = None
        # Brackets are short and rarely nested; a bounded look back suffices.
        for open_, close in reversed(self.brackets[max(0, i - 8):i]):
            if open_ < position < close and (best is None or open_ > best[0]):
                best = (open_, close)
        return best

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    @cached_property
    def _paragraph_starts(self) -> list[int]:
        return [p[0] for p in self.paragraphs]

    @cached_property
    def _bracket_starts(self) -> list[int]:
        return [b[0] for b in self.brackets]


def lay_out(folded: str) -> Layout:
    paragraphs = []
    start = 0
    for line in folded.split("\n"):
        paragraphs.append((start, start + len(line)))
        start += len(line) + 1
    sentences: list[Sentence] = []
    for p_index, (p_start, p_end) in enumerate(paragraphs):
        begin = p_start
        for match in _SENTENCE_END.finditer(folded, p_start, p_end):
            _add_sentence(sentences, folded, begin, match.start(), p_index)
            begin = match.end()
        _add_sentence(sentences, folded, begin, p_end, p_index)
    return Layout(folded, tuple(paragraphs), tuple(sentences), tuple(_brackets(folded)))


def _add_sentence(sentences: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    if end <= start or not text[start:end].strip():
        return
    while end - start > _MAX_SENTENCE:
        cut = start + _MAX_SENTENCE
        soft = None
        for match in _SOFT_CUT.finditer(text, start + _MAX_SENTENCE // 2, cut):
            soft = match.end()
        cut = soft or cut
        sentences.append(Sentence(len(sentences), start, cut, paragraph))
        start = cut
    sentences.append(Sentence(len(sentences), start, end, paragraph))


def _brackets(text: str) -> list[tuple[int, int]]:
    """Matched ( ) pairs within one line; an unmatched bracket is ignored."""
    pairs = []
    stack: list[int] = []
    for match in re.finditer(r"[()\n]", text):
        char, at = match.group(), match.start()
        if char == "\n":
            stack.clear()
        elif char == "(":
            stack.append(at)
            if len(stack) > 16:  # debris with runaway brackets
                stack.pop(0)
        elif stack:
            pairs.append((stack.pop(), at))
    pairs.sort()
    return pairs
