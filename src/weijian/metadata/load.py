"""Read a metadata package folder: YAML → schema-checked items → cross-checked model objects.

Every problem is collected (YAML syntax, schema, references, the org-unit tree)
before deciding; ``check_package`` returns them, ``load_package`` raises them all.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from weijian.errors import MetadataError, Problem
from weijian.metadata import versions
from weijian.metadata.crosscheck import Document, Entry, crosscheck
from weijian.metadata.schemas import FILES, FileSpec, describe_value, schema_problems
from weijian.model.metadata import (
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


def load_package(path: str | Path) -> MetadataPackage:
    """Load and cross-check a package; raise MetadataError listing every problem."""
    package, problems = check_package(path)
    if problems:
        raise MetadataError(problems)
    return package


def load_package_cached(path: str | Path, cache: Path) -> MetadataPackage:
    """``load_package``, remembered in the folder ``cache`` by the package files'
    contents and the code that reads them: every command opens the workspace,
    and reading and checking the YAML costs it ~0.15 s, unpickling ~0.01 s."""
    import hashlib
    import os
    import pickle

    folder = Path(path)
    digest = hashlib.sha256()
    try:
        for source in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(source.relative_to(folder)).encode() + b"\0" + source.read_bytes())
        for module in _READING_CODE:
            digest.update(Path(module).read_bytes())
    except OSError:
        return load_package(folder)
    kept = cache / f"metadata-{digest.hexdigest()[:20]}.pickle"
    try:
        package = pickle.loads(kept.read_bytes())
        if isinstance(package, MetadataPackage):
            return package
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass  # not kept yet, or kept by other code: read the YAML
    package = load_package(folder)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for old in cache.glob("metadata-*.pickle"):
            old.unlink(missing_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(package, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, kept)
    except OSError:
        pass  # a read-only workspace reads the YAML each time
    return package


def check_package(path: str | Path) -> tuple[MetadataPackage | None, list[Problem]]:
    """Load a package, returning it with no problems, or None with all of them."""
    folder = Path(path)
    if not folder.is_dir():
        return None, [Problem(file=str(folder), code="missing-package", message=f"元数据目录“{folder}”不存在或不是目录")]
    problems = _misnamed_files(folder)
    documents: dict[str, Document | None] = {}
    for spec in FILES:
        document, found = read_document(folder, spec)
        documents[spec.name] = document
        problems += found
    paths, found = crosscheck(documents)
    problems += found
    if problems:
        # File by file, top to bottom: the order a user fixes them in.
        order = {spec.name: index for index, spec in enumerate(FILES)}
        problems.sort(key=lambda p: (order.get(p.file, -1), p.row or 0))
        return None, problems
    return _build(documents, paths), []


def read_document(folder: Path, spec: FileSpec) -> tuple[Document | None, list[Problem]]:
    """Read and schema-check one file; None when it is missing or not a mapping at all."""
    path = folder / spec.name
    if not path.exists():
        if not spec.required:
            return Document(spec.name, {key: [] for key in spec.sections}), []
        return None, [Problem(file=spec.name, code="missing-file", message=f"缺少必需的文件 {spec.name}")]
    data, problems = read_yaml(path)
    if problems:
        return None, problems
    if data is None:
        data = {}
    if not isinstance(data, dict):
        message = f"文件内容应为“字段: 值”的映射，实际是{describe_value(data)}"
        return None, [Problem(file=spec.name, code="wrong-type", message=message)]
    data, problems = versions.upgrade(spec.name, data)
    if problems:
        return None, problems
    problems += _check_envelope(spec, data)
    document = Document(spec.name)
    for index, section in enumerate(spec.sections):
        items = data.get(section)
        if not isinstance(items, list):
            continue  # reported by the envelope check
        model = spec.item_model(section)
        entries = []
        for number, raw in enumerate(items, start=1):
            label = _label(raw, number, section if index else None)
            row = getattr(raw, "line", None)
            valid, found = _validate(model, raw, file=spec.name, item=label, row=row)
            problems += found
            entries.append(Entry(spec.name, label, row, raw, valid))
        document.sections[section] = entries
    return document, problems


def _check_envelope(spec: FileSpec, data: dict) -> list[Problem]:
    """schema_version, unknown and missing top-level fields; list items are checked one by one."""
    filled = {k for k, v in data.items() if k in spec.sections and isinstance(v, list) and v}
    envelope = {k: ([] if k in filled else v) for k, v in data.items()}
    try:
        spec.model.model_validate(envelope)
    except ValidationError as error:
        # The emptied lists would fail their "at least one item" rule: they were not empty.
        errors = [e for e in error.errors() if not (e["type"] == "too_short" and e["loc"][0] in filled)]
        return schema_problems(errors, spec.model, file=spec.name, item=None, row=None)
    return []


def _label(raw: Any, number: int, section: str | None) -> str:
    """The item's code, or "第3项" (in a secondary list "levels 第3项") when it has none."""
    if isinstance(raw, dict) and isinstance(raw.get("code"), str) and raw["code"].strip():
        return raw["code"].strip()
    return f"{section} 第{number}项" if section else f"第{number}项"


