"""PDF through LibreOffice headless: errors in Chinese, font aliases, and a real conversion."""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn

from weijian.errors import ReportError
from weijian.reports import pdf
from weijian.reports.document import Document, Heading, PageBreak, Paragraph, Run, Table
from weijian.reports.docx_render import render_docx

# 28 characters without punctuation, so a full line of the PDF is one slice of it.
LINE = "全县基本公共卫生服务项目稳步推进城乡居民健康档案建档率持续提升"[:28]


def small_document() -> Document:
    blocks = [
        Paragraph([Run(LINE * 4)], indent=False),
        Heading(1, [Run("一、主要工作成效")]),
        Paragraph([Run("高血压患者规范管理率达到95.42%。")]),
        Table("表1 规范管理率", ["乡镇", "规范管理率"], [[[Run("辰州街道")], [Run("95.42%")]]]),
        PageBreak(),
        Heading(1, [Run("二、存在问题")]),
        Paragraph([Run("个别乡镇上报不及时。")]),
    ]
    appendix = Table("附表：数据来源", ["序号", "数字"], [[[Run("1")], [Run("95.42%")]]])
    return Document("沅陵县卫生健康局2026年上半年工作总结", blocks, "沅陵县卫生健康局",
                    date(2026, 7, 5), appendix=appendix)


def fake_soffice(tmp_path: Path, body: str) -> str:
    script = tmp_path / "soffice"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def fonts_ok(monkeypatch):
    """Fake-soffice tests must not depend on the machine having CJK fonts."""
    monkeypatch.setattr(pdf, "_check_cjk_fonts", lambda env: None)


# -- without LibreOffice -------------------------------------------------------

def test_libreoffice_path_is_none_when_not_on_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pdf.libreoffice_path() is None


def test_libreoffice_path_finds_soffice(monkeypatch, tmp_path):
    exe = fake_soffice(tmp_path, "exit 0")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pdf.libreoffice_path() == exe


def test_missing_libreoffice_is_a_report_error_in_chinese(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "libreoffice_path", lambda: None)
    docx = render_docx(small_document(), tmp_path / "a.docx")
    with pytest.raises(ReportError, match="未找到 LibreOffice.*libreoffice-writer"):
        pdf.convert_to_pdf(docx, tmp_path / "a.pdf")


def test_missing_docx_is_a_report_error(monkeypatch, tmp_path, fonts_ok):
    monkeypatch.setattr(pdf, "libreoffice_path", lambda: fake_soffice(tmp_path, "exit 0"))
    with pytest.raises(ReportError, match="找不到"):
        pdf.convert_to_pdf(tmp_path / "nope.docx", tmp_path / "a.pdf")


def test_failing_conversion_reports_stderr(monkeypatch, tmp_path, fonts_ok):
    exe = fake_soffice(tmp_path, "echo 'Error: source file could not be loaded' >&2\nexit 1")
    monkeypatch.setattr(pdf, "libreoffice_path", lambda: exe)
    docx = render_docx(small_document(), tmp_path / "a.docx")
    with pytest.raises(ReportError, match="(?s)转换 PDF 失败.*could not be loaded"):
        pdf.convert_to_pdf(docx, tmp_path / "a.pdf")
    assert not (tmp_path / "a.pdf").exists()


def test_no_output_is_a_report_error(monkeypatch, tmp_path, fonts_ok):
    monkeypatch.setattr(pdf, "libreoffice_path", lambda: fake_soffice(tmp_path, "exit 0"))
    docx = render_docx(small_document(), tmp_path / "a.docx")
    with pytest.raises(ReportError, match="未生成 PDF"):
        pdf.convert_to_pdf(docx, tmp_path / "a.pdf")


def test_hanging_conversion_times_out(monkeypatch, tmp_path, fonts_ok):
    monkeypatch.setattr(pdf, "libreoffice_path", lambda: fake_soffice(tmp_path, "sleep 30"))
    docx = render_docx(small_document(), tmp_path / "a.docx")
    with pytest.raises(ReportError, match="超时"):
        pdf.convert_to_pdf(docx, tmp_path / "a.pdf", timeout=0.5)


def test_no_chinese_font_is_a_report_error(monkeypatch, tmp_path):
    exe = fake_soffice(tmp_path, "exit 0")
    (tmp_path / "fc-list").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (tmp_path / "fc-list").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pdf, "libreoffice_path", lambda: exe)
    docx = render_docx(small_document(), tmp_path / "a.docx")
    with pytest.raises(ReportError, match="未找到中文字体.*fonts-noto-cjk"):
        pdf.convert_to_pdf(docx, tmp_path / "a.pdf")


def test_fake_soffice_gets_a_private_profile_and_the_font_config(monkeypatch, tmp_path, fonts_ok):
    seen = tmp_path / "seen.txt"
    exe = fake_soffice(tmp_path, f'echo "$FONTCONFIG_FILE" "$@" > {seen}\n'
                                 'while [ "$1" != "--outdir" ]; do shift; done\n'
                                 'mkdir -p "$2"; echo "%PDF-1.4" > "$2/a.pdf"')
    monkeypatch.setattr(pdf, "libreoffice_path", lambda: exe)
    docx = render_docx(small_document(), tmp_path / "a.docx")
    out = pdf.convert_to_pdf(docx, tmp_path / "out" / "a.pdf")
    assert out.read_text().startswith("%PDF")
    args = seen.read_text()
    assert re.search(r"fonts\.conf ", args)
    assert "-env:UserInstallation=file:///" in args
    assert "--headless" in args and "--convert-to pdf" in args


