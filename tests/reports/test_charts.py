"""Charts: valid PNGs, 150 mm at 200 dpi, drawn in a CJK font without missing glyphs."""
from __future__ import annotations

import io
import logging
import subprocess
import warnings
from decimal import Decimal as D
from pathlib import Path

import pytest
from matplotlib import font_manager
from PIL import Image

from weijian.errors import ReportError
from weijian.reports import charts
from weijian.reports.charts import (
    cjk_font_family,
    find_cjk_font,
    progress_chart,
    ranking_chart,
    trend_chart,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TOWNS = ["明溪口镇", "官庄镇", "凉水井镇", "七甲坪镇", "筲箕湾镇", "五强溪镇", "二酉苗族乡", "大合坪乡",
         "北溶乡", "荔溪乡", "杜家坪乡", "火场土家族乡", "借母溪乡", "君山乡", "楠木铺乡", "沅陵镇",
         "陈家滩乡", "清浪乡", "朱红溪乡", "马底驿乡", "太常乡", "城区社区卫生服务中心"]


def _zh_fonts() -> set[Path]:
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
    except OSError:
        return set()
    return {Path(line.split(":")[0].strip()) for line in out.splitlines() if line.strip()}


def _image(png: bytes) -> Image.Image:
    assert png[:8] == PNG_MAGIC
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def _check_size(png: bytes) -> Image.Image:
    image = _image(png)
    # 150 mm at 200 dpi is 1181 px wide
    assert abs(image.width - round(150 / 25.4 * 200)) <= 2
    assert 300 < image.height < 2000
    return image


# -- the font ------------------------------------------------------------------------------


def test_font_is_cjk():
    path = find_cjk_font()
    assert path.is_file()
    assert "CJK" in path.name or path in _zh_fonts()
    family = cjk_font_family()
    resolved = Path(font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False))
    assert resolved == path or "CJK" in resolved.name or resolved in _zh_fonts()


def test_font_lookup_is_cached():
    assert find_cjk_font() is find_cjk_font()


def test_no_font_raises_in_chinese(monkeypatch):
    find_cjk_font.cache_clear()
    try:
        monkeypatch.setattr(charts, "_fontconfig_zh_files", lambda: {})
        monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
        with pytest.raises(ReportError, match="未找到中文字体.*fonts-noto-cjk"):
            find_cjk_font()
    finally:
        monkeypatch.undo()
        find_cjk_font.cache_clear()
    assert find_cjk_font().is_file()


def _missing_glyphs(caplog, draw) -> list[str]:
    """Messages about missing glyphs, from warnings and from logging alike."""
    caplog.clear()
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        draw()
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    return [m for m in messages if "missing from" in m]


def test_chinese_text_draws_without_missing_glyphs(caplog):
    def draw():
        trend_chart("门诊人次逐月变化（‰、—、％）", ["1月", "2月", "3月"],
                    {"2026年": [D("-1.5"), D("2.25"), None], "2025年": [1, 2, 3]}, "人次")
        ranking_chart("各乡镇排名", TOWNS, [D(100 - i) for i in range(22)], "%",
                      reference=D("90.5"), reference_label="全县平均90.5%", highlight={"太常乡"})
        progress_chart("任务完成率", ["沅陵镇", "官庄镇"], [D("112.3"), D("45")], 50)

    assert _missing_glyphs(caplog, draw) == []


def test_missing_glyph_check_can_fail(caplog):
    # the check above must be able to see a missing glyph (an Egyptian hieroglyph)
    assert _missing_glyphs(caplog, lambda: progress_chart("\U00013000", ["沅陵镇"], [1], None))


# -- trend ---------------------------------------------------------------------------------


def test_trend_chart_png():
    png = trend_chart("2026年1—6月门诊人次", [f"{m}月" for m in range(1, 7)],
                      {"2026年": [D("10234"), D("9876"), None, D("11342"), D("12011"), D("11890")],
                       "2025年": [9800, 9500, 10100, 10500, 11000.5, 11200]}, "人次")
    _check_size(png)


def test_trend_single_point_and_single_series():
    _check_size(trend_chart("单月", ["6月"], {"2026年": [D("95.42")]}, "%"))


def test_trend_rejects_empty_and_mismatched():
    with pytest.raises(ReportError, match="没有数据"):
        trend_chart("空", [], {"2026年": []}, "人次")
    with pytest.raises(ReportError, match="不一致"):
        trend_chart("错位", ["1月", "2月"], {"2026年": [1]}, "人次")
    with pytest.raises(ReportError, match="全部缺失"):
        trend_chart("缺失", ["1月"], {"2026年": [None]}, "人次")


