"""Metadata packages: a folder of YAML files ⇄ a cross-checked MetadataPackage.

    package = load_package(SMALL_PACKAGE)          # raises MetadataError listing every problem
    package, problems = check_package(folder)      # problems as values, package None if any
    dump_package(package, folder)                  # writes the YAML files back
"""
from __future__ import annotations

from pathlib import Path

from weijian.metadata.dump import dump_package
from weijian.metadata.load import check_package, load_package

SMALL_PACKAGE = Path(__file__).parent / "small"
# The full package for a county bureau (demo county 沅陵县 as its org units).
DEFAULT_PACKAGE = Path(__file__).parent / "default"

__all__ = ["DEFAULT_PACKAGE", "SMALL_PACKAGE", "check_package", "dump_package", "load_package"]
