"""``weijian ledger …`` in-process on a fresh small workspace (DuckDB default)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from weijian.cli import app
from weijian.metadata import SMALL_PACKAGE

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blank") / "县卫健局"
    assert run("init", folder, "--metadata", SMALL_PACKAGE).exit_code == 0
    return folder


@pytest.fixture
def ws(blank, tmp_path):
    """A fresh copy of an empty small-package workspace."""
    return Path(shutil.copytree(blank, tmp_path / "县卫健局"))


def add_training(ws, *extra):
    return run("ledger", "add", "-w", ws, "--ou", "YL", "--domain", "公共卫生", "--kind", "培训",
               "--title", "全县基本公共卫生服务项目培训", "--start", "2026-03-10", "--end", "2026年3月12日",
               "--count", "批次=2", "--count", "人次=180", "--user", "张三", *extra)


def listed(ws, period: str, *extra) -> dict:
    result = run("ledger", "list", "-w", ws, "--period", period, "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_add_then_list(ws):
    result = add_training(ws)
    assert result.exit_code == 0, result.output
    assert "已登记台账 #" in result.output and "2026年3月10日—3月12日；批次 2、人次 180" in result.output
    data = listed(ws, "2026S1")
    assert data["totals"] == {"批次": 2, "人次": 180}
    [entry] = data["entries"]
    assert entry["counts"] == {"批次": 2, "人次": 180} and entry["end"] == "2026-03-12"
    assert data["sources"] == {"批次": [entry["id"]], "人次": [entry["id"]]}
    assert listed(ws, "2026年1-2月")["entries"] == []
    shown = run("ledger", "list", "-w", ws, "--period", "2026年上半年")
    assert shown.exit_code == 0 and "合计：2批次，180人次" in shown.output


def test_straddling_entry_is_ongoing_then_counted(ws):
    result = run("ledger", "add", "-w", ws, "--ou", "YL", "--domain", "爱国卫生", "--kind", "专项行动",
                 "--title", "夏季爱国卫生运动", "--start", "2026-06-10", "--end", "2026-08-31", "--count", "户=3500")
    assert result.exit_code == 0, result.output
    first, second = listed(ws, "2026S1"), listed(ws, "2026S2")
    assert first["totals"] == {} and [e["title"] for e in first["ongoing"]] == ["夏季爱国卫生运动"]
    assert second["totals"] == {"户": 3500} and second["ongoing"] == []


def test_documents_projects_progress_honours(ws):
    commands = [
        ("doc", "--ou", "YL", "--number", "沅卫发[2026]12号", "--title", "《关于印发基本公共卫生服务项目实施方案的通知》",
         "--date", "2026-03-05", "--domain", "公共卫生"),
        ("project", "--ou", "YL_XRMYY", "--name", "县人民医院门急诊综合楼", "--status", "在建", "--investment", "18500",
         "--funding", "地方政府专项债券", "--domain", "医疗服务"),
        ("progress", "--project", "县人民医院门急诊综合楼", "--date", "2026-05-31", "--percent", "70",
         "--milestone", "主体封顶"),
        ("honour", "--ou", "YL", "--what", "全省卫生健康系统先进集体", "--level", "省级", "--date", "2026-04-20",
         "--by", "湖南省卫生健康委员会"),
    ]
    for command in commands:
        result = run("ledger", command[0], "-w", ws, *command[1:])
        assert result.exit_code == 0, result.output
    project_id = listed(ws, "2026S1")["projects"][0]["id"]
    result = run("ledger", "progress", "-w", ws, "--project", f"#{project_id}", "--date", "2026-06-30",
                 "--percent", "100", "--milestone", "竣工验收", "--status", "竣工")
    assert result.exit_code == 0, result.output
    data = listed(ws, "2026S1")
    [doc] = data["documents"]
    assert (doc["number"], doc["title"]) == ("沅卫发〔2026〕12号", "关于印发基本公共卫生服务项目实施方案的通知")
    [project] = data["projects"]
    assert project["status"] == "竣工" and project["progress"]["percent"] == 100
    assert listed(ws, "2026年1-5月")["projects"][0]["progress"]["milestone"] == "主体封顶"
    assert [h["what"] for h in data["honours"]] == ["全省卫生健康系统先进集体"]
    shown = run("ledger", "list", "-w", ws, "--period", "2026S1")
    assert "沅卫发〔2026〕12号" in shown.output and "重点项目（截至2026年6月30日）" in shown.output


def test_filters_and_scope(ws):
    add_training(ws)
    result = run("ledger", "add", "-w", ws, "--ou", "YL_GX_WSY", "--domain", "监督", "--kind", "督导检查",
                 "--title", "村卫生室执业检查", "--start", "2026-04-01", "--count", "家=12")
    assert result.exit_code == 0, result.output
    assert listed(ws, "2026S1", "--ou", "YL_GX")["totals"] == {"家": 12}
    assert listed(ws, "2026S1", "--domain", "公共卫生")["totals"] == {"批次": 2, "人次": 180}
    assert listed(ws, "2026S1", "--kind", "督导检查")["totals"] == {"家": 12}


@pytest.mark.parametrize("args, message", [
    (["--domain", "卫生"], "未知的领域：“卫生”"),
    (["--count", "人次=十二"], "不是数字：“十二”"),
    (["--count", "人次"], "计数应写成 单位=数值"),
    (["--count", "桌=3"], "未知的计数单位：“桌”"),
    (["--count", "人次=-5"], "不能为负数：“-5”"),
    (["--end", "2026-03-01"], "结束日期（2026年3月1日）早于开始日期（2026年3月10日）"),
    (["--start", "2026-3-40"], "开始日期：不是有效的日期：“2026-3-40”"),
    (["--ou", "NOWHERE"], "未知的机构编码：“NOWHERE”"),
])
def test_bad_input_gets_a_chinese_message(ws, args, message):
    options = {"--ou": "YL", "--domain": "公共卫生", "--kind": "培训", "--title": "培训", "--start": "2026-03-10"}
    extra = []
    for i in range(0, len(args), 2):
        if args[i] in options:
            options[args[i]] = args[i + 1]
        else:
            extra += args[i:i + 2]
    flat = [x for pair in options.items() for x in pair]
    result = run("ledger", "add", "-w", ws, *flat, *extra)
    assert result.exit_code == 2
    assert "错误：" in result.output and message in result.output
    assert listed(ws, "2026")["entries"] == []


def test_other_errors(ws, tmp_path):
    assert add_training(ws).exit_code == 0
    again = add_training(ws)
    assert again.exit_code == 2 and "已有相同的台账条目" in again.output
    bad_doc = run("ledger", "doc", "-w", ws, "--ou", "YL", "--number", "沅卫发2026-1", "--title", "通知",
                  "--date", "2026-01-05")
    assert bad_doc.exit_code == 2 and "文号格式不对：“沅卫发2026-1”" in bad_doc.output
    missing = run("ledger", "progress", "-w", ws, "--project", "没有的项目", "--date", "2026-01-05", "--percent", "5")
    assert missing.exit_code == 2 and "未找到建设项目：“没有的项目”" in missing.output
    period = run("ledger", "list", "-w", ws, "--period", "2026X")
    assert period.exit_code == 2 and "无法识别的期间“2026X”" in period.output
    nowhere = run("ledger", "list", "-w", tmp_path / "不存在", "--period", "2026")
    assert nowhere.exit_code == 2 and "不是 weijian 工作区" in nowhere.output
    gone = run("ledger", "delete", "-w", ws, "发文", "999")
    assert gone.exit_code == 2 and "发文 id 999 不存在" in gone.output


def test_delete(ws):
    assert add_training(ws).exit_code == 0
    [entry] = listed(ws, "2026")["entries"]
    result = run("ledger", "delete", "-w", ws, "台账", entry["id"], "--user", "李四")
    assert result.exit_code == 0 and "已删除" in result.output
    assert listed(ws, "2026")["entries"] == []


def test_template_import_export(ws, tmp_path):
    template = tmp_path / "模板.xlsx"
    result = run("ledger", "template", "-w", ws, template)
    assert result.exit_code == 0 and template.exists()
    book = openpyxl.load_workbook(template)
    sheet = book["工作台账"]
    headers = [c.value for c in sheet[1]]
    row = {"机构编码": "YL", "领域": "中医药", "类型": "义诊", "标题": "中医药健康文化进乡村义诊",
           "开始日期": "2026-05-06", "场次": 6, "人次": 820}
    sheet.append([row.get(h) for h in headers])
    filled = tmp_path / "台账.xlsx"
    book.save(filled)

    dry = run("ledger", "import", "-w", ws, filled, "--dry-run")
    assert dry.exit_code == 0 and "试导入（未写入）：将新增 工作台账 1 条" in dry.output
    assert listed(ws, "2026")["entries"] == []
    done = run("ledger", "import", "-w", ws, filled, "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["created"] == {"entry": 1}
    again = run("ledger", "import", "-w", ws, filled)
    assert again.exit_code == 0 and "未变 工作台账 1 条" in again.output

    sheet.append([{"标题": "另一条", "人次": "十二"}.get(h, row.get(h)) for h in headers])
    book.save(filled)
    bad = run("ledger", "import", "-w", ws, filled)
    assert bad.exit_code == 1
    assert "台账.xlsx，工作台账 第 3 行“人次”列：不是数字：“十二”" in bad.output

    exported = tmp_path / "导出.xlsx"
    result = run("ledger", "export", "-w", ws, exported, "--period", "2026S1", "--ou", "YL")
    assert result.exit_code == 0 and "工作台账 1 条" in result.output
    other = tmp_path / "另一县"
    shutil.copytree(ws, other)
    for item in listed(other, "2026")["entries"]:
        assert run("ledger", "delete", "-w", other, "台账", item["id"]).exit_code == 0
    assert run("ledger", "import", "-w", other, exported).exit_code == 0
    moved = listed(other, "2026")["entries"]
    assert [(e["title"], e["counts"]) for e in moved] == [("中医药健康文化进乡村义诊", {"场次": 6, "人次": 820})]
