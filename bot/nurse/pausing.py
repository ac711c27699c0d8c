"""A nurse pauses or resumes a patient's check-ins (dashboard, ``followup patient pause``).

The rule is the patient's own /stop and /resume (:mod:`bot.services.pausing`); here it is
applied under the nurse's name (audit actor ``web:<name>``, ``cli:<name>``, ``tg:<id>``)
with the answer in the nurse's language.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.nurse.access import Nurse
from bot.nurse.statuses import patient_state
from bot.nurse.texts import NT
from bot.services.pausing import set_checkins_paused
from storage.patients import patient_by_ref
from surveys.model import Language

__all__ = ["pause_or_resume"]


async def pause_or_resume(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    nurse: Nurse,
    ref: str,
    *,
    pause: bool,
    say: Language = "en",
) -> tuple[bool, str]:
    """Pause (or resume) the check-ins of ``ref``; whether it changed, and what to say."""
    async with sessions.begin() as session:
        patient = await patient_by_ref(session, ref.strip())
        if patient is None:
            return False, NT.patient_unknown.format(say, ref=ref.strip())
        changed = await set_checkins_paused(
            session, patient, paused=pause, actor=nurse.actor, at=clock.now()
        )
    if changed:
        return True, (NT.paused if pause else NT.resumed).format(say, ref=patient.ref)
    if not pause:
        return False, NT.not_paused.format(say, ref=patient.ref)
    if patient.status == "paused":
        return False, NT.paused.format(say, ref=patient.ref)
    status = patient_state(patient.status, patient.chat_id is not None, say)
    return False, NT.not_pausable.format(say, ref=patient.ref, status=status)
