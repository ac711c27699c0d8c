"""Check-in rows: the plan, and the live state of a check-in's conversation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from storage.models import Checkin, Enrolment, Patient
from storage.records import CheckinRecord, EnrolmentRecord, PatientRecord

__all__ = [
    "OPEN_STATUSES",
    "PlannedLike",
    "add_planned_checkins",
    "checkin_with_patient",
    "checkins_for_enrolment",
    "delivered_while_sending",
    "get_checkin",
    "lock_checkin",
    "next_scheduled_due",
    "open_checkin",
    "set_message_id",
    "update_checkin",
    "update_held_checkin",
]

OPEN_STATUSES = ("sent", "in_progress")
_TABLE = cast("Table", Checkin.__table__)


class PlannedLike(Protocol):
    """What the plan gives storage (``surveys.schedule.PlannedCheckin`` fits)."""

    @property
    def spec_id(self) -> str: ...
    @property
    def form(self) -> str: ...
    @property
    def day(self) -> int | None: ...
    @property
    def due_at(self) -> dt.datetime: ...
    @property
    def closes_at(self) -> dt.datetime: ...
    @property
    def reminder_times(self) -> Sequence[dt.datetime]: ...


async def add_planned_checkins(
    session: AsyncSession,
    enrolment_id: int,
    planned: Iterable[PlannedLike],
    *,
    recalled_forms: Iterable[str] = (),
) -> list[CheckinRecord]:
    recalled = set(recalled_forms)
    rows = [
        Checkin(
            enrolment_id=enrolment_id,
            spec_id=p.spec_id,
            form=p.form,
            day=p.day,
            due_at=p.due_at,
            closes_at=p.closes_at,
            reminder_times=[t.isoformat() for t in p.reminder_times],
            status="scheduled",
            reminder_count=0,
            attempts=0,
            recalled=p.form in recalled,
        )
        for p in planned
    ]
    session.add_all(rows)
    await session.flush()
    return [CheckinRecord.of(r) for r in rows]


async def get_checkin(session: AsyncSession, checkin_id: int) -> CheckinRecord | None:
    row = await session.get(Checkin, checkin_id)
    return CheckinRecord.of(row) if row else None


async def checkin_with_patient(
    session: AsyncSession, checkin_id: int
) -> tuple[CheckinRecord, EnrolmentRecord, PatientRecord] | None:
    """A check-in with its enrolment and patient, in one query."""
    row = (await session.execute(_WITH_PATIENT, {"checkin_id": checkin_id})).first()
    if row is None:
        return None
    checkin, enrolment, patient = row
    return CheckinRecord.of(checkin), EnrolmentRecord.of(enrolment), PatientRecord.of(patient)


_WITH_PATIENT = (
    select(Checkin, Enrolment, Patient)
    .join(Enrolment, Enrolment.id == Checkin.enrolment_id)
    .join(Patient, Patient.id == Enrolment.patient_id)
    .where(Checkin.id == bindparam("checkin_id"))
)


async def lock_checkin(session: AsyncSession, checkin_id: int) -> CheckinRecord | None:
    """Read a check-in holding a row lock (PostgreSQL) so concurrent updates serialise."""
    row = (await session.execute(_LOCK, {"checkin_id": checkin_id})).first()
    return CheckinRecord.of(row) if row else None  # type: ignore[arg-type]  # same names


_LOCK = select(_TABLE).where(_TABLE.c.id == bindparam("checkin_id")).with_for_update()
"""Built once, on the table: every tap runs it, and a row is all a record needs (a mapped
object would cost the session's bookkeeping for nothing)."""


async def checkins_for_enrolment(session: AsyncSession, enrolment_id: int) -> list[CheckinRecord]:
    rows = await session.scalars(
        select(Checkin).where(Checkin.enrolment_id == enrolment_id).order_by(Checkin.due_at)
    )
    return [CheckinRecord.of(r) for r in rows.all()]


async def open_checkin(
    session: AsyncSession, enrolment_id: int, now: dt.datetime | None = None
) -> CheckinRecord | None:
    """The check-in the patient is answering (sent or in progress), oldest first.

    With ``now``, one whose window has closed no longer counts, even before the scheduler
    has marked it missed.
    """
    query = (
        select(Checkin)
        .where(Checkin.enrolment_id == enrolment_id, Checkin.status.in_(OPEN_STATUSES))
        .order_by(Checkin.due_at)
        .limit(1)
    )
    if now is not None:
        query = query.where(Checkin.closes_at > now)
    row = await session.scalar(query)
    return CheckinRecord.of(row) if row else None


async def delivered_while_sending(
    session: AsyncSession, enrolment_id: int, now: dt.datetime
) -> CheckinRecord | None:
    """A check-in still being sent whose question has reached the patient (a message id)."""
    row = await session.scalar(
        select(Checkin)
        .where(
            Checkin.enrolment_id == enrolment_id,
            Checkin.status == "sending",
            Checkin.message_id.is_not(None),
            Checkin.closes_at > now,
        )
        .order_by(Checkin.due_at)
        .limit(1)
    )
    return CheckinRecord.of(row) if row else None


async def next_scheduled_due(
    session: AsyncSession, enrolment_id: int, after: dt.datetime
) -> dt.datetime | None:
    """When the enrolment's next still scheduled check-in is due (after ``after``)."""
    due: dt.datetime | None = await session.scalar(
        select(func.min(Checkin.due_at)).where(
            Checkin.enrolment_id == enrolment_id,
            Checkin.status == "scheduled",
            Checkin.due_at > after,
        )
    )
    return due


_SET_MESSAGE_ID = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("checkin_id"))
    .values(message_id=bindparam("shown_in"))
)


async def set_message_id(session: AsyncSession, checkin_id: int, message_id: int) -> None:
    """Remember the message showing a check-in's question.

    A plain table update built once (a message is sent after almost every answer).
    """
    await session.execute(_SET_MESSAGE_ID, {"checkin_id": checkin_id, "shown_in": message_id})
    _expire_loaded(session, checkin_id)


async def update_checkin(
    session: AsyncSession, checkin_id: int, *, expect_status: Sequence[str] = (), **values: Any
) -> bool:
    """Set columns of one check-in; with ``expect_status`` only if it is still in one of them."""
    query = update(Checkin).where(Checkin.id == checkin_id)
    if expect_status:
        query = query.where(Checkin.status.in_(expect_status))
    result = await session.execute(query.values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def update_held_checkin(
    session: AsyncSession,
    checkin: CheckinRecord,
    *,
    expect_status: Sequence[str] = (),
    **values: Any,
) -> CheckinRecord | None:
    """:func:`update_checkin`, returning the check-in as it now reads (None if not updated).

    ``checkin`` must be the row as read under :func:`lock_checkin` in this transaction, so
    nobody else changed it since; the new record is then built without reading it again.
    A plain table update (the ORM's would evaluate its condition against the session's
    objects each time).
    """
    query = update(_TABLE).where(_TABLE.c.id == checkin.id)
    if expect_status:
        query = query.where(_TABLE.c.status.in_(expect_status))
    result = await session.execute(query.values(**values))
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    _expire_loaded(session, checkin.id)
    read_back: dict[str, Any] = {
        name: value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value
        for name, value in values.items()
    }
    return replace(checkin, **read_back)


def _expire_loaded(session: AsyncSession, checkin_id: int) -> None:
    """After a plain table update, make the session read the row again if it holds it."""
    loaded = session.identity_map.get(identity_key(Checkin, checkin_id))
    if loaded is not None:
        session.expire(loaded)
