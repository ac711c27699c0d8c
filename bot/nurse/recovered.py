"""Flags whose answer has since recovered, so an old amber flag stops reading as current.

A flag raised on a question (leg pain, walking …) has recovered when every later completed
check-in that answered the question raised no flag on it, and at least one did: the digest
and lists then say "Leg pain 2 since day 28", and a nurse may resolve them all at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.nurse.cards import question_name, value_words
from bot.nurse.texts import t
from storage.models import Answer, Checkin, Flag
from storage.records import FlagRecord
from surveys.model import Language, Survey

__all__ = ["Recovered", "recovered_flags", "recovery_note"]


@dataclass(frozen=True)
class Recovered:
    question: str
    value: Any
    since_day: int | None


async def recovered_flags(
    session: AsyncSession, flags: Sequence[FlagRecord]
) -> dict[int, Recovered]:
    """Which of ``flags`` (unresolved) have recovered, by flag id."""
    found: dict[int, Recovered] = {}
    for flag in flags:
        question = flag.evidence.get("question")
        if flag.level == "red" or flag.checkin_id is None or not isinstance(question, str):
            continue
        since = await _recovered(session, flag, question)
        if since is not None:
            found[flag.id] = since
    return found


async def _recovered(session: AsyncSession, flag: FlagRecord, question: str) -> Recovered | None:
    raised_on = await session.get(Checkin, flag.checkin_id)
    if raised_on is None:
        return None
    answered = (
        await session.execute(
            select(Checkin.id, Checkin.day, Answer.value)
            .join(Answer, Answer.checkin_id == Checkin.id)
            .where(
                Checkin.enrolment_id == raised_on.enrolment_id,
                Checkin.status == "completed",
                Checkin.due_at > raised_on.due_at,
                Answer.question_id == question,
                Answer.superseded_at.is_(None),
            )
            .order_by(Checkin.due_at, Checkin.id)
        )
    ).all()
    later = [row for row in answered if row.value is not None]  # a skipped answer says nothing
    if not later:
        return None
    flagged = {
        checkin_id
        for checkin_id, evidence in (
            await session.execute(
                select(Flag.checkin_id, Flag.evidence).where(
                    Flag.patient_id == flag.patient_id,
                    Flag.checkin_id.in_([row.id for row in later]),
                )
            )
        ).all()
        if isinstance(evidence, dict) and evidence.get("question") == question
    }
    start: int | None = None  # where the last run of unflagged answers begins
    for index, row in enumerate(later):
        if row.id in flagged:
            start = None
        elif start is None:
            start = index
    if start is None:
        return None
    return Recovered(question, later[-1].value, later[start].day)


def recovery_note(survey: Survey, recovered: Recovered, lang: Language) -> str:
    """``Leg pain 2 since day 28``."""
    form_question = next(
        (q for f in survey.forms for q in f.questions if q.id == recovered.question), None
    )
    value = value_words(survey, form_question, recovered.value, lang)
    when = t("day {day}", lang, day=recovered.since_day) if recovered.since_day is not None else ""
    return t("{what} {value} since {when}", lang, what=question_name(recovered.question, lang),
             value=value, when=when)  # fmt: skip
