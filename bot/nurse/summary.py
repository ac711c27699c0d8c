"""Words for recovery: a patient's trajectory for /patient, the cohort report for the CLI.

Pure formatting over :mod:`bot.nurse.recovery`; English, for the ward team.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.nurse.cards import LEVEL_MARK
from bot.nurse.recovery import (
    CohortSummary,
    Measures,
    TimePoint,
    TimePointSummary,
    Trajectory,
)
from storage.records import EnrolmentRecord, PatientRecord
from surveys.model import Survey

__all__ = [
    "cohort_json",
    "cohort_text",
    "label",
    "patient_json",
    "patient_text",
    "point_name",
]

PENDING = {"sent": "waiting for answers", "in_progress": "being answered"}


def point_name(day: int | None) -> str:
    return "Before surgery" if day is None else f"Day {day}"


def label(survey: Survey, question: str, value: str | None) -> str:
    """The English label of a choice or walking category id (the id if unknown)."""
    if value is None:
        return "–"
    if question == "walking":
        return next((c.label.en for c in survey.distance_categories if c.id == value), value)
    if question == "numbness" and value in ("present", "none"):
        return "yes" if value == "present" else "no"
    for form in survey.forms:
        for q in form.questions:
            option = q.option(value) if q.id == question else None
            if option is not None:
                return option.label.en
    return value


def _signed(change: int) -> str:
    return f"+{change}" if change > 0 else f"−{-change}" if change < 0 else "±0"


def _measures(survey: Survey, trajectory: Trajectory, point: TimePoint | None, m: Measures) -> str:
    parts = []
    for item, name in (("leg_pain", "leg"), ("back_pain", "back")):
        value = getattr(m, item)
        if value is None:
            continue
        change = trajectory.pain_change(point, item) if point is not None else None
        parts.append(f"{name} {value}" + (f" ({_signed(change.change)})" if change else ""))
    if m.walking is not None:
        parts.append(f"walking {label(survey, 'walking', m.walking)}")
    if m.numbness is not None:
        parts.append(f"numbness {label(survey, 'numbness', m.numbness).lower()}")
    if m.pgic is not None:
        parts.append(label(survey, "pgic", m.pgic).lower())
    return " · ".join(parts) or "no scores"


def _mic_line(trajectory: Trajectory) -> str | None:
    latest = trajectory.latest
    change = trajectory.pain_change(latest, "leg_pain") if latest else None
    if latest is None or change is None:
        return None
    verdict = {True: "minimal important change reached",
               False: "minimal important change not reached",
               None: "no pain before surgery to improve on"}[change.mic_reached]  # fmt: skip
    mic = trajectory.mic
    return (f"Leg pain now {change.value} (before surgery {change.baseline}, "
            f"{_signed(change.change)}): {verdict} "
            f"({mic.points:g} points or {mic.fraction:.0%}).")  # fmt: skip


def patient_text(
    survey: Survey,
    patient: PatientRecord,
    enrolment: EnrolmentRecord | None,
    trajectory: Trajectory,
    open_flags: dict[str, int],
    today: dt.date,
) -> str:
    head = [f"Patient {patient.ref}"]
    if enrolment is not None:
        head.append(f"surgery {enrolment.surgery_date:%d %b %Y}")
        head.append(f"day {(today - enrolment.surgery_date).days} post-op")
    about = [patient.language, patient.timezone,
             "linked to Telegram" if patient.chat_id is not None else "not linked yet",
             patient.status]  # fmt: skip
    if enrolment is not None and enrolment.caregiver_helps:
        about.append("a family member helps")
    lines = [" · ".join(head), " · ".join(about)]
    due = [p for p in trajectory.follow_ups if p.status in ("completed", "missed")]
    answered = [p for p in due if p.answered]
    lines.append(f"Check-ins answered: {len(answered)} of {len(due)} due")
    lines.append("")
    for point in trajectory.points:
        name = point_name(point.day)
        if point.answered:
            text = _measures(survey, trajectory, point if point.day is not None else None,
                             point.measures)  # fmt: skip
            notes = [w for w, on in (("recalled", point.recalled),
                                     ("answered by family", point.answered_by == "caregiver"))
                     if on]  # fmt: skip
            lines.append(f"{name}: {text}" + (f" ({', '.join(notes)})" if notes else ""))
        elif point.status == "missed":
            lines.append(f"{name}: missed")
        elif point.status in PENDING:
            lines.append(f"{name}: {PENDING[point.status]}")
    mic = _mic_line(trajectory)
    if mic:
        lines.extend(["", mic])
    counts = " · ".join(f"{LEVEL_MARK[level]} {open_flags.get(level, 0)}" for level in LEVEL_MARK)
    lines.append(f"Open flags: {counts}")
    return "\n".join(lines)


def _rate(point: TimePointSummary) -> str:
    return "–" if point.response_rate is None else f"{point.response_rate:.0%}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def cohort_text(survey: Survey, cohort: CohortSummary, patients: Sequence[Trajectory]) -> str:
    """The cohort table, open flags, then each patient's values by day post-op."""
    header = (f"{'Time point':<15} {'Answered':>9} {'Rate':>5} {'Leg':>5} {'Back':>5}  "
              f"{'Walking':<16} {'MIC leg':>7}")  # fmt: skip
    lines = [f"Cohort: {cohort.patients} patients", "", header]
    for p in cohort.time_points:
        mic = f"{p.mic_reached}/{p.mic_assessed}" if p.mic_assessed else "–"
        lines.append(
            f"{point_name(p.day):<15} {f'{p.answered}/{p.due}':>9} {_rate(p):>5} "
            f"{_num(p.median_leg_pain):>5} {_num(p.median_back_pain):>5}  "
            f"{label(survey, 'walking', p.median_walking):<16} {mic:>7}"
        )
    flags = cohort.open_flags
    lines.append("")
    lines.append(f"Open flags: red {flags.get('red', 0)} · amber {flags.get('amber', 0)}"
                 f" · info {flags.get('info', 0)}")  # fmt: skip
    for trajectory in patients:
        lines.extend(["", f"Patient {trajectory.ref}"])
        for point in trajectory.points:
            if point.answered:
                shown = point if point.day is not None else None
                text = _measures(survey, trajectory, shown, point.measures)
                lines.append(f"  {point_name(point.day)}: {text}")
            elif point.status == "missed":
                lines.append(f"  {point_name(point.day)}: missed")
        verdict = _mic_line(trajectory)
        if verdict:
            lines.append(f"  {verdict}")
    return "\n".join(lines)


