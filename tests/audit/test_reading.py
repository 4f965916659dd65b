"""Files as they arrive: encodings, Word documents, and inputs that are not summaries at all."""
from __future__ import annotations

import docx
import pytest

from weijian.audit import AuditError, audit_file

TEXT = "某县卫生健康局2024年上半年工作总结\n全县活产1168人，其中男婴618人、女婴550人，出生人口性别比112.36。\n"


def test_gbk_text_is_detected(tmp_path):
    path = tmp_path / "总结.txt"
    path.write_bytes(TEXT.encode("gbk"))
    report = audit_file(path)
    assert report.text == TEXT and len(report.figures) == 4


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_encodings(tmp_path, encoding):
    path = tmp_path / "总结.txt"
    path.write_bytes(TEXT.replace("\n", "\r\n").encode(encoding))
    assert audit_file(path).text == TEXT


def test_markdown(tmp_path):
    path = tmp_path / "总结.md"
    path.write_text("# " + TEXT, encoding="utf-8")
    assert {f.kind for f in audit_file(path).findings} == {"sum", "sex_ratio"}


def test_docx_paragraphs_and_tables(tmp_path):
    document = docx.Document()
    for line in TEXT.strip().split("\n"):
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=4)
    for cell, text in zip(table.rows[0].cells, ["指标", "本期", "去年同期", "同比"]):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["总诊疗人次", "1639660", "1613598", "同比增长2.62%"]):
        cell.text = text
    path = tmp_path / "总结.docx"
    document.save(path)
    report = audit_file(path)
    assert report.text.endswith("总诊疗人次\t1639660\t1613598\t同比增长2.62%\n")
    [finding] = report.inconsistent
    assert finding.kind == "yoy" and "增长1.62%" in finding.message


@pytest.mark.parametrize("name, content, message", [
    ("无此文件.txt", None, "找不到文件"),
    ("空.txt", b"", "是空的"),
    ("空白.txt", "   \n\n".encode(), "没有文字"),
    ("坏.docx", b"PK\x03\x04 this is not really a zip", "不是有效的 Word 文档"),
    ("改名.docx", "只是文本".encode(), "不是有效的 Word 文档"),
    ("二进制.txt", bytes(range(256)) * 4, "不是文本文件"),
    ("旧版.doc", b"\xd0\xcf\x11\xe0", "另存为 .docx"),
    ("表格.xlsx", b"PK", "不支持的文件类型"),
])
def test_bad_inputs_give_chinese_messages(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AuditError, match=message):
        audit_file(path)


def test_zip_that_is_not_a_word_document(tmp_path):
    import zipfile

    path = tmp_path / "压缩包.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(AuditError, match="Word 文档"):
        audit_file(path)


def test_huge_file_finishes(tmp_path):
    """5 MB of summary-like text (with web debris and very long lines) is read and audited."""
    block = (TEXT + "相关文章 上一篇 2024-05-06 10:23 浏览次数：1234\n" + "全县共报告传染病15种1227例，"
             "其中乙类传染病8种585例，丙类传染病7种642例。" * 3 + "各乡镇、各单位切实把思想行动统一到县委决策部署上来。" * 30
             + "\n")
    text = block * (5 * 1024 * 1024 // len(block.encode()) + 1)
    path = tmp_path / "巨大.txt"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size >= 5 * 1024 * 1024
    report = audit_file(path)
    assert len(report.figures) > 40_000
    assert not report.inconsistent
