"""Figures checked against the workspace's own data.

A figure is matched to an indicator or data element when its phrase contains
the metadata name or one of the synonyms (the longest match wins; a unit that
does not fit the indicator's kind rules it out). Its period and place come
from ``context``; "全县/全区" is the root org unit, a township's name that unit.
The workspace value, rounded half-up at the figure's own precision, is
compared with the stated figure; a 同比 change and a 完成率 next to a matched
figure are compared with the query's change and completion.
"""
from __future__ import annotations

import re
from decimal import Decimal

from weijian.audit.describe import show, show_number
from weijian.audit.findings import Finding
from weijian.audit.intervals import Interval, half_up
from weijian.audit.mentions import Mention
from weijian.audit.scope import DocumentPeriod
from weijian.errors import WeijianError
from weijian.model.metadata import MetadataPackage

__all__ = ["check_against_data", "orgunit_names"]

_KIND_UNITS = {"percent": {"%"}, "permille": {"‰"}, "per_100k": {"/10万"}, "ratio": {""}}
_INSTITUTION = re.compile(r"[\u4e00-\u9fff]{1,10}(医院|卫生院|保健院|保健所|服务中心|服务站|疾控中心|中医院|市四院)")
_NOT_DATA_ROLES = {"target", "reference", "rank"}


def orgunit_names(package: MetadataPackage) -> dict[str, str]:
    """Names a summary may use for an org unit (the root is reached through 全县/全区)."""
    names = {}
    for ou in package.orgunits.values():
        if ou.parent is None or ou.level > 2:
            continue
        names[ou.name] = ou.code
    return names


def _lexicon(package: MetadataPackage) -> list[tuple[str, str, str]]:
    """(name or synonym, code, subject) sorted longest first."""
    entries = []
    for code, indicator in package.indicators.items():
        for name in (indicator.name, *indicator.synonyms):
            entries.append((name, code, "indicator"))
    for code, element in package.elements.items():
        for name in (element.name, *element.synonyms):
            entries.append((name, code, "element"))
    entries.sort(key=lambda e: -len(e[0]))
    return entries


def _unit_fits(mention: Mention, package: MetadataPackage, code: str, subject: str) -> bool:
    if subject == "indicator":
        indicator = package.indicators[code]
        if indicator.kind == "plain":
            return mention.unit == (indicator.unit or "") or mention.family == _family(indicator.unit)
        return mention.unit in _KIND_UNITS[indicator.kind]
    element = package.elements[code]
    return mention.unit == element.unit or (mention.family is not None and mention.family == _family(element.unit))


def _family(unit: str | None) -> str | None:
    from weijian.audit.units import family

    return family(unit)


def _match(mention: Mention, package: MetadataPackage, lexicon, sentence_before: str) -> tuple[str, str] | None:
    """The indicator or element a figure's phrase names, or None.

    The longest name or synonym inside the phrase wins, unless a longer name
    fits better: one written with a word or two inserted ("生活饮用水水质抽检合格率"
    for 生活饮用水水质合格率), or one whose subject appears earlier in the
    sentence ("在册严重精神障碍患者…规范管理率" for 严重精神障碍患者规范管理率).
    """
    phrase = mention.phrase
    chars = set(phrase)
    best: tuple[int, str, str] | None = None
    contained: list[tuple[str, str, str]] = []
    for name, code, subject in lexicon:
        if not name or not set(name) <= chars and not name.endswith(phrase[-3:]):
            continue
        if not _unit_fits(mention, package, code, subject):
            continue
        score = 0
        if name in phrase:
            score = 2 * len(name)
            contained.append((name, code, subject))
        elif set(name) <= chars and _loosely_in(name, phrase):
            score = 2 * len(name) - 3
        if score and (best is None or score > best[0]):
            best = (score, code, subject)
    if contained:
        tail = max(contained, key=lambda e: len(e[0]))[0]
        for name, code, subject in lexicon:
            if len(name) > len(tail) and name.endswith(tail) and name[:-len(tail)] in sentence_before \
                    and _unit_fits(mention, package, code, subject):
                score = 2 * len(name) + 1
                if best is None or score > best[0]:
                    best = (score, code, subject)
    return None if best is None else (best[1], best[2])


