"""Plain, frozen data: the vocabulary every other layer speaks."""
from __future__ import annotations

from weijian.model.metadata import (
    AGGREGATIONS,
    DIRECTIONS,
    INDICATOR_KINDS,
    PERIOD_TYPES,
    TARGET_KINDS,
    VALUE_TYPES,
    Category,
    CategoryOption,
    DataElement,
    DataSet,
    Indicator,
    Level,
    MetadataPackage,
    OrgUnit,
    Target,
    ValidationRule,
)

__all__ = [
    "AGGREGATIONS", "DIRECTIONS", "INDICATOR_KINDS", "PERIOD_TYPES", "TARGET_KINDS", "VALUE_TYPES",
    "Category", "CategoryOption", "DataElement", "DataSet", "Indicator", "Level", "MetadataPackage",
    "OrgUnit", "Target", "ValidationRule",
]
