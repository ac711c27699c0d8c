"""Stored check-ins as the exports see them: one check-in with its live answers, in the
patient's local time, de-identified, answers in the order the form asks them."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot.export.deidentify import Deidentifier
from storage.export.queries import ExportedAnswerRow
from surveys.model import Question, Survey

__all__ = ["ExportedAnswer", "ExportedCheckin", "group_checkins", "iso"]


def iso(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


@dataclass(frozen=True, slots=True)
class ExportedAnswer:
    question_id: str
    question: Question | None
    """None when the question is not in the loaded survey definition (another version)."""
    value: Any
    raw: str | None
    survey_version: str
    answered_at: dt.datetime
    answered_by: str


@dataclass(frozen=True, slots=True)
class ExportedCheckin:
    patient_id: int
    patient_ref: str
    survey_id: str
    survey_version: str
    checkin_id: int
    spec_id: str
    form: str
    day: int | None
    surgery_date: dt.date
    planned_at: dt.datetime
    status: str
    completed_at: dt.datetime | None
    answered_by: str | None
    recalled: bool
    answers: tuple[ExportedAnswer, ...]

    def answered_day(self, answer: ExportedAnswer) -> int:
        return (answer.answered_at.date() - self.surgery_date).days

    def values(self) -> dict[str, Any]:
        return {a.question_id: a.value for a in self.answers}


async def group_checkins(
    rows: AsyncIterator[ExportedAnswerRow], survey: Survey, deidentify: Deidentifier
) -> AsyncIterator[ExportedCheckin]:
    """Fold adjacent rows of one check-in into one :class:`ExportedCheckin`."""
    order = {form.id: {q.id: (i, q) for i, q in enumerate(form.questions)} for form in survey.forms}
    head: ExportedAnswerRow | None = None
    answers: list[ExportedAnswerRow] = []
    async for row in rows:
        if head is not None and row.checkin_id != head.checkin_id:
            yield _checkin(head, answers, order.get(head.form, {}), deidentify)
            answers = []
        head = row
        if row.question_id is not None:
            answers.append(row)
    if head is not None:
        yield _checkin(head, answers, order.get(head.form, {}), deidentify)


def _checkin(
    head: ExportedAnswerRow,
    rows: list[ExportedAnswerRow],
    order: dict[str, tuple[int, Question]],
    deidentify: Deidentifier,
) -> ExportedCheckin:
    ref = head.patient_ref
    local = deidentify.localiser(ref, head.timezone)
    far = (len(order), None)
    placed = [(order.get(r.question_id or "", far), r) for r in rows]
    placed.sort(key=lambda p: (p[0][0], p[1].answered_at))
    answers = tuple(
        ExportedAnswer(
            r.question_id or "",
            question,
            r.value,
            r.raw,
            r.survey_version or head.enrolment_version,
            local(r.answered_at) if r.answered_at else head.due_at,
            r.answered_by or "patient",
        )
        for (_, question), r in placed
    )
    completed = head.completed_at
    return ExportedCheckin(
        patient_id=head.patient_id,
        patient_ref=ref,
        survey_id=head.survey_id,
        survey_version=answers[0].survey_version if answers else head.enrolment_version,
        checkin_id=head.checkin_id,
        spec_id=head.spec_id,
        form=head.form,
        day=head.day,
        surgery_date=deidentify.date(ref, head.surgery_date),
        planned_at=local(head.due_at),
        status=head.status,
        completed_at=None if completed is None else local(completed),
        answered_by=head.checkin_answered_by or (answers[0].answered_by if answers else None),
        recalled=head.recalled,
        answers=answers,
    )