# -- font aliases ------------------------------------------------------------------

def test_fontconfig_maps_every_official_font_to_noto_cjk():
    root = ET.fromstring(pdf.fontconfig_xml().split("\n", 2)[2])  # after the DOCTYPE
    assert root.find("include").text == "/etc/fonts/fonts.conf"
    aliases = {a.find("family").text: [f.text for f in a.findall("accept/family")] for a in root.iter("alias")}
    for name in ("方正小标宋简体", "仿宋_GB2312", "仿宋", "宋体"):
        assert aliases[name] == ["Noto Serif CJK SC"]
    # 楷体 headings in the free 楷 font (fonts-arphic-ukai) where Debian has it, Noto Serif otherwise
    for name in ("楷体_GB2312", "楷体"):
        assert aliases[name] == ["AR PL UKai CN", "Noto Serif CJK SC"]
    assert aliases["黑体"] == ["Noto Sans CJK SC"]


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig 的 fc-match 未安装")
def test_fc_match_resolves_the_aliases(tmp_path):
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    if "Noto Serif CJK SC" not in families:
        pytest.skip("未安装 Noto CJK 字体（fonts-noto-cjk）")
    conf = tmp_path / "fonts.conf"
    conf.write_text(pdf.fontconfig_xml(), encoding="utf-8")
    env = {"FONTCONFIG_FILE": str(conf), "PATH": "/usr/bin:/bin"}
    for name, family in [("仿宋_GB2312", "Noto Serif CJK SC"), ("黑体", "Noto Sans CJK SC")]:
        out = subprocess.run(["fc-match", "-f", "%{family}", name], env=env,
                             capture_output=True, text=True).stdout
        assert family in out


# -- the LibreOffice copy ---------------------------------------------------------------

def test_libreoffice_copy_trades_the_character_grid_for_condensed_text(tmp_path):
    src = render_docx(small_document(), tmp_path / "a.docx")
    copy = open_docx(str(pdf._libreoffice_copy(src, tmp_path / "lo" / "a.docx")))
    grid = copy.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    assert grid.get(qn("w:linePitch")) == "579"
    assert grid.get(qn("w:charSpace")) is None

    def spacing(run):
        el = run._r.rPr.find(qn("w:spacing"))
        return None if el is None else el.get(qn("w:val"))

    body = next(p for p in copy.paragraphs if p.text.startswith(LINE))
    assert spacing(body.runs[0]) == "-5"  # -0.25 pt: 28 × 15.75 pt fit in 156 mm
    title = copy.paragraphs[0]  # off the grid: left alone
    assert spacing(title.runs[0]) is None
    cell = copy.tables[0].rows[1].cells[0].paragraphs[0]
    assert spacing(cell.runs[0]) is None
    # The original is untouched.
    original = open_docx(str(src)).sections[0]._sectPr.find(qn("w:docGrid"))
    assert original.get(qn("w:charSpace")) == "-848"


# -- a real conversion -------------------------------------------------------------------

needs_libreoffice = pytest.mark.skipif(
    pdf.libreoffice_path() is None,
    reason="未安装 LibreOffice（soffice），跳过真实的 PDF 转换",
)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pdf")
    docx = render_docx(small_document(), tmp / "总结.docx")
    return pdf.convert_to_pdf(docx, tmp / "out" / "总结.pdf")


def _page_sizes(path: Path) -> list[tuple[float, float]]:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(path)],
                             capture_output=True, text=True, check=True).stdout
        return [(float(w), float(h)) for w, h in
                re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out, re.M)]
    raw = path.read_bytes().decode("latin-1")
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in
            re.findall(r"/MediaBox\s*\[\s*([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)\s*\]", raw)]


def _page_text(path: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


@needs_libreoffice
def test_pdf_pages_are_a4(converted):
    assert converted.read_bytes().startswith(b"%PDF")
    sizes = _page_sizes(converted)
    assert len(sizes) >= 3  # body, the page after the break, the appendix
    for width, height in sizes:
        assert width == pytest.approx(595, abs=1)
        assert height == pytest.approx(842, abs=1)


@needs_libreoffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="未安装 poppler-utils（pdftotext）")
def test_pdf_every_page_has_text_and_lines_hold_28_characters(converted):
    pages = [_page_text(converted, n) for n in range(1, len(_page_sizes(converted)) + 1)]
    assert all(text.strip() for text in pages)
    assert "沅陵县卫生健康局" in pages[0]
    assert "二、存在问题" in pages[1]
    assert "附表：数据来源" in pages[-1]
    assert "— 1 —" in pages[0] or "—1—" in pages[0].replace(" ", "")
    # The 22 × 28 grid survives LibreOffice: a full body line is 28 characters.
    lines = [line.strip() for line in pages[0].splitlines()]
    assert LINE in lines

