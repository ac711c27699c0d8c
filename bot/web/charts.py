"""The patient page's chart: leg pain and walking in two panels, time points evenly spaced.

Each planned time point (pre-op, day 1 … 1 year) gets one slot, so the early weeks are
not squeezed against the year. The ward's median and middle half (25th–75th percentile)
are drawn behind the patient's line; the pre-op value is a dashed line and a square, and a
missed check-in is an ✕ on the axis. Object API on the Agg canvas (thread-safe), as in
:mod:`bot.nurse.chart`; labels are English, as there.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.nurse.recovery import Trajectory
from bot.web.figures import Band
from surveys.model import Survey

__all__ = ["PanelData", "panels_of", "patient_chart_png"]

LEG_COLOUR, WALK_COLOUR, BAND_COLOUR = "#b03a2e", "#1e8449", "#aab7c4"


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
) -> tuple[tuple[str, ...], PanelData, PanelData]:
    """The slots' labels and the two panels' data."""
    specs = survey.schedule.checkins
    ranks = {c.id: i for i, c in enumerate(survey.distance_categories)}
    by_spec = {p.spec_id: p for p in trajectory.points}
    labels = tuple("pre-op" if s.day is None else f"day {s.day}" for s in specs)
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
    walk_labels = tuple(c.label.en for c in survey.distance_categories)
    return (
        labels,
        PanelData(
            "Leg pain (0 = none, 10 = worst)",
            tuple(leg),
            tuple(missed),
            base.leg_pain if base else None,
            tuple(leg_bands.get(s.id) for s in specs),
            10,
        ),
        PanelData(
            "Walking before having to stop",
            tuple(walk),
            tuple(missed),
            ranks.get(base.walking or "") if base else None,
            tuple(walking_bands.get(s.id) for s in specs),
            max(len(walk_labels) - 1, 1),
            walk_labels,
        ),
    )


def _panel(axis: object, labels: Sequence[str], data: PanelData, colour: str) -> None:
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
            label="Ward: middle half",
        )
        axis.plot(
            band_xs,
            [b.median for _, b in banded],
            color="#5d6d7e",
            linewidth=1,
            linestyle=":",
            label="Ward: median",
        )
    points = [(i, v) for i, v in enumerate(data.values) if v is not None]
    if points:
        xs, ys = zip(*points, strict=True)
        axis.plot(xs, ys, marker="o", color=colour, linewidth=2, label="Patient")
    if data.baseline is not None:
        axis.axhline(
            data.baseline, linestyle="--", linewidth=1, color=colour, label="Before surgery"
        )
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
            label="Missed",
            clip_on=False,
        )
    axis.set_title(data.title, loc="left", fontsize=10)
    axis.set_xticks(list(slots), list(labels), fontsize=8)
    axis.set_xlim(-0.5, len(labels) - 0.5)
    axis.set_ylim(-0.5, data.y_max + 0.5)
    if data.y_labels:
        axis.set_yticks(range(len(data.y_labels)), data.y_labels, fontsize=7)
    else:
        axis.set_yticks(range(0, int(data.y_max) + 1, 2))
    axis.grid(True, alpha=0.25)
    if axis.get_legend_handles_labels()[0]:
        axis.legend(loc="upper right", fontsize=7, ncols=3, framealpha=0.8)


def patient_chart_png(labels: Sequence[str], leg: PanelData, walking: PanelData) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6), dpi=100, layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    _panel(top, labels, leg, LEG_COLOUR)
    _panel(bottom, labels, walking, WALK_COLOUR)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