def _validate(model: type[BaseModel], raw: Any, **where: Any) -> tuple[BaseModel | None, list[Problem]]:
    try:
        # A plain dict: the line-carrying subclass is ours, not the schema's business.
        return model.model_validate(dict(raw) if isinstance(raw, dict) else raw), []
    except ValidationError as error:
        return None, schema_problems(error.errors(), model, **where)


def _misnamed_files(folder: Path) -> list[Problem]:
    """A misspelt optional file (dataset.yaml, rules.yml) would otherwise be silently ignored.

    Only near-misses are flagged: other files (the demo profile, say) may live here too.
    """
    known = {_stem(spec.name): spec.name for spec in FILES}
    problems = []
    for path in sorted(folder.iterdir()):
        intended = known.get(_stem(path.name))
        if not intended or path.name == intended or not path.is_file():
            continue
        # On a case-insensitive disk "Rules.yaml" is rules.yaml and was read.
        if not ((folder / intended).exists() and (folder / intended).samefile(path)):
            message = f"文件名“{path.name}”不对，应为“{intended}”，否则不会被读取"
            problems.append(Problem(file=path.name, code="misnamed-file", message=message))
    return problems


def _stem(name: str) -> str:
    stem = name.lower().removesuffix(".yaml").removesuffix(".yml").replace("_", "").replace("-", "")
    return stem.removesuffix("s")


class _LineDict(dict):
    """A YAML mapping that remembers its 1-based line, so problems can point at it."""

    line: int | None = None


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicate_keys: list[tuple[str, int]] = []


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in mapping
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found unhashable key", key_node.start_mark
            ) from None
        if duplicate:
            # PyYAML silently keeps the last value; a repeated field is almost always a mistake.
            loader.duplicate_keys.append((str(key), key_node.start_mark.line + 1))
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


if getattr(yaml, "__with_libyaml__", False):
    class _FastLoader(yaml.CSafeLoader):
        """libyaml's parser: a package reads ten times faster, so every command starts at once.
        Only for files that parse: an error is read again by ``_Loader`` for PyYAML's messages."""

        def __init__(self, stream: str):
            super().__init__(stream)
            self.duplicate_keys: list[tuple[str, int]] = []

    _FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = None

