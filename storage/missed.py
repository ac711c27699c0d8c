"""Queries for missed check-ins: windows that closed unanswered, and the misses the
consecutive-missed check has not seen yet.

Each starts from an index on ``checkin``: ``ix_checkin_status_closes`` (windows to close)
and ``ix_checkin_escalate_at`` (misses not yet seen).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Checkin, Enrolment, Patient, UTCDateTime

__all__ = [
    "CLOSABLE_STATUSES",
    "ClosedCheckin",
    "Closing",
    "closed_history",
    "mark_escalated",
    "mark_missed",
    "misses_to_escalate",
    "windows_to_close",
]

CLOSABLE_STATUSES = ("scheduled", "sent", "in_progress")


@dataclass(frozen=True)
class Closing:
    """An unfinished check-in whose window has closed, with what decides why it was missed."""

    checkin_id: int
    status: str
    patient_status: str
    enrolment_status: str
    linked: bool
    onboarded: bool


@dataclass(frozen=True)
class ClosedCheckin:
    checkin_id: int
    status: str
    last_error: str | None
    form: str
    day: int | None
    due_at: dt.datetime


def _at(value: dt.datetime) -> ColumnElement[dt.datetime]:
    return literal(value, UTCDateTime())


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def windows_to_close(session: AsyncSession, *, now: dt.datetime, limit: int) -> list[Closing]:
    """Unfinished check-ins whose window has closed, oldest first (at most ``limit``).

    One query per status, each an ordered range of ``ix_checkin_status_closes``: with the
    three statuses in one ``IN`` PostgreSQL misjudges how many rows match and sorts.
    """
    found: list[Closing] = []
    for status in CLOSABLE_STATUSES:
        rows = await session.execute(
            select(
                Checkin.id,
                Checkin.status,
                Patient.status,
                Enrolment.status,
                Patient.chat_id.is_not(None),
                and_(Patient.consented_at.is_not(None), Patient.language_confirmed.is_(True)),
            )
            .join(Enrolment, Enrolment.id == Checkin.enrolment_id)
            .join(Patient, Patient.id == Enrolment.patient_id)
            .where(Checkin.status == status, Checkin.closes_at <= _at(now))
            .order_by(Checkin.closes_at)
            .limit(limit - len(found))
        )
        found += [Closing(*row) for row in rows.all()]
        if len(found) >= limit:
            break
    return found


async def mark_missed(
    session: AsyncSession, checkin_ids: Collection[int], *, now: dt.datetime, reason: str | None
) -> list[int]:
    """Mark unfinished check-ins whose window closed as missed; returns those changed."""
    if not checkin_ids:
        return []
    result = await session.execute(
        update(Checkin)
        .where(
            Checkin.id.in_(list(checkin_ids)),
            Checkin.status.in_(CLOSABLE_STATUSES),
            Checkin.closes_at <= _at(now),
        )
        .values(status="missed", last_error=reason, next_reminder_at=None, escalate_at=now)
        .returning(Checkin.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all())


async def misses_to_escalate(session: AsyncSession, *, limit: int) -> list[tuple[int, int]]:
    """``(checkin_id, enrolment_id)`` of missed check-ins the streak check has not seen."""
    query = (
        select(Checkin.id, Checkin.enrolment_id)
        .where(Checkin.escalate_at.is_not(None), Checkin.status == "missed")
        .order_by(Checkin.escalate_at)
        .limit(limit)
    )
    if _postgres(session):
        query = query.with_for_update(skip_locked=True)
    return [(id_, enrolment_id) for id_, enrolment_id in (await session.execute(query)).all()]


async def mark_escalated(session: AsyncSession, checkin_ids: Collection[int]) -> None:
    """The streak check has seen these misses."""
    if checkin_ids:
        await session.execute(
            update(Checkin)
            .where(Checkin.id.in_(list(checkin_ids)))
            .values(escalate_at=None)
            .execution_options(synchronize_session=False)
        )


async def closed_history(session: AsyncSession, enrolment_id: int) -> list[ClosedCheckin]:
    """The enrolment's completed and missed check-ins, oldest first."""
    rows = await session.execute(
        select(
            Checkin.id,
            Checkin.status,
            Checkin.last_error,
            Checkin.form,
            Checkin.day,
            Checkin.due_at,
        )
        .where(Checkin.enrolment_id == enrolment_id, Checkin.status.in_(("completed", "missed")))
        .order_by(Checkin.due_at, Checkin.id)
    )
    return [ClosedCheckin(*row) for row in rows.all()]
