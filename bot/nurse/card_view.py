"""Everything a nurse card shows, read from storage in one place.

A card is the view of its flags: the flags themselves (rule, evidence, who acted) and, for
a check-in, every live answer with the patient's own words, the previous follow-up's value
(and its day) and the value before surgery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.flagging import baseline_forms
from storage.answers import latest_completed_values
from storage.cards import flags_of_card, get_card
from storage.checkins import get_checkin
from storage.models import Answer
from storage.records import FlagRecord, NurseCardRecord
from surveys.model import Question, Survey

__all__ = ["AnswerView", "CardView", "load_card_view"]


@dataclass(frozen=True)
class AnswerView:
    """One live answer of the card's check-in and what it is compared with."""

    question_id: str
    question: Question | None
    value: Any
    raw: str | None
    previous: Any = None
    previous_day: int | None = None
    """Day post-op of the previous follow-up (None: there was none, or not answered there)."""
    has_previous: bool = False
    baseline: Any = None
    has_baseline: bool = False


@dataclass(frozen=True)
class CardView:
    card: NurseCardRecord
    patient_ref: str
    day: int | None
    flags: tuple[FlagRecord, ...]
    answers: tuple[AnswerView, ...] = ()
    answered_by: str = "patient"

    @property
    def unresolved(self) -> tuple[FlagRecord, ...]:
        return tuple(f for f in self.flags if f.status != "resolved")

    @property
    def status(self) -> str:
        """open while any flag is open; acknowledged while any is unresolved; else resolved."""
        if any(f.status == "open" for f in self.flags):
            return "open"
        return "acknowledged" if self.unresolved else "resolved"

    @property
    def level(self) -> str:
        """The most urgent level among the flags still unresolved (or among all of them)."""
        flags = self.unresolved or self.flags
        for level in ("red", "amber", "info"):
            if any(f.level == level for f in flags):
                return level
        return "info"


async def load_card_view(session: AsyncSession, survey: Survey, card_id: int) -> CardView | None:
    card = await get_card(session, card_id)
    if card is None:
        return None
    flags = tuple(await flags_of_card(session, card_id))
    ref = flags[0].patient_ref if flags else "?"
    day = next((f.evidence["day_post_op"] for f in flags
                if isinstance(f.evidence.get("day_post_op"), int)), None)  # fmt: skip
    checkin = await get_checkin(session, card.checkin_id) if card.checkin_id else None
    if checkin is None or not card.source_key.startswith("checkin:"):
        return CardView(card, ref, day, flags)
    rows = await session.scalars(
        select(Answer)
        .where(Answer.checkin_id == checkin.id, Answer.superseded_at.is_(None))
        .order_by(Answer.id)
    )
    live = {row.question_id: row for row in rows.all()}
    baselines = baseline_forms(survey)
    follow_ups = tuple(f.id for f in survey.forms if f.id not in baselines)
    previous_id, previous = await latest_completed_values(
        session, checkin.enrolment_id, forms=follow_ups, before=checkin.due_at,
        exclude_checkin=checkin.id,
    )  # fmt: skip
    previous_checkin = await get_checkin(session, previous_id) if previous_id else None
    _, baseline = await latest_completed_values(
        session, checkin.enrolment_id, forms=baselines, exclude_checkin=checkin.id
    )
    try:
        questions = survey.form(checkin.form).questions
    except KeyError:
        questions = ()
    order = {q.id: i for i, q in enumerate(questions)}
    answers = tuple(
        AnswerView(
            question_id=qid,
            question=next((q for q in questions if q.id == qid), None),
            value=row.value,
            raw=row.raw,
            previous=previous.get(qid),
            previous_day=previous_checkin.day if previous_checkin else None,
            has_previous=qid in previous,
            baseline=baseline.get(qid),
            has_baseline=qid in baseline,
        )
        for qid, row in sorted(live.items(), key=lambda item: order.get(item[0], 99))
    )
    return CardView(card, ref, checkin.day if day is None else day, flags, answers,
                    checkin.answered_by or "patient")  # fmt: skip
