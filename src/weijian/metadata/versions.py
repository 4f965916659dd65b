"""``schema_version`` of the metadata files: older layouts are upgraded on
load, one step per version; newer ones are refused with a clear message.

Version 1 is the first published layout, so ``UPGRADES`` is empty today. A
future layout change bumps ``schemas.SCHEMA_VERSION`` to n + 1 and adds
``UPGRADES[n]``: a function taking (file name, the file's data at version n)
and returning the data at version n + 1 (rename a field, split a list …). The
loader chains the steps, in memory: the files on disk are left as they are.
"""
from __future__ import annotations

from collections.abc import Callable

from weijian.errors import Problem
from weijian.metadata.schemas import SCHEMA_VERSION

Upgrade = Callable[[str, dict], dict]
UPGRADES: dict[int, Upgrade] = {}


def upgrade(file: str, data: dict) -> tuple[dict, list[Problem]]:
    """``data`` (one file's top-level mapping) at the current version, or the problem."""
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        return data, []  # missing or not a number: the envelope check reports it
    if version > SCHEMA_VERSION:
        return data, [Problem(file=file, code="schema-version", column="schema_version", message=(
            f"不支持的格式版本 {version}：高于本程序支持的 {SCHEMA_VERSION}，"
            "该元数据包由更新版本的 weijian 生成，请升级 weijian"))]
    while version < SCHEMA_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            oldest = min([*UPGRADES, SCHEMA_VERSION])
            return data, [Problem(file=file, code="schema-version", column="schema_version", message=(
                f"不支持的格式版本 {version}：过旧，本程序只能读取格式版本 {oldest}—{SCHEMA_VERSION}"))]
        data = {**step(file, dict(data)), "schema_version": version + 1}
        version += 1
    return data, []
