"""Queries for the dispatcher: what is due, what to remind (what to close and escalate:
:mod:`storage.missed`).

Every query starts from an index on ``checkin``: ``ix_checkin_status_due`` (due and stale
claims) and ``ix_checkin_next_reminder`` (reminders).

Exactly-once dispatch: :func:`claim_due` turns ``scheduled`` rows into ``sending`` with
``UPDATE … WHERE id IN (…) AND status = 'scheduled' RETURNING``. On PostgreSQL the ids come
from a ``SELECT … FOR UPDATE SKIP LOCKED`` in the same transaction, so concurrent
dispatchers claim disjoint rows without waiting for each other; on SQLite the ids come from
a subquery of the same statement, which is atomic (one writer at a time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, exists, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.instances import abandoned
from storage.models import Checkin, Enrolment, Patient, UTCDateTime
from storage.records import PatientRecord

__all__ = [
    "Claim",
    "ReminderDue",
    "StaleClaim",
    "advance_reminder",
    "claim_due",
    "due_reminders",
    "give_up_claim",
    "mark_sent",
    "miss_closed_open",
    "patient_of_checkin",
    "patient_of_enrolment",
    "patient_timezones",
    "release_claim",
    "set_patient_unreachable",
    "stale_claims",
    "undo_reminder",
]

OPEN = ("sent", "in_progress")


@dataclass(frozen=True)
class Claim:
    """A check-in this process now owns (status ``sending``) until it marks the outcome."""

    checkin_id: int
    enrolment_id: int
    attempts: int
    claimed_at: dt.datetime
    reminder_times: tuple[dt.datetime, ...]


@dataclass(frozen=True)
class StaleClaim:
    """A ``sending`` claim left by a process that died (or stopped) mid-send."""

    checkin_id: int
    claimed_by: str | None
    claimed_at: dt.datetime
    message_id: int | None
    attempts: int
    reminder_times: tuple[dt.datetime, ...]


@dataclass(frozen=True)
class ReminderDue:
    checkin_id: int
    next_reminder_at: dt.datetime
    reminder_count: int
    reminder_times: tuple[dt.datetime, ...]


def _times(values: Sequence[str] | None) -> tuple[dt.datetime, ...]:
    return tuple(dt.datetime.fromisoformat(v) for v in values or ())


def _at(value: dt.datetime) -> ColumnElement[dt.datetime]:
    return literal(value, UTCDateTime())


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _owned(checkin_id: int, instance: str, claimed_at: dt.datetime) -> ColumnElement[bool]:
    """The check-in is still being sent under this very claim."""
    return and_(
        Checkin.id == checkin_id,
        Checkin.status == "sending",
        Checkin.claimed_by == instance,
        Checkin.claimed_at == _at(claimed_at),
    )


def _reachable(awake_zones: Collection[str]) -> ColumnElement[bool]:
    """The patient may be messaged now: active, linked, onboarded, in a zone outside quiet
    hours."""
    return and_(
        Enrolment.status == "active",
        Patient.status == "active",
        Patient.chat_id.is_not(None),
        Patient.consented_at.is_not(None),
        Patient.language_confirmed.is_(True),
        Patient.timezone.in_(list(awake_zones)),
    )


async def patient_timezones(session: AsyncSession) -> list[str]:
    """The timezones patients live in, one each (whatever their status: a patient resumed
    or relinked is in a zone already read)."""
    rows = await session.execute(select(Patient.timezone).distinct())
    return list(rows.scalars())


def _retry_ready(
    row: type[Checkin], now: dt.datetime, delays: Sequence[dt.timedelta]
) -> ColumnElement[bool]:
    """A released check-in waits ``delays[attempts - 1]`` (the last for more) after its try."""
    if not delays:
        return literal(True)
    waits = case(
        *[(row.attempts == n, _at(now - delay)) for n, delay in enumerate(delays, start=1)],
        else_=_at(now - delays[-1]),
    )
    return or_(row.attempts == 0, row.claimed_at.is_(None), row.claimed_at <= waits)


async def claim_due(
    session: AsyncSession,
    *,
    now: dt.datetime,
    instance: str,
    limit: int,
    awake_zones: Collection[str],
    retry_delays: Sequence[dt.timedelta] = (),
) -> list[Claim]:
    """Claim up to ``limit`` due check-ins, at most one per enrolment, oldest due first.

    Due means scheduled, ``due_at <= now < closes_at``, retried check-ins past their wait,
    and the patient reachable now. A check-in waits while an older one of its enrolment is
    open (or being sent) or still due itself, so a patient never gets two at once.
    """
    due = aliased(Checkin, name="due")
    other = aliased(Checkin, name="other")
    busy = exists().where(
        other.enrolment_id == due.enrolment_id,
        other.id != due.id,
        other.closes_at > _at(now),
        or_(
            other.status.in_(("sending", *OPEN)),
            and_(
                other.status == "scheduled",
                or_(other.due_at < due.due_at, and_(other.due_at == due.due_at, other.id < due.id)),
            ),
        ),
    )
    candidates = (
        select(due.id)
        .join(Enrolment, Enrolment.id == due.enrolment_id)
        .join(Patient, Patient.id == Enrolment.patient_id)
        .where(
            due.status == "scheduled",
            due.due_at <= _at(now),
            due.closes_at > _at(now),
            _retry_ready(due, now, retry_delays),
            _reachable(awake_zones),
            ~busy,
        )
        .order_by(due.due_at, due.id)
        .limit(limit)
    )
    chosen: Select[int] | list[int] = candidates
    if _postgres(session):
        # Lock first, in a statement of its own: inside ``IN (…)`` PostgreSQL may run the
        # locking subquery more than once and so update more than ``limit`` rows.
        locked = candidates.with_for_update(of=due, skip_locked=True)
        chosen = list((await session.scalars(locked)).all())
        if not chosen:
            return []
    result = await session.execute(
        update(Checkin)
        .where(Checkin.id.in_(chosen), Checkin.status == "scheduled")
        .values(status="sending", claimed_by=instance, claimed_at=now)
        .returning(Checkin.id, Checkin.enrolment_id, Checkin.attempts, Checkin.reminder_times)
        .execution_options(synchronize_session=False)
    )
    claims = [
        Claim(id_, enrolment_id, attempts, now, _times(times))
        for id_, enrolment_id, attempts, times in result.all()
    ]
    return sorted(claims, key=lambda c: c.checkin_id)


async def miss_closed_open(
    session: AsyncSession, enrolment_ids: Collection[int], *, now: dt.datetime
) -> list[int]:
    """Mark these enrolments' open check-ins whose window closed as missed (unanswered).

    Called with the claims, so the patient's answers go to the new check-in, not to an old
    one the closing job has not reached yet.
    """
    if not enrolment_ids:
        return []
    result = await session.execute(
        update(Checkin)
        .where(
            Checkin.enrolment_id.in_(list(enrolment_ids)),
            Checkin.status.in_(OPEN),
            Checkin.closes_at <= _at(now),
        )
        .values(status="missed", last_error=None, next_reminder_at=None, escalate_at=now)
        .returning(Checkin.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all())


async def mark_sent(
    session: AsyncSession,
    checkin_id: int,
    *,
    instance: str,
    claimed_at: dt.datetime,
    sent_at: dt.datetime,
    next_reminder_at: dt.datetime | None,
) -> bool:
    """``sending`` → ``sent``, only while the claim is still ours."""
    result = await session.execute(
        update(Checkin)
        .where(_owned(checkin_id, instance, claimed_at))
        .values(status="sent", sent_at=sent_at, next_reminder_at=next_reminder_at, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_claim(
    session: AsyncSession,
    checkin_id: int,
    *,
    instance: str,
    claimed_at: dt.datetime,
    error: str,
    count_attempt: bool,
    at_once: bool = False,
) -> bool:
    """``sending`` → ``scheduled`` to be tried again; ``claimed_at`` stays as the try's time
    (the retry waits from it), unless ``at_once`` (a dead process's claim: no wait)."""
    values: dict[str, object] = {
        "status": "scheduled",
        "claimed_by": None,
        "last_error": error[:200],
    }
    if count_attempt:
        values["attempts"] = Checkin.attempts + 1
    if at_once:
        values["claimed_at"] = None
    result = await session.execute(
        update(Checkin)
        .where(_owned(checkin_id, instance, claimed_at))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def give_up_claim(
    session: AsyncSession,
    checkin_id: int,
    *,
    instance: str,
    claimed_at: dt.datetime,
    reason: str,
) -> bool:
    """``sending`` → ``missed`` after too many failed tries (``last_error`` says why)."""
    result = await session.execute(
        update(Checkin)
        .where(_owned(checkin_id, instance, claimed_at))
        .values(
            status="missed",
            claimed_by=None,
            attempts=Checkin.attempts + 1,
            last_error=reason[:200],
            next_reminder_at=None,
            escalate_at=claimed_at,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def stale_claims(
    session: AsyncSession,
    *,
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int,
    own: str | None = None,
    in_hand: Collection[int] = (),
) -> list[StaleClaim]:
    """``sending`` claims to settle: their owner is gone (see :func:`storage.instances.
    abandoned`), or they are ``own`` claims past the lease that this process no longer has
    ``in_hand`` (a step that failed to record its outcome)."""
    expired = Checkin.claimed_at < _at(now - lease)
    recoverable = abandoned(Checkin.claimed_by, now, expired)
    if own is not None:
        recoverable = or_(recoverable, and_(Checkin.claimed_by == own, expired))
    if in_hand:
        recoverable = and_(recoverable, Checkin.id.not_in(list(in_hand)))
    rows = await session.execute(
        select(
            Checkin.id,
            Checkin.claimed_by,
            Checkin.claimed_at,
            Checkin.message_id,
            Checkin.attempts,
            Checkin.reminder_times,
        )
        .where(Checkin.status == "sending", Checkin.claimed_by.is_not(None), recoverable)
        .order_by(Checkin.claimed_at)
        .limit(limit)
    )
    return [
        StaleClaim(id_, by, at, message_id, attempts, _times(times))
        for id_, by, at, message_id, attempts, times in rows.all()
        if at is not None
    ]


async def due_reminders(
    session: AsyncSession, *, now: dt.datetime, limit: int, awake_zones: Collection[str]
) -> list[ReminderDue]:
    """Open check-ins whose next reminder time has come, for patients reachable now."""
    rows = await session.execute(
        select(Checkin.id, Checkin.next_reminder_at, Checkin.reminder_count, Checkin.reminder_times)
        .join(Enrolment, Enrolment.id == Checkin.enrolment_id)
        .join(Patient, Patient.id == Enrolment.patient_id)
        .where(
            Checkin.next_reminder_at <= _at(now),
            Checkin.status.in_(OPEN),
            Checkin.closes_at > _at(now),
            _reachable(awake_zones),
        )
        .order_by(Checkin.next_reminder_at, Checkin.id)
        .limit(limit)
    )
    return [
        ReminderDue(id_, at, count, _times(times))
        for id_, at, count, times in rows.all()
        if at is not None
    ]


async def advance_reminder(
    session: AsyncSession,
    checkin_id: int,
    *,
    expected_at: dt.datetime,
    count: int,
    next_at: dt.datetime | None,
) -> bool:
    """Claim one reminder: move ``next_reminder_at`` on, only if nobody else did first."""
    result = await session.execute(
        update(Checkin)
        .where(
            Checkin.id == checkin_id,
            Checkin.status.in_(OPEN),
            Checkin.next_reminder_at == _at(expected_at),
        )
        .values(reminder_count=count, next_reminder_at=next_at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def undo_reminder(
    session: AsyncSession,
    checkin_id: int,
    *,
    claimed_next_at: dt.datetime | None,
    restore_at: dt.datetime,
    restore_count: int,
) -> bool:
    """Give a reminder that could not be delivered back, unless the check-in moved on."""
    condition = (
        Checkin.next_reminder_at.is_(None)
        if claimed_next_at is None
        else Checkin.next_reminder_at == _at(claimed_next_at)
    )
    result = await session.execute(
        update(Checkin)
        .where(Checkin.id == checkin_id, Checkin.status.in_(OPEN), condition)
        .values(reminder_count=restore_count, next_reminder_at=restore_at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_patient_unreachable(session: AsyncSession, patient_id: int) -> bool:
    """An active patient becomes ``unreachable`` (e.g. they blocked the bot)."""
    result = await session.execute(
        update(Patient)
        .where(Patient.id == patient_id, Patient.status == "active")
        .values(status="unreachable")
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def patient_of_checkin(session: AsyncSession, checkin_id: int) -> PatientRecord | None:
    row = await session.scalar(
        select(Patient)
        .join(Enrolment, Enrolment.patient_id == Patient.id)
        .join(Checkin, Checkin.enrolment_id == Enrolment.id)
        .where(Checkin.id == checkin_id)
    )
    return PatientRecord.of(row) if row else None


async def patient_of_enrolment(session: AsyncSession, enrolment_id: int) -> PatientRecord | None:
    row = await session.scalar(
        select(Patient)
        .join(Enrolment, Enrolment.patient_id == Patient.id)
        .where(Enrolment.id == enrolment_id)
    )
    return PatientRecord.of(row) if row else None
