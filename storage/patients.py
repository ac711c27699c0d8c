"""Patients and their enrolments."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import cast

from sqlalchemy import ScalarSelect, SQLColumnExpression, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Enrolment, Patient
from storage.records import EnrolmentRecord, PatientRecord

__all__ = [
    "PatientExists",
    "active_enrolment",
    "change_patient_status",
    "create_enrolment",
    "create_patient",
    "get_enrolment",
    "get_patient",
    "list_patients",
    "patient_by_chat",
    "patient_by_ref",
    "patient_with_enrolment_by_chat",
    "update_enrolment",
    "update_patient",
]

_PATIENT, _ENROLMENT = cast("Table", Patient.__table__), cast("Table", Enrolment.__table__)
_NOT_WITHDRAWN = _ENROLMENT.c.status != "withdrawn"
_NEWEST_FIRST = (_ENROLMENT.c.enrolled_at.desc(), _ENROLMENT.c.id.desc())
"""An enrolment is active unless withdrawn; a patient's newest one is theirs now (on the
table's columns: they serve ORM and plain queries alike)."""


class PatientExists(ValueError):
    """A patient with this reference code is already enrolled."""


async def create_patient(
    session: AsyncSession,
    *,
    ref: str,
    language: str,
    timezone: str,
    now: dt.datetime,
    send_at: str | None = None,
) -> PatientRecord:
    if await session.scalar(select(Patient.id).where(Patient.ref == ref)) is not None:
        raise PatientExists(ref)
    row = Patient(
        ref=ref,
        language=language,
        timezone=timezone,
        send_at=send_at,
        status="active",
        language_confirmed=False,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return PatientRecord.of(row)


async def get_patient(session: AsyncSession, patient_id: int) -> PatientRecord | None:
    row = await session.get(Patient, patient_id)
    return PatientRecord.of(row) if row else None


async def patient_by_ref(session: AsyncSession, ref: str) -> PatientRecord | None:
    row = await session.scalar(select(Patient).where(Patient.ref == ref))
    return PatientRecord.of(row) if row else None


async def patient_by_chat(session: AsyncSession, chat_id: int) -> PatientRecord | None:
    row = await session.scalar(select(Patient).where(Patient.chat_id == chat_id))
    return PatientRecord.of(row) if row else None


async def patient_with_enrolment_by_chat(
    session: AsyncSession, chat_id: int
) -> tuple[PatientRecord, EnrolmentRecord | None] | None:
    """The chat's patient and their :func:`active_enrolment`, in one round trip."""
    row = (await session.execute(_WITH_ENROLMENT_BY_CHAT, {"chat_id": chat_id})).first()
    if row is None:
        return None
    split = len(_PATIENT_COLUMNS)
    enrolment = EnrolmentRecord(*row[split:]) if row[split] is not None else None
    return PatientRecord(*row[:split]), enrolment


async def update_patient(session: AsyncSession, patient_id: int, **values: object) -> None:
    """Set columns of one patient (e.g. ``chat_id``, ``language``, ``status``)."""
    await session.execute(update(Patient).where(Patient.id == patient_id).values(**values))


async def change_patient_status(
    session: AsyncSession, patient_id: int, *, from_statuses: tuple[str, ...], to_status: str
) -> bool:
    """Move one patient to ``to_status`` if their status is one of ``from_statuses``
    (checked in the update itself, so two processes cannot both change it)."""
    result = await session.execute(
        update(Patient)
        .where(Patient.id == patient_id, Patient.status.in_(from_statuses))
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_patients(
    session: AsyncSession,
) -> list[tuple[PatientRecord, EnrolmentRecord | None]]:
    rows = (await session.scalars(select(Patient).order_by(Patient.ref))).all()
    result = []
    for row in rows:
        result.append((PatientRecord.of(row), await active_enrolment(session, row.id)))
    return result


async def create_enrolment(
    session: AsyncSession,
    *,
    patient_id: int,
    surgery_date: dt.date,
    procedure: str,
    levels: str | None,
    survey_id: str,
    survey_version: str,
    caregiver_helps: bool,
    now: dt.datetime,
) -> EnrolmentRecord:
    row = Enrolment(
        patient_id=patient_id,
        surgery_date=surgery_date,
        procedure=procedure,
        levels=levels,
        survey_id=survey_id,
        survey_version=survey_version,
        caregiver_helps=caregiver_helps,
        status="active",
        enrolled_at=now,
    )
    session.add(row)
    await session.flush()
    return EnrolmentRecord.of(row)


async def update_enrolment(session: AsyncSession, enrolment_id: int, **values: object) -> None:
    """Set columns of one enrolment (e.g. ``surgery_date``, ``status``)."""
    await session.execute(update(Enrolment).where(Enrolment.id == enrolment_id).values(**values))


async def get_enrolment(session: AsyncSession, enrolment_id: int) -> EnrolmentRecord | None:
    row = await session.get(Enrolment, enrolment_id)
    return EnrolmentRecord.of(row) if row else None


async def active_enrolment(session: AsyncSession, patient_id: int) -> EnrolmentRecord | None:
    """The patient's current enrolment: the newest one not withdrawn."""
    row = await session.scalar(
        select(Enrolment)
        .where(Enrolment.patient_id == patient_id, _NOT_WITHDRAWN)
        .order_by(*_NEWEST_FIRST)
        .limit(1)
    )
    return EnrolmentRecord.of(row) if row else None


def _active_enrolment_id(patient_id: SQLColumnExpression[int]) -> ScalarSelect[int]:
    """The id :func:`active_enrolment` picks, as a subquery on ``patient_id``."""
    return (
        select(_ENROLMENT.c.id)
        .where(_ENROLMENT.c.patient_id == patient_id, _NOT_WITHDRAWN)
        .order_by(*_NEWEST_FIRST)
        .limit(1)
        .correlate_except(_ENROLMENT)
        .scalar_subquery()
    )


_PATIENT_COLUMNS = tuple(Patient.__mapper__.columns[f.name] for f in fields(PatientRecord))
_ENROLMENT_COLUMNS = tuple(Enrolment.__mapper__.columns[f.name] for f in fields(EnrolmentRecord))
_WITH_ENROLMENT_BY_CHAT = (
    select(*_PATIENT_COLUMNS, *_ENROLMENT_COLUMNS)
    .select_from(_PATIENT)
    .outerjoin(_ENROLMENT, _ENROLMENT.c.id == _active_enrolment_id(_PATIENT.c.id))
    .where(_PATIENT.c.chat_id == bindparam("chat_id"))
)
"""Built once: every patient action starts with it, and building it costs more than
SQLite takes to run it. On the tables' columns, in the records' field order: a row is all the
records need, and loading mapped objects (the session's identity map, their state) cost more
than the query."""
