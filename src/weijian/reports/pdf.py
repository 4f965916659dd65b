"""Turn a .docx into PDF with LibreOffice headless.

The .docx names the official fonts (仿宋_GB2312, 方正小标宋简体, …), which a
Linux machine rarely has. A private fontconfig file maps them to Noto CJK
(Debian: fonts-noto-cjk); the real fonts still win where installed. Each run
gets its own LibreOffice profile so concurrent conversions do not collide.
"""
from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document as _open_docx
from docx.oxml.ns import qn

from weijian.errors import ReportError

__all__ = ["FONT_SUBSTITUTES", "convert_to_pdf", "fontconfig_xml", "libreoffice_path"]

SERIF_CJK = "Noto Serif CJK SC"
SANS_CJK = "Noto Sans CJK SC"
# Free 楷体-style font Debian has for simplified Chinese (fonts-arphic-ukai); a
# 楷体 heading is drawn in it where installed, in Noto Serif otherwise. Debian
# has no free simplified 仿宋 (fonts-cwtex-fs is a traditional-character
# 仿宋), so 仿宋 stays on Noto Serif CJK.
KAI_CJK = "AR PL UKai CN"

# Official font name → the Noto CJK family drawn in its place.
FONT_SUBSTITUTES = {
    "方正小标宋简体": SERIF_CJK,
    "方正小标宋_GBK": SERIF_CJK,
    "仿宋_GB2312": SERIF_CJK,
    "仿宋": SERIF_CJK,
    "楷体_GB2312": SERIF_CJK,
    "楷体": SERIF_CJK,
    "宋体": SERIF_CJK,
    "黑体": SANS_CJK,
}

DEFAULT_TIMEOUT = 120.0
_INSTALL_HINT = "请安装 libreoffice-writer（Debian/Ubuntu：apt-get install libreoffice-writer-nogui）"


def libreoffice_path() -> str | None:
    """The LibreOffice executable on PATH (``soffice`` or ``libreoffice``), or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def fontconfig_xml(system_conf: str = "/etc/fonts/fonts.conf") -> str:
    """A fonts.conf: the system configuration plus the official-name aliases.

    ``accept`` (not ``prefer``) puts Noto after the asked-for name, so a real
    仿宋_GB2312 is used when it is installed; ``binding="same"`` keeps the
    alias as strong as the name itself, so the language match does not pick
    some other CJK font first.
    """
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<fontconfig>",
        f'  <include ignore_missing="yes">{escape(system_conf)}</include>',
    ]
    for name, target in FONT_SUBSTITUTES.items():
        # 楷体 prefers the free 楷 font where installed; fontconfig skips a family it lacks
        families = [KAI_CJK, target] if name.startswith("楷体") else [target]
        accept = "".join(f"<family>{escape(f)}</family>" for f in families)
        lines += [
            '  <alias binding="same">',
            f"    <family>{escape(name)}</family>",
            f"    <accept>{accept}</accept>",
            "  </alias>",
        ]
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"


def convert_to_pdf(docx: Path, pdf: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert ``docx`` to ``pdf`` with LibreOffice headless; return ``pdf``.

    Raises ``ReportError`` when LibreOffice is missing, times out or fails.
    """
    docx, pdf = Path(docx), Path(pdf)
    exe = libreoffice_path()
    if exe is None:
        raise ReportError(f"未找到 LibreOffice（soffice），无法生成 PDF；{_INSTALL_HINT}")
    if not docx.is_file():
        raise ReportError(f"找不到要转换为 PDF 的文件：{docx}")
    with tempfile.TemporaryDirectory(prefix="weijian-pdf-") as tmp:
        tmp_dir = Path(tmp)
        conf = tmp_dir / "fonts.conf"
        conf.write_text(fontconfig_xml(), encoding="utf-8")
        outdir = tmp_dir / "out"
        source = _libreoffice_copy(docx, tmp_dir / "in" / docx.name)
        cmd = [
            exe,
            f"-env:UserInstallation={(tmp_dir / 'profile').as_uri()}",
            "--headless", "--norestore", "--nologo",
            "--convert-to", "pdf", "--outdir", str(outdir), str(source),
        ]
        env = dict(os.environ, FONTCONFIG_FILE=str(conf))
        _check_cjk_fonts(env)
        detail = _run(cmd, env, timeout, docx)
        produced = outdir / f"{docx.stem}.pdf"
        if not produced.is_file():  # soffice exits 0 when it cannot load the file
            raise ReportError(f"LibreOffice 未生成 PDF：{docx.name}\n{detail}")
        try:
            pdf.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(produced), str(pdf))
        except OSError as e:
            raise ReportError(f"无法写入文件 {pdf}：{e}") from e
    return pdf


