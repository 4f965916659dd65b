"""A summary file → its text: .txt / .md in whatever encoding a bureau PC saved
it (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16), .docx paragraphs and tables in
body order. Offsets in the audit refer to this text; ``docx_blocks`` walks a
Word document in the same order so annotations land on the right runs.
"""
from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from weijian.audit.findings import AuditError

__all__ = ["ReadDocument", "decode", "docx_blocks", "read_document"]

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
# A summary is tens of kilobytes; 50 MB is far past any real one and still safe to scan.
MAX_BYTES = 50 << 20


@dataclass(frozen=True)
class ReadDocument:
    text: str
    kind: str  # "text" | "docx"
    encoding: str | None = None


def read_document(path: str | Path) -> ReadDocument:
    path = Path(path)
    if not path.exists():
        raise AuditError(f"找不到文件“{path}”")
    if path.is_dir():
        raise AuditError(f"“{path}”是目录，请给出工作总结文件（.txt、.docx 或 .md）")
    suffix = path.suffix.lower()
    if suffix not in (*TEXT_SUFFIXES, ".docx"):
        if suffix == ".doc":
            raise AuditError(f"“{path.name}”是旧版 Word（.doc）文件，请在 Word 或 WPS 中另存为 .docx 后再核对")
        raise AuditError(f"不支持的文件类型“{suffix or '无扩展名'}”：请给出 .txt、.docx 或 .md 文件")
    size = path.stat().st_size
    if size == 0:
        raise AuditError(f"文件“{path.name}”是空的")
    if size > MAX_BYTES:
        raise AuditError(f"文件“{path.name}”有 {size >> 20} MB，超过 {MAX_BYTES >> 20} MB，不像一份工作总结")
    if suffix == ".docx":
        text = _read_docx(path)
        encoding = None
    else:
        text, encoding = decode(path.read_bytes(), path.name)
    if not text.strip():
        raise AuditError(f"文件“{path.name}”中没有文字")
    return ReadDocument(text, "docx" if suffix == ".docx" else "text", encoding)


def decode(data: bytes, name: str = "文件") -> tuple[str, str]:
    """Bytes → text with the encoding guessed; newlines become "\\n"."""
    encoding = _guess(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
    if "\x00" in text:
        raise AuditError(f"“{name}”不是文本文件（含有二进制内容），请给出 .txt、.docx 或 .md 文件")
    if text.count("\ufffd") > max(20, len(text) // 50):
        raise AuditError(f"无法识别“{name}”的文字编码（既不是 UTF-8，也不是 GBK/GB18030）")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _guess(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = data[: 1 << 20]
    for name in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(name)().decode(sample, final=False)
            return name
        except UnicodeDecodeError:
            continue
    bad = {name: sample.decode(name, errors="replace").count("\ufffd") for name in ("utf-8", "gb18030")}
    return min(bad, key=bad.__getitem__)


def _open_docx(path: Path):
    import docx  # python-docx; only needed for Word files
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(path):
        raise AuditError(f"“{path.name}”不是有效的 Word 文档（.docx），文件可能已损坏或只是改了扩展名")
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, OSError) as error:
        raise AuditError(f"无法打开 Word 文档“{path.name}”：文件已损坏或不是 .docx（{type(error).__name__}）") from None
    except Exception as error:  # lxml raises its own XMLSyntaxError for a damaged part
        raise AuditError(f"无法读取 Word 文档“{path.name}”：内容已损坏（{type(error).__name__}）") from None


def _read_docx(path: Path) -> str:
    document = _open_docx(path)
    return "".join(text + separator for _, text, separator in docx_blocks(document))


def docx_blocks(document) -> Iterator[tuple[object, str, str]]:
    """(paragraph, its text, separator after it) for body paragraphs and table cells, in body order.

    Table cells are separated by a tab and rows by a newline, so a table row reads
    as one line of the text; a paragraph is followed by a newline.
    """
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            yield paragraph, paragraph_text(paragraph), "\n"
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                seen: set[int] = set()
                cells = []
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue  # a merged cell appears once per grid column it spans
                    seen.add(id(cell._tc))
                    cells.append(cell)
                for c_index, cell in enumerate(cells):
                    paragraphs = cell.paragraphs
                    for p_index, paragraph in enumerate(paragraphs):
                        last_in_cell = p_index == len(paragraphs) - 1
                        separator = (" " if not last_in_cell else "\t" if c_index < len(cells) - 1 else "\n")
                        yield paragraph, paragraph_text(paragraph), separator


def paragraph_text(paragraph) -> str:
    """The paragraph's text as the concatenation of its runs (hyperlinks included), tabs/newlines folded."""
    return "".join(run_text for _, run_text in paragraph_runs(paragraph))


def paragraph_runs(paragraph) -> list[tuple[object, str]]:
    from docx.text.hyperlink import Hyperlink
    from docx.text.run import Run

    out = []
    for item in paragraph.iter_inner_content():
        runs = item.runs if isinstance(item, Hyperlink) else [item] if isinstance(item, Run) else []
        for run in runs:
            out.append((run, run.text.replace("\t", " ").replace("\n", " ")))
    return out
