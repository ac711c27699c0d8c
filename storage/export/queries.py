"""Streaming reads for the data exports: constant memory whatever the size of the cohort.

Each function yields plain rows through a server-side cursor in batches, so an export of a
million check-ins never holds more than one batch. The answers query, the one with millions of
rows, is read through the driver's own cursor (``storage.export.cursor``) and converted here.
Telegram ids, usernames and invite tokens are never selected.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, Text, and_, cast, select
from sqlalchemy.ext.asyncio import AsyncResult, AsyncSession

from storage.export.cursor import driver_batches
from storage.models import Answer, Checkin, Enrolment, Flag, Patient

__all__ = [
    "BATCH",
    "ExportFilter",
    "ExportedAnswerRow",
    "ExportedFlag",
    "ExportedPatient",
    "answer_rows_statement",
    "stream_answer_rows",
    "stream_flags",
    "stream_patients",
]

BATCH = 5_000
"""Rows fetched per round trip from the server-side cursor."""

NOT_HAPPENED = ("scheduled", "sending", "cancelled")
"""Check-in statuses that are not a time point the patient was asked at."""


@dataclass(frozen=True)
class ExportFilter:
    """Which data an export covers: check-ins planned (and flags raised) from ``since``
    (UTC midnight), for the patients whose references are listed (all when empty)."""

    since: dt.date | None = None
    patient_refs: tuple[str, ...] = ()

    def since_at(self) -> dt.datetime | None:
        if self.since is None:
            return None
        return dt.datetime.combine(self.since, dt.time(), dt.UTC)


@dataclass(frozen=True, slots=True)
class ExportedPatient:
    id: int
    ref: str
    language: str
    timezone: str


class ExportedAnswerRow(NamedTuple):
    """One check-in with one of its live answers (``question_id`` None: no answer yet).

    A named tuple: built from the driver's row in one step (millions of them per export).
    ``value`` may be shared between rows with the same stored JSON: read it, never change it.
    """

    patient_id: int
    patient_ref: str
    timezone: str
    surgery_date: dt.date
    survey_id: str
    enrolment_version: str
    checkin_id: int
    spec_id: str
    form: str
    day: int | None
    due_at: dt.datetime
    status: str
    completed_at: dt.datetime | None
    checkin_answered_by: str | None
    recalled: bool
    question_id: str | None
    raw: str | None
    value: Any
    survey_version: str | None
    answered_at: dt.datetime | None
    answered_by: str | None


@dataclass(frozen=True, slots=True)
class ExportedFlag:
    id: int
    patient_id: int
    patient_ref: str
    timezone: str
    surgery_date: dt.date | None
    spec_id: str | None
    day: int | None
    rule_id: str
    level: str
    evidence: dict[str, Any]
    status: str
    raised_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    resolution_note: str | None


def _patients_clause(selection: ExportFilter) -> list[ColumnElement[bool]]:
    return [Patient.ref.in_(selection.patient_refs)] if selection.patient_refs else []


async def stream_patients(
    session: AsyncSession, selection: ExportFilter
) -> AsyncIterator[ExportedPatient]:
    """Patients in reference order (pseudonymous fields only)."""
    statement = (
        select(Patient.id, Patient.ref, Patient.language, Patient.timezone)
        .where(*_patients_clause(selection))
        .order_by(Patient.ref)
    )
    async for batch in (await _stream(session, statement)).partitions():
        for row in batch:
            yield ExportedPatient(*row)


def answer_rows_statement(
    selection: ExportFilter, statuses: Collection[str] | None = None, *, json_text: bool = False
) -> Select[*tuple[Any, ...]]:
    """Check-ins that happened, each joined with its live answers, grouped by check-in.

    ``json_text``: the answer's value as its JSON text (the reader decodes it, once per
    distinct value, instead of the driver once per row).
    """
    where: list[ColumnElement[bool]] = [Checkin.status.not_in(NOT_HAPPENED)]
    if statuses is not None:
        where = [Checkin.status.in_(tuple(statuses))]
    since = selection.since_at()
    if since is not None:
        where.append(Checkin.due_at >= since)
    return (
        select(
            Patient.id,
            Patient.ref,
            Patient.timezone,
            Enrolment.surgery_date,
            Enrolment.survey_id,
            Enrolment.survey_version,
            Checkin.id,
            Checkin.spec_id,
            Checkin.form,
            Checkin.day,
            Checkin.due_at,
            Checkin.status,
            Checkin.completed_at,
            Checkin.answered_by,
            Checkin.recalled,
            Answer.question_id,
            Answer.raw,
            cast(Answer.value, Text) if json_text else Answer.value,
            Answer.survey_version,
            Answer.answered_at,
            Answer.answered_by,
        )
        .select_from(Checkin)
        .join(Enrolment, Enrolment.id == Checkin.enrolment_id)
        .join(Patient, Patient.id == Enrolment.patient_id)
        .outerjoin(Answer, and_(Answer.checkin_id == Checkin.id, Answer.superseded_at.is_(None)))
        .where(*where, *_patients_clause(selection))
        .order_by(Checkin.id)
    )


async def stream_answer_rows(
    session: AsyncSession,
    selection: ExportFilter,
    statuses: Collection[str] | None = None,
) -> AsyncIterator[ExportedAnswerRow]:
    """Every check-in that happened with its live answers; a check-in's rows are adjacent.

    ``statuses`` narrows the check-ins (e.g. ``("completed",)``).
    """
    connection = await session.connection()
    postgres = connection.dialect.driver == "asyncpg"
    statement = answer_rows_statement(selection, statuses, json_text=postgres)
    flavour, batches = await driver_batches(connection, statement, BATCH)
    convert = (
        _sqlite_answer_row() if flavour == "sqlite"
        else _postgres_answer_row() if flavour == "postgresql"
        else ExportedAnswerRow._make
    )  # fmt: skip
    async with aclosing(batches):  # the cursor closes here, even when the reader stops early
        async for batch in batches:  # one round trip per batch, not per row
            for row in batch:
                yield convert(row)


def _postgres_answer_row() -> Callable[[Sequence[Any]], ExportedAnswerRow]:
    """asyncpg's values are already Python's, except the value's JSON text (cached decode)."""
    decode = functools.lru_cache(maxsize=4096)(json.loads)

    def convert(r: Sequence[Any]) -> ExportedAnswerRow:
        value = r[17]
        value = None if value is None else decode(value)
        return ExportedAnswerRow._make((*r[:17], value, *r[18:]))

    return convert