def _check_cjk_fonts(env: dict) -> None:
    """Refuse to make a PDF whose Chinese would print as boxes (□)."""
    fc_list = shutil.which("fc-list", path=env.get("PATH"))
    if fc_list is None:  # no fontconfig tools: let LibreOffice try
        return
    try:
        found = subprocess.run([fc_list, ":lang=zh", "family"], env=env, capture_output=True,
                               text=True, errors="replace", timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return
    if not found.strip():
        raise ReportError("未找到中文字体，PDF 中的汉字将无法显示；"
                          "请安装 Noto CJK 字体（Debian/Ubuntu：apt-get install fonts-noto-cjk）")


def _run(cmd: list[str], env: dict, timeout: float, docx: Path) -> str:
    """Run LibreOffice; return what it printed (for error messages)."""
    # A session of its own, so a timeout can end soffice.bin as well as the launcher.
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, text=True, errors="replace", start_new_session=True)
    except OSError as e:
        raise ReportError(f"无法启动 LibreOffice：{e}") from e
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise ReportError(f"LibreOffice 转换 PDF 超时（超过 {timeout:g} 秒）：{docx.name}") from None
    detail = (err or out).strip() or "（LibreOffice 无输出）"
    if proc.returncode != 0:
        raise ReportError(
            f"LibreOffice 转换 PDF 失败（退出码 {proc.returncode}）：{docx.name}\n{detail}")
    return detail


def _libreoffice_copy(src: Path, dst: Path) -> Path:
    """A copy of ``src`` that LibreOffice lays out as Word does.

    GB/T 9704 needs 28 characters of 16 pt in 156 mm, so the character grid
    is narrower than the font (negative charSpace). Word squeezes each
    character into its cell; LibreOffice gives it two cells and halves the
    line. The copy drops the character grid and condenses the text that
    snaps to it (body, headings) by the same amount, keeping 28 a line.
    """
    try:
        doc = _open_docx(str(src))
    except Exception as e:  # python-docx raises several kinds on a broken file
        raise ReportError(f"无法读取 Word 文档 {src.name}：{e}") from e
    squeeze = 0
    for section in doc.sections:
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None or grid.get(qn("w:type")) not in ("linesAndChars", "snapToChars"):
            continue
        char_space = int(grid.get(qn("w:charSpace"), "0"))
        if char_space < 0:
            grid.set(qn("w:type"), "lines")
            grid.attrib.pop(qn("w:charSpace"), None)
            # charSpace is in 1/4096 pt, run spacing in 1/20 pt; round down so 28 still fit.
            squeeze = min(squeeze, math.floor(char_space * 20 / 4096))
    if squeeze:
        for paragraph in doc.paragraphs:
            if _snaps_to_grid(paragraph._p):
                for run in paragraph.runs:
                    _set_char_spacing(run._r.get_or_add_rPr(), squeeze)
    dst.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(dst))
    return dst


def _snaps_to_grid(p) -> bool:
    pPr = p.pPr
    el = pPr.find(qn("w:snapToGrid")) if pPr is not None else None
    return el is None or el.get(qn("w:val"), "1") not in ("0", "false", "off")


# w:rPr children that come after w:spacing (schema order).
_RPR_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
    "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
    "w:eastAsianLayout", "w:specVanish", "w:oMath",
)


def _set_char_spacing(rPr, twentieths: int) -> None:
    el = rPr.find(qn("w:spacing"))
    if el is None:
        el = rPr.makeelement(qn("w:spacing"), {})
        rPr.insert_element_before(el, *_RPR_AFTER_SPACING)
    el.set(qn("w:val"), str(twentieths))
