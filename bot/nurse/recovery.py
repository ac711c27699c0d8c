"""Recovery against the patient's own baseline, and the cohort at each time point.

Pure functions over storage records: no I/O, no clock. Pain is compared in NRS points,
walking by category rank (self-reported metres are too imprecise to compare), and the
minimal important change (MIC) uses the thresholds of the survey's ``mic_not_reached``
rule for leg pain, so a ward that tunes the rule tunes the report too.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storage.records import CheckinRecord, FlagRecord
from surveys.model import Survey

__all__ = [
    "DEFAULT_MIC",
    "Change",
    "CohortSummary",
    "Measures",
    "Mic",
    "TimePoint",
    "TimePointSummary",
    "Trajectory",
    "cohort_summary",
    "measures_of",
    "mic_of",
    "mic_reached",
    "trajectory",
]

PAIN = ("leg_pain", "back_pain")
LEVELS = ("red", "amber", "info")
ANSWERED, MISSED = "completed", "missed"
PENDING = ("sent", "in_progress")


@dataclass(frozen=True)
class Mic:
    """Minimal important change: an improvement of ``points`` or of ``fraction`` of baseline."""

    points: float
    fraction: float


DEFAULT_MIC = Mic(points=2, fraction=0.3)


@dataclass(frozen=True)
class Measures:
    """What one check-in says about recovery; ``None`` where it was not asked or skipped."""

    leg_pain: int | None = None
    back_pain: int | None = None
    numbness: str | None = None
    walking: str | None = None
    pgic: str | None = None


@dataclass(frozen=True)
class Change:
    """A value against its baseline; for pain, ``change`` < 0 is an improvement."""

    value: int
    baseline: int
    change: int
    mic_reached: bool | None


@dataclass(frozen=True)
class TimePoint:
    """One planned check-in of a patient: ``day`` is None for the pre-op baseline."""

    spec_id: str
    day: int | None
    status: str
    measures: Measures
    answered_by: str | None = None
    recalled: bool = False
    reason: str | None = None
    """Why a missed check-in was missed: None (sent, not answered), ``paused``, ``not linked``…"""
    answered_at: dt.datetime | None = None

    @property
    def answered(self) -> bool:
        return self.status == ANSWERED


@dataclass(frozen=True)
class Trajectory:
    ref: str
    baseline: Measures | None
    points: tuple[TimePoint, ...]
    mic: Mic
    category_ids: tuple[str, ...]
    patient_status: str = "active"
    linked: bool = True

    @property
    def follow_ups(self) -> tuple[TimePoint, ...]:
        return tuple(p for p in self.points if p.day is not None)

    @property
    def answered(self) -> tuple[TimePoint, ...]:
        return tuple(p for p in self.follow_ups if p.answered)

    @property
    def latest(self) -> TimePoint | None:
        answered = self.answered
        return answered[-1] if answered else None

    def pain_change(self, point: TimePoint, item: str) -> Change | None:
        """Leg or back pain at ``point`` against baseline, with whether the MIC was reached."""
        if self.baseline is None:
            return None
        value, base = getattr(point.measures, item), getattr(self.baseline, item)
        if value is None or base is None:
            return None
        return Change(value, base, value - base, mic_reached(base, value, self.mic))

    def walking_change(self, point: TimePoint) -> int | None:
        """Categories gained (> 0) or lost (< 0) since before surgery."""
        if self.baseline is None:
            return None
        now, before = point.measures.walking, self.baseline.walking
        if now not in self.category_ids or before not in self.category_ids:
            return None
        return self.category_ids.index(now) - self.category_ids.index(before)


@dataclass(frozen=True)
class TimePointSummary:
    """The cohort at one planned time point.

    ``due`` counts check-ins whose outcome is known (answered or missed), so the response
    rate is not diluted by check-ins still open (``pending``) or not yet sent.
    """

    spec_id: str
    day: int | None
    due: int
    answered: int
    pending: int
    response_rate: float | None
    median_leg_pain: float | None
    median_back_pain: float | None
    median_walking: str | None
    mic_reached: int
    mic_assessed: int


@dataclass(frozen=True)
class CohortSummary:
    patients: int
    time_points: tuple[TimePointSummary, ...]
    open_flags: dict[str, int]


def mic_reached(baseline: float, value: float, mic: Mic = DEFAULT_MIC) -> bool | None:
    """Whether pain improved by ``mic.points`` or by ``mic.fraction`` of baseline.

    ``None`` when there was no pain before surgery and there is none now: nothing to
    improve. No pain before and some now is "not reached", as the day-90 rule sees it.
    """
    improvement = baseline - value
    if baseline <= 0:
        return None if improvement >= 0 else False
    return improvement >= mic.points or improvement >= mic.fraction * baseline


def mic_of(survey: Survey, question: str = "leg_pain") -> Mic:
    """The MIC thresholds of the survey's ``mic_not_reached`` rule for ``question``."""
    for rule in survey.rules:
        for check in rule.any_of:
            if check.kind == "mic_not_reached" and check.question == question:
                return Mic(
                    points=check.points if check.points is not None else DEFAULT_MIC.points,
                    fraction=check.fraction if check.fraction is not None else DEFAULT_MIC.fraction,
                )
    return DEFAULT_MIC


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _category(value: Any) -> str | None:
    return _str(value.get("category")) if isinstance(value, Mapping) else None


