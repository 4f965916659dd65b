"""Checks across items and files: unique codes, the org-unit tree, and every reference.

Runs over schema-checked entries. Where a file or list could not be read at all,
references into it are not checked: one missing file should yield one problem,
not a hundred "unknown element" echoes of it.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from weijian.errors import ExpressionError, Problem
from weijian.expressions import operands, parse

RULE_PLACEHOLDERS = ("left", "right")


@dataclass
class Entry:
    """One list item of a file: where it is, what was written, and its model if schema-valid."""

    file: str
    label: str
    row: int | None
    raw: Any
    valid: Any | None  # the pydantic item model, None when the schema check failed

    @property
    def code(self) -> str | None:
        code = self.raw.get("code") if isinstance(self.raw, dict) else None
        return code.strip() if isinstance(code, str) and code.strip() else None

    def problem(self, column: str | None, code: str, message: str) -> Problem:
        return Problem(file=self.file, item=self.label, row=self.row, column=column, code=code, message=message)


@dataclass
class Document:
    """One file's entries per section; a section that is absent or not a list is left out."""

    file: str
    sections: dict[str, list[Entry]] = field(default_factory=dict)


@dataclass
class Catalog:
    """What exists, for reference checks; None where that list could not be read."""

    orgunits: set[str] | None
    orgunit_types: set[str] | None
    levels: set[int] | None
    elements: dict[str, Any] | None  # code → ElementSchema, or None if that element is broken
    categories: dict[str, Any] | None
    indicators: set[str] | None


def crosscheck(documents: dict[str, Document | None]) -> tuple[dict[str, tuple[str, ...]], list[Problem]]:
    """All cross-item problems, and each reachable org unit's path (root → unit)."""
    catalog = _catalog(documents)
    problems: list[Problem] = []
    for document in documents.values():
        for section, entries in (document.sections.items() if document else ()):
            if section not in ("levels", "targets"):
                problems += _unique_codes(entries)
    units = _entries(documents, "orgunits.yaml", "orgunits")
    problems += check_levels(_entries(documents, "orgunits.yaml", "levels"))
    paths, found = check_orgunit_tree(units, catalog)
    problems += found
    problems += check_elements(_entries(documents, "elements.yaml", "elements"), catalog)
    problems += check_categories(_entries(documents, "elements.yaml", "categories"))
    problems += check_indicators(_entries(documents, "indicators.yaml", "indicators"), catalog)
    problems += check_targets(_entries(documents, "targets.yaml", "targets"), catalog)
    problems += check_datasets(_entries(documents, "datasets.yaml", "datasets"), catalog)
    problems += check_rules(_entries(documents, "rules.yaml", "rules"), catalog)
    return paths, problems


def _entries(documents: dict[str, Document | None], file: str, section: str) -> list[Entry]:
    document = documents.get(file)
    return document.sections.get(section, []) if document else []


def _catalog(documents: dict[str, Document | None]) -> Catalog:
    def section(file: str, name: str) -> list[Entry] | None:
        document = documents.get(file)
        return document.sections.get(name) if document else None

    def by_code(entries: list[Entry] | None) -> dict[str, Any] | None:
        if entries is None:
            return None
        found: dict[str, Any] = {}
        for entry in entries:
            if entry.code and entry.code not in found:
                found[entry.code] = entry.valid
        return found

    units = section("orgunits.yaml", "orgunits")
    levels = section("orgunits.yaml", "levels")
    indicators = by_code(section("indicators.yaml", "indicators"))
    return Catalog(
        orgunits=None if units is None else set(by_code(units)),
        # Raw values, so an item broken elsewhere still vouches for its type or level.
        orgunit_types=None if units is None else {
            e.raw["type"].strip() for e in units if isinstance(e.raw, dict) and isinstance(e.raw.get("type"), str)
        },
        levels=None if levels is None else {
            e.raw["level"] for e in levels if isinstance(e.raw, dict) and isinstance(e.raw.get("level"), int)
        },
        elements=by_code(section("elements.yaml", "elements")),
        categories=by_code(section("elements.yaml", "categories")),
        indicators=None if indicators is None else set(indicators),
    )


def _unique_codes(entries: list[Entry]) -> list[Problem]:
    first_row: dict[str, int | None] = {}
    problems = []
    for entry in entries:
        code = entry.code
        if code is None:
            continue
        if code in first_row:
            where = f"，已在第 {first_row[code]} 行定义" if first_row[code] else ""
            problems.append(entry.problem("code", "duplicate-code", f"代码“{code}”重复{where}"))
        else:
            first_row[code] = entry.row
    return problems


def _unique_names(entries: list[Entry], what: str) -> list[Problem]:
    """Names and synonyms must identify one item: reports and audit look items up by them."""
    owner: dict[str, str] = {}
    problems = []
    for entry in entries:
        item = entry.valid
        if item is None:
            continue
        for column, name in [("name", item.name)] + [("synonyms", s) for s in item.synonyms]:
            other = owner.setdefault(name, item.code)
            if other != item.code:
                message = f"名称“{name}”已被{what}“{other}”使用（名称和别名须唯一）"
                problems.append(entry.problem(column, "duplicate-name", message))
    return problems