# -- ranking -------------------------------------------------------------------------------


def test_ranking_chart_22_bars_with_gaps():
    values = [D("98.56") - D(i) * D("1.37") for i in range(22)]
    values[7] = None
    png = ranking_chart("各乡镇高血压患者规范管理率", TOWNS, values, "%", reference=88.12,
                        reference_label="全县88.12%", highlight={"马底驿乡", "太常乡"})
    image = _check_size(png)
    assert image.height > 800  # tall enough that 22 names stay legible


def test_ranking_single_and_negative():
    _check_size(ranking_chart("单项", ["沅陵镇"], [D("-3.2")], "%", reference=0))


def test_ranking_rejects_empty_with_chinese_message():
    with pytest.raises(ReportError, match="没有数据"):
        ranking_chart("空排名", [], [], "%")
    with pytest.raises(ReportError, match="应为数字"):
        ranking_chart("坏值", ["沅陵镇"], ["九十"], "%")


# -- progress ------------------------------------------------------------------------------


def test_progress_chart_png():
    png = progress_chart("各乡镇免疫接种任务完成率", TOWNS[:10],
                         [D("112.3"), D("98.2"), D("76.5"), D("55.0"), D("50.1"), D("48.2"), None,
                          D("30.0"), D("12.5"), D("0")], 50)
    _check_size(png)


def test_progress_single_without_time_progress():
    _check_size(progress_chart("完成率", ["沅陵镇"], [45.5], None))


def test_progress_rejects_empty():
    with pytest.raises(ReportError, match="没有数据"):
        progress_chart("空", [], [], 50)


def test_charts_leave_no_figures_behind():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    progress_chart("完成率", ["沅陵镇"], [45.5], 50)
    assert plt.get_fignums() == before


# -- layout and encoding -------------------------------------------------------------------

MM_PX = 200 / 25.4  # pixels per millimetre at 200 dpi


def _ink_margins(image: Image.Image) -> tuple[float, float, float, float]:
    """Left, right, top and bottom white margins around everything drawn, in mm."""
    grey = image.convert("L")
    box = grey.point(lambda v: 255 if v < 250 else 0).getbbox()
    assert box is not None, "nothing drawn"
    left, top, right, bottom = box
    return (left / MM_PX, (image.width - right) / MM_PX, top / MM_PX, (image.height - bottom) / MM_PX)


@pytest.mark.parametrize("draw", [
    lambda: trend_chart("2026年1—6月门诊人次", [f"{m}月" for m in range(1, 7)],
                        {"2026年": [304126, 297953, 281059, 265118, 253424, 237980],
                         "2025年": [297070, 291084, 280401, 259694, 249046, 236303]}, "人次"),
    lambda: ranking_chart("各乡镇高血压患者规范管理率", TOWNS, [D("98.56") - D(i) * D("1.37") for i in range(22)],
                          "%", reference=88.12, reference_label="全县88.12%"),
    lambda: ranking_chart("增减", TOWNS[:4], [D("12.5"), D("-30.25"), D("101.75"), None], "", reference=20),
    lambda: progress_chart("任务完成进度", TOWNS[:10], [D("102.12")] + [D(10 * i) for i in range(9)], 50),
], ids=["trend", "ranking", "negative", "progress-past-100"])
def test_everything_drawn_fits_with_a_3mm_margin(draw):
    # the value at the end of the longest bar or the last point sets the right margin
    # as much as the tick labels: all four sides keep about 3 mm, none is cut off
    for margin in _ink_margins(_check_size(draw())):
        assert 2.5 <= margin <= 4.0


def test_png_is_opaque_rgb_at_200_dpi():
    image = _check_size(progress_chart("完成率", ["沅陵镇"], [45.5], 50))
    assert image.mode == "RGB"
    assert image.info["dpi"] == pytest.approx((200, 200), abs=0.01)


def test_highlighted_names_are_in_the_accent_colour():
    image = _check_size(ranking_chart("排名", TOWNS[:5], [5, 4, 3, 2, 1], "%", highlight={"七甲坪镇"}))

    def accent_pixels(chart: Image.Image) -> int:
        names = chart.crop((0, 0, round(12 * MM_PX), chart.height))  # the names, left of the bars
        return sum(count for count, (r, g, b) in names.getcolors(1 << 24)
                   if r > 150 and g < 110 and b < 100)

    assert accent_pixels(image) > 50
    assert accent_pixels(_check_size(ranking_chart("排名", TOWNS[:5], [5, 4, 3, 2, 1], "%"))) == 0


def test_names_too_long_for_the_figure_still_draw():
    _check_size(ranking_chart("极端", ["很长的机构名称" * 12, "短"], [1, 2], "%"))