def _loosely_in(name: str, phrase: str) -> bool:
    """``name`` in ``phrase`` with one to three characters inserted at one place."""
    for cut in range(2, len(name) - 1):
        if re.search(re.escape(name[:cut]) + ".{1,3}" + re.escape(name[cut:]), phrase):
            return True
    return False


def check_against_data(mentions: list[Mention], workspace, document: DocumentPeriod,
                       text: str) -> tuple[list[Finding], list[str]]:
    package = workspace.package
    lexicon = _lexicon(package)
    root = package.root().code
    cache: dict[tuple[str, str, str], object] = {}
    findings: list[Finding] = []
    matched: dict[int, tuple[str, str, object]] = {}  # mention id → (code, ou, result)
    for mention in mentions:
        if mention.role in _NOT_DATA_ROLES or mention.role in ("change", "completion") or not mention.bounded:
            continue
        sentence_before = text[max(0, mention.start - 60):mention.start].split("。")[-1]
        hit = _match(mention, package, lexicon, sentence_before)
        if hit is None:
            continue
        code, _ = hit
        reason, ou, period = _resolve(mention, root, document)
        if reason is not None:
            findings.append(_finding("not_checkable", mention, text, f"{_name(package, code)}：{reason}，无法与数据核对。"))
            continue
        result = _query(workspace, package, cache, code, ou, period)
        if isinstance(result, str):
            findings.append(_finding("not_checkable", mention, text, f"{_name(package, code)}：{result}"))
            continue
        if mention.role == "previous":
            if result.previous is None:
                continue
            findings.append(_compare(mention, result.previous, result, text, package.orgunits[ou].name,
                                     period.previous_year().label))
            continue
        findings.append(_compare(mention, result.value, result, text, package.orgunits[ou].name, period.label))
        if mention.role == "value":
            matched[mention.id] = (code, ou, result)
    compared = {f.focus for f in _companions(mentions, matched, text)}
    findings += _companions(mentions, matched, text)
    findings += _stated_completions(mentions, compared, workspace, package, lexicon, cache, root, document, text)
    return findings, []


def _stated_completions(mentions, compared: set, workspace, package, lexicon, cache, root, document,
                        text: str) -> list[Finding]:
    """"门急诊人次完成全年任务的48.85%" / "全年任务2050000人次": a stated 完成率 or task compared with the
    workspace's own target for the indicator the sentence names (by name or synonym, period and place)."""
    out = []
    for mention in mentions:
        if mention.id in compared or mention.role not in ("completion", "target") or not mention.bounded:
            continue
        sentence_before = text[max(0, mention.start - 40):mention.start].split("。")[-1]
        code = next((c for name, c, subject in lexicon if subject == "indicator" and name in sentence_before), None)
        if code is None:
            continue
        reason, ou, period = _resolve(mention, root, document)
        if reason is not None:
            continue
        result = _query(workspace, package, cache, code, ou, period)
        if isinstance(result, str):
            continue
        if mention.role == "completion" and result.completion is not None:
            actual = Decimal(result.completion)
            ok = mention.interval.meets(Interval.point(actual))
            out.append(_finding("consistent" if ok else "inconsistent", mention, text,
                                f"{result.name}完成全年任务的{show(actual, mention, 2)}（数据：目标"
                                f"{show_number(Decimal(result.target), 0)}），文中为{mention.text.strip()}。", actual))
        elif mention.role == "target" and result.target is not None and mention.family is not None \
                and _unit_fits(mention, package, code, "indicator"):
            actual = Decimal(result.target)
            ok = mention.interval.meets(Interval.point(actual))
            out.append(_finding("consistent" if ok else "inconsistent", mention, text,
                                f"工作区中{result.name}的目标为{show(actual, mention)}，文中为{mention.text.strip()}。",
                                actual))
    return out


def _name(package: MetadataPackage, code: str) -> str:
    item = package.indicators.get(code) or package.elements.get(code)
    return item.name if item else code


def _resolve(mention: Mention, root: str, document: DocumentPeriod):
    if mention.period is None:
        return "文中未说明期间（且无法从标题判断年份）", None, None
    if mention.period_partial:
        return f"期间“{mention.period_text}”不是整月", None, None
    if mention.scope is None or mention.scope == "root":
        lead = mention.phrase
        if mention.scope is None and _INSTITUTION.search(lead):
            return "数字属于具体机构，工作区中没有对应机构", None, None
        return None, root, mention.period
    return None, mention.scope, mention.period