def check_levels(entries: list[Entry]) -> list[Problem]:
    problems = []
    for expected, entry in enumerate(entries, start=1):
        if entry.valid is not None and entry.valid.level != expected:
            message = f"层级应从 1 起按顺序编号，这里应为 {expected}，实际是 {entry.valid.level}"
            problems.append(entry.problem("level", "bad-level", message))
    return problems


def check_orgunit_tree(entries: list[Entry], catalog: Catalog) -> tuple[dict[str, tuple[str, ...]], list[Problem]]:
    """One root, existing parents, no cycles, depth within the declared levels."""
    units: dict[str, Entry] = {}
    for entry in entries:
        if entry.valid is not None:
            units.setdefault(entry.valid.code, entry)
    problems: list[Problem] = []
    roots = [code for code, entry in units.items() if entry.valid.parent is None]
    # With a broken entry, the root may be the broken one: its schema problem suffices.
    if units and not roots and all(entry.valid is not None for entry in entries):
        message = "没有顶级机构：须有且只有一个机构不填 parent（上级机构）"
        problems.append(Problem(file="orgunits.yaml", column="parent", code="missing-root", message=message))
    for code in roots[1:]:
        message = f"机构“{code}”没有上级，但已有顶级机构“{roots[0]}”：只能有一个顶级机构"
        problems.append(units[code].problem("parent", "multiple-roots", message))
    declared = catalog.orgunits or set()
    for code, entry in units.items():
        parent = entry.valid.parent
        if parent is not None and parent not in declared:
            problems.append(entry.problem("parent", "missing-parent", f"上级机构“{parent}”不存在"))
    paths, found = _paths(units)
    problems += found
    if catalog.levels:
        deepest = max(catalog.levels)
        for code, path in paths.items():
            if len(path) not in catalog.levels:
                message = f"机构“{code}”位于第 {len(path)} 级，但 levels 只定义了 {deepest} 级"
                problems.append(units[code].problem("parent", "bad-level", message))
    return paths, problems


def _paths(units: dict[str, Entry]) -> tuple[dict[str, tuple[str, ...]], list[Problem]]:
    """Root-to-unit paths of units that reach a root; each cycle reported once."""
    order = {code: index for index, code in enumerate(units)}
    resolved: dict[str, tuple[str, ...] | None] = {}  # None: no root above (cycle, missing parent)
    problems = []
    for start in units:
        chain: list[str] = []
        current: str | None = start
        while current is not None and current in units and current not in resolved and current not in chain:
            chain.append(current)
            current = units[current].valid.parent
        if current is None:
            base: tuple[str, ...] | None = ()
        elif current in resolved:
            base = resolved[current]
        elif current in chain:
            cycle = chain[chain.index(current):]
            first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
            cycle = cycle[first:] + cycle[:first]
            shown = " → ".join(cycle + [cycle[0]])
            message = f"上级关系成环：{shown}（箭头指向上级）"
            problems.append(units[cycle[0]].problem("parent", "cycle", message))
            base = None
        else:
            base = None  # parent missing or itself broken: reported elsewhere
        for code in reversed(chain):
            base = None if base is None else base + (code,)
            resolved[code] = base
    return {code: path for code, path in resolved.items() if path is not None}, problems


def check_elements(entries: list[Entry], catalog: Catalog) -> list[Problem]:
    problems = _unique_names(entries, "数据项")
    if catalog.categories is None:
        return problems
    for entry in entries:
        category = entry.valid.category if entry.valid else None
        if category is not None and category not in catalog.categories:
            message = f"分类“{category}”不存在（elements.yaml 的 categories 中没有）"
            problems.append(entry.problem("category", "unknown-reference", message))
    return problems


def check_categories(entries: list[Entry]) -> list[Problem]:
    problems = []
    for entry in entries:
        if entry.valid is None:
            continue
        seen: set[str] = set()
        for option in entry.valid.options:
            if option.code in seen:
                message = f"选项代码“{option.code}”在分类“{entry.valid.code}”中重复"
                problems.append(entry.problem("options", "duplicate-code", message))
            seen.add(option.code)
    return problems


def check_expression(entry: Entry, column: str, text: str, catalog: Catalog) -> list[Problem]:
    """The expression parses and every #{ELEMENT.OPTION} names an element and its option."""
    try:
        expression = parse(text)
    except ExpressionError as error:
        return [entry.problem(column, "bad-expression", str(error))]
    if catalog.elements is None:
        return []
    problems = []
    for operand in sorted(operands(expression), key=lambda o: (o.element, o.option or "")):
        if operand.element not in catalog.elements:
            message = f"表达式引用的数据项“{operand.element}”不存在"
            problems.append(entry.problem(column, "unknown-reference", message))
            continue
        element = catalog.elements[operand.element]
        if operand.option is None or element is None:
            continue
        if element.category is None:
            message = f"数据项“{element.code}”没有分类，不能引用选项“{operand}”"
            problems.append(entry.problem(column, "unknown-reference", message))
            continue
        category = (catalog.categories or {}).get(element.category)
        if category is not None and operand.option not in {o.code for o in category.options}:
            choices = "、".join(o.code for o in category.options)
            message = (
                f"选项“{operand.option}”不属于数据项“{element.code}”的分类“{category.code}”（可选：{choices}）"
            )
            problems.append(entry.problem(column, "unknown-reference", message))
    return problems


