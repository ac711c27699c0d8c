"""Words for recovery: a patient's trajectory for /patient, the cohort report for the CLI.

Pure formatting over :mod:`bot.nurse.recovery`, in the nurse's language
(:mod:`bot.nurse.texts`). A check-in not answered says why (paused, invite not opened…) and
the latest leg pain says how old it is.
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
from bot.nurse.statuses import ago, patient_state, point_status
from bot.nurse.texts import NT, long_date
from storage.records import EnrolmentRecord, PatientRecord
from surveys.model import Language, Survey

__all__ = [
    "cohort_json",
    "cohort_text",
    "label",
    "patient_json",
    "patient_text",
    "point_name",
]


def point_name(day: int | None, language: Language = "en") -> str:
    return NT.before_surgery.get(language) if day is None else NT.day.format(language, day=day)


def label(survey: Survey, question: str, value: str | None, language: Language = "en") -> str:
    """The label of a choice or walking category id (the id if unknown)."""
    if value is None:
        return "–"
    if question == "walking":
        return next(
            (c.label.get(language) for c in survey.distance_categories if c.id == value), value
        )
    if question == "numbness" and value in ("present", "none"):
        return (NT.yes if value == "present" else NT.no).get(language).lower()
    for form in survey.forms:
        for q in form.questions:
            option = q.option(value) if q.id == question else None
            if option is not None:
                return option.label.get(language)
    return value


def _signed(change: int) -> str:
    return f"+{change}" if change > 0 else f"−{-change}" if change < 0 else "±0"


def _measures(
    survey: Survey, trajectory: Trajectory, point: TimePoint | None, m: Measures,
    language: Language = "en",
) -> str:  # fmt: skip
    parts = []
    for item, name in (("leg_pain", NT.leg), ("back_pain", NT.back)):
        value = getattr(m, item)
        if value is None:
            continue
        change = trajectory.pain_change(point, item) if point is not None else None
        shown = f"{name.get(language)} {value}"
        parts.append(shown + (f" ({_signed(change.change)})" if change else ""))
    if m.walking is not None:
        parts.append(f"{NT.walking.get(language)} {label(survey, 'walking', m.walking, language)}")
    if m.numbness is not None:
        numb = label(survey, "numbness", m.numbness, language)
        parts.append(f"{NT.numbness.get(language)} {numb.lower()}")
    if m.pgic is not None:
        parts.append(label(survey, "pgic", m.pgic, language).lower())
    return " · ".join(parts) or NT.no_scores.get(language)


def _mic_line(trajectory: Trajectory, today: dt.date, language: Language = "en") -> str | None:
    """The latest leg pain against before surgery, with when it was answered."""
    latest = trajectory.latest
    change = trajectory.pain_change(latest, "leg_pain") if latest else None
    if latest is None or change is None:
        return None
    verdict = {True: NT.mic_reached, False: NT.mic_not_reached,
               None: NT.mic_none}[change.mic_reached].get(language)  # fmt: skip
    answered = latest.answered_at.date() if latest.answered_at is not None else today
    return NT.leg_now.format(
        language, value=change.value, point=point_name(latest.day, language).lower(),
        ago=ago(answered, today, language), baseline=change.baseline,
        change=_signed(change.change), verdict=verdict, points=trajectory.mic.points,
        fraction=trajectory.mic.fraction,
    )  # fmt: skip


def _point_line(survey: Survey, trajectory: Trajectory, point: TimePoint,
                language: Language) -> str | None:  # fmt: skip
    """``Day 7: leg 2 (−6) · …``, ``Day 7: paused``; None for a check-in still planned."""
    name, colon = point_name(point.day, language), "：" if language == "zh-Hans" else ": "
    if not point.answered:
        status = point_status(point.status, point.reason, language)
        return f"{name}{colon}{status}" if status is not None else None
    text = _measures(survey, trajectory, point if point.day is not None else None,
                     point.measures, language)  # fmt: skip
    notes = [
        word.get(language)
        for word, on in (
            (NT.recalled, point.recalled),
            (NT.by_family, point.answered_by == "caregiver"),
        )
        if on
    ]
    return f"{name}{colon}{text}" + (f" ({', '.join(notes)})" if notes else "")


def patient_text(
    survey: Survey,
    patient: PatientRecord,
    enrolment: EnrolmentRecord | None,
    trajectory: Trajectory,
    open_flags: dict[str, int],
    today: dt.date,
    language: Language = "en",
) -> str:
    head = [NT.patient.format(language, ref=patient.ref)]
    if enrolment is not None:
        head.append(NT.surgery_on.format(language, date=_date(enrolment.surgery_date, language)))
        head.append(NT.day_post_op.format(language, day=(today - enrolment.surgery_date).days))
    linked = patient.chat_id is not None
    about = [patient.language, patient.timezone,
             (NT.linked if linked else NT.not_linked).get(language)]  # fmt: skip
    if linked:
        about.append(patient_state(patient.status, linked, language))
    if enrolment is not None and enrolment.caregiver_helps:
        about.append(NT.family_helps.get(language))
    lines = [" · ".join(head), " · ".join(about)]
    due = [p for p in trajectory.follow_ups if p.status in ("completed", "missed")]
    answered = [p for p in due if p.answered]
    lines.append(NT.answered_of_due.format(language, answered=len(answered), due=len(due)))
    lines.append("")
    for point in trajectory.points:
        line = _point_line(survey, trajectory, point, language)
        if line is not None:
            lines.append(line)
    mic = _mic_line(trajectory, today, language)
    if mic:
        lines.extend(["", mic])
    counts = " · ".join(f"{LEVEL_MARK[level]} {open_flags.get(level, 0)}" for level in LEVEL_MARK)
    lines.append(NT.open_flag_counts.format(language, counts=counts))
    return "\n".join(lines)


def _date(when: dt.date, language: Language) -> str:
    return long_date(when, language)


def _rate(point: TimePointSummary) -> str:
    return "–" if point.response_rate is None else f"{point.response_rate:.0%}"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def cohort_text(
    survey: Survey, cohort: CohortSummary, patients: Sequence[Trajectory], today: dt.date
) -> str:
    """The cohort table, open flags, then each patient's values by day post-op.

    A check-in not answered says why ("Day 7: paused", "Day 1: invite not opened"), and the
    latest leg pain says when it was given.
    """
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
        state = patient_state(trajectory.patient_status, trajectory.linked)
        lines.extend(["", f"Patient {trajectory.ref}" + (f" ({state})" if state != "active"
                                                         else "")])  # fmt: skip
        for point in trajectory.points:
            line = _point_line(survey, trajectory, point, "en")
            if line is not None and point.status not in ("sent", "in_progress"):
                lines.append(f"  {line}")
        verdict = _mic_line(trajectory, today)
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
            "outcome": "answered" if point.answered
            else point_status(point.status, point.reason),
            "answered_at": point.answered_at.isoformat() if point.answered_at else None,
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
        "state": patient_state(trajectory.patient_status, trajectory.linked),
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