def measures_of(answers: Mapping[str, Any]) -> Measures:
    """Read recovery measures from one check-in's answers (follow-up or baseline form)."""
    numbness = _str(answers.get("numbness"))
    before = answers.get("numbness_before")
    if numbness is None and isinstance(before, bool):
        numbness = "present" if before else "none"
    return Measures(
        leg_pain=_int(answers.get("leg_pain")),
        back_pain=_int(answers.get("back_pain")),
        numbness=numbness,
        walking=_category(answers.get("walking")),
        pgic=_str(answers.get("pgic")),
    )


def trajectory(
    survey: Survey,
    ref: str,
    checkins: Iterable[CheckinRecord],
    answers: Mapping[int, Mapping[str, Any]],
    *,
    patient_status: str = "active",
    linked: bool = True,
) -> Trajectory:
    """One patient's check-ins in time order; ``answers`` maps answered check-in ids."""
    ordered = sorted(checkins, key=lambda c: (c.day is not None, c.day or 0, c.due_at, c.id))
    points = []
    baseline: Measures | None = None
    for checkin in ordered:
        if checkin.status == "cancelled":
            continue
        given = answers.get(checkin.id, {}) if checkin.status == ANSWERED else {}
        point = TimePoint(
            spec_id=checkin.spec_id,
            day=checkin.day,
            status=checkin.status,
            measures=measures_of(given),
            answered_by=checkin.answered_by,
            recalled=checkin.recalled,
            reason=checkin.last_error if checkin.status == MISSED else None,
            answered_at=checkin.completed_at if checkin.status == ANSWERED else None,
        )
        if checkin.day is None and point.answered:
            baseline = point.measures
        points.append(point)
    return Trajectory(
        ref=ref,
        baseline=baseline,
        points=tuple(points),
        mic=mic_of(survey),
        category_ids=tuple(c.id for c in survey.distance_categories),
        patient_status=patient_status,
        linked=linked,
    )


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def cohort_summary(
    survey: Survey, trajectories: Sequence[Trajectory], flags: Iterable[FlagRecord]
) -> CohortSummary:
    """Median leg/back pain and walking category, response rate and MIC per time point."""
    categories = tuple(c.id for c in survey.distance_categories)
    summaries = []
    for spec in survey.schedule.checkins:
        points = [(t, p) for t in trajectories for p in t.points if p.spec_id == spec.id]
        answered = [(t, p) for t, p in points if p.answered]
        due = len(answered) + sum(1 for _, p in points if p.status == MISSED)
        legs = [p.measures.leg_pain for _, p in answered if p.measures.leg_pain is not None]
        backs = [p.measures.back_pain for _, p in answered if p.measures.back_pain is not None]
        ranks = [categories.index(p.measures.walking) for _, p in answered
                 if p.measures.walking in categories]  # fmt: skip
        changes = [t.pain_change(p, "leg_pain") for t, p in answered] if spec.day else []
        assessed = [c for c in changes if c is not None and c.mic_reached is not None]
        summaries.append(
            TimePointSummary(
                spec_id=spec.id,
                day=spec.day,
                due=due,
                answered=len(answered),
                pending=sum(1 for _, p in points if p.status in PENDING),
                response_rate=len(answered) / due if due else None,
                median_leg_pain=_median(legs),
                median_back_pain=_median(backs),
                median_walking=categories[statistics.median_low(ranks)] if ranks else None,
                mic_reached=sum(1 for c in assessed if c.mic_reached),
                mic_assessed=len(assessed),
            )
        )
    open_flags = dict.fromkeys(LEVELS, 0)
    for flag in flags:
        if flag.status != "resolved":
            open_flags[flag.level] = open_flags.get(flag.level, 0) + 1
    return CohortSummary(len(trajectories), tuple(summaries), open_flags)