def check_indicators(entries: list[Entry], catalog: Catalog) -> list[Problem]:
    problems = _unique_names(entries, "指标")
    for entry in entries:
        indicator = entry.valid
        if indicator is None:
            continue
        if catalog.elements is not None and indicator.code in catalog.elements:
            message = f"代码“{indicator.code}”已用作数据项代码；指标与数据项的代码不能相同"
            problems.append(entry.problem("code", "duplicate-code", message))
        problems += check_expression(entry, "numerator", indicator.numerator, catalog)
        problems += check_expression(entry, "denominator", indicator.denominator, catalog)
    return problems


def check_targets(entries: list[Entry], catalog: Catalog) -> list[Problem]:
    problems = []
    seen: dict[tuple[str, str, int], str] = {}
    for entry in entries:
        target = entry.valid
        if target is None:
            continue
        if target.indicator is None and target.element is None:
            message = "须填写 indicator（指标）或 element（数据项）之一"
            problems.append(entry.problem("indicator", "missing-field", message))
            continue
        if target.indicator is not None and target.element is not None:
            message = "indicator（指标）与 element（数据项）只能填一个"
            problems.append(entry.problem("element", "bad-value", message))
            continue
        problems += _exists(entry, "indicator", target.indicator, catalog.indicators, "指标")
        problems += _exists(entry, "element", target.element, catalog.elements, "数据项")
        problems += _exists(entry, "orgunit", target.orgunit, catalog.orgunits, "机构")
        key = (target.indicator or target.element, target.orgunit, target.year)
        if key in seen:
            message = f"{key[0]} 在机构“{key[1]}”{key[2]} 年的目标已在{seen[key]}给出"
            problems.append(entry.problem("year", "duplicate-target", message))
        else:
            seen[key] = entry.label
    return problems


def _exists(entry: Entry, column: str, code: str | None, known: Any, what: str) -> list[Problem]:
    if code is None or known is None or code in known:
        return []
    return [entry.problem(column, "unknown-reference", f"{what}“{code}”不存在")]


# Facility types a data set may name before the county has such a unit (a new
# county's tree may have no 民营医院 yet); any other type must exist in the tree,
# so a typo in orgunit_types is still caught.
STANDARD_ORGUNIT_TYPES = frozenset({
    "县级医院", "乡镇卫生院", "村卫生室", "社区卫生服务中心", "社区卫生服务站", "疾控中心", "妇幼保健院",
    "卫生监督机构", "民营医院", "卫健局", "专科医院", "中医医院",
})
def check_datasets(entries: list[Entry], catalog: Catalog) -> list[Problem]:
    problems = []
    for entry in entries:
        dataset = entry.valid
        if dataset is None:
            continue
        for code in dataset.elements:
            problems += _exists(entry, "elements", code, catalog.elements, "数据项")
        for unit_type in dataset.orgunit_types:
            if (catalog.orgunit_types is not None and unit_type not in catalog.orgunit_types
                    and unit_type not in STANDARD_ORGUNIT_TYPES):
                message = f"机构类型“{unit_type}”在 orgunits.yaml 中没有任何机构"
                problems.append(entry.problem("orgunit_types", "unknown-reference", message))
        problems += _levels_exist(entry, dataset.levels, catalog)
    return problems


def _levels_exist(entry: Entry, levels: list[int], catalog: Catalog) -> list[Problem]:
    if catalog.levels is None:
        return []
    return [
        entry.problem("levels", "unknown-reference", f"第 {level} 级不在 orgunits.yaml 的 levels 中")
        for level in levels
        if level not in catalog.levels
    ]


def check_rules(entries: list[Entry], catalog: Catalog) -> list[Problem]:
    problems = []
    for entry in entries:
        rule = entry.valid
        if rule is None:
            continue
        problems += check_expression(entry, "left", rule.left, catalog)
        problems += check_expression(entry, "right", rule.right, catalog)
        problems += _levels_exist(entry, rule.levels, catalog)
        problems += _check_message(entry, rule.message)
    return problems


def _check_message(entry: Entry, message: str) -> list[Problem]:
    """The message is filled with str.format(left=…, right=…); anything else would crash later."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(message) if name is not None]
    except ValueError:
        text = "提示信息中的花括号不成对（要显示花括号本身请写 {{ 或 }}）"
        return [entry.problem("message", "bad-value", text)]
    allowed = "、".join("{" + p + "}" for p in RULE_PLACEHOLDERS)
    return [
        entry.problem("message", "bad-value", f"提示信息中的“{{{name}}}”无法填充（只能用 {allowed}）")
        for name in names
        if name not in RULE_PLACEHOLDERS
    ]
