"""Bring a patient's next check-in forward to now (``/checkin CODE``, ``followup checkin now``).

The scheduler sends it (quiet hours still apply); its window and reminders stay. Answers
are one line in the nurse's language.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.nurse.access import Nurse
from bot.nurse.statuses import patient_state
from bot.nurse.summary import point_name
from bot.nurse.texts import NT
from storage.audit import record_audit
from storage.checkins import checkins_for_enrolment, open_checkin, update_checkin
from storage.patients import active_enrolment, patient_by_ref
from surveys.model import Language

__all__ = ["bring_checkin_forward"]


def _point(day: int | None, language: Language) -> str:
    """``day 7`` / ``术后第7天`` as it reads inside a sentence."""
    name = point_name(day, language)
    return name.lower() if language == "en" else name


async def bring_checkin_forward(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    nurse: Nurse,
    ref: str,
    say: Language = "en",
) -> tuple[bool, str]:
    """Make the next scheduled check-in of ``ref`` due now; whether it was, and what to say."""
    now = clock.now()
    async with sessions.begin() as session:
        patient = await patient_by_ref(session, ref.strip())
        enrolment = await active_enrolment(session, patient.id) if patient else None
        if patient is None or enrolment is None:
            return False, NT.checkin_unknown.format(say, ref=ref.strip())
        if patient.chat_id is None:
            return False, NT.checkin_not_linked.format(say, ref=patient.ref)
        if patient.status != "active" or enrolment.status != "active":
            status = patient_state(patient.status, True, say)
            return False, NT.checkin_not_active.format(say, ref=patient.ref, status=status)
        current = await open_checkin(session, enrolment.id, now)
        if current is not None:
            point = _point(current.day, say)
            return False, NT.checkin_open.format(say, ref=patient.ref, point=point)
        planned = [c for c in await checkins_for_enrolment(session, enrolment.id)
                   if c.status == "scheduled"]  # fmt: skip
        if not planned:
            return False, NT.checkin_none_left.format(say, ref=patient.ref)
        checkin = min(planned, key=lambda c: (c.due_at, c.id))
        if checkin.due_at > now:
            await update_checkin(session, checkin.id, expect_status=("scheduled",), due_at=now)
        await record_audit(
            session, at=now, actor=nurse.actor, action="checkin.sent_now", entity="checkin",
            entity_id=checkin.id, detail={"patient": patient.ref, "spec": checkin.spec_id,
                                          "planned_for": checkin.due_at.isoformat()},
        )  # fmt: skip
    return True, NT.checkin_sent.format(say, point=_point(checkin.day, say), ref=patient.ref)
