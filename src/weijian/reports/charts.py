"""Charts for a 工作总结: month trends, rankings of 乡镇, progress against targets.

Each function returns PNG bytes, 150 mm wide at 200 dpi, in the plain look
of an official report: black, greys and one accent colour, a thin grey grid,
every value written on the chart. Every piece of text is set in a CJK font
(Noto Sans CJK SC where installed); without one we refuse to draw rather
than print boxes (tofu).

Figures are built on ``matplotlib.figure.Figure`` with the Agg canvas attached
directly, never pyplot: no display is needed, the process-wide backend is left
alone, and no figure outlives its call. Font settings go through
``rc_context`` (restored on exit) under a lock, since matplotlib's settings
are process-wide.
"""
from __future__ import annotations

import functools
import io
import math
import subprocess
import threading
from decimal import Decimal
from pathlib import Path
from typing import Sequence

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory, offset_copy
from PIL import Image

from weijian.errors import ReportError

__all__ = ["cjk_font_family", "find_cjk_font", "progress_chart", "ranking_chart", "trend_chart"]

NO_FONT_MESSAGE = "未找到中文字体，图表无法绘制；请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）"

WIDTH_MM = 150.0
DPI = 200
MM = 1 / 25.4  # inches per millimetre

BLACK = "#1A1A1A"
GREY = "#8C8C8C"
LIGHT = "#BFBFBF"
GRID = "#D9D9D9"
ACCENT = "#C0392B"  # the one accent colour: lagging units, the current-year line
BAR = "#7F7F7F"

# Families tried in order; the first that fontconfig or matplotlib knows wins.
_PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
              "Microsoft YaHei", "SimHei", "Noto Serif CJK SC")
_CJK_HINTS = ("CJK", "Han Sans", "Han Serif", "WenQuanYi", "YaHei", "SimHei", "SimSun", "FangSong",
              "Hei", "Song", "Kai")

_lock = threading.Lock()


# -- the font -------------------------------------------------------------------------


