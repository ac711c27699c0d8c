"""A patient's recovery as a PNG: leg pain, back pain and walking category by day post-op.

Pain (NRS 0–10) is on the left axis, walking category on the right; each series' pre-op
baseline is a dashed line in its colour. Drawn with matplotlib's object API on the Agg
canvas, so there is no pyplot global state and rendering is safe in any thread. Labels
are in the nurse's language; Chinese is drawn with the first CJK font installed (Debian's
``fonts-noto-cjk`` or ``fonts-wqy-microhei``), through matplotlib's font fallback.
"""

from __future__ import annotations

import functools
import io
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.nurse.recovery import Trajectory
from bot.nurse.texts import NT
from surveys.model import Language, Survey

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ChartData", "Series", "build_figure", "chart_data", "render_chart"]

COLOURS = ("#c0392b", "#2e86c1", "#27ae60")  # leg pain, back pain, walking
CJK_FONT_FILES = ("NotoSansCJK", "NotoSansSC", "wqy-microhei", "wqy-zenhei", "DroidSansFallback")
""":func:`fonts` looks for these in the system's font files (first found wins)."""


@dataclass(frozen=True)
class Series:
    """Points ``(day post-op, value)``; walking values are category ranks (0 = cannot walk)."""

    label: str
    points: tuple[tuple[int, int], ...]
    baseline: int | None


@dataclass(frozen=True)
class ChartData:
    title: str
    leg_pain: Series
    back_pain: Series
    walking: Series
    walking_labels: tuple[str, ...]
    language: Language = "en"

    @property
    def empty(self) -> bool:
        return not (self.leg_pain.points or self.back_pain.points or self.walking.points)


def chart_data(survey: Survey, trajectory: Trajectory, language: Language = "en") -> ChartData:
    """What the chart shows: answered follow-ups by day, and the baseline of each series."""
    ranks = {c.id: i for i, c in enumerate(survey.distance_categories)}
    base = trajectory.baseline
    leg, back, walking = [], [], []
    for point in trajectory.answered:
        assert point.day is not None
        m = point.measures
        if m.leg_pain is not None:
            leg.append((point.day, m.leg_pain))
        if m.back_pain is not None:
            back.append((point.day, m.back_pain))
        if m.walking in ranks:
            walking.append((point.day, ranks[m.walking]))
    return ChartData(
        title=NT.chart_title.format(language, ref=trajectory.ref),
        leg_pain=Series(NT.chart_leg.get(language), tuple(leg), base.leg_pain if base else None),
        back_pain=Series(
            NT.chart_back.get(language), tuple(back), base.back_pain if base else None
        ),
        walking=Series(
            NT.chart_walking.get(language),
            tuple(walking),
            ranks.get(base.walking or "") if base else None,
        ),
        walking_labels=tuple(c.label.get(language) for c in survey.distance_categories),
        language=language,
    )


_fonts_lock = threading.Lock()


@functools.cache
def _cjk_family() -> str | None:
    """Register the first installed CJK font with matplotlib; its family name, if any."""
    from matplotlib import font_manager

    for wanted in CJK_FONT_FILES:
        paths = font_manager.findSystemFonts()
        for path in sorted(paths, key=lambda p: ("Regular" not in p, p)):  # regular over bold
            if wanted.casefold() in path.casefold():
                font_manager.fontManager.addfont(path)
                return str(font_manager.FontProperties(fname=path).get_name())
    return None


def fonts() -> list[str]:
    """The font family list for every label: DejaVu Sans, then a CJK font for Chinese."""
    with _fonts_lock:
        cjk = _cjk_family()
    return ["DejaVu Sans"] + ([cjk] if cjk else [])


def build_figure(data: ChartData) -> Figure:
    # matplotlib loads in about a second: only when a chart is drawn, not with every command
    from matplotlib.figure import Figure

    say = data.language
    family = fonts()
    figure = Figure(figsize=(8, 5), dpi=100, layout="constrained")
    pain = figure.add_subplot()
    walk = pain.twinx()
    drawn = ((pain, data.leg_pain), (pain, data.back_pain), (walk, data.walking))
    for (axis, series), colour in zip(drawn, COLOURS, strict=True):
        if series.points:
            days, values = zip(*series.points, strict=True)
            axis.plot(days, values, marker="o", color=colour, label=series.label)
        if series.baseline is not None:
            axis.axhline(
                series.baseline, linestyle="--", linewidth=1, color=colour,
                label=NT.chart_before.format(say, series=series.label),
            )  # fmt: skip
    pain.set_title(data.title, fontfamily=family)
    pain.set_xlabel(NT.chart_days.get(say), fontfamily=family)
    pain.set_ylabel(NT.chart_pain.get(say), fontfamily=family)
    pain.set_ylim(-0.5, 10.5)
    pain.set_yticks(range(0, 11, 2))
    pain.set_xlim(left=0)
    walk.set_ylabel(NT.chart_walk_axis.get(say), fontfamily=family)
    walk.set_ylim(-0.5, max(len(data.walking_labels) - 0.5, 0.5))
    walk.set_yticks(range(len(data.walking_labels)), data.walking_labels, fontsize=8,
                    fontfamily=family)  # fmt: skip
    pain.grid(True, alpha=0.3)
    lines, labels = pain.get_legend_handles_labels()
    more_lines, more_labels = walk.get_legend_handles_labels()
    if lines or more_lines:
        figure.legend(lines + more_lines, labels + more_labels, loc="outside lower center",
                      ncols=3, prop={"family": family, "size": 8})  # fmt: skip
    if data.empty:
        pain.text(0.5, 0.5, NT.chart_empty.get(say), transform=pain.transAxes,
                  ha="center", va="center", fontfamily=family)  # fmt: skip
    return figure


def render_chart(data: ChartData) -> bytes:
    """The chart as PNG bytes."""
    figure = build_figure(data)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)  # attaches the Agg canvas to the figure
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
