"""A county's own sheets through a mapping profile (issue #19): what `sheets suggest`
maps with no edit, that nothing is ever stored under a wrong meaning, and that every
refusal names the sheet's cell and what to change in the profile."""
from __future__ import annotations

import json
import shutil

import pytest
from openpyxl import Workbook
from sheet_layouts import LAYOUTS, Layout
from typer.testing import CliRunner

from weijian.cli import app
from weijian.exchange.sheet_grid import read_grid
from weijian.exchange.sheet_profile import dump_profile, load_profile
from weijian.exchange.sheet_suggest import suggest_profile
from weijian.workspace import Workspace


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """A new workspace of the demo county's tree (no data)."""
    folder = tmp_path_factory.mktemp("sheets") / "县卫健局"
    with Workspace.init(folder):
        pass
    return folder


def stored(ws) -> dict[tuple[str, str, str], float]:
    found = {}
    for v in ws.store.read_values():
        option = v.categoryoptioncombo
        element = v.dataelement + (f".{option}" if option and option != "default" else "")
        found[(element, v.orgunit, v.period)] = v.value
    return found


def test_suggested_profiles_map_most_cells_and_store_none_wrong(tmp_path):
    """The measure of issue #19: every layout suggested, saved, imported unedited, each into a new workspace."""
    cells = correct = 0
    lines = []
    for number, make in enumerate(LAYOUTS):
        layout: Layout = make(tmp_path)
        with Workspace.init(tmp_path / f"ws{number}") as ws:
            suggestion = ws.suggest_mapping(layout.path)
            profile = tmp_path / f"{layout.path.stem}.yaml"
            profile.write_text(dump_profile(suggestion.profile), encoding="utf-8")
            report = ws.import_files([layout.path], mapping=profile, period=layout.period)
            assert report.ok, f"{layout.name}: {report.describe_zh()}"
            found = stored(ws)
        right = sum(1 for key, value in layout.truth.items() if key in found and abs(found[key] - value) < 1e-6)
        bad = [key for key in found if key not in layout.truth or abs(found[key] - layout.truth[key]) > 1e-6]
        assert not bad, f"{layout.name}: stored under a wrong meaning: {bad[:5]}"
        cells, correct = cells + len(layout.truth), correct + right
        lines.append(f"  {layout.name}：{right}/{len(layout.truth)}")
    share = correct / cells
    print(f"\n{len(LAYOUTS)} 种格式、{cells} 个数据单元格：不改配置即正确导入 {correct} 个（{share:.1%}），存错 0 个")
    print("\n".join(lines))
    assert len(LAYOUTS) >= 12 and share >= 0.9


def test_an_unsure_header_is_listed_not_guessed(county, tmp_path):
    layout = LAYOUTS[-1](tmp_path)
    with Workspace.open(county) as ws:
        suggestion = ws.suggest_mapping(layout.path)
    column = suggestion.profile.column("B")
    assert column.element is None and "HTN_MANAGED" in column.note
    assert any("高血压患者管理数" in item and "相似度" in item for item in suggestion.profile.unsure)
    assert "高血压患者管理数" in dump_profile(suggestion.profile)  # the user sees it in the file too


def test_profile_round_trips_through_yaml(county, tmp_path):
    layout = LAYOUTS[0](tmp_path)
    with Workspace.open(county) as ws:
        profile = ws.suggest_mapping(layout.path).profile
    path = tmp_path / "p.yaml"
    path.write_text(dump_profile(profile), encoding="utf-8")
    again = load_profile(path)
    assert again.columns == profile.columns and again.rows == profile.rows
    assert (again.header_rows, again.first_row, again.label_column, again.period) == (
        profile.header_rows, profile.first_row, profile.label_column, profile.period)


def test_merged_cells_read_as_shown(tmp_path):
    layout = LAYOUTS[0](tmp_path)
    grid = read_grid(layout.path)
    assert grid.sheet == "5月" and grid.text(2, 3) == "健康档案" and grid.text(1, 5).startswith("沅陵县")


