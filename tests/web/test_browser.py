"""Browser tests: Debian's chromium driven by Playwright against a real uvicorn server
(in a background thread on a free port): log in, enter a month for a 村卫生室 and see a
rule violation, upload an Excel with one bad row and see the problem, approve, view the
dashboard, download the report. Screenshots go to $WEIJIAN_SCREENSHOTS when set."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from web_fixtures import PASSWORD, VILLAGE_A, private_web, served

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def server(demo_workspace, tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("找不到 chromium（apt-get install chromium），跳过浏览器测试")
    with private_web(demo_workspace, tmp_path_factory, "browser") as web, served(web.app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("WEIJIAN_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _login(browser, server, name: str, viewport=(1366, 768)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    return page


def test_enter_a_month_and_see_the_rule_violation(browser, server, shots):
    page = _login(browser, server, "cun_a")
    page.goto(f"{server}/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202611")
    page.wait_for_selector("#rules .ok, #rules .findings")
    for element, value in (("HTN_MANAGED", "40"), ("HTN_STD_MANAGED", "55"), ("HTN_CONTROLLED", "30")):
        cell = page.locator(f'input[name="v:{element}:"]')
        cell.fill(value)
        cell.press("Tab")
        page.locator(f'td.saved:has(input[name="v:{element}:"])').wait_for()
    violation = page.locator("#rules .findings li", has_text="超过已管理高血压患者人数")
    violation.first.wait_for()
    page.locator(f'input[name="v:HTN_STD_MANAGED:"]').scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "数据录入.png"))
    assert "规范管理高血压患者人数（55）" in violation.first.inner_text()
    phone = _login(browser, server, "cun_a", viewport=(390, 844))
    phone.goto(f"{server}/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202611")
    phone.wait_for_selector("#rules .findings")
    phone.screenshot(path=str(shots / "数据录入_手机.png"))


def test_hand_in_the_form_after_fixing_a_rule(browser, server, shots):
    """上报: a broken rule of importance 高 refuses it, named; fixed, the form is handed in."""
    page = _login(browser, server, "cun_a")
    page.goto(f"{server}/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202611")
    for element, value in (("HTN_MANAGED", "41"), ("HTN_STD_MANAGED", "56")):  # not what the test above typed
        cell = page.locator(f'input[name="v:{element}:"]')
        cell.fill(value)
        cell.press("Tab")
        page.locator(f'td.saved:has(input[name="v:{element}:"])').wait_for()
    hand_in = page.locator('#completion button:text-is("上报")')
    hand_in.click()
    page.locator("#completion .problems", has_text="不能上报").wait_for()
    assert "超过已管理高血压患者人数" in page.inner_text("#completion .findings")
    cell = page.locator('input[name="v:HTN_STD_MANAGED:"]')
    cell.fill("30")
    cell.press("Tab")
    page.locator('td.saved:has(input[name="v:HTN_STD_MANAGED:"])').wait_for()
    page.locator('#completion button:text-is("上报")').click()
    page.locator("#completion .ok", has_text="已上报").first.wait_for()
    assert page.locator('#completion button:text-is("撤销上报")').count() == 1
    page.locator("#completion").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "数据录入_上报.png"))


def test_locking_an_incomplete_township_asks_to_confirm(browser, server, shots):
    page = _login(browser, server, "shenhe")
    page.goto(f"{server}/review?ou=YL_MDY&period=202608")
    assert "已上报 / 应报" in page.inner_text("main")
    page.click("button:has-text(\"审核并锁定\")")
    page.locator("#approve-confirm", has_text="份报表未上报").wait_for()
    assert page.locator(".locked").count() == 0
    page.screenshot(path=str(shots / "数据审核_确认锁定.png"), full_page=True)
    page.check("#approve-confirm input[name=confirm]")
    page.click("button:has-text(\"确认锁定\")")
    page.locator(".locked", has_text="已审核锁定").wait_for()


def test_upload_an_excel_with_one_bad_row(browser, server, shots, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["dataelement", "period", "orgunit", "value"])
    sheet.append(["VILLAGE_VISITS", "202611", VILLAGE_A, 31])
    sheet.append(["VILLAGE_VISITS", "202611", "YL_GX_C02", "三十"])
    path = tmp_path / "11月村卫生室.xlsx"
    book.save(path)
    page = _login(browser, server, "luru_a")
    page.goto(f"{server}/import")
    page.set_input_files("input[name=files]", str(path))
    page.click("button:has-text(\"检查\")")
    page.locator("#import-report .error", has_text="未写入任何数据").wait_for()
    page.screenshot(path=str(shots / "数据导入.png"), full_page=True)
    rows = page.locator("#import-report tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(1).inner_text() == "3"  # the bad row, as Excel numbers it
    sheet.delete_rows(3)
    book.save(path)
    page.set_input_files("input[name=files]", str(path))
    page.click("button:has-text(\"检查\")")
    page.click("button:has-text(\"确认导入\")")
    page.locator("#import-report .ok", has_text="导入成功").wait_for()


def test_approve_then_the_form_is_read_only(browser, server, shots):
    page = _login(browser, server, "shenhe")
    page.goto(f"{server}/review?ou=YL_GX&period=202610")
    page.click("button:has-text(\"审核并锁定\")")
    page.locator(".locked", has_text="已审核锁定").wait_for()
    page.screenshot(path=str(shots / "数据审核.png"))
    entry = _login(browser, server, "cun_a")
    entry.goto(f"{server}/entry?ou={VILLAGE_A}&dataset=BPHS_MONTHLY&period=202610")
    assert "审核锁定" in entry.inner_text(".locked")
    assert entry.locator('input[name="v:HTN_MANAGED:"]').get_attribute("readonly") is not None
    cell = entry.locator('td:has(input[name="v:HTN_MANAGED:"])')
    assert "readonly" in cell.get_attribute("class").split()
    grey = entry.locator('input[name="v:HTN_MANAGED:"]').evaluate("e => getComputedStyle(e).backgroundColor")
    assert grey == "rgb(236, 239, 243)"  # looks locked, not only is


def test_dashboard_draws_its_charts(browser, server, shots):
    page = _login(browser, server, "admin")
    page.goto(f"{server}/dashboard?ou=YL&indicator=HTN_STD_RATE&period=2026年1-10月")
    page.wait_for_selector("#trend-chart canvas")
    page.wait_for_selector("#rank-chart canvas")
    page.wait_for_timeout(800)  # the charts' entry animation
    page.screenshot(path=str(shots / "指标看板.png"), full_page=True)
    assert "高血压患者规范管理率" in page.inner_text("main")
    page.goto(f"{server}/reporting?ou=YL&period=202601..202610")
    page.locator("table.heatmap a").first.click()
    page.locator("#drill h2").wait_for()
    page.screenshot(path=str(shots / "上报情况.png"), full_page=False)


def test_download_the_report(browser, server, shots, tmp_path):
    page = _login(browser, server, "admin")
    page.goto(f"{server}/summary?period=2026S1")
    page.wait_for_selector(".report-preview article")
    page.screenshot(path=str(shots / "工作总结.png"))
    with page.expect_download() as download:
        page.click("#download-docx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".docx" and saved.read_bytes()[:2] == b"PK"
    assert "工作总结" in saved.name


def test_import_a_county_sheet_through_the_wizard(browser, server, shots, tmp_path):
    """A township summary with a header the system is not sure of: fix one drop-down, preview, import."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "2026年11月"
    for row in (["沅陵县2026年11月慢病管理情况", None, None], ["乡镇", "高血压患者管理数", "糖尿病规范管理人数"],
                ["官庄镇", 1390, 702], ["凉水井", 1207, 651], ["合计", 2597, 1353]):
        book.active.append(row)
    book.active.merge_cells("A1:C1")
    path = tmp_path / "慢病月报2026年11月.xlsx"
    book.save(path)
    page = _login(browser, server, "admin")
    page.goto(f"{server}/import")
    page.click("a:has-text(\"导入本县格式的表格\")")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text(\"下一步\")")
    unsure = page.locator("select[name=col_B]")
    assert unsure.get_attribute("class") == "unmapped"
    assert page.locator("select[name=col_C]").get_attribute("class") == "mapped"
    page.screenshot(path=str(shots / "表格导入_核对映射.png"), full_page=True)
    unsure.select_option("HTN_MANAGED")
    page.click("button:has-text(\"按此映射重新预览\")")
    page.locator("#preview td", has_text="已管理高血压患者人数").first.wait_for()
    assert "2026年11月!B3" in page.inner_text("#preview")
    page.fill("#preview input[name=name]", "慢病月报")
    page.click("button:has-text(\"保存配置并导入\")")
    page.locator("#import-report .ok", has_text="映射配置已保存为“慢病月报”").wait_for()
    page.screenshot(path=str(shots / "表格导入_完成.png"))


