"""Templates users copy and edit: errors name file and line; sentences and
sections without data are left out; includes fall back to the defaults."""
from __future__ import annotations

from datetime import date

import pytest

from weijian import Workspace
from weijian.errors import ReportError
from weijian.reports.document import Heading, Paragraph

HEAD = "---\ntitle: 测试总结\nsignature: 测试局\n---\n"


@pytest.fixture(scope="module")
def ws(demo_workspace):
    workspace = Workspace.open(demo_workspace)
    yield workspace
    workspace.close()


def draft(ws, tmp_path, body, name="模板.md.j2", period="2026S1"):
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return ws.report(period, template=path, today=date(2026, 7, 6))


def texts(document):
    return [b.text for b in document.blocks if isinstance(b, (Heading, Paragraph))]


def test_syntax_error_names_file_and_line(ws, tmp_path):
    with pytest.raises(ReportError, match=r"模板\.md\.j2 第 7 行：模板语法错误"):
        draft(ws, tmp_path, "# 一\n\n{% if %}\n")


def test_unknown_name_names_file_and_line(ws, tmp_path):
    with pytest.raises(ReportError, match=r"模板\.md\.j2 第 6 行：未定义的名称"):
        draft(ws, tmp_path, "# 一\n{{ no_such_function('X') }}\n")


def test_unknown_code_names_file_and_line(ws, tmp_path):
    with pytest.raises(ReportError, match=r"第 7 行：.*“NO_SUCH_CODE”不存在"):
        draft(ws, tmp_path, "# 一\n\n{{ fact('NO_SUCH_CODE') }}\n")


def test_error_inside_an_included_file_names_that_file(ws, tmp_path):
    (tmp_path / "_部分.md.j2").write_text("第一行\n{{ fact('BAD_CODE') }}\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"_部分\.md\.j2 第 2 行"):
        draft(ws, tmp_path, '# 一\n{% include "_部分.md.j2" %}\n')


def test_front_matter_is_required(ws, tmp_path):
    path = tmp_path / "无文头.md.j2"
    path.write_text("# 一\n正文\n", encoding="utf-8")
    with pytest.raises(ReportError, match="文头"):
        ws.report("2026S1", template=path)


def test_missing_template_file(ws, tmp_path):
    with pytest.raises(ReportError, match="模板文件不存在"):
        ws.report("2026S1", template=tmp_path / "没有.md.j2")


def test_sentences_without_data_are_left_out_and_points_renumbered(ws, tmp_path):
    body = ("# 情况\n## 有数据\n"
            "{% set a %}老年人健康管理率{{ fact('ELDERLY_MGMT_RATE', period='2019') }}{% endset %}"
            "{% set b %}高血压患者规范管理率{{ fact('HTN_STD_RATE') }}{% endset %}"
            "**概括。**{{ points(a, b) }}全县活产{{ fact('LIVE_BIRTHS_TOTAL', period='2019') }}人。总诊疗{{ fact('TOTAL_VISITS') }}人次。\n"
            "## 没有数据\n{{ fact('HTN_STD_RATE', period='2019') }}\n")
    document = draft(ws, tmp_path, body).document
    lines = texts(document)
    assert lines[:2] == ["一、情况", "（一）有数据"]
    paragraph = lines[2]
    assert paragraph.startswith("概括。一是高血压患者规范管理率") and "二是" not in paragraph
    assert "活产" not in paragraph and "总诊疗" in paragraph
    assert "没有数据" not in "".join(lines)  # the heading left with nothing under it is dropped


def test_a_users_template_includes_the_default_parts(ws, tmp_path):
    document = draft(ws, tmp_path, '# 存在问题\n{% include "_存在问题.md.j2" %}\n').document
    assert any("是妇幼健康服务还有薄弱环节" in t for t in texts(document))


def test_headings_are_numbered_by_level(ws, tmp_path):
    body = "# 甲\n正文{{ fact('TOTAL_VISITS') }}\n## 乙\n正文{{ fact('TOTAL_VISITS') }}\n### 丙\n正文{{ fact('TOTAL_VISITS') }}\n#### 丁\n正文{{ fact('TOTAL_VISITS') }}\n## 戊\n正文{{ fact('TOTAL_VISITS') }}\n# 己\n正文\n"
    headings = [b.text for b in draft(ws, tmp_path, body).document.blocks if isinstance(b, Heading)]
    assert headings == ["一、甲", "（一）乙", "1.丙", "（1）丁", "（二）戊", "二、己"]


def test_conditionals_choose_the_word(ws, tmp_path):
    body = ("# 一\n门急诊{{ fact('OUTPATIENT_TOTAL') }}人次，"
            "{{ '超额完成' if done('OUTPATIENT_TOTAL').over else '完成' }}{{ done('OUTPATIENT_TOTAL') }}，"
            "总诊疗人次{{ '增长' if yoy('TOTAL_VISITS').up else '下降' }}。\n")
    text = texts(draft(ws, tmp_path, body).document)[1]
    assert "完成完成全年任务的" in text and "总诊疗人次增长" in text  # 48.85% of the task, visits up in the demo


def test_ledger_tally_and_work_sentences(ws, tmp_path):
    from weijian.ledger import period_bounds
    from weijian.model.periods import Period

    body = ("# 一\n全县开展培训{{ tally('人次', kind='培训') }}人次，其中妇幼{{ tally('人次', '妇幼', '培训') }}人次。"
            "{{ points(*work('监督')) }}\n")
    draft_ = draft(ws, tmp_path, body)
    text = texts(draft_.document)[1]
    summary = ws.ledger.summarize(*period_bounds(Period.parse("2026S1")), ws.subtree("YL"), kind="培训")
    assert f"全县开展培训{int(summary.totals['人次'])}人次" in text
    assert "一是" in text and "卫生监督意见书" in text
    ledger_facts = [f for f in draft_.facts if f.kind == "ledger"]
    assert ledger_facts and all(f.inputs for f in ledger_facts)