# PyYAML's most common complaints, in the words a county statistician would use.
_YAML_MESSAGES = {
    "mapping values are not allowed here": "此处不能出现“:”（冒号后要有空格；含冒号的文字请加引号）",
    "could not find expected ':'": "找不到应有的“:”（可能缺少冒号或缩进不对）",
    "found character '\\t' that cannot start any token": "含有制表符（Tab）：YAML 只能用空格缩进",
    "found character that cannot start any token": "有不能出现在此处的字符（含特殊字符的文字请加引号）",
    "did not find expected key": "缩进不一致或缺少“-”",
    "expected <block end>, but found": "缩进不一致",
    "found unexpected end of stream": "文件意外结束（引号或括号没有闭合）",
    "expected ',' or ']'": "方括号“[ ]”没有闭合或缺少逗号",
    "expected ',' or '}'": "花括号“{ }”没有闭合或缺少逗号",
    "found unhashable key": "键不能是列表或映射",
    "found duplicate anchor": "锚点（&）重复",
}


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; syntax errors and repeated keys come back as Problems with a line."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate the BOM Windows editors add
    except UnicodeDecodeError:
        message = "文件不是 UTF-8 编码（请在编辑器中另存为 UTF-8）"
        return None, [Problem(file=name, code="bad-encoding", message=message)]
    if _FastLoader is not None:
        fast = _FastLoader(text)
        try:
            data = fast.get_single_data()
        except yaml.YAMLError:
            pass  # read again below for the messages users know
        else:
            return data, _duplicates(name, fast)
        finally:
            fast.dispose()
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:  # a control character: PyYAML refuses the whole text
        line = text.count("\n", 0, max(error.position, 0)) + 1
        message = f"YAML 语法错误（第 {line} 行）：含有不允许的控制字符（U+{error.character:04X}），请删除后再保存"
        return None, [Problem(file=name, code="yaml-syntax", row=line, message=message)]
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        column = f"第 {mark.column + 1} 列" if mark else ""
        explained = next(
            (chinese for english, chinese in _YAML_MESSAGES.items() if english in (error.problem or "")),
            f"{error.problem}",
        )
        context = error.context_mark
        if context is not None and mark is not None and context.line != mark.line:
            # Unclosed brackets and quotes are noticed lines later; point back to where they began.
            explained += f"（相关位置：第 {context.line + 1} 行）"
        message = f"YAML 语法错误（第 {line} 行{column}）：{explained}"
        return None, [Problem(file=name, code="yaml-syntax", row=line, message=message)]
    except yaml.YAMLError as error:
        return None, [Problem(file=name, code="yaml-syntax", message=f"YAML 语法错误：{error}")]
    finally:
        loader.dispose()
    return data, _duplicates(name, loader)


def _duplicates(name: str, loader) -> list[Problem]:
    return [
        Problem(file=name, code="duplicate-key", row=line, column=key, message=f"第 {line} 行的字段“{key}”重复出现")
        for key, line in loader.duplicate_keys
    ]


def _valid(document: Document | None, section: str) -> list[Any]:
    return [entry.valid for entry in document.sections.get(section, []) if entry.valid is not None]


def _build(documents: dict[str, Document | None], paths: dict[str, tuple[str, ...]]) -> MetadataPackage:
    """Model objects from problem-free documents (every entry valid, every reference known)."""
    units = documents["orgunits.yaml"]
    elements = documents["elements.yaml"]
    return MetadataPackage(
        levels=tuple(Level(s.level, s.name) for s in _valid(units, "levels")),
        orgunits={
            s.code: OrgUnit(s.code, s.name, s.type, s.parent, len(paths[s.code]), paths[s.code])
            for s in _valid(units, "orgunits")
        },
        elements={s.code: _to_model(DataElement, s) for s in _valid(elements, "elements")},
        categories={
            s.code: Category(s.code, s.name, tuple(CategoryOption(o.code, o.name) for o in s.options))
            for s in _valid(elements, "categories")
        },
        indicators={s.code: _to_model(Indicator, s) for s in _valid(documents["indicators.yaml"], "indicators")},
        targets=tuple(_to_model(Target, s) for s in _valid(documents["targets.yaml"], "targets")),
        datasets={s.code: _to_model(DataSet, s) for s in _valid(documents["datasets.yaml"], "datasets")},
        rules={s.code: _to_model(ValidationRule, s) for s in _valid(documents["rules.yaml"], "rules")},
    )


def _to_model(cls: type, schema: BaseModel) -> Any:
    values = {name: getattr(schema, name) for name in type(schema).model_fields}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


# what a kept package depends on besides the YAML: the code that reads and models it
_READING_CODE = [__file__, *(str(Path(__file__).parent / name) for name in ("schemas.py", "crosscheck.py")),
                 str(Path(__file__).parent.parent / "model" / "metadata.py")]