def _measures_json(m: Measures) -> dict[str, Any]:
    return {"leg_pain": m.leg_pain, "back_pain": m.back_pain, "numbness": m.numbness,
            "walking": m.walking, "pgic": m.pgic}  # fmt: skip


def patient_json(trajectory: Trajectory) -> dict[str, Any]:
    """Values by day post-op with baseline, change from baseline and MIC, as JSON data."""
    points = []
    for point in trajectory.follow_ups:
        leg = trajectory.pain_change(point, "leg_pain")
        back = trajectory.pain_change(point, "back_pain")
        points.append({
            "time_point": point.spec_id,
            "day": point.day,
            "status": point.status,
            "answered_by": point.answered_by,
            **_measures_json(point.measures),
            "leg_pain_change": leg.change if leg else None,
            "back_pain_change": back.change if back else None,
            "walking_change": trajectory.walking_change(point) if point.answered else None,
            "leg_pain_mic_reached": leg.mic_reached if leg else None,
            "back_pain_mic_reached": back.mic_reached if back else None,
        })  # fmt: skip
    return {
        "ref": trajectory.ref,
        "baseline": _measures_json(trajectory.baseline) if trajectory.baseline else None,
        "points": points,
    }


def cohort_json(cohort: CohortSummary, patients: Sequence[Trajectory]) -> dict[str, Any]:
    return {
        "patients": cohort.patients,
        "time_points": [
            {
                "time_point": p.spec_id,
                "day": p.day,
                "due": p.due,
                "answered": p.answered,
                "pending": p.pending,
                "response_rate": p.response_rate,
                "median_leg_pain": p.median_leg_pain,
                "median_back_pain": p.median_back_pain,
                "median_walking": p.median_walking,
                "leg_pain_mic_reached": p.mic_reached,
                "leg_pain_mic_assessed": p.mic_assessed,
            }
            for p in cohort.time_points
        ],
        "open_flags": dict(cohort.open_flags),
        "per_patient": [patient_json(t) for t in patients],
    }
