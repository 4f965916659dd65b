"""Pydantic schemas of the metadata YAML files (DESIGN §2), and their errors as Problems.

Each file is an envelope (``schema_version`` plus one or more lists); every list
item has its own model. The loader validates items one by one so one bad item
does not hide the others. Models are strict and forbid extra fields: ``"10"``
is not a due day and a misspelt ``agregation`` is reported, not ignored.
"""
from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    field_validator,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from weijian.errors import Problem
from weijian.model.metadata import (
    AGGREGATIONS,
    DIRECTIONS,
    INDICATOR_KINDS,
    PERIOD_TYPES,
    SEASONAL_PROFILES,
    TARGET_KINDS,
    VALUE_TYPES,
)

SCHEMA_VERSION = 1
MAX_LEVELS = 6
OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
IMPORTANCES = ("高", "中", "低")
CODE_PATTERN = r"^[A-Z][A-Z0-9_]*$"

FIELD_LABELS = {
    "schema_version": "格式版本", "levels": "层级", "level": "级别", "orgunits": "机构",
    "code": "代码", "name": "名称", "type": "类型", "parent": "上级机构", "unit": "单位",
    "aggregation": "汇总方式", "value_type": "数值类型", "period_type": "期间类型",
    "domain": "业务领域", "category": "分类", "synonyms": "别名", "categories": "分类",
    "options": "选项", "elements": "数据项", "indicators": "指标", "numerator": "分子",
    "denominator": "分母", "kind": "类别", "decimals": "小数位数", "direction": "方向",
    "description": "说明", "owner": "主管部门", "weight": "考核权重", "min_count": "最少计数",
    "seasonal": "季节分布", "targets": "目标任务", "indicator": "指标", "element": "数据项",
    "orgunit": "机构", "year": "年度", "value": "目标值", "source": "依据", "datasets": "报表",
    "due_day": "截止日", "orgunit_types": "机构类型", "rules": "审核规则", "left": "左式",
    "operator": "运算符", "right": "右式", "message": "提示信息", "importance": "重要程度",
}


def _custom(code: str, message: str) -> PydanticCustomError:
    """A validation error that already carries our problem code and Chinese message."""
    return PydanticCustomError("weijian", "{message}", {"code": code, "message": message})