def _run(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""  # no fontconfig: fall through to matplotlib's own list


def _fontconfig_zh_files() -> dict[Path, list[str]]:
    """Files fontconfig says cover Chinese, with the families in each (a .ttc holds several)."""
    found: dict[Path, list[str]] = {}
    for line in _run(["fc-list", ":lang=zh", "file", "family"]).splitlines():
        file, _, family = line.partition(":")
        path = Path(file.strip())
        if path.is_file():
            found.setdefault(path, []).append(family.strip().split(",")[0])
    return found


def _regular_first(items):
    """Regular faces before bold/light ones (a family's files share its name)."""
    def weight(item) -> int:
        name = item[0].name.lower()
        return 0 if "regular" in name or not any(w in name for w in ("bold", "light", "thin", "black",
                                                                         "medium", "heavy")) else 1
    return sorted(items, key=weight)


@functools.cache
def find_cjk_font() -> Path:
    """The file of a font with Chinese glyphs, Noto Sans CJK SC when present.

    Asks fontconfig (``fc-list :lang=zh``) first, then matplotlib's font list.
    Raises ReportError (in Chinese, naming the package to install) if none.
    """
    zh = _fontconfig_zh_files()
    if zh:
        ordered = _regular_first(zh.items())
        for wanted in _PREFERRED:
            for path, families in ordered:
                if any(f.startswith(wanted.rsplit(" ", 1)[0]) for f in families):
                    return path
        return ordered[0][0]
    entries = [(Path(e.fname), e.name) for e in font_manager.fontManager.ttflist]
    for wanted in _PREFERRED:
        for path, name in _regular_first(entries):
            if name.startswith(wanted.rsplit(" ", 1)[0]) and path.is_file():
                return path
    for path, name in _regular_first(entries):
        if any(hint in name for hint in _CJK_HINTS) and path.is_file():
            return path
    raise ReportError(NO_FONT_MESSAGE)


@functools.cache
def cjk_font_family() -> str:
    """Register the CJK font (and its bold sibling) with matplotlib; its family name.

    A .ttc holds several families (JP, SC, TC…); the SC face is chosen so that
    hanzi take their mainland shapes.
    """
    path = find_cjk_font()
    font_manager.fontManager.addfont(str(path))
    bold = _run(["fc-match", "-f", "%{file}", f"{_family_in(path)}:bold"]).strip()
    if bold and Path(bold).is_file() and Path(bold) != path and Path(bold) in _fontconfig_zh_files():
        font_manager.fontManager.addfont(bold)
    return _family_in(path)


def _family_in(path: Path) -> str:
    names = [e.name for e in font_manager.fontManager.ttflist if Path(e.fname) == path]
    if not names:
        font_manager.fontManager.addfont(str(path))
        names = [e.name for e in font_manager.fontManager.ttflist if Path(e.fname) == path]
    for suffix in (" SC", " CN", ""):
        for name in names:
            if name.endswith(suffix) and "Mono" not in name:
                return name
    return names[0]


# -- shared drawing helpers ---------------------------------------------------------------


def _style(family: str) -> dict:
    return {
        "font.family": [family, "DejaVu Sans"],  # DejaVu only for a glyph the CJK font lacks
        "font.size": 8.5,
        "axes.unicode_minus": False,  # ASCII hyphen-minus: present in every font
        "axes.edgecolor": GREY,
        "axes.linewidth": 0.6,
        "axes.labelcolor": BLACK,
        "xtick.color": GREY,
        "ytick.color": GREY,
        "xtick.labelcolor": BLACK,
        "ytick.labelcolor": BLACK,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
    }


def _numbers(values: Sequence, what: str) -> list[float]:
    """Floats with NaN for a missing value (matplotlib leaves a gap there)."""
    out = []
    for value in values:
        if value is None:
            out.append(math.nan)
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise ReportError(f"{what}的数值应为数字，而不是 {value!r}")
        number = float(value)
        out.append(number if math.isfinite(number) else math.nan)
    return out


def _label(value: float, source: object) -> str:
    """A value as written on a chart: a Decimal keeps its own places, a float at most two."""
    if isinstance(source, Decimal):
        return format(source, "f")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _check(title: str, count: int, lengths: dict[str, int], values: list[float]) -> None:
    name = f"图表“{title}”" if title else "图表"
    if count == 0:
        raise ReportError(f"{name}没有数据，无法绘制")
    for what, n in lengths.items():
        if n != count:
            raise ReportError(f"{name}的{what}有 {n} 个，与名称（{count} 个）不一致")
    if all(math.isnan(v) for v in values):
        raise ReportError(f"{name}的数值全部缺失，无法绘制")


def _figure(height_mm: float) -> Figure:
    fig = Figure(figsize=(WIDTH_MM * MM, height_mm * MM), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _title(ax, title: str, pad: float = 6) -> None:
    if title:
        ax.set_title(title, fontsize=11, fontweight="bold", color=BLACK, pad=pad)


PAD_MM = 3.0  # white margin between the outermost text and the figure's edge


def _fit(fig: Figure) -> None:
    """Place the figure's one axes so that all it draws fits with ``PAD_MM`` to spare.

    What matplotlib's constrained layout does for a single axes, cheaper: it
    measures every tick label, title and text twice, and savefig then draws
    the figure twice. Here the axis decorations (tick labels, axis labels,
    title) are measured once: they keep their distance to the axes' edges
    when it moves, so one measure places them, unless the new size brings
    other ticks. Texts placed in data coordinates (values at the bar ends, at
    the points) and the legend move with the axes' size instead; only they are
    measured again until the placing settles. Like constrained layout, it
    gives up (leaving the default place) if the texts leave no room for the axes.
    """
    (ax,) = fig.axes
    start = ax.get_position()
    renderer = fig.canvas.get_renderer()
    pad = PAD_MM * MM * fig.dpi
    width, height = fig.bbox.width, fig.bbox.height
    moving = [a for a in (*ax.texts, ax.get_legend()) if a is not None and a.get_in_layout()]
    fixed_artists = [a for a in ax.get_default_bbox_extra_artists() if a not in moving]
    for _ in range(3):
        ticks = (list(ax.get_xticks()), list(ax.get_yticks()))
        fixed = ax.get_tightbbox(renderer, bbox_extra_artists=fixed_artists, for_layout_only=True)
        box = ax.bbox
        reach = [box.x0 - fixed.x0, fixed.x1 - box.x1, box.y0 - fixed.y0, fixed.y1 - box.y1]
        for _ in range(4):
            box = ax.bbox
            needed = list(reach)
            for artist in moving:
                bb = artist.get_tightbbox(renderer)
                if bb is not None and all(math.isfinite(v) for v in bb.extents):  # empty text: null box
                    needed = [max(needed[0], box.x0 - bb.x0), max(needed[1], bb.x1 - box.x1),
                              max(needed[2], box.y0 - bb.y0), max(needed[3], bb.y1 - box.y1)]
            x0, x1 = pad + needed[0], width - pad - needed[1]
            y0, y1 = pad + needed[2], height - pad - needed[3]
            if x1 <= x0 or y1 <= y0:
                ax.set_position(start)
                return
            if max(abs(x0 - box.x0), abs(x1 - box.x1), abs(y0 - box.y0), abs(y1 - box.y1)) < 0.5:
                break
            ax.set_position([x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height])
        if (list(ax.get_xticks()), list(ax.get_yticks())) == ticks:
            return


def _png(fig: Figure) -> bytes:
    """Lay out, draw once and encode as an RGB PNG (no alpha: the page is white anyway)."""
    _fit(fig)
    canvas = fig.canvas
    canvas.draw()
    size = canvas.get_width_height()
    image = Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    buffer = io.BytesIO()
    # zlib level 3: within a few per cent of level 6's size on these charts, in two thirds of the time
    image.save(buffer, format="png", dpi=(DPI, DPI), compress_level=3)
    return buffer.getvalue()


def _hbar_axes(fig: Figure, names: list[str], bar_colours: list[str]):
    """Axes for horizontal bars, ``names`` written down the left edge.

    A name is black, or in the accent colour where its bar is (lagging units).

    The names are plain texts where y tick labels would be (4 pt left of the
    axis, right-aligned, centred on the bar): a tick is five artists, and
    each tick label is measured several times per layout and draw, which made
    a chart of 22 乡镇 slow.
    """
    ax = fig.add_subplot()
    positions = list(range(len(names)))
    ax.set_yticks([])
    ax.set_ylim(len(names) - 0.5, -0.5)  # first name at the top
    ax.tick_params(axis="x", labelsize=7.5)
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    at_left = offset_copy(blended_transform_factory(ax.transAxes, ax.transData), fig=fig, x=-4, y=0,
                          units="points")
    for y, name, colour in zip(positions, names, bar_colours):
        ax.text(0, y, name, transform=at_left, ha="right", va="center_baseline",
                color=ACCENT if colour == ACCENT else BLACK)
    return ax, positions


def _hbar_height(count: int) -> float:
    # capped: a 150 mm chart of 21 乡镇 never fits under text and leaves half a page empty before it
    return max(45.0, min(MAX_HBAR_MM, 24.0 + 6.0 * count))


MAX_HBAR_MM = 105.0


def _bar_labels(ax, positions, numbers, sources, suffix, low, high) -> None:
    """Value at each bar's end (outside it); 无数据 where a value is missing."""
    span = high - low
    for y, number, source in zip(positions, numbers, sources):
        if math.isnan(number):
            ax.text(0, y, " 无数据", va="center", ha="left", fontsize=7.5, color=GREY)
            continue
        left = number < 0
        x = number + (-0.01 if left else 0.01) * span
        ax.text(x, y, _label(number, source) + suffix, va="center", ha="right" if left else "left",
                fontsize=7.5, color=BLACK, zorder=4, bbox=_HALO)  # stays legible over the reference line


_HALO = {"boxstyle": "square,pad=0.08", "facecolor": "white", "edgecolor": "none"}


def _limits(numbers: list[float], extra: Sequence[float] = ()) -> tuple[float, float]:
    """An axis from 0 (bars start there) with room at the ends for the labels."""
    present = [n for n in numbers if not math.isnan(n)] + list(extra)
    low, high = min(0.0, *present), max(0.0, *present)
    span = (high - low) or 1.0
    return (low - 0.14 * span if low < 0 else 0.0), (high + 0.14 * span if high > 0 else 0.0)


def _vline(ax, x: float, label: str) -> None:
    """A dashed reference line labelled just above the plot area (never over a bar)."""
    ax.axvline(x, color=BLACK, linewidth=0.9, linestyle=(0, (4, 2.5)), zorder=3)
    if label:
        transform = blended_transform_factory(ax.transData, ax.transAxes)
        ax.text(x, 1.005, label, transform=transform, ha="center", va="bottom", fontsize=7.5,
                color=BLACK)


# -- the charts -------------------------------------------------------------------------


def trend_chart(title: str, labels: list[str], series: dict[str, list[Decimal | float | None]],
                unit: str) -> bytes:
    """Lines by month, one per series (e.g. {"2026年": […], "2025年": […]}).

    The first series is drawn in the accent colour and labelled above its
    points, the second in grey and labelled below; further series are plain
    grey. A None leaves a gap. The y axis is titled with ``unit``.
    """
    lines = {name: _numbers(values, f"系列“{name}”") for name, values in series.items()}
    flat = [v for values in lines.values() for v in values]
    _check(title, len(labels), {f"系列“{n}”的数值": len(v) for n, v in lines.items()}, flat or [math.nan])
    family = cjk_font_family()
    with _lock, matplotlib.rc_context(_style(family)):
        fig = _figure(85)
        ax = fig.add_subplot()
        xs = list(range(len(labels)))
        styles = [(ACCENT, "-", "o", 1.6), (GREY, "--", "s", 1.2), (LIGHT, ":", "^", 1.2), (BLACK, "-.", "D", 1.0)]
        for index, (name, values) in enumerate(lines.items()):
            colour, dash, marker, width = styles[index % len(styles)]
            ax.plot(xs, values, color=colour, linestyle=dash, linewidth=width, marker=marker, markersize=3.5,
                    label=name, zorder=3 - index / 10)
            if index < 2:
                sources = series[name]
                for x, value, source in zip(xs, values, sources):
                    if not math.isnan(value):
                        ax.annotate(_label(value, source), (x, value), xytext=(0, 5 if index == 0 else -6),
                                    textcoords="offset points", ha="center",
                                    va="bottom" if index == 0 else "top", fontsize=7,
                                    color=ACCENT if index == 0 else "#595959", bbox=_HALO, zorder=4)
        ax.set_xticks(xs, labels=labels)
        ax.set_xlim(-0.5, len(labels) - 0.5)
        ax.margins(y=0.18)
        ax.set_ylabel(unit, fontsize=8)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)  # 270000, never "1e7" above the axis
        ax.grid(axis="y", color=GRID, linewidth=0.5)
        ax.set_axisbelow(True)
        ax.tick_params(axis="x", length=0, pad=4)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if len(lines) > 1:  # a one-row legend between the title and the plot
            ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(lines), frameon=False,
                      fontsize=8, handlelength=2.6, borderaxespad=0.2)
        _title(ax, title, pad=22 if len(lines) > 1 else 6)
        return _png(fig)


