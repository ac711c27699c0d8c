"""Erasing a patient's data on request: health data and the chat link go, a stub stays.

Deleted: every enrolment with its check-ins, answers and invites, the patient's flags and
outbox messages. Kept: the patient row as a stub (its pseudonymous reference, its creation
time, status ``erased``, no chat, no consent), so the audit trail — which holds ids and rule
names, never free text — still resolves, and the reference cannot be reused by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, Checkin, Enrolment, Flag, Invite, OutboxMessage, Patient

__all__ = ["ERASED", "Erased", "erase_patient"]

ERASED = "erased"


@dataclass(frozen=True)
class Erased:
    enrolments: int
    checkins: int
    answers: int
    flags: int
    outbox: int


async def erase_patient(session: AsyncSession, patient_id: int) -> Erased:
    """Delete the patient's health data and unlink the chat, in the caller's transaction."""
    enrolments = select(Enrolment.id).where(Enrolment.patient_id == patient_id)
    checkins = select(Checkin.id).where(Checkin.enrolment_id.in_(enrolments))

    async def gone(statement: object) -> int:
        result = await session.execute(statement)  # type: ignore[call-overload]
        return int(result.rowcount)

    answers = await gone(delete(Answer).where(Answer.checkin_id.in_(checkins)))
    flags = await gone(delete(Flag).where(Flag.patient_id == patient_id))
    checkin_count = await gone(delete(Checkin).where(Checkin.enrolment_id.in_(enrolments)))
    await gone(delete(Invite).where(Invite.enrolment_id.in_(enrolments)))
    outbox = await gone(delete(OutboxMessage).where(OutboxMessage.patient_id == patient_id))
    enrolment_count = await gone(delete(Enrolment).where(Enrolment.patient_id == patient_id))
    await session.execute(
        update(Patient)
        .where(Patient.id == patient_id)
        .values(
            chat_id=None,
            status=ERASED,
            consented_at=None,
            language_confirmed=False,
            linked_at=None,
            send_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return Erased(enrolment_count, checkin_count, answers, flags, outbox)
