"""The patient page's chart: leg pain and walking in two panels, time points evenly spaced.

Each planned time point (pre-op, day 1 … 1 year) gets one slot, so the early weeks are
not squeezed against the year. The ward's median and middle half (25th–75th percentile)
are drawn behind the patient's line; the pre-op value is a dashed line and a square, and a
missed check-in is an ✕ on the axis. Object API on the Agg canvas (thread-safe), as in
:mod:`bot.nurse.chart`, whose font list draws Chinese; every word is in the nurse's language
(the dashboard's table in :mod:`bot.web.i18n`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.nurse.chart import fonts
from bot.nurse.recovery import Trajectory
from bot.web.figures import Band
from bot.web.i18n import Translate
from surveys.model import Language, Survey

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ChartWords", "PanelData", "panels_of", "patient_chart_figure", "patient_chart_png"]

LEG_COLOUR, WALK_COLOUR, BAND_COLOUR = "#b03a2e", "#1e8449", "#aab7c4"


@dataclass(frozen=True)
class ChartWords:
    """The legend's words, in the nurse's language."""

    ward_band: str
    ward_median: str
    patient: str
    before: str
    missed: str

    @classmethod
    def of(cls, t: Translate) -> ChartWords:
        return cls(
            t("chart_ward_band"), t("chart_ward_median"), t("chart_patient"),
            t("chart_before"), t("chart_missed"),
        )  # fmt: skip


@dataclass(frozen=True)
class PanelData:
    title: str
    values: tuple[float | None, ...]
    """The patient's value per slot (None: not answered)."""
    missed: tuple[bool, ...]
    baseline: float | None
    bands: tuple[Band | None, ...]
    y_max: float
    y_labels: tuple[str, ...] | None = None


def panels_of(
    survey: Survey,
    trajectory: Trajectory,
    leg_bands: Mapping[str, Band],
    walking_bands: Mapping[str, Band],
    t: Translate,
    language: str = "en",
) -> tuple[tuple[str, ...], PanelData, PanelData]:
    """The slots' labels and the two panels' data, in ``language`` (``en`` or ``zh``)."""
    specs = survey.schedule.checkins
    ranks = {c.id: i for i, c in enumerate(survey.distance_categories)}
    by_spec = {p.spec_id: p for p in trajectory.points}
    labels = tuple(t("pre_op") if s.day is None else t("day_n", n=s.day) for s in specs)
    leg: list[float | None] = []
    walk: list[float | None] = []
    missed: list[bool] = []
    for spec in specs:
        point = by_spec.get(spec.id)
        answered = point is not None and point.answered
        leg.append(point.measures.leg_pain if answered and point else None)
        walking = point.measures.walking if answered and point else None
        walk.append(ranks.get(walking) if walking else None)
        missed.append(point is not None and point.status == "missed")
    base = trajectory.baseline
    say: Language = "zh-Hans" if language == "zh" else "en"
    walk_labels = tuple(c.label.get(say) for c in survey.distance_categories)
    return (
        labels,
        PanelData(
            t("chart_leg_title"),
            tuple(leg),
            tuple(missed),
            base.leg_pain if base else None,
            tuple(leg_bands.get(s.id) for s in specs),
            10,
        ),
        PanelData(
            t("chart_walk_title"),
            tuple(walk),
            tuple(missed),
            ranks.get(base.walking or "") if base else None,
            tuple(walking_bands.get(s.id) for s in specs),
            max(len(walk_labels) - 1, 1),
            walk_labels,
        ),
    )


def _panel(
    axis: object,
    labels: Sequence[str],
    data: PanelData,
    colour: str,
    words: ChartWords,
    family: list[str],
) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axis, Axes)
    slots = range(len(labels))
    banded = [(i, b) for i, b in enumerate(data.bands) if b is not None and b.count >= 3]
    if banded:
        band_xs = [i for i, _ in banded]
        axis.fill_between(
            band_xs,
            [b.q1 for _, b in banded],
            [b.q3 for _, b in banded],
            color=BAND_COLOUR,
            alpha=0.35,
            linewidth=0,
            label=words.ward_band,
        )
        axis.plot(
            band_xs,
            [b.median for _, b in banded],
            color="#5d6d7e",
            linewidth=1,
            linestyle=":",
            label=words.ward_median,
        )
    points = [(i, v) for i, v in enumerate(data.values) if v is not None]
    if points:
        xs, ys = zip(*points, strict=True)
        axis.plot(xs, ys, marker="o", color=colour, linewidth=2, label=words.patient)
    if data.baseline is not None:
        axis.axhline(data.baseline, linestyle="--", linewidth=1, color=colour, label=words.before)
        axis.plot([0], [data.baseline], marker="s", color=colour, markersize=8)
    missed = [i for i, m in enumerate(data.missed) if m]
    if missed:
        axis.plot(
            missed,
            [-0.3] * len(missed),
            linestyle="none",
            marker="x",
            color="#6c3483",
            markersize=9,
            markeredgewidth=2,
            label=words.missed,
            clip_on=False,
        )
    axis.set_title(data.title, loc="left", fontsize=10, fontfamily=family)
    axis.set_xticks(list(slots), list(labels), fontsize=8, fontfamily=family)
    axis.set_xlim(-0.5, len(labels) - 0.5)
    axis.set_ylim(-0.5, data.y_max + 0.5)
    if data.y_labels:
        axis.set_yticks(range(len(data.y_labels)), data.y_labels, fontsize=7, fontfamily=family)
    else:
        axis.set_yticks(range(0, int(data.y_max) + 1, 2))
    axis.grid(True, alpha=0.25)
    if axis.get_legend_handles_labels()[0]:
        axis.legend(loc="upper right", ncols=3, framealpha=0.8, prop={"family": family, "size": 7})


def patient_chart_figure(
    labels: Sequence[str], leg: PanelData, walking: PanelData, words: ChartWords
) -> Figure:
    from matplotlib.figure import Figure

    family = fonts()
    figure = Figure(figsize=(8, 6), dpi=100, layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    _panel(top, labels, leg, LEG_COLOUR, words, family)
    _panel(bottom, labels, walking, WALK_COLOUR, words, family)
    return figure


def patient_chart_png(
    labels: Sequence[str], leg: PanelData, walking: PanelData, words: ChartWords
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = patient_chart_figure(labels, leg, walking, words)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