def ranking_chart(title: str, names: list[str], values: list[Decimal | float | None], unit: str,
                  reference: float | None = None, reference_label: str | None = None,
                  highlight: set[str] = frozenset()) -> bytes:
    """Horizontal bars in the given (ranking) order, first at the top.

    Values are written at the bar ends; ``reference`` (e.g. the 全县 figure or
    a target) is a dashed vertical line labelled ``reference_label`` (default:
    the value). Names in ``highlight`` (lagging 乡镇) take the accent colour.
    """
    numbers = _numbers(values, "排名")
    _check(title, len(names), {"数值": len(numbers)}, numbers)
    ref = None if reference is None else float(reference)
    family = cjk_font_family()
    with _lock, matplotlib.rc_context(_style(family)):
        fig = _figure(_hbar_height(len(names)))
        colours = [ACCENT if name in highlight else BAR for name in names]
        ax, ys = _hbar_axes(fig, names, colours)
        ax.barh(ys, [0 if math.isnan(n) else n for n in numbers], height=0.62, color=colours, zorder=2)
        low, high = _limits(numbers, [ref] if ref is not None else [])
        ax.set_xlim(low, high)
        _bar_labels(ax, ys, numbers, values, "", low, high)
        if unit:
            ax.set_xlabel(unit, fontsize=8)
        if ref is not None:
            _vline(ax, ref, reference_label if reference_label is not None else _label(ref, reference))
        _title(ax, title, pad=16 if ref is not None else 6)
        return _png(fig)