def _query(workspace, package: MetadataPackage, cache: dict, code: str, ou: str, period):
    key = (code, ou, period.id)
    parent = package.orgunits[ou].parent
    if key not in cache and parent is not None and (code, f"children:{parent}", period.id) not in cache:
        # a township figure usually comes with its neighbours (a table of 乡镇): one query for all of them
        cache[(code, f"children:{parent}", period.id)] = True
        try:
            for result in workspace.query(code, f"children:{parent}", period.id):
                cache[(code, result.ou, period.id)] = result
        except WeijianError:
            pass
    if key not in cache:
        try:
            results = workspace.query(code, ou, period.id)
            cache[key] = results[0] if results else "工作区中没有这个数"
        except WeijianError as error:
            cache[key] = f"查询失败：{error}"
    result = cache[key]
    if not isinstance(result, str) and result.value is None:
        return f"工作区中{period.label}没有数据" + (f"（{result.reason}）" if getattr(result, "reason", None) else "")
    return result


def _compare(mention: Mention, value, result, text: str, ou_name: str, period_label: str) -> Finding:
    actual = Decimal(value)
    where = f"{ou_name}{period_label}{result.name}"
    if mention.interval.meets(Interval.point(actual)):
        how = "完全一致" if mention.interval.is_point else "在四舍五入范围内一致"
        return _finding("consistent", mention, text, f"{where}数据为{show(actual, mention)}，与文中{how}。", actual)
    shown = show(actual, mention)
    if shown == mention.text.strip():
        shown = show(actual, mention, 1)
    gap = show(abs(actual - mention.value), mention)
    if mention.unit == "%":
        gap = gap.replace("%", "个百分点")
    return _finding("inconsistent", mention, text, f"{where}数据为{shown}，文中为{mention.text.strip()}，相差{gap}。",
                    actual)


def _companions(mentions: list[Mention], matched: dict, text: str) -> list[Finding]:
    """同比增长1.62% / 完成全年任务的48.85% right after a matched figure."""
    out = []
    last: tuple[str, str, object] | None = None
    last_sentence = -1
    for mention in mentions:
        if mention.sentence != last_sentence:
            last, last_sentence = None, mention.sentence
        if mention.id in matched:
            last = matched[mention.id]
            continue
        if last is None or mention.role not in ("change", "completion"):
            if mention.role == "value":
                last = None
            continue
        result = last[2]
        if mention.role == "change" and result.change is not None and result.change_unit == mention.unit \
                and re.search(r"同比|同期|去年|上年", mention.phrase):
            actual = Decimal(result.change)
            stated = mention.interval if mention.direction >= 0 else Interval(-mention.interval.hi,
                                                                              -mention.interval.lo)
            candidates = [actual]
            if mention.unit in ("个百分点", "个千分点") and result.previous is not None:
                # the report prints the difference of the two printed rates
                candidates.append(half_up(Decimal(result.value), result.decimals)
                                  - half_up(Decimal(result.previous), result.decimals))
            ok = any(stated.meets(Interval.point(c)) for c in candidates)
            word = "增长" if actual >= 0 else "下降"
            verdict = "consistent" if ok else "inconsistent"
            out.append(_finding(verdict, mention, text, f"{result.name}同比{word}{show(abs(actual), mention, 2)}"
                                f"（数据），文中为{mention.phrase.strip()[-4:]}{mention.text.strip()}。", actual))
        elif mention.role == "completion" and result.completion is not None:
            actual = Decimal(result.completion)
            ok = mention.interval.meets(Interval.point(actual))
            out.append(_finding("consistent" if ok else "inconsistent", mention, text,
                                f"{result.name}完成全年任务的{show(actual, mention, 2)}（数据），文中为{mention.text.strip()}。",
                                actual))
    return out


def _finding(verdict: str, mention: Mention, text: str, message: str, computed: Decimal | None = None) -> Finding:
    difference = None if computed is None or verdict == "not_checkable" else computed - mention.value
    return Finding(verdict, "data", mention.start, mention.end, text[mention.start:mention.end], message,
                   stated=mention.value, computed=computed, difference=difference, figures=(mention.id,),
                   focus=mention.id)
