"""Queries behind the nurses' web dashboard: who needs attention, and the ward's figures.

Each query reads only what a page shows, through the indexes the scheduler already
uses (``flag(status, level)``, ``checkin(status, due_at)``, ``checkin(enrolment_id)``), so
the worklist stays fast with a hundred thousand patients. Values are returned raw; what
they mean (urgency, "watch" signals, percentiles) is decided in ``bot/web``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, Checkin, Enrolment, Flag, Patient
from storage.records import FlagRecord, PatientRecord

__all__ = [
    "AnswerCounts",
    "CallCandidate",
    "CheckinOutcome",
    "GivenAnswer",
    "PatientContext",
    "PatientPain",
    "answer_histograms",
    "answers_of_enrolment",
    "checkin_outcomes",
    "flag_counts",
    "flags_of_patient",
    "paired_leg_pain",
    "patient_contexts",
    "patients_to_call",
    "recent_pain",
    "red_acknowledge_minutes",
    "unresolved_flags",
    "without_parallel_workers",
]

UNRESOLVED = ("open", "acknowledged")
STREAM_BATCH = 1000


@dataclass(frozen=True)
class PatientContext:
    """What a worklist row shows about a patient beside the reason."""

    patient: PatientRecord
    surgery_date: dt.date | None
    enrolment_status: str | None
    last_answer_at: dt.datetime | None


@dataclass(frozen=True)
class PatientPain:
    """Leg and back pain of one enrolment's completed follow-ups, oldest first."""

    patient_id: int
    ref: str
    spec_ids: tuple[str, ...]
    leg: tuple[int | None, ...]
    back: tuple[int | None, ...]


@dataclass(frozen=True)
class AnswerCounts:
    """How many current answers had each value, per check-in spec (a histogram)."""

    by_spec: dict[str, dict[str, int]]


@dataclass(frozen=True)
class CallCandidate:
    """A patient to phone: never opened the invite, or a status that needs a call."""

    patient_id: int
    ref: str
    status: str
    linked: bool


@dataclass(frozen=True)
class CheckinOutcome:
    spec_id: str
    status: str
    count: int