def test_a_value_typed_after_the_session_expired_is_kept_and_saved_after_login(browser, server, shots):
    """Nothing typed is lost silently: the session expires (its cookie is gone), a cell is typed,
    the save is refused; the cell stays marked 未保存 with its value, kept in the browser; after
    logging in again the form puts it back, marked, and saves it on the user's word."""
    address = f"{server}/entry?ou={VILLAGE_A}&dataset=VILLAGE_MONTHLY&period=202611"
    page = _login(browser, server, "cun_a")
    page.goto(address)
    cell = page.locator('input[name="v:VILLAGE_VISITS:"]')
    cell.wait_for()
    page.context.clear_cookies()  # the session has expired
    cell.fill("47")
    cell.press("Tab")
    unsaved = page.locator('td.unsaved:has(input[name="v:VILLAGE_VISITS:"])')
    unsaved.wait_for()
    assert "未保存" in unsaved.inner_text() and cell.input_value() == "47"
    kept = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('weijian:draft:'))")
    assert kept == [f"weijian:draft:cun_a|{VILLAGE_A}|VILLAGE_MONTHLY|202611|v:VILLAGE_VISITS:"]
    page.screenshot(path=str(shots / "数据录入_登录过期.png"))
    page.goto(f"{server}/login?next=/")  # elsewhere, logged in again: the home page points to the form
    page.fill("input[name=name]", "cun_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    assert "村卫生室诊疗人次" not in page.inner_text("#drafts-elsewhere")
    assert "官庄镇米家口村卫生室" in page.inner_text("#drafts-elsewhere")
    page.context.clear_cookies()
    page.goto(address)  # expired again: to the login page, and back to the form
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("input[name=name]", "cun_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(address)
    page.locator("#drafts", has_text="没有保存").wait_for()
    page.context.clear_cookies()  # and expired once more before the user confirms: still kept
    page.click("#save-drafts")
    page.locator("#drafts", has_text="登录已过期").wait_for()
    assert "登录已过期" in page.inner_text('td.unsaved:has(input[name="v:VILLAGE_VISITS:"])')
    page.click("#login-again")
    page.fill("input[name=name]", "cun_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(address)
    page.locator("#drafts", has_text="没有保存").wait_for()
    restored = page.locator('td.unsaved:has(input[name="v:VILLAGE_VISITS:"])')
    restored.wait_for()
    assert page.locator('input[name="v:VILLAGE_VISITS:"]').input_value() == "47"
    assert "库中为" in restored.inner_text()
    page.screenshot(path=str(shots / "数据录入_恢复未保存.png"))
    page.click("#save-drafts")
    page.locator('td.saved:has(input[name="v:VILLAGE_VISITS:"])').wait_for()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('weijian:draft:'))") == []
    page.goto(address)
    assert page.locator('input[name="v:VILLAGE_VISITS:"]').input_value() == "47"
    assert page.locator("#drafts").is_hidden()


def test_a_value_typed_while_offline_is_marked_unsaved(browser, server):
    page = _login(browser, server, "cun_a")
    page.goto(f"{server}/entry?ou={VILLAGE_A}&dataset=VILLAGE_MONTHLY&period=202611")
    page.context.set_offline(True)
    cell = page.locator('input[name="v:VILLAGE_VISITS:"]')
    cell.fill("48")
    cell.press("Tab")
    unsaved = page.locator('td.unsaved:has(input[name="v:VILLAGE_VISITS:"])')
    unsaved.wait_for()
    assert "无法连接服务器" in unsaved.inner_text()
    page.context.set_offline(False)
    page.reload()
    page.locator('td.unsaved:has(input[name="v:VILLAGE_VISITS:"])').wait_for()
    assert page.locator('input[name="v:VILLAGE_VISITS:"]').input_value() == "48"
    page.click("#discard-drafts")
    assert page.locator('input[name="v:VILLAGE_VISITS:"]').input_value() == "47"


def test_audit_pasted_text(browser, server, shots):
    """报告核查 without a file: the summary's text pasted into the box (here on a phone)."""
    page = _login(browser, server, "shenhe", viewport=(390, 844))
    page.goto(f"{server}/audit")
    page.fill("textarea[name=text]", "全县应接种儿童200人，实际接种180人，接种率为95%。")
    page.click("button:has-text(\"核查\")")
    page.locator("#audit-result", has_text="粘贴的文字").wait_for()
    assert "95%" in page.inner_text("#audit-result .findings")
    page.screenshot(path=str(shots / "报告核查_粘贴_手机.png"), full_page=True)
