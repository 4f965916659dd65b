"""A county's own package: the shipped elements, indicators, data sets and rules
with that county's org-unit tree in place of the demo county's.

The demo county's annual tasks are its own numbers and are left out; the
thresholds (national and provincial 考核线) are kept, moved to the new root.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from weijian.model.metadata import OrgUnit

ORGUNITS_HEADER = ("# 本县机构树（weijian init 生成）：code 为编码，parent 为上级编码，type 为机构类型；\n"
                   "# 报表按机构类型分配（datasets.yaml 的 orgunit_types），新增机构时类型请用其中的名称。\n")
TARGETS_HEADER = ("# 目标任务：考核线（threshold）沿用内置包，已改挂本县；年度任务（annual_task）请按县政府、\n"
                  "# 上级下达的任务填写，例如：\n"
                  "#   - {element: VACC_DOSES, orgunit: 本县编码, year: 2026, value: 80000, kind: annual_task}\n")


def level_names(depth: int, root_name: str) -> list[str]:
    """Names for levels 1..depth: 县/区/市, 乡镇, then 村 and 机构 as deep as the tree goes."""
    first = root_name[-1] if root_name[-1:] in ("县", "区", "市", "旗") else "县"
    names = [first, "乡镇", "机构"] if depth <= 3 else [first, "乡镇", "村"] + ["机构"] * (depth - 3)
    names = names[:max(depth, 1)]
    return [name if names.count(name) == 1 else f"第{i}级" for i, name in enumerate(names, start=1)]


def write_county_package(source: Path, folder: Path, units: list[OrgUnit]) -> None:
    """Copy ``source`` into ``folder`` with ``units`` (root first) as the org-unit tree."""
    root = units[0]
    shutil.copytree(source, folder, dirs_exist_ok=True)
    (folder / "demo_profile.yaml").unlink(missing_ok=True)  # the demo generator's, not a county's
    write_orgunits(folder, units)
    targets_path = folder / "targets.yaml"
    old = yaml.safe_load(targets_path.read_text(encoding="utf-8")) or {}
    kept = [{**t, "orgunit": root.code} for t in old.get("targets") or [] if t.get("kind") == "threshold"]
    targets_path.write_text(TARGETS_HEADER + _dump({"schema_version": old.get("schema_version", 1), "targets": kept}),
                            encoding="utf-8")


def write_orgunits(folder: Path, units: list[OrgUnit]) -> None:
    """Write ``units`` (root first, parents before children) as ``folder``'s orgunits.yaml."""
    depth = max(3, max(u.level for u in units))  # the shipped rules and data sets name levels 1–3
    orgunits = {
        "schema_version": 1,
        "levels": [{"level": i, "name": name} for i, name in enumerate(level_names(depth, units[0].name), start=1)],
        "orgunits": [{"code": u.code, "name": u.name, **({"parent": u.parent} if u.parent else {}), "type": u.type}
                     for u in units],
    }
    (folder / "orgunits.yaml").write_text(ORGUNITS_HEADER + _dump(orgunits), encoding="utf-8")


def _dump(document: dict) -> str:
    lines = []
    for key, value in document.items():
        if isinstance(value, list):
            lines.append(f"{key}:" + ("" if value else " []"))
            for item in value:
                text = yaml.safe_dump(item, allow_unicode=True, sort_keys=False, default_flow_style=True,
                                      width=4096).strip()
                lines.append(f"  - {text}")
        else:
            lines.append(yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False).strip())
    return "\n".join(lines) + "\n"