async def without_parallel_workers(session: AsyncSession) -> None:
    """Keep the rest of this transaction's queries on one CPU (PostgreSQL runs large scans
    with parallel workers otherwise), leaving the others to pages served meanwhile. For the
    dashboard's background refreshes, where taking longer costs nothing (measured in
    docs/dashboard.md). Nothing to do on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


async def unresolved_flags(session: AsyncSession, limit: int = 2000) -> list[FlagRecord]:
    """Open and acknowledged flags of every level, oldest first."""
    rows = await session.execute(
        select(Flag, Patient.ref)
        .join(Patient, Patient.id == Flag.patient_id)
        .where(Flag.status.in_(UNRESOLVED))
        .order_by(Flag.raised_at, Flag.id)
        .limit(limit)
    )
    return [FlagRecord.of(row, ref) for row, ref in rows.all()]


async def flags_of_patient(session: AsyncSession, patient_id: int) -> list[FlagRecord]:
    """Every flag of one patient, newest first."""
    rows = await session.execute(
        select(Flag, Patient.ref)
        .join(Patient, Patient.id == Flag.patient_id)
        .where(Flag.patient_id == patient_id)
        .order_by(Flag.raised_at.desc(), Flag.id.desc())
    )
    return [FlagRecord.of(row, ref) for row, ref in rows.all()]


async def patient_contexts(
    session: AsyncSession, patient_ids: Collection[int]
) -> dict[int, PatientContext]:
    """Surgery date of the current enrolment and the time of the last answer, per patient
    (one query: the last answer is a correlated subquery on ``checkin(enrolment_id)``)."""
    if not patient_ids:
        return {}
    last_answer = (
        select(func.max(Checkin.completed_at))
        .where(Checkin.enrolment_id == Enrolment.id, Checkin.status == "completed")
        .correlate(Enrolment)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Patient, Enrolment.surgery_date, Enrolment.status, last_answer)
        .outerjoin(
            Enrolment, and_(Enrolment.patient_id == Patient.id, Enrolment.status != "withdrawn")
        )
        .where(Patient.id.in_(sorted(set(patient_ids))))
        .order_by(Patient.id, Enrolment.enrolled_at, Enrolment.id)
    )
    found: dict[int, PatientContext] = {}
    for patient, surgery_date, status, last in rows.all():
        found[patient.id] = PatientContext(PatientRecord.of(patient), surgery_date, status, last)
    return found  # the newest enrolment of each patient came last, so it stayed


async def patients_to_call(
    session: AsyncSession, *, invited_before: dt.datetime, statuses: Sequence[str]
) -> list[CallCandidate]:
    """Active enrolments whose patient never opened the invite (enrolled before
    ``invited_before``) or whose patient status is one of ``statuses``."""
    rows = await session.execute(
        select(Patient.id, Patient.ref, Patient.status, Patient.chat_id.is_not(None))
        .join(Enrolment, Enrolment.patient_id == Patient.id)
        .where(
            Enrolment.status == "active",
            or_(
                and_(Patient.chat_id.is_(None), Enrolment.enrolled_at < invited_before),
                Patient.status.in_(statuses),
            ),
        )
        .distinct()
    )
    return [CallCandidate(*row) for row in rows.all()]


async def recent_pain(session: AsyncSession, *, since: dt.datetime) -> list[PatientPain]:
    """Pain answers of every follow-up of enrolments with a check-in answered since ``since``
    (found through ``checkin(status, due_at)``: a check-in closes within days of its due time).

    One row per check-in (leg and back pain side by side), streamed in batches, each
    patient's tuple built as soon as their rows have passed: for a large ward (tens of
    thousands of check-ins) the event loop serves other requests between batches, and few
    objects outlive the batch that made them."""
    recent = (
        select(Checkin.enrolment_id)
        .where(
            Checkin.status == "completed",
            Checkin.due_at >= since - dt.timedelta(days=7),
            Checkin.completed_at >= since,
            Checkin.day.is_not(None),
        )
        .distinct()
        .subquery()
    )
    value = cast(Answer.value, String)
    rows = await session.stream(
        select(
            Enrolment.patient_id,
            Patient.ref,
            Checkin.spec_id,
            func.max(case((Answer.question_id == "leg_pain", value))),
            func.max(case((Answer.question_id == "back_pain", value))),
        )
        .join(Enrolment, Enrolment.id == Checkin.enrolment_id)
        .join(Patient, Patient.id == Enrolment.patient_id)
        .join(Answer, Answer.checkin_id == Checkin.id)
        .where(
            Checkin.enrolment_id.in_(select(recent.c.enrolment_id)),
            Checkin.status == "completed",
            Checkin.day.is_not(None),
            Answer.question_id.in_(("leg_pain", "back_pain")),
            Answer.superseded_at.is_(None),
        )
        .group_by(Enrolment.patient_id, Patient.ref, Checkin.id, Checkin.spec_id, Checkin.due_at)
        .order_by(Enrolment.patient_id, Checkin.due_at, Checkin.id)
    )
    pains: list[PatientPain] = []
    patient: tuple[int, str] | None = None
    specs: list[str] = []
    legs: list[int | None] = []
    backs: list[int | None] = []
    async for batch in rows.partitions(STREAM_BATCH):  # awaiting each lets pages be served
        for patient_id, ref, spec_id, leg, back in batch:
            if patient is None or patient[0] != patient_id:
                if patient is not None:
                    pains.append(PatientPain(*patient, tuple(specs), tuple(legs), tuple(backs)))
                patient, specs, legs, backs = (patient_id, ref), [], [], []
            specs.append(spec_id)
            legs.append(_integer(leg))
            backs.append(_integer(back))
    if patient is not None:
        pains.append(PatientPain(*patient, tuple(specs), tuple(legs), tuple(backs)))
    return pains


def _integer(raw: Any) -> int | None:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return None


async def answer_histograms(
    session: AsyncSession, questions: Mapping[str, str | None]
) -> dict[str, AnswerCounts]:
    """Counts of each current answer per check-in spec, for each question of ``questions``
    (question id → the field to read of an answer stored as an object, such as the walking
    category, or None for the answer itself). One pass over the answers for all of them."""
    value = cast(Answer.value, String)
    fields = [(Answer.question_id == q, Answer.value[key].as_string()) for q, key in
              questions.items() if key is not None]  # fmt: skip
    answer = (case(*fields, else_=value) if fields else value).label("answer")
    rows = await session.execute(
        select(Answer.question_id, Checkin.spec_id, answer, func.count())
        .join(Checkin, Checkin.id == Answer.checkin_id)
        .where(
            Answer.question_id.in_(list(questions)),
            Answer.superseded_at.is_(None),
            Checkin.status == "completed",
        )
        .group_by(Answer.question_id, Checkin.spec_id, answer)
    )
    counts: dict[str, dict[str, dict[str, int]]] = {q: defaultdict(dict) for q in questions}
    for question, spec_id, given, count in rows.all():
        if given is not None:
            shown = str(given).strip('"')
            by_value = counts[question][spec_id]
            by_value[shown] = by_value.get(shown, 0) + int(count)
    return {q: AnswerCounts(dict(by_spec)) for q, by_spec in counts.items()}


async def checkin_outcomes(session: AsyncSession) -> list[CheckinOutcome]:
    """How many check-ins of each spec are in each status."""
    rows = await session.execute(
        select(Checkin.spec_id, Checkin.status, func.count()).group_by(
            Checkin.spec_id, Checkin.status
        )
    )
    return [CheckinOutcome(spec, status, int(count)) for spec, status, count in rows.all()]


async def red_acknowledge_minutes(session: AsyncSession) -> list[float]:
    """Minutes from raising to acknowledging, for every acknowledged red flag."""
    rows = await session.execute(
        select(Flag.raised_at, Flag.acknowledged_at).where(
            Flag.level == "red", Flag.acknowledged_at.is_not(None)
        )
    )
    return [(ack - raised).total_seconds() / 60 for raised, ack in rows.all() if ack is not None]


async def flag_counts(session: AsyncSession) -> dict[str, int]:
    """How many flags were ever raised, per level."""
    rows = await session.execute(select(Flag.level, func.count()).group_by(Flag.level))
    return {level: int(count) for level, count in rows.all()}


@dataclass(frozen=True)
class GivenAnswer:
    checkin_id: int
    question_id: str
    raw: str | None
    value: Any
    answered_at: dt.datetime


async def answers_of_enrolment(session: AsyncSession, enrolment_id: int) -> list[GivenAnswer]:
    """Every current answer of one enrolment's check-ins, in the order given."""
    rows = await session.execute(
        select(Answer.checkin_id, Answer.question_id, Answer.raw, Answer.value, Answer.answered_at)
        .join(Checkin, Checkin.id == Answer.checkin_id)
        .where(Checkin.enrolment_id == enrolment_id, Answer.superseded_at.is_(None))
        .order_by(Answer.answered_at, Answer.id)
    )
    return [GivenAnswer(*row) for row in rows.all()]


async def paired_leg_pain(session: AsyncSession, spec_id: str) -> list[tuple[int, int]]:
    """(before surgery, at ``spec_id``) leg pain of every enrolment that answered both."""
    from sqlalchemy.orm import aliased

    base_checkin, base_answer = aliased(Checkin), aliased(Answer)
    rows = await session.execute(
        select(
            cast(base_answer.value, String).label("before"),
            cast(Answer.value, String).label("after"),
        )
        .select_from(Checkin)
        .join(Answer, Answer.checkin_id == Checkin.id)
        .join(
            base_checkin,
            and_(
                base_checkin.enrolment_id == Checkin.enrolment_id,
                base_checkin.day.is_(None),
                base_checkin.status == "completed",
            ),
        )
        .join(base_answer, base_answer.checkin_id == base_checkin.id)
        .where(
            Checkin.spec_id == spec_id,
            Checkin.status == "completed",
            Answer.question_id == "leg_pain",
            Answer.superseded_at.is_(None),
            base_answer.question_id == "leg_pain",
            base_answer.superseded_at.is_(None),
        )
    )
    pairs = []
    for before, after in rows.all():
        b, a = _integer(before), _integer(after)
        if b is not None and a is not None:
            pairs.append((b, a))
    return pairs
