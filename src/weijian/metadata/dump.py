"""Write a MetadataPackage back as the YAML files of DESIGN §2.

Field order and defaults come from the schemas, so what is written is what the
loader reads: ``load_package(dump_package(p, folder)) == p``. Fields equal to
their schema default are left out; computed fields (level, path) are never written.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from weijian.metadata.schemas import (
    SCHEMA_VERSION,
    CategoryOptionSchema,
    CategorySchema,
    DataSetSchema,
    ElementSchema,
    IndicatorSchema,
    LevelSchema,
    OrgUnitSchema,
    RuleSchema,
    TargetSchema,
)
from weijian.model.metadata import MetadataPackage

HEADER = "# weijian 元数据包（由 weijian 写出；可手工编辑，格式见 DESIGN §2）\n"


def dump_package(package: MetadataPackage, path: str | Path) -> Path:
    """Write every file of ``package`` into the folder ``path`` (created if needed); return it."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "orgunits.yaml": {
            "levels": [_Flow(_fields(level, LevelSchema)) for level in package.levels],
            "orgunits": [_Flow(_fields(unit, OrgUnitSchema)) for unit in package.orgunits.values()],
        },
        "elements.yaml": {
            "elements": [_Flow(_fields(element, ElementSchema)) for element in package.elements.values()],
            "categories": [_category(category) for category in package.categories.values()],
        },
        "indicators.yaml": {
            "indicators": [_fields(indicator, IndicatorSchema) for indicator in package.indicators.values()],
        },
        "targets.yaml": {"targets": [_Flow(_fields(target, TargetSchema)) for target in package.targets]},
        "datasets.yaml": {"datasets": [_fields(dataset, DataSetSchema) for dataset in package.datasets.values()]},
        "rules.yaml": {"rules": [_fields(rule, RuleSchema) for rule in package.rules.values()]},
    }
    for name, content in files.items():
        document = {"schema_version": SCHEMA_VERSION, **content}
        text = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)
        (folder / name).write_text(HEADER + text, encoding="utf-8")
    return folder


def _fields(obj: Any, schema: type[BaseModel]) -> dict[str, Any]:
    """The object's schema fields in schema order, omitting optional ones at their default."""
    out = {}
    for name, info in schema.model_fields.items():
        value = _plain(getattr(obj, name))
        if not info.is_required() and value == info.get_default(call_default_factory=True):
            continue
        out[name] = value
    return out


def _category(category: Any) -> dict[str, Any]:
    out = _fields(category, CategorySchema)
    out["options"] = [_Flow(_fields(option, CategoryOptionSchema)) for option in category.options]
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return _decimal(value)
    return value


def _decimal(value: Decimal) -> int | float | str:
    if value == value.to_integral_value():
        return int(value)
    # A float keeps the file readable; a string keeps digits a float would lose.
    return float(value) if Decimal(repr(float(value))) == value else str(value)


class _Flow(dict):
    """A mapping written on one line: `- {code: YL, name: 沅陵县, type: 县}`."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as the hand-written files do.
        return super().increase_indent(flow, False)


def _represent_flow(dumper: _Dumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


def _represent_list(dumper: _Dumper, data: list) -> yaml.Node:
    # Lists of codes or names read best inline: [乡镇卫生院, 村卫生室].
    inline = all(not isinstance(v, (dict, list)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=inline or None)


_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(list, _represent_list)