def _to_decimal(value: Any) -> Decimal:
    # YAML gives int or float; a quoted "98.5" is accepted too, bool is not a number.
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise _custom("wrong-type", f"应为数字，实际是{describe_value(value)}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _custom("bad-value", f"“{value}”不是数字") from None
    if not number.is_finite():
        raise _custom("bad-value", f"“{value}”不是有限的数字")
    return number


def _check_version(value: int) -> int:
    if value != SCHEMA_VERSION:
        raise _custom("schema-version", f"不支持的格式版本 {value}，本程序只认 schema_version: {SCHEMA_VERSION}")
    return value


Code = Annotated[str, StringConstraints(strict=True, pattern=CODE_PATTERN)]
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
Number = Annotated[Decimal, PlainValidator(_to_decimal)]
Version = Annotated[int, AfterValidator(_check_version)]
LevelNumber = Annotated[int, Field(ge=1, le=MAX_LEVELS)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LevelSchema(_Strict):
    level: LevelNumber
    name: Text


class OrgUnitSchema(_Strict):
    code: Code
    name: Text
    parent: Code | None = None
    type: Text


class CategoryOptionSchema(_Strict):
    code: Code
    name: Text


class CategorySchema(_Strict):
    code: Code
    name: Text
    options: list[CategoryOptionSchema] = Field(min_length=1)


def _seasonal(value: Any) -> Any:
    """A seasonal profile: "last_year", "flat", or 12 non-negative monthly weights."""
    if value is None or value in SEASONAL_PROFILES:
        return value
    if isinstance(value, list) and len(value) == 12:
        try:
            weights = [Decimal(str(v)) for v in value]
        except InvalidOperation:
            weights = []
        if weights and all(w >= 0 for w in weights) and any(weights):
            return weights
    raise PydanticCustomError("seasonal", "应为 last_year、flat 或 12 个非负的月度权重")


def _positive(value: Decimal | None) -> Decimal | None:
    if value is not None and value <= 0:
        raise PydanticCustomError("max_value", "上限应大于 0")
    return value


class ElementSchema(_Strict):
    code: Code
    name: Text
    unit: Text
    aggregation: Literal[AGGREGATIONS]
    value_type: Literal[VALUE_TYPES] = "integer"
    period_type: Literal[PERIOD_TYPES]
    domain: Text | None = None
    category: Code | None = None
    synonyms: list[Text] = Field(default_factory=list)
    seasonal: Any = None  # "last_year", "flat" or 12 weights
    # the most one unit can report for one period: above it a value is refused
    # (a typo such as 99999999999 讲座次数), below it only the learned range warns
    max_value: Number | None = None

    _seasonal = field_validator("seasonal")(lambda value: _seasonal(value))
    _max_value = field_validator("max_value")(lambda value: _positive(value))


class IndicatorSchema(_Strict):
    code: Code
    name: Text
    numerator: Text
    denominator: Text = "1"
    kind: Literal[tuple(INDICATOR_KINDS)]
    decimals: int = Field(default=2, ge=0, le=6)
    direction: Literal[DIRECTIONS] = "higher_better"
    unit: Text | None = None
    domain: Text | None = None
    synonyms: list[Text] = Field(default_factory=list)
    description: Text | None = None
    owner: Text | None = None
    weight: Number = Decimal(1)
    min_count: int | None = Field(default=None, ge=0)
    seasonal: Any = None  # checked by _seasonal below: "last_year", "flat" or 12 weights

    _seasonal = field_validator("seasonal")(lambda value: _seasonal(value))


class TargetSchema(_Strict):
    indicator: Code | None = None
    element: Code | None = None
    orgunit: Code
    year: int = Field(ge=2000, le=2100)
    value: Number
    kind: Literal[TARGET_KINDS]
    source: Text | None = None


class DataSetSchema(_Strict):
    code: Code
    name: Text
    period_type: Literal[PERIOD_TYPES]
    due_day: int = Field(ge=1, le=28)
    elements: list[Code] = Field(min_length=1)
    orgunit_types: list[Text] = Field(default_factory=list)
    levels: list[LevelNumber] = Field(default_factory=list)


class RuleSchema(_Strict):
    code: Code
    name: Text
    left: Text
    operator: Literal[OPERATORS]
    right: Text
    importance: Literal[IMPORTANCES] = "中"
    period_type: Literal[PERIOD_TYPES] = "monthly"
    message: Text
    levels: list[LevelNumber] = Field(default_factory=list)


class OrgUnitsFile(_Strict):
    schema_version: Version
    levels: list[LevelSchema] = Field(min_length=1)
    orgunits: list[OrgUnitSchema] = Field(min_length=1)


class ElementsFile(_Strict):
    schema_version: Version
    elements: list[ElementSchema] = Field(min_length=1)
    categories: list[CategorySchema] = Field(default_factory=list)


class IndicatorsFile(_Strict):
    schema_version: Version
    indicators: list[IndicatorSchema]


class TargetsFile(_Strict):
    schema_version: Version
    targets: list[TargetSchema]


class DataSetsFile(_Strict):
    schema_version: Version
    datasets: list[DataSetSchema]


class RulesFile(_Strict):
    schema_version: Version
    rules: list[RuleSchema]


@dataclass(frozen=True)
class FileSpec:
    """One file of a package: its envelope model and the lists validated item by item."""

    name: str
    model: type[_Strict]
    sections: tuple[str, ...]  # the main list first: its items are labelled plainly "第3项"
    required: bool

    def item_model(self, section: str) -> type[_Strict]:
        (item,) = typing.get_args(self.model.model_fields[section].annotation)
        return item


FILES = (
    FileSpec("orgunits.yaml", OrgUnitsFile, ("orgunits", "levels"), True),
    FileSpec("elements.yaml", ElementsFile, ("elements", "categories"), True),
    FileSpec("indicators.yaml", IndicatorsFile, ("indicators",), True),
    FileSpec("targets.yaml", TargetsFile, ("targets",), True),
    FileSpec("datasets.yaml", DataSetsFile, ("datasets",), False),
    FileSpec("rules.yaml", RulesFile, ("rules",), False),
)

_TYPE_NAMES = {
    "string_type": "文字", "int_type": "整数", "float_type": "数字", "decimal_type": "数字",
    "bool_type": "真假值", "list_type": "列表", "dict_type": "键值映射（“字段: 值”）",
    "model_type": "键值映射（“字段: 值”）",
}


def describe_value(value: Any) -> str:
    """How a YAML value reads to a user: 整数 2024, 真假值 false, 空值 …"""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"真假值 {str(value).lower()}"
    kinds = ((int, "整数"), (float, "小数"), (str, "文字"), (list, "列表"), (dict, "键值映射"), (date, "日期"))
    for kind, label in kinds:
        if isinstance(value, kind):
            shown = f" {value}" if not isinstance(value, (list, dict)) else ""
            return f"{label}{shown}"
    return type(value).__name__


def label_of(field: str) -> str:
    label = FIELD_LABELS.get(field)
    return f"“{field}”（{label}）" if label else f"“{field}”"


def schema_problems(
    errors: list[Any],
    model: type[BaseModel],
    *,
    file: str,
    item: str | None,
    row: int | None,
) -> list[Problem]:
    """Translate pydantic's errors (``ValidationError.errors()``) for one item or envelope."""
    problems = []
    for detail in errors:
        loc = detail["loc"]
        column = str(loc[0]) if loc else None
        code, message = _translate(detail, model, column)
        where = _nested_location(loc[1:])
        problems.append(
            Problem(file=file, item=item, row=row, column=column, code=code, message=where + message)
        )
    return problems


def _nested_location(rest: tuple) -> str:
    """'第2项的name：' for an error inside a list field, so the user finds the spot."""
    if not rest:
        return ""
    parts = [f"第{part + 1}项" if isinstance(part, int) else str(part) for part in rest]
    return "的".join(parts) + "："


def _translate(detail: dict, item_model: type[BaseModel], column: str | None) -> tuple[str, str]:
    kind = detail["type"]
    value = detail.get("input")
    ctx = detail.get("ctx") or {}
    field = str(detail["loc"][-1]) if detail["loc"] else column
    # The model owning the field: a category's option, not the category, for options.1.code.
    model = _model_at(item_model, detail["loc"][:-1])
    if kind == "weijian":
        return ctx["code"], ctx["message"]
    if kind == "missing":
        return "missing-field", f"缺少必填字段{label_of(field)}"
    if kind == "extra_forbidden":
        guess = difflib.get_close_matches(field, list(model.model_fields), n=1, cutoff=0.6)
        hint = f"，是否应为{label_of(guess[0])}？" if guess else ""
        allowed = "、".join(model.model_fields)
        return "unknown-field", f"未知字段“{field}”{hint or f'（可用字段：{allowed}）'}"
    if kind == "literal_error":
        choices = "、".join(_choices(model, field)) or ctx.get("expected", "")
        return "bad-value", f"“{value}”不是可用的取值（可选：{choices}）"
    if kind == "string_pattern_mismatch":
        return "bad-code", f"代码“{value}”不合规：须以大写字母开头，只含大写字母、数字和下划线"
    if kind == "string_too_short":
        return "bad-value", "不能为空"
    if kind == "too_short":
        return "bad-value", f"至少要有 {ctx.get('min_length', 1)} 项"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "bad-value", f"{value} 超出范围（{_range_of(model, field, ctx)}）"
    if kind in _TYPE_NAMES:
        hint = ""
        if isinstance(value, bool) and kind == "string_type":
            hint = "（YAML 把 yes/no/on/off/true/false 读成真假值，文字请加引号）"
        elif isinstance(value, (int, float)) and kind == "string_type":
            hint = "（如是文字请加引号）"
        return "wrong-type", f"应为{_TYPE_NAMES[kind]}，实际是{describe_value(value)}{hint}"
    return "bad-value", f"取值不合要求：{detail['msg']}"


def _model_at(model: type[BaseModel], path: tuple) -> type[BaseModel]:
    for part in path:
        info = model.model_fields.get(part) if isinstance(part, str) else None
        if info is None:
            continue
        inner = typing.get_args(info.annotation)
        candidate = inner[0] if typing.get_origin(info.annotation) is list else info.annotation
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            model = candidate
    return model


def _choices(model: type[BaseModel], field: str) -> tuple[str, ...]:
    info = model.model_fields.get(field)
    if info is None or typing.get_origin(info.annotation) is not Literal:
        return ()
    return typing.get_args(info.annotation)


def _range_of(model: type[BaseModel], field: str, ctx: dict) -> str:
    info = model.model_fields.get(field)
    bounds = {type(m).__name__: m for m in info.metadata} if info else {}
    if "Ge" in bounds and "Le" in bounds:
        return f"应在 {bounds['Ge'].ge} 到 {bounds['Le'].le} 之间"
    if "le" in ctx:
        return f"应不大于 {ctx['le']}"
    return f"应不小于 {ctx.get('ge', ctx.get('gt'))}"