def _sqlite_answer_row() -> Callable[[Sequence[Any]], ExportedAnswerRow]:
    """Converts sqlite3's values as SQLAlchemy's types would (UTC times, dates, JSON, bools).

    The caches are this export's own: a check-in's rows repeat its times, and answers repeat
    a few JSON values (a pain score, a choice) over and over.
    """
    cached = functools.lru_cache(maxsize=4096)
    decode = cached(json.loads)
    date = cached(dt.date.fromisoformat)

    @cached
    def utc(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)

    def convert(r: Sequence[Any]) -> ExportedAnswerRow:
        completed, value, answered = r[12], r[17], r[19]
        if isinstance(value, str):  # a JSON number comes back as one (numeric affinity)
            value = decode(value)
        return ExportedAnswerRow(
            r[0], r[1], r[2], date(r[3]), r[4], r[5], r[6], r[7], r[8], r[9], utc(r[10]),
            r[11], None if completed is None else utc(completed), r[13], bool(r[14]),
            r[15], r[16], value, r[18],
            None if answered is None else utc(answered), r[20],
        )  # fmt: skip

    return convert


async def stream_flags(
    session: AsyncSession, selection: ExportFilter
) -> AsyncIterator[ExportedFlag]:
    """Flags in the order they were raised, with the time point they belong to."""
    where = _patients_clause(selection)
    since = selection.since_at()
    if since is not None:
        where.append(Flag.raised_at >= since)
    enrolment_of_checkin = Enrolment.id == Checkin.enrolment_id
    statement = (
        select(
            Flag.id,
            Flag.patient_id,
            Patient.ref,
            Patient.timezone,
            Enrolment.surgery_date,
            Checkin.spec_id,
            Checkin.day,
            Flag.rule_id,
            Flag.level,
            Flag.evidence,
            Flag.status,
            Flag.raised_at,
            Flag.acknowledged_by,
            Flag.acknowledged_at,
            Flag.resolved_by,
            Flag.resolved_at,
            Flag.resolution_note,
        )
        .select_from(Flag)
        .join(Patient, Patient.id == Flag.patient_id)
        .outerjoin(Checkin, Checkin.id == Flag.checkin_id)
        .outerjoin(Enrolment, enrolment_of_checkin)
        .where(*where)
        .order_by(Flag.id)
    )
    async for batch in (await _stream(session, statement)).partitions():
        for row in batch:
            yield ExportedFlag(*row)


async def _stream(
    session: AsyncSession, statement: Select[*tuple[Any, ...]]
) -> AsyncResult[*tuple[Any, ...]]:
    # Core rows straight from the connection: the ORM's row loading is not needed here.
    connection = await session.connection()
    return await connection.stream(statement.execution_options(yield_per=BATCH))
