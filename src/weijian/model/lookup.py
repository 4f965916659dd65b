"""Find an org unit, element, indicator or data set by what a user types:
its code in any case, its name, a synonym, or a name without its suffix
(官庄 → 官庄镇) when only one unit fits. When nothing fits, the error names the
nearest codes, so a user is never left guessing.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from weijian.errors import NotFoundError

KIND_LABELS = {"orgunit": "机构", "element": "数据项", "indicator": "指标", "dataset": "报表"}
# endings a user may leave off a name: 官庄 for 官庄镇, 官庄镇卫生院 for 官庄镇中心卫生院 is not guessed
_SUFFIXES = ("中心卫生院", "卫生院", "村卫生室", "卫生室", "街道", "镇", "乡", "县", "区")


def find_code(items: Mapping[str, object], text: str, kind: str) -> str:
    """The code in ``items`` (code → object with ``name`` and maybe ``synonyms``) that ``text`` means."""
    wanted = text.strip()
    if wanted in items:
        return wanted
    upper = wanted.upper()
    if upper in items:
        return upper
    for stage in (_by_name, _by_stem, _by_prefix):
        found = stage(items, wanted)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise NotFoundError(f"{KIND_LABELS[kind]}“{text}”不唯一，可能是：{_describe(items, found)}；请用编码")
    what = KIND_LABELS[kind] + ("编码" if wanted.isascii() else "")
    raise NotFoundError(f"{what}“{text}”不存在" + _suggestions(items, wanted, kind))


def find_element_code(elements: Mapping[str, object], text: str) -> str:
    """An element, with an optional ``.OPTION`` (CASES.CLASS_B): the option's case is the element's."""
    code, dot, option = text.strip().partition(".")
    found = find_code(elements, code, "element")
    return f"{found}.{option.upper()}" if dot else found


def _names(item: object) -> Iterable[str]:
    yield getattr(item, "name", "")
    yield from getattr(item, "synonyms", ()) or ()


def _by_name(items: Mapping[str, object], wanted: str) -> list[str]:
    return [code for code, item in items.items() if wanted in _names(item)]


def _stem(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _by_stem(items: Mapping[str, object], wanted: str) -> list[str]:
    stem = _stem(wanted)
    return [code for code, item in items.items() if any(_stem(name) == stem for name in _names(item))]


def _by_prefix(items: Mapping[str, object], wanted: str) -> list[str]:
    if len(wanted) < 2:
        return []
    return [code for code, item in items.items() if getattr(item, "name", "").startswith(wanted)]


def _describe(items: Mapping[str, object], codes: list[str], limit: int = 6) -> str:
    shown = "、".join(f"{code}（{getattr(items[code], 'name', '')}）" for code in codes[:limit])
    return shown + (f" 等 {len(codes)} 个" if len(codes) > limit else "")


def _suggestions(items: Mapping[str, object], wanted: str, kind: str) -> str:
    names = {getattr(item, "name", ""): code for code, item in items.items()}
    near = difflib.get_close_matches(wanted.upper(), list(items), n=5, cutoff=0.6)
    near += [names[n] for n in difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.4) if names[n] not in near]
    near += [code for code, item in items.items()
             if wanted and wanted in getattr(item, "name", "") and code not in near]
    command = {"orgunit": "orgunits", "element": "elements", "indicator": "indicators", "dataset": "datasets"}[kind]
    hint = f"；用 weijian list {command} --search 关键词 查找编码"
    return f"，相近的有：{_describe(items, near[:5])}{hint}" if near else hint
