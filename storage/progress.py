"""What a patient's own progress needs: their completed check-ins' live answers, at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, Checkin

__all__ = ["completed_answers"]

_COMPLETED_ANSWERS = (
    select(Answer.checkin_id, Answer.question_id, Answer.value)
    .join(Checkin, Checkin.id == Answer.checkin_id)
    .where(
        Checkin.enrolment_id == bindparam("enrolment_id"),
        Checkin.status == "completed",
        Answer.superseded_at.is_(None),
    )
    .order_by(Answer.id)
)


async def completed_answers(session: AsyncSession, enrolment_id: int) -> dict[int, dict[str, Any]]:
    """Live answers of every completed check-in of the enrolment, by check-in id."""
    found: dict[int, dict[str, Any]] = {}
    rows = await session.execute(_COMPLETED_ANSWERS, {"enrolment_id": enrolment_id})
    for checkin_id, question_id, value in rows.all():
        found.setdefault(checkin_id, {})[question_id] = value
    return found
