"""A patient's recovery as a PNG: leg pain, back pain and walking category by day post-op.

Pain (NRS 0–10) is on the left axis, walking category on the right; each series' pre-op
baseline is a dashed line in its colour. Drawn with matplotlib's object API on the Agg
canvas, so there is no pyplot global state and rendering is safe in any thread. Labels
are English only (the nurses' language, and fonts for every script cannot be assumed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.nurse.recovery import Trajectory
from surveys.model import Survey

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ChartData", "Series", "build_figure", "chart_data", "render_chart"]

LEG, BACK, WALKING = "Leg pain", "Back pain", "Walking"
COLOURS = {LEG: "#c0392b", BACK: "#2e86c1", WALKING: "#27ae60"}


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

    @property
    def empty(self) -> bool:
        return not (self.leg_pain.points or self.back_pain.points or self.walking.points)


def chart_data(survey: Survey, trajectory: Trajectory) -> ChartData:
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
        title=f"Patient {trajectory.ref}: recovery since surgery",
        leg_pain=Series(LEG, tuple(leg), base.leg_pain if base else None),
        back_pain=Series(BACK, tuple(back), base.back_pain if base else None),
        walking=Series(WALKING, tuple(walking), ranks.get(base.walking or "") if base else None),
        walking_labels=tuple(c.label.en for c in survey.distance_categories),
    )


def build_figure(data: ChartData) -> Figure:
    # matplotlib loads in about a second: only when a chart is drawn, not with every command
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 5), dpi=100, layout="constrained")
    pain = figure.add_subplot()
    walk = pain.twinx()
    for axis, series in ((pain, data.leg_pain), (pain, data.back_pain), (walk, data.walking)):
        colour = COLOURS[series.label]
        if series.points:
            days, values = zip(*series.points, strict=True)
            axis.plot(days, values, marker="o", color=colour, label=series.label)
        if series.baseline is not None:
            axis.axhline(
                series.baseline, linestyle="--", linewidth=1, color=colour,
                label=f"{series.label} before surgery",
            )  # fmt: skip
    pain.set_title(data.title)
    pain.set_xlabel("Day after surgery")
    pain.set_ylabel("Pain (0 = none, 10 = worst)")
    pain.set_ylim(-0.5, 10.5)
    pain.set_yticks(range(0, 11, 2))
    pain.set_xlim(left=0)
    walk.set_ylabel("Walking before having to stop")
    walk.set_ylim(-0.5, max(len(data.walking_labels) - 0.5, 0.5))
    walk.set_yticks(range(len(data.walking_labels)), data.walking_labels, fontsize=8)
    pain.grid(True, alpha=0.3)
    lines, labels = pain.get_legend_handles_labels()
    more_lines, more_labels = walk.get_legend_handles_labels()
    if lines or more_lines:
        figure.legend(lines + more_lines, labels + more_labels, loc="outside lower center",
                      ncols=3, fontsize=8)  # fmt: skip
    if data.empty:
        pain.text(0.5, 0.5, "No check-ins answered yet", transform=pain.transAxes,
                  ha="center", va="center")  # fmt: skip
    return figure


def render_chart(data: ChartData) -> bytes:
    """The chart as PNG bytes."""
    figure = build_figure(data)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)  # attaches the Agg canvas to the figure
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