def sheet_with(tmp_path, rows, title="2026年5月", name="表.xlsx"):
    book = Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def import_through(county, path, tmp_path, **options):
    with Workspace.open(county) as ws:
        profile = tmp_path / "p.yaml"
        profile.write_text(dump_profile(suggest_profile(read_grid(path), ws.package).profile), encoding="utf-8")
        before = ws.store.count_values()
        report = ws.import_files([path], mapping=profile, **options)
        assert ws.store.count_values() == before or report.ok
        return report, profile


@pytest.mark.parametrize("rows, where, words", [
    ([["乡镇", "健康知识讲座次数"], ["官庄镇", 3], ["凉水井镇", "三次"]], "2026年5月!B3", "不是数字"),
    ([["乡镇", "健康知识讲座次数"], ["官庄镇", 3], ["凉水井镇", -2]], "2026年5月!B3", "负"),
    ([["乡镇", "健康知识讲座次数"], ["官庄镇", 3], ["凉水井镇", 4], ["合计", 9]], "2026年5月!B4", "合计"),
])
def test_bad_cells_are_refused_by_their_own_cell(county, tmp_path, rows, where, words):
    report, _ = import_through(county, sheet_with(tmp_path, rows), tmp_path)
    assert not report.ok
    text = report.describe_zh()
    assert where in text and words in text, text


def test_an_unknown_label_says_which_line_to_add(county, tmp_path):
    path = sheet_with(tmp_path, [["乡镇", "健康知识讲座次数"], ["官庄镇", 3], ["凉水井镇", 4]])
    with Workspace.open(county) as ws:
        profile = tmp_path / "p.yaml"
        profile.write_text(dump_profile(suggest_profile(read_grid(path), ws.package).profile), encoding="utf-8")
    # next month a township the profile has not seen
    path = sheet_with(tmp_path, [["乡镇", "健康知识讲座次数"], ["官庄镇", 3], ["新设立镇", 4]])
    with Workspace.open(county) as ws:
        report = ws.import_files([path], mapping=profile)
    assert not report.ok
    assert "2026年5月!A3" in report.describe_zh() and "rows 中加一行“新设立镇: 编码”" in report.describe_zh()


def test_a_sheet_without_a_period_asks_for_one(county, tmp_path):
    path = sheet_with(tmp_path, [["乡镇", "健康知识讲座次数"], ["官庄镇", 3], ["凉水井镇", 4]], title="Sheet1",
                      name="讲座.xlsx")
    report, profile = import_through(county, path, tmp_path)
    assert not report.ok and "--period" in report.describe_zh()
    with Workspace.open(county) as ws:
        assert ws.import_files([path], mapping=profile, period="202605", dry_run=True).ok


def test_rerunning_the_same_file_changes_nothing(county, tmp_path):
    path = sheet_with(tmp_path, [["乡镇", "健康教育宣传栏更新次数"], ["官庄镇", 2], ["凉水井镇", 5]])
    first, profile = import_through(county, path, tmp_path)
    assert first.ok and first.summary.created == 2
    with Workspace.open(county) as ws:
        again = ws.import_files([path], mapping=profile)
        assert again.ok and again.summary.unchanged == 2 and again.summary.created == 0


def test_cli_suggest_then_import(county, tmp_path):
    layout = LAYOUTS[0](tmp_path)
    folder = tmp_path / "ws"
    shutil.copytree(county, folder)
    runner = CliRunner()
    suggest = runner.invoke(app, ["sheets", "suggest", str(layout.path), "-w", str(folder)])
    assert suggest.exit_code == 0, suggest.output
    saved = folder / "mappings" / "基本公卫进度表.yaml"
    assert saved.exists() and "映射配置已写入" in suggest.output
    dry = runner.invoke(app, ["import", str(layout.path), "--mapping", "基本公卫进度表", "-w", str(folder), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["summary"]["created"] == len(layout.truth)
    wrong = runner.invoke(app, ["import", str(layout.path), "--period", "202605", "-w", str(folder)])
    assert wrong.exit_code == 2 and "--mapping" in wrong.output
