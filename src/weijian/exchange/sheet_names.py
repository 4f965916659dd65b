"""What a sheet's words mean: a row label → an org unit, a header → a data element
(and option), a cell → a period. Each answer says how sure it is.

Sure (mapped): the text equals a name or synonym once units in brackets, spaces
and punctuation are taken off — also a two-row header read as one (高血压 +
管理人数 = 高血压管理人数) — or a township named without 镇/乡 (官庄), or a
health centre named without 中心 (官庄镇卫生院 for 官庄镇中心卫生院). Anything
else is a guess: reported with its likeness, never used without the user.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from weijian.model import MetadataPackage
from weijian.errors import PeriodError
from weijian.model.periods import Period

_UNIT_IN_BRACKETS = re.compile(r"[（(]\s*([^（()）]{0,8})\s*[)）]")
_PUNCT = re.compile(r"[\s:：、，,。.．·/／\\_\-—－~～*＊#＃]+")
UNIT_SCALES = {("万元", "元"): 10000, ("元", "万元"): 0.0001, ("千元", "元"): 1000, ("万人", "人"): 10000,
               ("万人次", "人次"): 10000}
GUESS_CUTOFF = 0.6


@dataclass(frozen=True)
class Match:
    code: str | None
    sure: bool
    likeness: float = 1.0
    name: str = ""

    def describe(self) -> str:
        if self.code is None:
            return "无相近的名称"
        return f"可能是 {self.code}（{self.name}，相似度 {self.likeness:.2f}）"


UNIT_WORDS = frozenset({"人", "人次", "例", "元", "万元", "千元", "个", "家", "张", "份", "次", "剂次", "%", "％", "‰",
                        "户", "名", "床", "天", "日", "种", "所", "项", "台", "万人", "万人次", "岁", "周", "件", "起"})


def _unit_word(inside: str) -> str | None:
    inside = inside.strip().removeprefix("单位").lstrip(":： ")
    return inside if inside in UNIT_WORDS else None


def bracket_unit(text: str) -> str | None:
    """The unit a header states in brackets: 经费支出（万元） → 万元."""
    found = [u for u in (_unit_word(m) for m in _UNIT_IN_BRACKETS.findall(str(text))) if u]
    return found[-1] if found else None


def normalise(text: str) -> str:
    # a unit in brackets goes (建档人数（人）); other brackets stay (门（急）诊人次 keeps its 急)
    text = _UNIT_IN_BRACKETS.sub(lambda m: "" if _unit_word(m.group(1)) else m.group(0), str(text))
    text = text.replace("其中", "").replace("：", "")
    return _PUNCT.sub("", text).lower()


class Names:
    """Lookups over one package, built once per sheet."""

    def __init__(self, package: MetadataPackage):
        self.package = package
        self.elements: dict[str, set[str]] = {}
        for element in package.elements.values():
            for name in (element.name, *element.synonyms):
                self.elements.setdefault(normalise(name), set()).add(element.code)
        self.options: dict[str, dict[str, set[str]]] = {}  # category → normalised option name → codes
        for category in package.categories.values():
            table = self.options.setdefault(category.code, {})
            for option in category.options:
                table.setdefault(normalise(option.name), set()).add(option.code)
        self.units: dict[str, set[str]] = {}
        for unit in package.orgunits.values():
            for name in _unit_names(unit.name, unit.type):
                self.units.setdefault(name, set()).add(unit.code)

    # -- org units ------------------------------------------------------------------------
    def orgunit(self, label: str) -> Match:
        key = normalise(label)
        if not key:
            return Match(None, False, 0)
        found = self.units.get(key)
        if found and len(found) == 1:
            code = next(iter(found))
            return Match(code, True, 1.0, self.package.orgunits[code].name)
        return self._guess(key, {c: u.name for c, u in self.package.orgunits.items()})

    # -- elements ---------------------------------------------------------------------------
    def element(self, *texts: str) -> Match:
        """The element one header means; ``texts`` from the top row of the header down."""
        for key in _readings(texts):
            found = self.elements.get(key)
            if found and len(found) == 1:
                code = next(iter(found))
                return Match(code, True, 1.0, self.package.elements[code].name)
        names = {code: e.name for code, e in self.package.elements.items()}
        return self._guess(normalise("".join(texts)), names, synonyms=True)

    def element_option(self, *texts: str, element: str | None = None) -> Match:
        """A header naming an element and one of its options (传染病 / 乙肝, 活产数 / 男),
        or, given ``element``, only the option."""
        parts = [t for t in texts if normalise(t)]
        candidates = [element] if element else None
        for split in range(len(parts) - 1, -1, -1) if element is None else [0]:
            head, tail = parts[:split], parts[split:]
            base = self.element(*head) if head else None
            codes = [base.code] if base and base.sure else candidates
            if not codes:
                continue
            option_key = normalise("".join(tail))
            for code in codes:
                category = self.package.elements[code].category
                found = self.options.get(category or "", {}).get(option_key)
                if found and len(found) == 1:
                    option = next(iter(found))
                    return Match(f"{code}.{option}", True, 1.0, f"{self.package.elements[code].name}（{tail[-1]}）")
        return Match(None, False, 0)

    def option_of(self, category: str, label: str) -> Match:
        found = self.options.get(category, {}).get(normalise(label))
        if found and len(found) == 1:
            return Match(next(iter(found)), True, 1.0, label)
        return Match(None, False, 0)

    def categories_of(self, labels: list[str]) -> str | None:
        """The category whose options most of ``labels`` name (diseases down the rows)."""
        best, best_hits = None, 0
        for category, table in self.options.items():
            hits = sum(1 for label in labels if normalise(label) in table)
            if hits > best_hits:
                best, best_hits = category, hits
        return best if best_hits >= max(2, len(labels) // 2) else None

    def _guess(self, key: str, names: dict[str, str], synonyms: bool = False) -> Match:
        best_code, best = None, 0.0
        for code, name in names.items():
            options = [name]
            if synonyms:
                options += list(self.package.elements[code].synonyms)
            for option in options:
                score = difflib.SequenceMatcher(None, key, normalise(option)).ratio()
                if score > best:
                    best_code, best = code, score
        if best < GUESS_CUTOFF:
            return Match(None, False, round(best, 2))
        return Match(best_code, False, round(best, 2), names[best_code])


def _readings(texts: tuple[str, ...]) -> list[str]:
    """A header's possible readings, the whole header first (糖尿病 + 规范管理人数), then
    without its upper rows (健康档案 / 建档人数 → 建档人数): the upper row qualifies the lower."""
    parts = [normalise(t) for t in texts if normalise(t)]
    return ["".join(parts[start:]) for start in range(len(parts))]


_PLACE_SUFFIXES = ("苗族土家族乡", "土家族苗族乡", "苗族乡", "土家族乡", "瑶族乡", "侗族乡", "街道", "镇", "乡")
_CENTRE_SUFFIXES = ("中心卫生院", "卫生院")


def _place_names(place: str) -> set[str]:
    """官庄镇 → {官庄镇, 官庄}; 二酉苗族乡 → {二酉苗族乡, 二酉乡, 二酉}."""
    names = {place}
    for suffix in _PLACE_SUFFIXES:
        if place.endswith(suffix) and len(place) > len(suffix) + 1:
            stem = place[: -len(suffix)]
            names |= {stem, stem + ("乡" if suffix.endswith("乡") else suffix)}
            break
    return names


def _unit_names(name: str, kind: str) -> list[str]:
    """The ways a sheet writes a unit: 官庄镇 and 官庄; 官庄镇中心卫生院, 官庄镇卫生院, 官庄中心卫生院 …"""
    if kind == "县":
        return [normalise(name)]
    for suffix in _CENTRE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            places = _place_names(name[: -len(suffix)])
            return sorted({normalise(p + s) for p in places for s in _CENTRE_SUFFIXES})
    return sorted(normalise(n) for n in _place_names(name))


# -- periods ---------------------------------------------------------------------------------
_MONTH = re.compile(r"(?:(20\d\d)\s*年\s*)?(1[0-2]|0?[1-9])\s*月(?!\s*[-—至~～]\s*\d)")
_YEAR = re.compile(r"(20\d\d)\s*年?")
_QUARTER = re.compile(r"(?:(20\d\d)\s*年\s*)?第?\s*([一二三四1-4])\s*季度")
_RANGE = re.compile(r"(1[0-2]|0?[1-9])\s*[-—至~～]\s*(1[0-2]|0?[1-9])\s*月")
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}


def year_in(*texts: str) -> int | None:
    for text in texts:
        found = _YEAR.search(text or "")
        if found:
            return int(found.group(1))
    return None


def period_in(text: str, year: int | None = None) -> Period | None:
    """A single month or quarter named in ``text`` (5月, 2026年5月, 第二季度); a span (1-5月) is
    not a period a value can be stored under, so it answers None."""
    text = text or ""
    if _RANGE.search(text):
        return None
    quarter = _QUARTER.search(text)
    month = _MONTH.search(text)
    try:
        if quarter:
            y = int(quarter.group(1)) if quarter.group(1) else year
            q = quarter.group(2)
            return Period.parse(f"{y}Q{_QUARTERS.get(q, q)}") if y else None
        if month:
            y = int(month.group(1)) if month.group(1) else year
            return Period.parse(f"{y}{int(month.group(2)):02d}") if y else None
    except PeriodError:
        return None
    return None