def progress_chart(title: str, names: list[str], percents: list[Decimal | float | None],
                   time_progress: float | None) -> bytes:
    """Horizontal bars of 完成率 (%), in the given order, with the 时间进度 line.

    Bars may pass 100%. Bars behind ``time_progress`` (e.g. 50 at half-year)
    are drawn in the accent colour, the line is labelled "时间进度50%".
    """
    numbers = _numbers(percents, "完成率")
    _check(title, len(names), {"完成率": len(numbers)}, numbers)
    progress = None if time_progress is None else float(time_progress)
    family = cjk_font_family()
    with _lock, matplotlib.rc_context(_style(family)):
        fig = _figure(_hbar_height(len(names)))
        behind = [progress is not None and not math.isnan(n) and n < progress for n in numbers]
        colours = [ACCENT if late else BAR for late in behind]
        ax, ys = _hbar_axes(fig, names, colours)
        ax.barh(ys, [0 if math.isnan(n) else n for n in numbers], height=0.62, color=colours, zorder=2)
        low, high = _limits(numbers, [progress] if progress is not None else [])
        ax.set_xlim(low, high)
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:g}%")
        _bar_labels(ax, ys, numbers, percents, "%", low, high)
        if progress is not None:
            _vline(ax, progress, f"时间进度{_label(progress, time_progress)}%")
        _title(ax, title, pad=16 if progress is not None else 6)
        return _png(fig)
