"""`weijian audit`: summary, --json contract, annotated HTML and Word outputs, errors."""
from __future__ import annotations

import json
import zipfile

from typer.testing import CliRunner

from weijian.cli import app

runner = CliRunner()
TEXT = ("某县卫生健康局2024年上半年工作总结\n全县活产2087人，其中男孩825人、女孩1262人，出生人口性别比110。"
        "<b>粗体</b>共报告传染病22种2805例，乙类传染病15种1331例，丙类传染病7种1474例。\n")


def write(tmp_path, text=TEXT, name="总结.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_summary_lists_the_inconsistency(tmp_path):
    result = runner.invoke(app, ["audit", str(write(tmp_path))])
    assert result.exit_code == 0, result.output
    flat = "".join(c for c in result.output if c not in " │\n")
    assert "不一致1" in flat and "不一致的数字（1处）" in flat and "65.4" in flat


def test_json_contract(tmp_path):
    result = runner.invoke(app, ["audit", str(write(tmp_path)), "--json"])
    data = json.loads(result.stdout)
    assert set(data) >= {"figures", "findings"}
    finding = next(f for f in data["findings"] if f["verdict"] == "inconsistent")
    assert {"verdict", "kind", "quote", "start", "end", "stated", "computed", "message"} <= set(finding)
    assert finding["kind"] == "sex_ratio" and finding["stated"] == 110 and round(finding["computed"], 1) == 65.4
    assert TEXT[finding["start"]:finding["end"]] == finding["quote"]
    assert all(f["verdict"] in ("consistent", "partial", "inconsistent", "not_checkable") for f in data["findings"])
    assert data["counts"].keys() == {"consistent", "partial", "inconsistent", "not_checkable"}
    # the statement tree: 2087人 → 825人 + 1262人 (其中)
    figures = {f["id"]: f["text"] for f in data["figures"]}
    assert {(figures[t["total"]], tuple(figures[p] for p in t["parts"]), t["marker"]) for t in data["tree"]} >= {
        ("2087人", ("825人", "1262人"), "其中")}


def test_annotated_html_escapes_and_colours(tmp_path):
    out = tmp_path / "批注.html"
    result = runner.invoke(app, ["audit", str(write(tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page and "<b>粗体" not in page
    assert 'class="fig inconsistent" title="【不一致·性别比】' in page
    assert 'class="fig consistent"' in page


def test_three_verdicts_are_coloured_apart(tmp_path):
    text = TEXT + "共设立服务点12个（其中高速出口服务点4个）。\n"
    out = tmp_path / "批注.html"
    result = runner.invoke(app, ["audit", str(write(tmp_path, text)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert 'class="fig partial" title="【部分核对·分项与合计】' in page
    assert ".partial {" in page and 'class="fig consistent"' in page and 'class="fig inconsistent"' in page
    flat = "".join(c for c in result.output if c not in " │\n")
    assert "部分核对1" in flat


def test_annotated_docx_has_comments_on_the_figure(tmp_path):
    out = tmp_path / "批注.docx"
    result = runner.invoke(app, ["audit", str(write(tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    import docx

    document = docx.Document(str(out))
    comments = list(document.comments)
    assert len(comments) == 1 and "性别比应为65.4" in comments[0].text
    with zipfile.ZipFile(out) as archive:
        body = archive.read("word/document.xml").decode()
    assert "commentRangeStart" in body
    # the comment is anchored on exactly the figure
    start = body.index("commentRangeStart")
    end = body.index("commentRangeEnd")
    assert ">110<" in body[start:end] and "825" not in body[start:end]
    # figures are highlighted by grade: pink 不一致 on 110, green 一致 on the 22种 breakdown
    assert 'w:highlight w:val="magenta"' in body and 'w:highlight w:val="green"' in body


def test_docx_source_keeps_its_formatting(tmp_path):
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("全县活产2087人，其中男孩825人、女孩1262人，")
    paragraph.add_run("出生人口性别比110。").bold = True
    source = tmp_path / "原文.docx"
    document.save(source)
    out = tmp_path / "批注.docx"
    assert runner.invoke(app, ["audit", str(source), "-o", str(out)]).exit_code == 0
    annotated = docx.Document(str(out))
    runs = annotated.paragraphs[0].runs
    assert "".join(r.text for r in runs) == "全县活产2087人，其中男孩825人、女孩1262人，出生人口性别比110。"
    assert [r.text for r in runs if r.bold] == ["出生人口性别比", "110", "。"]
    assert len(list(annotated.comments)) == 1


def test_errors_exit_2_in_chinese(tmp_path):
    result = runner.invoke(app, ["audit", str(tmp_path / "没有.txt")])
    assert result.exit_code == 2 and "找不到文件" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["audit", str(write(tmp_path)), "-o", str(tmp_path / "批注.pdf")])
    assert result.exit_code == 2 and "批注文件" in result.output and ".html" in result.output
