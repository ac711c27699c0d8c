"""The patient's own recovery chart, made for an older reader's phone.

Tall (it fills a phone screen held upright), large type, few words, in the patient's
language: pain on top (leg and back, 0–10), how far they can walk below (the survey's
distance bands). One point per answered check-in, evenly spaced, the first one "Before"
(hollow) and a dotted line where the operation was. Drawn with matplotlib's object API on
the Agg canvas (no pyplot global state), only when the picture is sent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.services.progress.fonts import families_for
from bot.services.progress.summary import Progress
from bot.services.progress.texts import P
from surveys.model import Language, Survey

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["DPI", "SIZE_INCHES", "PatientChart", "build_figure", "patient_chart"]

SIZE_INCHES = (7.0, 9.0)
DPI = 150  # 1050 × 1350 pixels
LEG, BACK, WALK = "#c0392b", "#1f5fa8", "#1e8449"
BIG, MEDIUM = 24, 17


@dataclass(frozen=True)
class PatientChart:
    """What the chart shows; ``None`` values are check-ins where that answer was skipped."""

    language: Language
    fonts: tuple[str, ...]
    ticks: tuple[str, ...]
    has_baseline: bool
    leg_pain: tuple[int | None, ...]
    back_pain: tuple[int | None, ...]
    walking: tuple[int | None, ...]
    walking_labels: tuple[str, ...]

    def png(self) -> bytes:
        """The chart as PNG bytes."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        figure = build_figure(self)
        FigureCanvasAgg(figure)  # attaches the Agg canvas to the figure
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()


def patient_chart(survey: Survey, progress: Progress, language: Language) -> PatientChart | None:
    """The chart of ``progress``; None before the first follow-up, or when no font on this
    machine can write the patient's language."""
    fonts = families_for(language)
    if fonts is None or not progress.follow_ups:
        return None
    ranks = {c.id: i for i, c in enumerate(survey.distance_categories)}
    points = list(progress.follow_ups)
    ticks = [str(day) for day, _ in points]
    if progress.baseline is not None:
        points.insert(0, (0, progress.baseline))
        ticks.insert(0, P.chart_before.get(language))
    return PatientChart(
        language=language,
        fonts=fonts,
        ticks=tuple(ticks),
        has_baseline=progress.baseline is not None,
        leg_pain=tuple(m.leg_pain for _, m in points),
        back_pain=tuple(m.back_pain for _, m in points),
        walking=tuple(ranks.get(m.walking or "") for _, m in points),
        walking_labels=tuple(c.label.get(language) for c in survey.distance_categories),
    )


def _series(axis: Axes, values: tuple[int | None, ...], colour: str, marker: str,
            label: str | None, has_baseline: bool) -> None:  # fmt: skip
    shown = [(x, v) for x, v in enumerate(values) if v is not None]
    if not shown:
        return
    xs, ys = zip(*shown, strict=True)
    axis.plot(xs, ys, color=colour, linewidth=4, marker=marker, markersize=14, label=label)
    if has_baseline and values[0] is not None:  # before surgery: hollow
        axis.plot([0], [values[0]], linestyle="none", marker=marker, markersize=14,
                  markerfacecolor="white", markeredgecolor=colour, markeredgewidth=3)  # fmt: skip


def build_figure(chart: PatientChart) -> Figure:
    # matplotlib loads in about a second: only when a chart is drawn
    from matplotlib.figure import Figure

    language = chart.language
    font = {"family": list(chart.fonts)}
    # Fixed margins (room for the walking bands on the left): a layout engine would measure
    # every label once more, a third of the drawing time.
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    figure.subplots_adjust(left=0.27, right=0.97, top=0.88, bottom=0.1, hspace=0.22)
    pain, walk = figure.subplots(2, 1, sharex=True)
    figure.suptitle(P.chart_title.get(language), y=0.97, fontsize=BIG + 4, fontfamily=chart.fonts)

    _series(pain, chart.leg_pain, LEG, "o", P.chart_leg.get(language), chart.has_baseline)
    _series(pain, chart.back_pain, BACK, "s", P.chart_back.get(language), chart.has_baseline)
    pain.set_title(P.chart_pain.get(language), fontsize=MEDIUM + 2, fontfamily=chart.fonts)
    pain.set_ylim(-0.5, 10.5)
    pain.set_yticks(range(0, 11, 2))
    if pain.get_legend_handles_labels()[0]:
        pain.legend(loc="best", prop={**font, "size": MEDIUM}, framealpha=0.9)

    _series(walk, chart.walking, WALK, "D", None, chart.has_baseline)
    walk.set_title(P.chart_walking.get(language), fontsize=MEDIUM + 2, fontfamily=chart.fonts)
    walk.set_ylim(-0.5, len(chart.walking_labels) - 0.5)
    walk.set_yticks(range(len(chart.walking_labels)), chart.walking_labels)
    walk.set_xticks(range(len(chart.ticks)), chart.ticks)
    walk.set_xlabel(P.chart_days.get(language), fontsize=MEDIUM, fontfamily=chart.fonts)
    walk.set_xlim(-0.5, max(len(chart.ticks) - 0.5, 0.5))

    for axis in (pain, walk):
        axis.grid(True, alpha=0.3)
        axis.tick_params(labelsize=MEDIUM - 2, labelfontfamily=chart.fonts)
        if chart.has_baseline:
            axis.axvline(0.5, color="grey", linestyle=":", linewidth=2)
    if chart.has_baseline:
        pain.text(0.55, 10.2, P.chart_operation.get(language), color="grey", va="top",
                  fontsize=MEDIUM - 3, fontfamily=chart.fonts)  # fmt: skip
    return figure
