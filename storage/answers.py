"""Answers. Changing an answer supersedes the old row; nothing is deleted."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import BindParameter, ScalarSelect, Select, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, Checkin, Enrolment
from storage.records import AnswerRecord

__all__ = [
    "answer_history",
    "current_answers",
    "latest_completed_values",
    "previous_and_baseline_values",
    "record_answer",
    "supersede_answer",
]


async def record_answer(
    session: AsyncSession,
    *,
    checkin_id: int,
    question_id: str,
    raw: str | None,
    value: Any,
    survey_version: str,
    answered_at: dt.datetime,
    answered_by: str,
    replaces: bool = True,
) -> None:
    """Store an answer, superseding any earlier live answer to the same question.

    ``replaces=False`` skips looking for one: the caller holds the check-in's row and has
    just read its live answers, none of them to this question.
    """
    if replaces:
        await supersede_answer(session, checkin_id, question_id, answered_at)
    await session.execute(
        _INSERT,
        {
            "checkin_id": checkin_id,
            "question_id": question_id,
            "raw": raw,
            "value": value,
            "survey_version": survey_version,
            "answered_at": answered_at,
            "answered_by": answered_by,
        },
    )


_INSERT = insert(cast("Table", Answer.__table__))
"""An insert on the table: every answer runs it, and the session's unit of work (a mapped
object, then a flush) costs more than the insert itself."""


async def supersede_answer(
    session: AsyncSession, checkin_id: int, question_id: str, at: dt.datetime
) -> None:
    await session.execute(
        update(Answer)
        .where(
            Answer.checkin_id == checkin_id,
            Answer.question_id == question_id,
            Answer.superseded_at.is_(None),
        )
        .values(superseded_at=at)
    )


_LIVE_ANSWERS = (
    select(Answer.question_id, Answer.value)
    .where(Answer.checkin_id == bindparam("checkin_id"), Answer.superseded_at.is_(None))
    .order_by(Answer.id)
)
"""Built once, like the other statements every answer runs: building one costs more than
SQLite takes to run it."""


async def current_answers(session: AsyncSession, checkin_id: int) -> dict[str, Any]:
    """Live answers of one check-in as ``{question_id: value}``."""
    rows = await session.execute(_LIVE_ANSWERS, {"checkin_id": checkin_id})
    return {question_id: value for question_id, value in rows.all()}


async def answer_history(session: AsyncSession, checkin_id: int) -> list[AnswerRecord]:
    rows = await session.scalars(
        select(Answer).where(Answer.checkin_id == checkin_id).order_by(Answer.id)
    )
    return [AnswerRecord.of(r) for r in rows.all()]


async def latest_completed_values(
    session: AsyncSession,
    enrolment_id: int,
    *,
    forms: tuple[str, ...] | None = None,
    before: dt.datetime | None = None,
    exclude_checkin: int | None = None,
) -> tuple[int | None, dict[str, Any]]:
    """Answers of the most recent completed check-in (optionally of given forms)."""
    checkin_id = await session.scalar(
        _latest_completed(enrolment_id, forms, before=before, exclude_checkin=exclude_checkin)
    )
    if checkin_id is None:
        return None, {}
    return checkin_id, await current_answers(session, checkin_id)


async def previous_and_baseline_values(
    session: AsyncSession,
    enrolment_id: int,
    *,
    follow_up_forms: tuple[str, ...],
    baseline_forms: tuple[str, ...],
    before: dt.datetime,
    exclude_checkin: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """In one query, what :func:`latest_completed_values` gives for the previous follow-up
    (of ``follow_up_forms``, due before ``before``) and for the baseline (``baseline_forms``).
    """
    rows = await session.execute(
        _PREVIOUS_AND_BASELINE,
        {
            "enrolment_id": enrolment_id,
            "follow_up_forms": follow_up_forms,
            "baseline_forms": baseline_forms,
            "before": before,
            "exclude_checkin": exclude_checkin,
        },
    )
    found: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    for of_previous, of_baseline, question_id, value in rows.all():
        if of_previous:
            found[0][question_id] = value
        if of_baseline:
            found[1][question_id] = value
    return found


def _latest_completed(
    enrolment_id: int | BindParameter[int],
    forms: tuple[str, ...] | BindParameter[tuple[str, ...]] | None,
    *,
    before: dt.datetime | BindParameter[dt.datetime] | None = None,
    exclude_checkin: int | BindParameter[int] | None = None,
) -> Select[int]:
    """The id of the enrolment's most recent completed check-in matching the filters."""
    query = (
        select(Checkin.id)
        .join(Enrolment, Enrolment.id == Checkin.enrolment_id)
        .where(Checkin.enrolment_id == enrolment_id, Checkin.status == "completed")
        .order_by(Checkin.due_at.desc(), Checkin.id.desc())
        .limit(1)
    )
    if forms is not None:
        query = query.where(Checkin.form.in_(forms))
    if before is not None:
        query = query.where(Checkin.due_at < before)
    if exclude_checkin is not None:
        query = query.where(Checkin.id != exclude_checkin)
    return query


def _previous_and_baseline() -> Select[bool, bool, str, Any]:
    """Answers of either check-in, each row saying whose (the subqueries are not correlated,
    so they are not run again for each row)."""

    def latest(forms: str, *, before: bool) -> ScalarSelect[int]:
        return _latest_completed(
            bindparam("enrolment_id"),
            bindparam(forms, expanding=True),
            before=bindparam("before") if before else None,
            exclude_checkin=bindparam("exclude_checkin"),
        ).scalar_subquery()

    previous = latest("follow_up_forms", before=True)
    baseline = latest("baseline_forms", before=False)
    return (
        select(
            Answer.checkin_id == previous,
            Answer.checkin_id == baseline,
            Answer.question_id,
            Answer.value,
        )
        .where(Answer.checkin_id.in_([previous, baseline]), Answer.superseded_at.is_(None))
        .order_by(Answer.id)
    )


_PREVIOUS_AND_BASELINE = _previous_and_baseline()
